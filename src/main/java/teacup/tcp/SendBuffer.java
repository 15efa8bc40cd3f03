package teacup.tcp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A connection's send buffer: a ring one application thread appends to and the event loop
 * sends from, with no lock between them (single producer, single consumer, positions volatile).
 * Bytes stay in the ring until acknowledged, so any of them can be sent again.
 *
 * <p>The ring is allocated by the first write, not before, so a connection that never carries
 * data (a half-open one, a SYN flood's) costs no buffer; {@link #discard} lets it go once nobody
 * will write or send again. It starts small ({@link Rings#INITIAL}) and the producer doubles it
 * when a write needs room, up to the capacity: the bytes not yet released are copied into the
 * new ring, which is then published through the volatile {@code ring} before any byte goes into
 * it and before {@code writePosition} moves. The consumer reads {@code writePosition} (or
 * {@code releasePosition}) before the ring, so it always finds the bytes it may send: in the new
 * ring, or still in the old one, which nobody writes to again.
 *
 * <p>A ring grows no larger than twice the largest window the peer has offered ({@link #peerWindow},
 * at least {@link #WINDOW_FLOOR}): a full window in flight and one more queued keep the path busy,
 * and more only pins memory for a peer that does not read. Growth beyond the first ring is taken
 * from the stack's {@link SendMemory}: when the budget is
 * spent the ring stays as it is and the buffer's room ({@link #free}) is what the ring has left, so
 * a writer waits for acknowledgments as it would at the capacity, and tries to grow again when it
 * next needs more than the ring. Under the budget's pressure a ring above its fair share
 * ({@link SendMemory#fairCeiling}) takes no more bytes than the share and moves into a ring of that
 * size once what it holds fits, its difference given back. A ring that has stayed empty is given back ({@link #releaseIfIdle},
 * by {@link IdleRings}) and taken again by the next write.
 */
public final class SendBuffer {
    /** The ring a peer's window never holds below: a few segments' worth, as Linux's first send buffer (tcp_wmem). */
    public static final int WINDOW_FLOOR = 16 * 1024;
    // Plain fields updated atomically, not Atomic* objects: an idle connection holds thousands of these buffers.
    private static final VarHandle ACCOUNTED;
    private static final VarHandle CLAIMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ACCOUNTED = lookup.findVarHandle(SendBuffer.class, "accounted", int.class);
            CLAIMED = lookup.findVarHandle(SendBuffer.class, "claimed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    private final SendMemory memory;
    /** The largest window the peer has offered (event loop writes, producer reads); unknown until the handshake. */
    private volatile int peerWindow = -1;
    private volatile byte[] ring;
    /** The most bytes the buffer takes now: the capacity, or the ring's size while the budget refused it more. */
    private volatile int ceiling;
    /** Ring bytes taken from {@link #memory}; -1 once discarded (no ring again). Producer grows it, {@link #discard} ends it. */
    private volatile int accounted;
    /**
     * Held by the writer through an append and by the loop while it lets an empty ring go: the one
     * moment the loop changes the ring the writer owns. Neither holds it for more than a copy.
     */
    private volatile boolean claimed;
    /** {@code writePosition} when {@link #releaseIfIdle} last found the ring empty; -1: it was not (loop-owned). */
    private long idleSince = -1;
    /** Total bytes the application has written (producer-owned). */
    private volatile long writePosition;
    /** Total bytes acknowledged and released (consumer-owned). */
    private volatile long releasePosition;
    /**
     * Stream position just past the latest urgent byte (SND.UP as a position, RFC 9293 3.8.5); 0 for none.
     * Written by the producer before the byte's {@code writePosition}, so no segment carries the byte unmarked.
     */
    private volatile long urgentEnd;

    /** {@code capacity} is rounded up to a power of two. */
    public SendBuffer(int capacity) {
        this(capacity, SendMemory.UNLIMITED);
    }

    /** A buffer whose ring grows within {@code memory}, the stack's budget. */
    public SendBuffer(int capacity, SendMemory memory) {
        this.capacity = Rings.capacity(capacity);
        this.memory = memory;
        this.ceiling = this.capacity;
    }

    public int capacity() {
        return capacity;
    }

    /** True while the ring is allocated (from the first byte until {@link #discard}). */
    public boolean allocated() {
        return ring != null;
    }

    /** Bytes the ring holds now (0 before the first write): it grows with need up to {@link #capacity}. */
    public int allocatedBytes() {
        byte[] r = ring;
        return r == null ? 0 : r.length;
    }

    /** The largest window the peer has offered so far (the sender tells it): the ring grows to twice it. */
    void peerWindow(int bytes) {
        peerWindow = bytes;
    }

    /** What the ring may grow to now: the capacity, or less while the peer's window is small. */
    private int growthLimit() {
        int window = peerWindow;
        if (window < 0) {
            return capacity;
        }
        return (int) Math.min(capacity, Math.max(WINDOW_FLOOR, 2L * window));
    }

    /**
     * Lets the ring go and gives its bytes back to the budget (the connection sends no more: it is
     * closed, or in TIME-WAIT with everything acknowledged); a later write takes nothing.
     */
    public void discard() {
        int held = (int) ACCOUNTED.getAndSet(this, -1);
        if (held > 0) {
            memory.giveRing(held);
        }
        ring = null;
    }

    /**
     * Lets the ring go once it has held nothing since the last call (every written byte acknowledged), its bytes back to the
     * budget: an idle connection keeps no buffer, and the next write takes a first ring again. The
     * writer may hold the ring it read between its check and its publishing of {@code writePosition},
     * so the two sides claim the buffer ({@link #claimed}); the loop never waits for it, it tries
     * again at the next sweep. Loop thread only; true when a ring was let go.
     */
    boolean releaseIfIdle() {
        long write = writePosition;
        if (ring == null || write != releasePosition) {
            idleSince = -1;
            return false;
        }
        if (idleSince != write) {
            idleSince = write; // empty now: let it go at the next call if nothing is written meanwhile
            return false;
        }
        if (!CLAIMED.compareAndSet(this, false, true)) {
            return false;
        }
        try {
            int held = accounted;
            if (ring == null || writePosition != releasePosition || held < 0) {
                return false;
            }
            accounted = 0;
            memory.giveRing(held);
            ring = null;
            ceiling = capacity;
            return true;
        } finally {
            claimed = false;
        }
    }

    // ---------------------------------------------------------------- application side

    /** Room for more bytes. */
    public int free() {
        return accounted < 0 ? 0 : Math.max(0, ceiling - (int) (writePosition - releasePosition));
    }

    /** Appends up to {@code len} bytes; returns how many fit (0 when full). */
    public int write(byte[] src, int off, int len) {
        return append(src, off, len, false);
    }

    /**
     * Appends one byte and marks it urgent (RFC 9293 3.8.5, MUST-62): the urgent pointer of the
     * segments that carry data up to it points just past it. Returns false when the buffer is full.
     */
    public boolean writeUrgent(byte b) {
        return append(new byte[] {b}, 0, 1, true) == 1;
    }

    private int append(byte[] src, int off, int len, boolean urgent) {
        while (!CLAIMED.compareAndSet(this, false, true)) {
            Thread.onSpinWait(); // the loop holds it for a few field reads and writes (releaseIfIdle)
        }
        try {
            return appendClaimed(src, off, len, urgent);
        } finally {
            claimed = false;
        }
    }

    private int appendClaimed(byte[] src, int off, int len, boolean urgent) {
        long write = writePosition;
        int n = Math.min(len, capacity - (int) (write - releasePosition));
        if (n <= 0) {
            return 0;
        }
        byte[] ring = this.ring;
        long release = releasePosition;
        if (ring != null && ring.length > Rings.INITIAL) {
            int fair = memory.fairCeiling();
            if (ring.length > fair) {
                // The budget is under pressure and this ring holds more than its share: it takes no
                // more than the share, and moves into a ring of that size once what it holds fits.
                ceiling = fair;
                if (write - release >= fair || (ring = moderate(ring, release, write, fair)) == null) {
                    return 0;
                }
                n = Math.min(n, fair - (int) (write - release));
            }
        }
        long needed = write + n - release;
        if (ring == null || needed > ring.length) {
            ring = grow(ring, release, write, needed);
            if (ring == null) {
                return 0;
            }
            n = (int) Math.min(n, ring.length - (write - release));
            if (n <= 0) {
                return 0;
            }
        }
        Rings.put(ring, write, src, off, n);
        if (urgent) {
            urgentEnd = write + n;
        }
        writePosition = write + n;
        return n;
    }

    /**
     * The ring to write {@code needed} unreleased bytes into: a larger one when the budget grants it,
     * else the one there is (its room is then all there is: {@link #ceiling}); null once discarded.
     */
    private byte[] grow(byte[] ring, long release, long write, long needed) {
        int had = accounted;
        if (had < 0) {
            return null;
        }
        int have = ring == null ? 0 : ring.length;
        int limit = Rings.capacity(growthLimit());
        int want = ring == null ? Rings.initial(limit, needed) : Math.max(have, Rings.sizeFor(have, limit, needed));
        if (want < needed && limit < capacity) {
            memory.heldToWindow(); // the peer's window, not the capacity, keeps this writer waiting
        }
        int size = want == have ? have : memory.grant(have, want);
        ceiling = size < needed ? size : capacity;
        if (size == have) {
            return ring;
        }
        if (!ACCOUNTED.compareAndSet(this, had, had + size - have)) {
            // Discarded meanwhile: nobody sends from this buffer again.
            if (have == 0) {
                memory.giveRing(size);
            } else {
                memory.give(size - have);
            }
            return null;
        }
        byte[] bigger = ring == null ? new byte[size] : Rings.grow(ring, release, write, size);
        this.ring = bigger;
        return bigger;
    }

    /**
     * The bytes from {@code release} to {@code write} into a ring of {@code size} (smaller than
     * {@code ring}, and they fit), the difference given back to the budget; published as
     * {@link #grow} publishes, so the consumer finds every byte it may send. Null once discarded.
     */
    private byte[] moderate(byte[] ring, long release, long write, int size) {
        int had = accounted;
        if (had < 0 || !ACCOUNTED.compareAndSet(this, had, had - (ring.length - size))) {
            return null;
        }
        byte[] smaller = Rings.grow(ring, release, write, size);
        memory.give(ring.length - size);
        this.ring = smaller;
        return smaller;
    }

    // ---------------------------------------------------------------- event-loop side

    /** Bytes written and not yet released: in flight plus not yet sent. */
    public int queued() {
        return (int) (writePosition - releasePosition);
    }

    /**
     * Copies {@code len} bytes starting {@code offset} bytes after the oldest unreleased byte
     * into {@code dst}. The range must lie within {@link #queued()}.
     */
    public void copyOut(int offset, byte[] dst, int dstOff, int len) {
        if (offset < 0 || len < 0 || (long) offset + len > queued()) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + len + " beyond " + queued() + " queued bytes");
        }
        if (len == 0) {
            return;
        }
        Rings.get(ring, releasePosition + offset, dst, dstOff, len);
    }

    /** Frees the {@code n} oldest bytes (they were acknowledged). */
    public void release(int n) {
        if (n < 0 || n > queued()) {
            throw new IllegalArgumentException("cannot release " + n + " of " + queued() + " queued bytes");
        }
        releasePosition = releasePosition + n;
    }

    /** Total bytes the application has written. */
    public long writePosition() {
        return writePosition;
    }

    /** Total bytes released. */
    public long releasePosition() {
        return releasePosition;
    }

    /**
     * Stream position just past the latest urgent byte while it is not yet acknowledged (the
     * sender is in urgent mode until SND.UNA passes SND.UP); 0 otherwise.
     */
    public long urgentEnd() {
        long end = urgentEnd;
        return end > releasePosition ? end : 0;
    }
}
