package teacup.ip;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * IPv4-to-Ethernet address cache (RFC 826) with resolution state: entries expire, unanswered
 * requests are retried a few times, and frames waiting for an answer are held in a bounded
 * queue per address. Pure state: the IP layer sends the requests and the released frames.
 */
final class ArpCache {
    /** Returned by {@link #lookup} when there is no usable entry; no 48-bit MAC equals it. */
    static final long UNRESOLVED = -1L;

    /**
     * {@code maxPending}: addresses being resolved at once, at most. Pending entries are never
     * evicted, and each may make room for itself by evicting a resolved one; without this bound a
     * flood of packets to addresses nobody holds (SYN-ACKs to spoofed on-link sources) would push
     * every known neighbour out of the table and leave no room to resolve a real one.
     */
    record Settings(long reachableNanos, long retryNanos, int attempts, int queuePerAddress, int maxEntries, int maxPending) {
        static final Settings DEFAULT = new Settings(60_000_000_000L, 1_000_000_000L, 3, 64, 1024, 256);
    }

    /** A frame waiting for its next hop's MAC: a private copy, destination MAC still blank. */
    record Waiting(byte[] frame, int length) {}

    private static final class Entry {
        long mac = UNRESOLVED;
        long expiresAt;
        int attempts;
        long nextAttemptAt;
        /** A transport's negative advice: not used again until re-validated, though not yet expired. */
        boolean suspect;
        ArrayDeque<Waiting> waiting;
    }

    private final Settings settings;
    private final Map<Integer, Entry> entries = new HashMap<>();
    /** Entries being resolved (no MAC, a request sent). */
    private int pending;
    // One-entry memo in front of the map: a connection sends to one next hop again and again,
    // and this avoids boxing the key on every packet.
    private int memoIp;
    private long memoMac = UNRESOLVED;
    private long memoExpiresAt;

    private final Listener listener;

    /** What the cache asks its owner to do while polling. */
    interface Listener {
        void sendRequest(int ip);

        /** RFC 1122 2.3.2.1: a unicast poll of the MAC {@code ip} had, the first try at re-validating it. */
        default void pollUnicast(int ip, long mac) {
            sendRequest(ip);
        }

        /** {@code ip} never answered: the frames that waited for it are dropped (the owner tells their senders). */
        void abandoned(long now, int ip, List<Waiting> frames);
    }

    ArpCache(Settings settings, Listener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    /** The MAC for {@code ip}, or {@link #UNRESOLVED}. */
    long lookup(int ip, long now) {
        if (memoMac != UNRESOLVED && memoIp == ip && now < memoExpiresAt) {
            return memoMac;
        }
        Entry e = entries.get(ip);
        if (e == null || e.mac == UNRESOLVED || now >= e.expiresAt || e.suspect) {
            return UNRESOLVED;
        }
        memoIp = ip;
        memoMac = e.mac;
        memoExpiresAt = e.expiresAt;
        return e.mac;
    }

    /**
     * Holds a frame until {@code ip} resolves. Returns false when the frame could not be held
     * (queue or table full, or {@link Settings#maxPending} addresses already being resolved).
     * Sends the first request itself when the address is new.
     */
    boolean hold(int ip, byte[] frame, int length, long now) {
        Entry e = entries.get(ip);
        if (e == null) {
            if (pending >= settings.maxPending() || entries.size() >= settings.maxEntries() && !evictOne(now)) {
                return false;
            }
            e = new Entry();
            entries.put(ip, e);
        }
        if (e.waiting == null) {
            e.waiting = new ArrayDeque<>();
        }
        if (e.waiting.size() >= settings.queuePerAddress()) {
            return false;
        }
        e.waiting.add(new Waiting(frame, length));
        if (e.attempts == 0 || e.mac != UNRESOLVED) {
            // New, or a stale resolved entry: start resolving again; a stale one is asked at its old MAC
            // first, the retries broadcast (RFC 1122 2.3.2.1's unicast poll).
            long stale = e.mac;
            pending++;
            e.mac = UNRESOLVED;
            e.suspect = false;
            e.attempts = 1;
            e.nextAttemptAt = now + settings.retryNanos();
            if (stale != UNRESOLVED) {
                listener.pollUnicast(ip, stale);
            } else {
                listener.sendRequest(ip);
            }
        }
        return true;
    }

    /**
     * Records {@code ip} is at {@code mac}. With {@code create} false only an existing entry is
     * updated (RFC 826's merge rule for packets not addressed to us). Returns the frames that
     * were waiting, for the caller to address and send.
     */
    List<Waiting> learn(int ip, long mac, long now, boolean create) {
        Entry e = entries.get(ip);
        if (e == null) {
            if (!create || (entries.size() >= settings.maxEntries() && !evictOne(now))) {
                return List.of();
            }
            e = new Entry();
            entries.put(ip, e);
        } else if (e.mac == UNRESOLVED && e.attempts > 0) {
            pending--;
        }
        e.mac = mac;
        e.expiresAt = now + settings.reachableNanos();
        e.attempts = 0;
        e.suspect = false;
        if (memoIp == ip) {
            memoMac = UNRESOLVED;
        }
        if (e.waiting == null || e.waiting.isEmpty()) {
            return List.of();
        }
        List<Waiting> released = new ArrayList<>(e.waiting);
        e.waiting = null;
        return released;
    }

    /**
     * RFC 1122 3.3.1.4 (negative advice, RFC 9293 MUST-20): a transport suspects the next hop
     * {@code ip}. Its entry goes stale now, so the next frame to it waits while it is re-validated,
     * unicast first; one that answers is learnt again, one that does not is abandoned as ever.
     */
    void suspect(int ip, long now) {
        Entry e = entries.get(ip);
        if (e != null && e.mac != UNRESOLVED) {
            e.suspect = true;
            if (memoIp == ip) {
                memoMac = UNRESOLVED;
            }
        }
    }

    /** Retries unanswered requests, gives up after the last attempt, forgets expired entries. */
    void poll(long now) {
        List<Map.Entry<Integer, Entry>> abandoned = null;
        Iterator<Map.Entry<Integer, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, Entry> me = it.next();
            Entry e = me.getValue();
            if (e.mac == UNRESOLVED) {
                if (now >= e.nextAttemptAt) {
                    if (e.attempts >= settings.attempts()) {
                        it.remove();
                        pending--;
                        if (abandoned == null) {
                            abandoned = new ArrayList<>();
                        }
                        abandoned.add(me);
                    } else {
                        e.attempts++;
                        e.nextAttemptAt = now + settings.retryNanos();
                        listener.sendRequest(me.getKey());
                    }
                }
            } else if (now >= e.expiresAt) {
                it.remove();
            }
        }
        if (memoMac != UNRESOLVED && now >= memoExpiresAt) {
            memoMac = UNRESOLVED;
        }
        // Told after the walk: what the listener does (a transport giving up) may send, and hold, again.
        for (int i = 0; abandoned != null && i < abandoned.size(); i++) {
            Entry e = abandoned.get(i).getValue();
            listener.abandoned(now, abandoned.get(i).getKey(), e.waiting == null ? List.of() : List.copyOf(e.waiting));
        }
    }

    long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Entry e : entries.values()) {
            next = Math.min(next, e.mac == UNRESOLVED ? e.nextAttemptAt : e.expiresAt);
        }
        return next;
    }

    int size() {
        return entries.size();
    }

    /** Addresses being resolved now. */
    int pending() {
        return pending;
    }

    private boolean evictOne(long now) {
        // Only resolved entries may be evicted; pending ones hold frames and finish soon anyway.
        Integer victim = null;
        long oldest = Long.MAX_VALUE;
        for (Map.Entry<Integer, Entry> me : entries.entrySet()) {
            Entry e = me.getValue();
            if (e.mac != UNRESOLVED && e.expiresAt < oldest) {
                oldest = e.expiresAt;
                victim = me.getKey();
            }
        }
        if (victim == null) {
            return false;
        }
        entries.remove(victim);
        if (memoIp == victim) {
            memoMac = UNRESOLVED;
        }
        return true;
    }
}
