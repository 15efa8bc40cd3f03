package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The receiving half of a connection (RFC 9293 3.3.1 receive variables, 3.10.7.4 steps 1 and 7):
 * RCV.NXT and the acceptability test, out-of-order data into the {@link ReceiveBuffer}, the
 * window we advertise with receiver SWS avoidance, TS.Recent and PAWS (RFC 7323), the SACK
 * blocks we report (RFC 2018), and when the next ACK is due (delayed ACKs, RFC 9293 3.8.6.3).
 * The window is offered from the {@link ReceiveSpace}, which grows with the measured
 * bandwidth-delay product. It sends nothing itself: it says what the ACK needs, and the connection sends it.
 */
final class Receiver {
    /** RFC 7323 5.5: a TS.Recent older than 24 days is no longer trusted for PAWS. */
    private static final long PAWS_IDLE_LIMIT = 24L * 24 * 3600 * 1_000_000_000L;

    /** What newly arrived data asks of the acknowledgment. */
    enum AckUrgency {
        /** Within the delayed-ACK timer (RFC 9293 SHLD-18). */
        DELAYED,
        /** When the stack has handled the batch of frames this one came in (every second segment, SHLD-19). */
        SOON,
        /** At once: out of order, filling a gap, partly old, or a FIN (SHLD-31; RFC 5681 4.2). */
        NOW
    }

    private final TcpSettings settings;
    private final ReceiveBuffer buffer;
    /** Made when data first arrives, dropped when the connection goes idle (its ring given back): null meanwhile. */
    private ReceiveSpace space;
    private final int initialSpace;
    private final int timestampOffset;
    private final ReceiveMemory memory;
    /** The receive-side round trip a dropped space had measured, for the next one (0: none). */
    private long spaceRtt;

    private int irs;
    private int rcvNxt;
    /** Right edge of the window last advertised; it never moves left (RFC 9293 3.8.6.2.2) but by the scale's rounding. */
    private int rcvAdvEdge;
    /**
     * The furthest right edge ever advertised: RFC 7323 2.4 lets the scale's rounding retract the
     * window by less than one unit, but data up to this edge is still taken, so the buffer keeps room for it.
     */
    private int maxAdvEdge;
    /** Sequence number of the latest out-of-order segment; its block is reported first (RFC 2018 4). */
    private int latestOutOfOrder;
    /** RFC 2883: a range received twice, for the first SACK block of the next ACK; reported once. */
    private int duplicateStart;
    private int duplicateEnd;
    private boolean duplicatePending;
    private boolean finReceived;

    private int tsRecent;
    private long tsRecentAt;
    private int lastAckSent;

    private boolean ackPending;
    private int segmentsUnacked;
    private long ackAt = TcpConnection.NEVER;

    /** {@code timestampOffset}: where our TSval clock starts, for the round trips the timestamp echo measures. */
    Receiver(TcpSettings settings, int timestampOffset, ReceiveMemory memory) {
        this.buffer = new ReceiveBuffer(settings.receiveBuffer(), settings.maxOutOfOrderRanges());
        this.settings = settings;
        this.initialSpace = buffer.capacity();
        this.timestampOffset = timestampOffset;
        this.memory = memory;
    }

    ReceiveBuffer buffer() {
        return buffer;
    }

    /** The space the window is offered from ({@link ReceiveSpace#space}): the initial size until data arrives. */
    private int space() {
        return space == null ? initialSpace : space.space();
    }

    /** The connection ended or entered TIME-WAIT: a grown space goes back to the stack's budget. */
    void releaseSpace() {
        if (space != null) {
            space.release();
        }
    }

    /** The connection is idle and its ring was given back: the space goes (its growth back to the budget), but its round trip is kept. */
    void idle() {
        if (space != null) {
            spaceRtt = space.rtt();
            space.release();
            space = null;
        }
    }

    int rcvNxt() {
        return rcvNxt;
    }

    int irs() {
        return irs;
    }

    int tsRecent() {
        return tsRecent;
    }

    long tsRecentAt() {
        return tsRecentAt;
    }

    int lastAckSent() {
        return lastAckSent;
    }

    boolean finReceived() {
        return finReceived;
    }

    /** Something for SACK blocks to report: data out of order, or a duplicate (RFC 2883). */
    boolean hasSackBlocks() {
        return duplicatePending || !buffer.outOfOrder().isEmpty();
    }

    /**
     * RFC 2883 4: text received again, wholly below RCV.NXT (an unacceptable segment, answered with
     * an ACK): the next ACK reports it as a D-SACK block, so the sender learns its retransmission was
     * spurious.
     */
    void duplicate(int seq, int len) {
        if (isDuplicate(rcvNxt, buffer.capacity(), seq, len)) {
            reportDuplicate(seq, SeqNum.add(seq, len));
        }
    }

    /** Text wholly below {@code rcvNxt} and within a buffer's length of it (also for a {@link TimeWait}). */
    static boolean isDuplicate(int rcvNxt, int capacity, int seq, int len) {
        return len > 0 && SeqNum.le(SeqNum.add(seq, len), rcvNxt) && SeqNum.diff(rcvNxt, seq) <= capacity;
    }

    private void reportDuplicate(int start, int end) {
        duplicateStart = start;
        duplicateEnd = end;
        duplicatePending = true;
    }

    /** The peer's SYN arrived with sequence number {@code seq}. */
    void synReceived(int seq) {
        irs = seq;
        rcvNxt = SeqNum.add(seq, 1);
        rcvAdvEdge = rcvNxt;
        maxAdvEdge = rcvNxt;
    }

    /** Takes the timestamp of a segment as TS.Recent. */
    void takeTimestamp(int tsVal, long now) {
        tsRecent = tsVal;
        tsRecentAt = now;
    }

    /**
     * RFC 6191: a new SYN for this four-tuple cannot be an old duplicate when its timestamp is
     * newer than the last seen ({@code timestamps}: they are in use), or, without timestamps, its
     * sequence number lies beyond everything received.
     */
    boolean newerThanAnySeen(int synSeq, TcpOptions synOptions, boolean timestamps) {
        return newerThanAnySeen(synSeq, synOptions, timestamps, tsRecent, rcvNxt);
    }

    /** As {@link #newerThanAnySeen(int, TcpOptions, boolean)}, for what a {@link TimeWait} kept. */
    static boolean newerThanAnySeen(int synSeq, TcpOptions synOptions, boolean timestamps, int tsRecent, int rcvNxt) {
        if (timestamps && synOptions.hasTimestamps()) {
            return SeqNum.gt(synOptions.tsVal(), tsRecent);
        }
        return SeqNum.gt(synSeq, rcvNxt);
    }

    /** RFC 7323 5.3 R1 (PAWS): a timestamp older than TS.Recent marks an old duplicate, unless TS.Recent is stale. */
    boolean pawsRejects(int tsVal, long now) {
        return pawsRejects(tsVal, tsRecent, tsRecentAt, now);
    }

    /** PAWS for a TS.Recent of {@code tsRecent} taken at {@code tsRecentAt} (also for a {@link TimeWait}). */
    static boolean pawsRejects(int tsVal, int tsRecent, long tsRecentAt, long now) {
        return SeqNum.lt(tsVal, tsRecent) && now - tsRecentAt <= PAWS_IDLE_LIMIT;
    }

    /** RFC 7323 4.3: remember the timestamp of the segment that the next ACK will acknowledge. */
    void rememberTimestamp(int seq, int tsVal, long now) {
        if (SeqNum.le(seq, lastAckSent) && SeqNum.ge(tsVal, tsRecent)) {
            takeTimestamp(tsVal, now);
        }
    }

    /**
     * RFC 5961 3.2: a reset is "in the window" when it lies within what we advertised (RCV.NXT to
     * the right edge last offered), not merely within the free buffer beyond it.
     */
    boolean inAdvertisedWindow(int seq) {
        return SeqNum.between(rcvNxt, seq, rcvAdvEdge);
    }

    /** RFC 9293 3.10.7.4: the four acceptability cases for segment length and receive window. */
    boolean acceptable(int seq, int segLen) {
        return acceptable(rcvNxt, buffer.window(), seq, segLen);
    }

    /** The four cases for a receive window of {@code rcvWnd} from {@code rcvNxt} (also for a {@link TimeWait}). */
    static boolean acceptable(int rcvNxt, int rcvWnd, int seq, int segLen) {
        if (segLen == 0) {
            return rcvWnd == 0 ? seq == rcvNxt : SeqNum.between(rcvNxt, seq, SeqNum.add(rcvNxt, rcvWnd));
        }
        if (rcvWnd == 0) {
            return false;
        }
        int last = SeqNum.add(seq, segLen - 1);
        int windowEnd = SeqNum.add(rcvNxt, rcvWnd);
        return SeqNum.between(rcvNxt, seq, windowEnd) || SeqNum.between(rcvNxt, last, windowEnd);
    }

    /** RFC 9293 3.10.7.4: a segment with text at RCV.NXT while the window is zero (its ACK is still taken). */
    boolean closedWindowAt(int seq, int segLen) {
        return segLen > 0 && seq == rcvNxt && buffer.window() == 0;
    }

    /** True when a FIN at {@code finSeq} has everything before it: the bytes up to it in order, no gaps above. */
    boolean finInOrder(int finSeq) {
        return finSeq == rcvNxt && buffer.outOfOrder().isEmpty();
    }

    /**
     * RFC 9293 3.10.7.4 steps 6 and 7 for a segment whose sequence space starts at {@code seq}:
     * its urgent pointer, then its text. Returns when it should be acknowledged. Text that arrives
     * samples the round trip for the {@link ReceiveSpace}: from the timestamp echo when the segment
     * carries timestamps in use ({@code timestamped}).
     */
    AckUrgency text(long now, int seq, InboundSegment s, boolean timestamped, ConnectionCounters counters) {
        urgentPointer(s, counters);
        if (s.length == 0) {
            return AckUrgency.DELAYED;
        }
        AckUrgency urgency = data(seq, s.payload, s.offset, s.length);
        if (space == null) {
            space = new ReceiveSpace(settings, initialSpace, timestampOffset, memory, spaceRtt);
        }
        space.arrived(now, timestamped, timestamped ? s.options.tsEcr() : 0, rcvNxt, rcvAdvEdge, buffer.readPosition());
        return urgency;
    }

    /** RFC 9293 3.10.7.4 step 6 alone, for a segment whose text a zero window refuses (MUST-66). */
    void urgentPointer(InboundSegment s, ConnectionCounters counters) {
        if (s.has(TcpSegment.URG)) {
            urgent(s.seq, s.urgentPointer, counters);
        }
    }

    /**
     * RFC 9293 3.10.7.4 step 6: RCV.UP &lt;- max(RCV.UP, SEG.UP), the pointer naming the first
     * octet after the urgent data (MUST-62). The urgent byte itself may come later, beyond the
     * window even (that is what an urgent pointer at a zero window is for, MUST-66); the 16-bit
     * field bounds how far. A pointer of 0 names no urgent octet (RFC 6093 4): it is ignored and
     * counted (3.8.5: robust to invalid pointers). Each advance is signalled; one behind RCV.NXT
     * is a retransmission's, and the buffer keeps only advances.
     */
    private void urgent(int segSeq, int pointer, ConnectionCounters counters) {
        if (pointer == 0) {
            counters.urgentPointerIgnored();
            return;
        }
        int ahead = SeqNum.diff(SeqNum.add(segSeq, pointer), rcvNxt);
        buffer.urgent(buffer.writePosition() + ahead);
    }

    /**
     * RFC 9293 3.10.7.4 step 7: takes the text of an acceptable segment, in order or not; the
     * part already received is skipped. Returns when it should be acknowledged.
     */
    AckUrgency data(int seq, byte[] payload, int off, int len) {
        int skip = SeqNum.diff(rcvNxt, seq); // bytes already received at the front
        int dataOff = off;
        int dataLen = len;
        int offset = 0;
        if (skip > 0) {
            dataOff += skip;
            dataLen -= skip;
        } else {
            offset = -skip;
        }
        boolean hadGap = !buffer.outOfOrder().isEmpty();
        if (skip > 0) {
            reportDuplicate(seq, SeqNum.add(seq, Math.min(skip, len))); // RFC 2883 4.1.1: the old part, received again
        } else if (offset > 0 && buffer.outOfOrder().contains(offset, dataLen)) {
            reportDuplicate(seq, SeqNum.add(seq, len)); // RFC 2883 4.1.2: out-of-order data received again
        }
        if (offset > 0) {
            latestOutOfOrder = SeqNum.add(rcvNxt, offset);
        }
        if (dataLen > 0) {
            int advanced = buffer.accept(offset, payload, dataOff, dataLen);
            if (advanced > 0) {
                rcvNxt = SeqNum.add(rcvNxt, advanced);
            }
        }
        ackPending = true;
        if (offset > 0 || hadGap || skip > 0) {
            // Out of order, filling a gap, or partly old: the sender's duplicate-ACK count and recovery must see it.
            return AckUrgency.NOW;
        }
        // A segment above our MSS is several the peer's device joined (or it sent as one): count it as two.
        // RFC 9293 SHLD-19: at least every second full segment. Due soon, it goes when the stack polls after the
        // batch of frames this one came in, so a burst read at one instant gets one ACK.
        return (segmentsUnacked += len > settings.mss() ? 2 : 1) >= 2 ? AckUrgency.SOON : AckUrgency.DELAYED;
    }

    /** RFC 9293 3.10.7.4 step 8: the peer's FIN, in order; it takes one sequence number. */
    void fin() {
        rcvNxt = SeqNum.add(rcvNxt, 1);
        finReceived = true;
        ackPending = true;
    }

    /**
     * After a segment was handled and whatever data it allowed went out (carrying the ACK): true
     * when a bare ACK must go now; otherwise arms the delayed-ACK deadline as {@code urgency} says.
     */
    boolean ackDue(long now, AckUrgency urgency) {
        if (!ackPending) {
            return false;
        }
        switch (urgency) {
            case NOW -> {
                return true;
            }
            case SOON -> ackAt = now;
            case DELAYED -> {
                if (ackAt == TcpConnection.NEVER) {
                    ackAt = now + settings.ackDelay(); // RFC 9293 SHLD-18: delayed, under 500 ms
                }
            }
        }
        return false;
    }

    /** The delayed-ACK deadline ({@link TcpConnection#NEVER}: none). */
    long nextDeadline() {
        return ackAt;
    }

    /** At the delayed-ACK deadline: true when the ACK it waited for is still owed. */
    boolean ackTimerFired(long now) {
        if (now < ackAt) {
            return false;
        }
        ackAt = TcpConnection.NEVER;
        return ackPending;
    }

    void stop() {
        ackAt = TcpConnection.NEVER;
    }

    /** A segment carrying {@code ack} went: whatever ACK was owed is paid. */
    void ackSent(int ack) {
        lastAckSent = ack;
        ackPending = false;
        segmentsUnacked = 0;
        ackAt = TcpConnection.NEVER;
    }

    /** The window a SYN-ACK offers, unscaled (RFC 7323 2.2), and what sending it records. */
    int synAckWindow() {
        int window = synWindow();
        rcvAdvEdge = SeqNum.add(rcvNxt, window);
        maxAdvEdge = rcvAdvEdge;
        lastAckSent = rcvNxt;
        return window;
    }

    /** The window a SYN offers: never scaled (RFC 7323 2.2). */
    int synWindow() {
        return Math.min(buffer.window(), 65535);
    }

    private int windowThreshold() {
        return Math.max(1, Math.min(space() / 2, settings.mss()));
    }

    /** The window the space allows now: what of it the unread data leaves. */
    private int spaceWindow() {
        return Math.max(0, space() - buffer.unread());
    }

    /**
     * After the application read: the {@link ReceiveSpace} counts what it consumed (and may grow,
     * counted through {@code writer}),
     * then receiver SWS avoidance (RFC 9293 3.8.6.2.2, MUST-39): an update is worth sending when the
     * window opened by at least min(half the space, one MSS), and the window last offered was small
     * or is now doubled; otherwise the next ACK carries it.
     */
    boolean windowUpdateWorthSending(long now, int scale, SegmentWriter writer) {
        teacup.stats.Counter growth = space == null ? null : space.consumed(now, buffer.readPosition(), scale);
        if (growth != null) {
            writer.count(growth);
        }
        // Only what the window field can carry counts: with no scaling a buffer past 64 KB opens
        // nothing the peer could see, and an update repeating the last window is a duplicate ACK.
        int available = (int) Math.min(spaceWindow(), 65535L << scale);
        int offered = Math.max(0, SeqNum.diff(rcvAdvEdge, rcvNxt));
        int threshold = windowThreshold();
        return available - offered >= threshold && (offered < threshold || available >= 2 * offered);
    }

    /**
     * The window to advertise, scaled down by {@code scale} (RFC 9293 3.8.6.2.2): the right edge
     * moves only by at least min(half the space, one MSS), and never moves left, so a space that
     * became smaller than the window offered waits for data to arrive below the edge. The one
     * exception is RFC 7323 2.4's: at a full buffer, rounding up to the scale's unit would promise
     * room we lack, so the edge may come back by less than a unit; the buffer keeps room for the
     * furthest edge ever offered all the same.
     */
    int advertisedWindow(int scale) {
        int offered = Math.max(0, SeqNum.diff(rcvAdvEdge, rcvNxt));
        if (buffer.capacity() != space()) {
            buffer.resize(space(), Math.max(0, SeqNum.diff(maxAdvEdge, rcvNxt)));
        }
        int available = spaceWindow();
        if (available - offered >= windowThreshold()) {
            offered = available;
        }
        int room = buffer.window();
        int unit = 1 << scale;
        // Round up to the scale's unit so the edge does not creep left, unless that would promise room we lack.
        int scaled = (int) Math.min(65535, ((long) offered + unit - 1) >> scale);
        if ((long) scaled << scale > room) {
            scaled = Math.min(65535, room >> scale);
        }
        rcvAdvEdge = SeqNum.add(rcvNxt, scaled << scale);
        if (SeqNum.gt(rcvAdvEdge, maxAdvEdge)) {
            maxAdvEdge = rcvAdvEdge;
        }
        return scaled;
    }

    /**
     * RFC 2018 4: the block holding the latest out-of-order segment first, then the others, as
     * many as fit beside the timestamps (three, or four without).
     */
    void addSackBlocks(TcpOptions options, boolean timestamps) {
        Assembler ranges = buffer.outOfOrder();
        int room = timestamps ? 3 : TcpOptions.MAX_SACK_BLOCKS;
        if (duplicatePending) {
            options.addSackBlock(duplicateStart, duplicateEnd); // RFC 2883: the D-SACK block goes first
            duplicatePending = false;
            room--;
        }
        int latest = SeqNum.diff(latestOutOfOrder, rcvNxt);
        int first = -1;
        for (int i = 0; i < ranges.rangeCount(); i++) {
            if (ranges.rangeStart(i) <= latest && latest < ranges.rangeEnd(i)) {
                first = i;
                options.addSackBlock(SeqNum.add(rcvNxt, ranges.rangeStart(i)), SeqNum.add(rcvNxt, ranges.rangeEnd(i)));
                room--;
                break;
            }
        }
        for (int i = 0; i < ranges.rangeCount() && room > 0; i++) {
            if (i != first) {
                options.addSackBlock(SeqNum.add(rcvNxt, ranges.rangeStart(i)), SeqNum.add(rcvNxt, ranges.rangeEnd(i)));
                room--;
            }
        }
    }
}
