package teacup.tcp;

/**
 * A connection's receive buffer: a ring that the event loop fills and one application thread
 * drains, with no lock between them (single producer, single consumer; the two positions are
 * volatile, so bytes written before a position is published are visible after it is read).
 *
 * <p>Out-of-order data is written straight to its place in the ring and tracked by an
 * {@link Assembler}; it becomes readable once the gap before it fills. The free space beyond
 * the in-order point is the receive window the loop advertises.
 *
 * <p>The ring starts small and the loop doubles it when data arrives beyond its end, up to the
 * capacity (see {@link SendBuffer} for why, and why a reader still holding the old ring is safe):
 * the unread bytes and the out-of-order ranges are copied into the new ring, published through
 * the volatile {@code ring} before {@code writePosition} moves. A ring that has stayed empty is
 * given back ({@link #releaseIfIdle}, by {@link IdleRings}) and taken again by the next data.
 *
 * <p>The capacity itself moves too ({@link #resize}): {@link ReceiveSpace} grows it with the
 * measured bandwidth-delay product and brings it back once the connection is idle, never below
 * what is held and what the advertised window promised. It costs nothing until data fills it.
 */
public final class ReceiveBuffer {
    /** A power of two; the loop moves it ({@link #resize}); volatile for status readers on other threads. */
    private volatile int capacity;
    /** Allocated by the first data to arrive (see {@link SendBuffer} for why that is safe); null until then. */
    private volatile byte[] ring;
    private final Assembler outOfOrder;
    /** {@code writePosition} when {@link #releaseIfIdle} last found the ring empty; -1: it was not (loop-owned). */
    private long idleSince = -1;
    /** Total bytes the application has read (consumer-owned). */
    private volatile long readPosition;
    /** Total in-order bytes received (producer-owned). */
    private volatile long writePosition;
    /**
     * RCV.UP as a stream position: just past the latest urgent byte (RFC 9293 3.8.5, MUST-62); 0
     * for none. The loop only moves it on, and publishes it before the data it covers.
     */
    private volatile long urgentEnd;
    /** Times the urgent pointer advanced: each is a signal to the application (MUST-32). */
    private volatile long urgentSignals;
    /**
     * SO_OOBINLINE (the application's): on, the urgent byte stays in the stream (RFC 6093's advice);
     * off, the default as with Java's sockets on Linux, it is taken out and dropped, java.net having
     * no out-of-band read.
     */
    private volatile boolean oobInline;

    /** {@code capacity} is rounded up to a power of two. */
    public ReceiveBuffer(int capacity, int maxOutOfOrderRanges) {
        this.capacity = Rings.capacity(capacity);
        outOfOrder = new Assembler(maxOutOfOrderRanges);
    }

    public int capacity() {
        return capacity;
    }

    /** True while the ring is allocated (from the first byte until {@link #discard}). */
    public boolean allocated() {
        return ring != null;
    }

    /** Bytes the ring holds now (0 before the first data): it grows with need up to {@link #capacity}. */
    public int allocatedBytes() {
        byte[] r = ring;
        return r == null ? 0 : r.length;
    }

    /** Lets the ring go (the connection is over and nobody will read); later data would allocate it again. */
    public void discard() {
        ring = null;
    }

    /**
     * Lets the ring go once it has held nothing since the last call (every byte read, no out-of-order range): an idle
     * connection keeps no buffer, and the next data allocates a first ring again. Safe against
     * the reader: it touches the ring only for bytes between its position and {@code writePosition},
     * and there are none until the loop publishes a new ring with the next data. Loop thread only;
     * true when a ring was let go.
     */
    boolean releaseIfIdle() {
        long write = writePosition;
        if (ring == null || write != readPosition || !outOfOrder.isEmpty()) {
            idleSince = -1;
            return false;
        }
        if (idleSince != write) {
            idleSince = write; // empty now: let it go at the next call if nothing arrives meanwhile
            return false;
        }
        ring = null;
        return true;
    }

    // ---------------------------------------------------------------- event-loop side

    /**
     * The buffer may hold {@code space} bytes (a power of two) from now on, or the least power of
     * two above it that still holds what it has (unread and out of order) and the {@code promised}
     * bytes past the in-order point that the advertised window allows the peer to send.
     */
    void resize(int space, int promised) {
        long held = writePosition - readPosition + Math.max(promised, outOfOrder.highest());
        int next = space;
        while (next < held) {
            next <<= 1;
        }
        capacity = next;
    }

    /** In-order bytes not yet read (an urgent byte to drop included). */
    int unread() {
        return (int) (writePosition - readPosition);
    }

    /** Free space beyond the in-order point: what may be advertised as the window. */
    public int window() {
        return capacity - (int) (writePosition - readPosition);
    }

    /**
     * Stores {@code len} bytes that belong {@code offset} bytes past the in-order point (offset 0:
     * the next byte expected). Bytes beyond the window are cut off. Returns how far the in-order
     * point advanced (0 when the data filled no gap at the front), or -1 when the data was out of
     * order and there was no room to remember another range (it is then dropped).
     */
    public int accept(int offset, byte[] src, int off, int len) {
        if (offset < 0 || len < 0) {
            throw new IllegalArgumentException("negative offset or length");
        }
        long write = writePosition;
        long read = readPosition;
        int window = capacity - (int) (write - read);
        if (offset >= window) {
            return 0;
        }
        int n = Math.min(len, window - offset);
        if (offset == 0 && outOfOrder.isEmpty()) {
            copyIn(read, write, write, src, off, n);
            writePosition = write + n;
            return n;
        }
        // Room for the new range and every one already held, before the assembler takes it in.
        long held = write + outOfOrder.highest();
        if (!outOfOrder.add(offset, n)) {
            return -1;
        }
        copyIn(read, held, write + offset, src, off, n);
        int advance = outOfOrder.takeFront();
        if (advance > 0) {
            writePosition = write + advance;
        }
        return advance;
    }

    /**
     * The peer's urgent pointer moved on to stream position {@code end} (just past its urgent
     * byte, which may not have arrived yet): RCV.UP only advances, and each advance is a signal.
     */
    void urgent(long end) {
        if (end > urgentEnd) {
            urgentEnd = end;
            urgentSignals = urgentSignals + 1;
        }
    }

    /** Out-of-order ranges held, as offsets past the in-order point (for SACK blocks). */
    public Assembler outOfOrder() {
        return outOfOrder;
    }

    /**
     * Puts {@code n} bytes at stream position {@code position}; the ring holds the bytes from
     * {@code read} (unread) to {@code held} (the end of what is stored) and grows first if the
     * new ones do not fit.
     */
    private void copyIn(long read, long held, long position, byte[] src, int off, int n) {
        byte[] ring = this.ring;
        long needed = Math.max(held, position + n) - read;
        if (ring == null) {
            ring = new byte[Rings.initial(capacity, needed)];
            this.ring = ring;
        } else if (needed > ring.length) {
            ring = Rings.grow(ring, read, Math.max(held, read), Rings.sizeFor(ring.length, capacity, needed));
            this.ring = ring;
        }
        Rings.put(ring, position, src, off, n);
    }

    // ---------------------------------------------------------------- application side

    /** In-order bytes ready to read (an urgent byte that will be dropped is not counted). */
    public int available() {
        long write = writePosition;
        long read = readPosition;
        return (int) (write - read) - (droppedByteAt(read, write) >= 0 ? 1 : 0);
    }

    /** Position of the urgent byte a read must drop, between {@code read} and {@code write}; -1 for none. */
    private long droppedByteAt(long read, long write) {
        long urgentByte = urgentEnd - 1; // read after writePosition: as new as the data it covers
        return !oobInline && urgentByte >= read && urgentByte < write ? urgentByte : -1;
    }

    /**
     * Copies up to {@code len} ready bytes into {@code dst}; returns how many (0 when none are
     * ready). Without SO_OOBINLINE a read ends before the urgent byte, and the next one skips it,
     * as Linux's recv does.
     */
    public int read(byte[] dst, int off, int len) {
        long write = writePosition;
        long read = readPosition;
        long dropped = droppedByteAt(read, write);
        if (dropped == read) {
            read++;
            readPosition = read;
        } else if (dropped > read) {
            write = dropped;
        }
        int n = Math.min(len, (int) (write - read));
        if (n <= 0) {
            return 0;
        }
        Rings.get(ring, read, dst, off, n);
        readPosition = read + n;
        return n;
    }

    /** Total bytes read by the application so far. */
    public long readPosition() {
        return readPosition;
    }

    /** Total in-order bytes received so far. */
    public long writePosition() {
        return writePosition;
    }

    /**
     * RFC 9293 MUST-33: how much urgent data is still to be read, the urgent byte included (0:
     * none pending). Urgent data is everything up to the urgent pointer not yet read.
     */
    public long urgentPending() {
        return Math.max(0, urgentEnd - readPosition);
    }

    /** RFC 9293 MUST-32: how many times the peer's urgent pointer has advanced (each a signal to the application). */
    public long urgentSignals() {
        return urgentSignals;
    }

    /** SO_OOBINLINE: whether the urgent byte stays in the stream (see {@link #oobInline}). */
    public void oobInline(boolean on) {
        oobInline = on;
    }

    public boolean oobInline() {
        return oobInline;
    }
}
