package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * A connection in TIME-WAIT that nobody holds any more, reduced to what the wait needs (Linux's
 * timewait sock does the same): the two sequence numbers, the window last offered, TS.Recent for
 * PAWS and for RFC 6191, the challenge-ACK budget, and when the wait ends. A whole
 * {@link TcpConnection} with its parts is nearly 2 KB; this is about a tenth of it, so a server
 * closing first keeps a minute of short connections without holding a minute of buffers' worth.
 *
 * <p>What it answers is what the connection would have (RFC 9293 3.10.7.4 in TIME-WAIT): a
 * segment outside the window, or a PAWS reject, gets an ACK, with a D-SACK block for old text
 * (RFC 2883); the peer's FIN again restarts the 2 MSL; a RST is ignored (RFC 1337); a SYN gets a
 * challenge ACK (RFC 5961 4.2) unless it opens a new incarnation ({@link #newerThanAnySeen},
 * RFC 6191); an ACK outside what we sent gets one too (5.2); any other ACK refreshes TS.Recent.
 * {@link TimeWaits} keeps them; the loop thread alone touches one.
 */
final class TimeWait extends DeadlineHeap.Member {
    final long key;
    final int localPort;
    final int remoteIp;
    final int remotePort;
    /** SND.MAX: every ACK goes from here; RFC 5961 5.2 takes ACKs from {@code ackFloor} to it. */
    private final int sndMax;
    private final int ackFloor;
    private final int rcvNxt;
    /** The free receive buffer at the end (RFC 9293's RCV.WND for the acceptability test). */
    private final int rcvWnd;
    private final int capacity;
    /** The window field of every ACK: what the connection last offered, already scaled down. */
    private final int windowField;
    private final boolean timestamps;
    private final boolean sack;
    private final int timestampOffset;
    private int tsRecent;
    private long tsRecentAt;
    private final int lastAckSent;
    private final int ttl;
    private final int trafficClass;
    private final long twoMsl;
    private final ChallengeAcks challenges;

    private TimeWait(long key, TcpConnection c, int windowField) {
        Receiver r = c.receiver;
        Negotiated n = c.negotiated();
        this.key = key;
        this.localPort = c.localPort();
        this.remoteIp = c.remoteIp();
        this.remotePort = c.remotePort();
        this.sndMax = c.sender.max();
        this.ackFloor = SeqNum.add(c.sender.una(), -Math.max(c.sender.maxWindow(), 1));
        this.rcvNxt = r.rcvNxt();
        this.rcvWnd = r.buffer().window();
        this.capacity = r.buffer().capacity();
        this.windowField = windowField;
        this.timestamps = n.timestamps();
        this.sack = n.sack();
        this.timestampOffset = c.writer.timestampOffset();
        this.tsRecent = r.tsRecent();
        this.tsRecentAt = r.tsRecentAt();
        this.lastAckSent = r.lastAckSent();
        this.ttl = c.writer.ttl();
        this.trafficClass = c.writer.trafficClass();
        this.twoMsl = c.lifespan.twoMsl();
        this.challenges = c.challenges;
    }

    /**
     * {@code c} reduced, if it is in TIME-WAIT with nothing left to do but wait: no timer but the
     * wait's, no ACK or D-SACK block owed. Null otherwise (it stays whole until then).
     */
    static TimeWait of(long key, TcpConnection c) {
        long ends = c.lifespan.closingDeadline();
        if (c.state() != TcpConnection.State.TIME_WAIT || c.nextDeadline() != ends || ends == TcpConnection.NEVER
                || c.receiver.hasSackBlocks()) {
            return null;
        }
        // What the next ACK would offer; in TIME-WAIT nothing the window depends on moves any more.
        return new TimeWait(key, c, c.receiver.advertisedWindow(c.negotiated().receiveScale()));
    }

    /** RFC 6191: may a SYN with {@code synSeq} and {@code synOptions} start a new connection on this four-tuple? */
    boolean newerThanAnySeen(int synSeq, TcpOptions synOptions) {
        return Receiver.newerThanAnySeen(synSeq, synOptions, timestamps, tsRecent, rcvNxt);
    }

    /** What {@link #segment} asks for, as bits: an ACK, a D-SACK block on it, a challenge ACK, 2 MSL from now. */
    static final int ACK = 1, DUPLICATE = 2, CHALLENGE = 4, RESTART = 8;

    /** RFC 9293 3.10.7.4 steps 1 to 5 in TIME-WAIT, for segment {@code s}: what it calls for ({@link #ACK}...). */
    int segment(long now, InboundSegment s) {
        boolean rst = s.has(TcpSegment.RST);
        boolean timestamped = timestamps && s.options.hasTimestamps();
        if (timestamped && !rst && Receiver.pawsRejects(s.options.tsVal(), tsRecent, tsRecentAt, now)) {
            return ACK;
        }
        int segLen = s.sequenceLength();
        if (!Receiver.acceptable(rcvNxt, rcvWnd, s.seq, segLen)) {
            if (rst) {
                return 0;
            }
            int answer = sack && Receiver.isDuplicate(rcvNxt, capacity, s.seq, s.length) ? ACK | DUPLICATE : ACK;
            // The peer's FIN again: our last ACK was lost, and the wait starts over.
            return s.has(TcpSegment.FIN) && SeqNum.add(s.seq, segLen) == rcvNxt ? answer | RESTART : answer;
        }
        if (rst || !s.has(TcpSegment.SYN) && !s.has(TcpSegment.ACK)) {
            return 0; // RFC 1337: a reset would cut the wait short
        }
        if (s.has(TcpSegment.SYN) || SeqNum.gt(s.ack, sndMax) || SeqNum.lt(s.ack, ackFloor)) {
            return CHALLENGE; // RFC 5961 4.2 and 5.2
        }
        if (timestamped && SeqNum.le(s.seq, lastAckSent) && SeqNum.ge(s.options.tsVal(), tsRecent)) {
            tsRecent = s.options.tsVal(); // RFC 7323 4.3, as Receiver.rememberTimestamp
            tsRecentAt = now;
        }
        return s.has(TcpSegment.FIN) ? ACK | RESTART : 0;
    }

    /** Whether the challenge-ACK budgets (this connection's, then the stack's) allow one now. */
    boolean takeChallengeAck(long now, SegmentOutput output) {
        return challenges.take(now, output);
    }

    /** The options of an ACK sent at {@code now} ({@code duplicate}: with the D-SACK block of {@code s}), or null. */
    TcpOptions ackOptions(long now, InboundSegment s, boolean duplicate, TcpOptions into) {
        TcpOptions o = null;
        if (timestamps) {
            o = into.clear().timestamps((int) (now / 1_000_000L) + timestampOffset, tsRecent);
        }
        if (duplicate) {
            o = o == null ? into.clear() : o;
            o.addSackBlock(s.seq, SeqNum.add(s.seq, s.length)); // RFC 2883
        }
        return o;
    }

    int sndMax() { return sndMax; }
    int rcvNxt() { return rcvNxt; }
    int windowField() { return windowField; }
    int ttl() { return ttl; }
    int trafficClass() { return trafficClass; }
    long twoMsl() { return twoMsl; }
}
