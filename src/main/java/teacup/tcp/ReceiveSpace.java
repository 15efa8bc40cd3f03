package teacup.tcp;

import teacup.stats.Counter;
import teacup.wire.SeqNum;

/**
 * Receive-buffer autotuning (dynamic right-sizing, the idea behind Linux's tcp_rcv_space_adjust):
 * the space the {@link Receiver} offers as its window starts at the settings' receive buffer and
 * grows with what the application is measured to take in one round trip, so a fixed buffer
 * smaller than the path's bandwidth-delay product does not hold the sender to a window an RTT.
 *
 * <p>The round trip is measured here, on the receiving side, since a receiver that only
 * acknowledges has few samples of its own: from the peer's timestamp echo (the age of the TSval it
 * echoes, RFC 7323 4.3's RTTM run backwards) when timestamps are on, else from the time one
 * window's worth of data takes to arrive, which is at least a round trip (the sender cannot have
 * sent beyond the window before our ACK reached it), so the least of those samples is kept.
 *
 * <p>Once a round trip has passed, the bytes the application consumed in it are counted. When that
 * beats the most seen in a round trip before, the space becomes twice it (a round with losses
 * delivers a window late, and the ACKs sent now govern the next round, not this one), plus a
 * cushion of segments for out-of-order data, plus as much again as the consumption just grew by (a
 * sender in slow start doubles each round): up to the bound, a power of two no larger than the
 * settings' maximum or what our window scale can announce, and only as far as the stack's
 * {@link ReceiveMemory} lets it. It never shrinks while the connection is busy; once it is idle
 * ({@link IdleRings} gave its ring back), closed or in TIME-WAIT it returns to the initial size
 * and gives its growth back to that budget.
 * The {@link Receiver} keeps the right edge already advertised meanwhile (RFC 9293 3.8.6.2.2; RFC
 * 7323 2.4), so a smaller space takes effect as data arrives below that edge.
 *
 * <p>All times are {@code now} arguments in nanoseconds; the loop thread alone calls it.
 */
final class ReceiveSpace {
    private static final long MS = 1_000_000L;
    /** Segments of room beyond twice a round's consumption, for out-of-order data and variation. */
    static final int CUSHION_SEGMENTS = 16;
    private static final long NOT_STARTED = Long.MIN_VALUE;

    private final int initial;
    private final int maximum;
    private final int mss;
    private final int timestampOffset;
    /** The stack's budget the growth past {@code initial} is taken from, and given back to. */
    private final ReceiveMemory memory;

    private int space;
    /** The most the application consumed in one measured round so far (at first, half the initial space). */
    private long roundMost;
    /** When the current round of counting began, and the read position then. */
    private long roundStart = NOT_STARTED;
    private long readAtRoundStart;

    /** The receive-side RTT estimate, in nanoseconds; 0 before the first sample. */
    private long rtt;
    /** The newest timestamp echo sampled; an echo no newer gives no sample (it would count our pause too). */
    private int lastEcho;
    private boolean echoSeen;
    /** Without timestamps: the sequence number whose arrival closes one window's worth, and when it was opened. */
    private int windowMark;
    private long windowMarkAt = NOT_STARTED;

    /**
     * {@code timestampOffset}: where our TSval clock starts (as the {@link SegmentWriter}'s); {@code rtt}: the
     * round trip an earlier space of the connection measured (0: none). The {@link Receiver} makes one when data
     * arrives and drops it when the connection goes idle, so the space and what is known of the rounds start over.
     */
    ReceiveSpace(TcpSettings settings, int initialCapacity, int timestampOffset, ReceiveMemory memory, long rtt) {
        this.initial = initialCapacity;
        this.maximum = Math.max(initialCapacity, Integer.highestOneBit(settings.maxReceiveBuffer()));
        this.mss = settings.mss();
        this.timestampOffset = timestampOffset;
        this.memory = memory;
        this.space = initialCapacity;
        this.roundMost = firstRound();
        this.rtt = rtt;
    }

    /**
     * Before any round is measured, the initial space is taken to suit half of it a round (its
     * own 2x margin): growth starts once the application takes more than that. Linux starts from
     * ten segments, but its first buffer is small; ours is 256 KB, and a reader taking 40 KB a
     * round has no use for more.
     */
    private long firstRound() {
        return Math.max(1, initial / 2);
    }

    /** The space the window is offered from: the initial size up to the bound. */
    int space() {
        return space;
    }

    /** The largest space a window shifted by {@code scale} can offer: the bound, or less when the shift cannot carry it. */
    int bound(int scale) {
        long announceable = Integer.highestOneBit((int) Math.min(1 << 30, 65535L << scale));
        return (int) Math.max(initial, Math.min(maximum, announceable));
    }

    /**
     * In-order data arrived; {@code echo}: the segment's timestamp echo when timestamps are in use
     * ({@code timestamped}), which samples the round trip; without them, {@code rcvNxt} reaching the
     * mark set a window ago does, and {@code advertisedEdge} sets the next mark.
     */
    void arrived(long now, boolean timestamped, int echo, int rcvNxt, int advertisedEdge, long readPosition) {
        if (roundStart == NOT_STARTED) {
            roundStart = now;
            readAtRoundStart = readPosition;
        }
        if (timestamped) {
            echoed(now, echo);
        } else if (windowMarkAt == NOT_STARTED) {
            markWindow(now, rcvNxt, advertisedEdge);
        } else if (SeqNum.ge(rcvNxt, windowMark)) {
            long sample = Math.max(1, now - windowMarkAt);
            rtt = rtt == 0 ? sample : Math.min(rtt, sample); // a window's worth takes a round trip at least
            markWindow(now, rcvNxt, advertisedEdge);
        }
    }

    private void markWindow(long now, int rcvNxt, int advertisedEdge) {
        if (SeqNum.gt(advertisedEdge, rcvNxt)) { // a closed window measures the reader, not the path
            windowMark = advertisedEdge;
            windowMarkAt = now;
        } else {
            windowMarkAt = NOT_STARTED;
        }
    }

    /** RFC 7323 4.3 seen from the receiver: the echo of our TSval is as old as a round trip (at least 1 ms, its unit). */
    private void echoed(long now, int echo) {
        if (echo == 0 || echoSeen && SeqNum.le(echo, lastEcho)) {
            return;
        }
        boolean first = !echoSeen;
        echoSeen = true;
        lastEcho = echo;
        int age = (int) (now / MS) + timestampOffset - echo;
        if (first || age < 0) {
            return; // the first echo after an idle spell is of our last ACK before it: it would count the pause
        }
        long sample = Math.max(1, age) * MS;
        rtt = rtt == 0 ? sample : rtt + (sample - rtt) / 8;
    }

    /**
     * The application has read up to {@code readPosition}: once a round trip has passed since the
     * round began, counts what it took and grows the space if that needs more and the stack's
     * {@link ReceiveMemory} allows. Returns what to count: the growth, its refusal, or null.
     */
    Counter consumed(long now, long readPosition, int scale) {
        if (rtt == 0 || roundStart == NOT_STARTED || now - roundStart < rtt) {
            return null;
        }
        long copied = readPosition - readAtRoundStart;
        roundStart = now;
        readAtRoundStart = readPosition;
        if (copied <= roundMost) {
            return null;
        }
        double wanted = 2.0 * copied + (double) CUSHION_SEGMENTS * mss;
        wanted += 2.0 * wanted * (copied - roundMost) / roundMost; // the sender may be growing as fast
        roundMost = copied;
        int bound = bound(scale);
        if (space >= bound) {
            return null;
        }
        int next = space;
        while (next < wanted && next < bound) {
            next <<= 1;
        }
        if (next == space) {
            return null;
        }
        if (!memory.take(next - space)) {
            return Counter.TCP_RECEIVE_MEMORY_LIMITED;
        }
        space = next;
        return Counter.TCP_RECEIVE_SPACE_GROWN;
    }

    /** The receive-side round trip measured so far (0: none), which a space made after an idle spell starts from. */
    long rtt() {
        return rtt;
    }

    /** The growth goes back to the stack's budget: the space is its initial size again (idle, ended, or in TIME-WAIT). */
    void release() {
        memory.give(space - initial);
        space = initial;
    }
}
