package teacup.tcp;

import java.util.function.Consumer;

/**
 * A map from a primitive {@code long} key to a value, by open addressing with linear probing, so
 * that a lookup on the receive path boxes nothing and allocates nothing. Removal shifts the
 * following run back instead of leaving tombstones, so lookups stay short however many
 * connections come and go.
 *
 * <p>The keys come from the network (a peer picks its address and port), so they are mixed with
 * a secret drawn at construction before they pick a slot: a peer cannot aim many keys at one run.
 * Not thread-safe; the event loop owns it.
 */
public final class ConnectionTable<V> {
    private static final int MIN_CAPACITY = 16;

    private final long secret;
    private long[] keys;
    private Object[] values;
    private int mask;
    private int size;

    public ConnectionTable(long secret) {
        this.secret = secret;
        this.keys = new long[MIN_CAPACITY];
        this.values = new Object[MIN_CAPACITY];
        this.mask = MIN_CAPACITY - 1;
    }

    public int size() {
        return size;
    }

    /** Slots allocated: at least twice {@link #size}, at most eight times it (or the minimum). */
    public int capacity() {
        return keys.length;
    }

    /** The value for {@code key}, or null. */
    @SuppressWarnings("unchecked")
    public V get(long key) {
        for (int i = slot(key); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return (V) v;
            }
        }
    }

    public boolean containsKey(long key) {
        return get(key) != null;
    }

    /** Maps {@code key} to {@code value} (not null); returns the value it replaced, or null. */
    @SuppressWarnings("unchecked")
    public V put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        int i = slot(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
        }
        keys[i] = key;
        values[i] = value;
        size++;
        // Half full at most keeps probe runs short for linear probing.
        if (size * 2 > keys.length) {
            resize(keys.length * 2);
        }
        return null;
    }

    /** Removes {@code key}; returns its value, or null when absent. */
    @SuppressWarnings("unchecked")
    public V remove(long key) {
        int i = slot(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                deleteAt(i);
                size--;
                // A burst (10,000 short connections each waiting out TIME-WAIT) grows the table to
                // tens of thousands of slots; give them back once it is mostly empty again. An
                // eighth full, halved, is a quarter full: far from growing again at a half.
                if (size * 8 < keys.length && keys.length > MIN_CAPACITY) {
                    resize(keys.length / 2);
                }
                return old;
            }
        }
        return null;
    }

    /** Calls {@code action} for every value; the table must not change meanwhile. */
    @SuppressWarnings("unchecked")
    public void forEach(Consumer<? super V> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    /** Empties the table, back to its smallest size. */
    public void clear() {
        keys = new long[MIN_CAPACITY];
        values = new Object[MIN_CAPACITY];
        mask = MIN_CAPACITY - 1;
        size = 0;
    }

    /**
     * Backward-shift deletion: entries after the hole that would no longer be found past it move
     * into it, until the run ends.
     */
    private void deleteAt(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            Object v = values[i];
            if (v == null) {
                break;
            }
            int home = slot(keys[i]);
            // Move it when its home is not in the cyclic range (hole, i].
            boolean homeAfterHole = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!homeAfterHole) {
                keys[hole] = keys[i];
                values[hole] = v;
                hole = i;
            }
        }
        values[hole] = null;
        keys[hole] = 0;
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        for (int j = 0; j < oldValues.length; j++) {
            if (oldValues[j] != null) {
                int i = slot(oldKeys[j]);
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    private int slot(long key) {
        // A 64-bit finalizer (the one SplitMix64 uses) over the key mixed with the secret.
        long z = key ^ secret;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        return (int) z & mask;
    }
}
