package teacup.tcp;

import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The one place a connection's segments leave it: fills what every segment carries from the
 * {@link Receiver} (RCV.NXT as the acknowledgment, the advertised window, TS.Recent as the echo,
 * SACK blocks on bare ACKs) and the IP header's TTL and TOS ({@link IpHeader}), and hands a
 * reused {@link OutboundSegment} to the {@link SegmentOutput}. Nothing is allocated per segment.
 * The receiver and what the SYNs settled it reads through the connection, and the segment it
 * fills is the output's: an idle connection held by the thousand keeps no copy of them.
 */
final class SegmentWriter {
    private final TcpConnection connection;
    private final SegmentOutput output;
    /** The segment and options filled for each segment, and the negotiated values: the layer's, not ours. */
    private final SegmentOutput.Scratch scratch;
    /**
     * Where our timestamp clock starts: a keyed hash of the four-tuple alone (RFC 7323 5.4 and 7),
     * so TSval reveals no uptime, and each new incarnation of a four-tuple goes on from where the
     * last left off (its TSvals only grow, as PAWS and RFC 6191 reuse need).
     */
    private final int timestampOffset;
    /** Sequence number of the first data byte: where the send buffer's stream positions start. */
    private final int dataStart;
    /** R1 (RFC 9293 MUST-20): timeouts in a row from which a retransmission carries negative advice to IP. */
    private final int adviseAfter;
    private boolean adviceDue;
    /** The sender last stopped on the peer's window with data waiting ({@link #sendStopped}); data sent clears it. */
    private boolean windowFull;
    private final SendBudget sendBudget;
    /** The TTL and TOS octet, as they go in the IP header (read unsigned); see {@link IpHeader}. */
    private byte ttl;
    private byte trafficClass;

    SegmentWriter(TcpConnection connection, SegmentOutput output, TcpSettings settings, int iss, int timestampOffset) {
        this.connection = connection;
        this.ttl = (byte) settings.ttl(); // octets, as TcpSettings checks
        this.trafficClass = (byte) settings.trafficClass();
        this.scratch = output.scratch();
        this.dataStart = iss + 1;
        this.adviseAfter = settings.adviseRetransmissions();
        this.output = output;
        this.timestampOffset = timestampOffset;
        this.sendBudget = new SendBudget(settings.sendSegmentsPerTurn());
    }

    /**
     * RFC 9293 MUST-20, RFC 1122 4.2.3.5: the retransmission timer fired, {@code retransmissions}
     * times in a row for the same data. From R1 on, the segment that goes next (the
     * retransmission) asks IP to re-validate the next hop before it goes; true when it will.
     */
    boolean timedOut(int retransmissions) {
        adviceDue = retransmissions >= adviseAfter;
        return adviceDue;
    }

    /** R1: the timeouts in a row from which the path is in doubt (negative advice, RFC 4821's full stop). */
    int adviseAfter() {
        return adviseAfter;
    }

    /** The segment just filled in carries the negative advice a timeout left, once. */
    private void carryAdvice(OutboundSegment segment) {
        segment.negativeAdvice = adviceDue;
        adviceDue = false;
    }

    /** The TTL every segment of the connection goes with, 0 to 255 (0: IP's default). */
    int ttl() {
        return ttl & 0xFF;
    }

    /** The TOS octet every segment of the connection goes with. */
    int trafficClass() {
        return trafficClass & 0xFF;
    }

    /** See {@link IpHeader#ttl(int)}: the caller has checked it is an octet. */
    void ttl(int octet) {
        ttl = (byte) octet;
    }

    /** See {@link IpHeader#trafficClass(int)}: the caller has checked it is an octet. */
    void trafficClass(int octet) {
        trafficClass = (byte) octet;
    }

    /** The output's segment, with this connection's IP header fields, for the next one to fill. */
    private OutboundSegment segment() {
        OutboundSegment segment = scratch.segment();
        segment.ttl = ttl & 0xFF;
        segment.trafficClass = trafficClass & 0xFF;
        return segment;
    }

    /** Our timestamp clock: milliseconds from an offset private to the connection (RFC 7323 5.4). */
    int timestampOffset() {
        return timestampOffset;
    }

    SegmentOutput output() {
        return output;
    }

    SegmentOutput.Scratch scratch() {
        return scratch;
    }

    int timestamp(long now) {
        return (int) (now / 1_000_000L) + timestampOffset;
    }

    /** See {@link SegmentOutput#count}. */
    void count(teacup.stats.Counter counter) {
        output.count(counter);
    }

    /** What the connection may still send in this turn of the event loop. */
    SendBudget sendBudget() {
        return sendBudget;
    }

    /** One more segment of data in this turn: false when the turn's budget is spent (the stack resumes us next turn). */
    boolean takeSendTurn() {
        return sendBudget.take(output.turn());
    }

    /** The stack's budget the send ring grows within ({@link SendMemory}). */
    SendMemory sendMemory() {
        return output.sendMemory();
    }

    /**
     * The sender stopped with {@code unsent} bytes waiting: when the peer's window ({@code peerLeft}
     * of it left), not the congestion window ({@code allowance}), left no room for a segment, that is
     * a stall on the receiver (tshark's "window full"), counted once until data goes again.
     */
    void sendStopped(int unsent, int peerLeft, int allowance, int mss) {
        if (!windowFull && unsent > 0 && peerLeft < Math.min(unsent, mss) && peerLeft <= allowance) {
            windowFull = true;
            output.count(teacup.stats.Counter.TCP_SEND_WINDOW_FULL);
        }
    }

    /** See {@link SegmentOutput#largestSegment}. */
    int largestSegment() {
        return output.largestSegment();
    }

    /**
     * A segment acknowledging RCV.NXT: {@code flags} (ACK among them), and {@code length} bytes
     * from {@code sendOffset} of the send buffer.
     */
    void send(long now, int seq, int flags, int sendOffset, int length) {
        Receiver receiver = connection.receiver;
        Negotiated negotiated = connection.sender.negotiated();
        int ack = receiver.rcvNxt();
        windowFull &= length == 0;
        int window = receiver.advertisedWindow(negotiated.receiveScale());
        if ((flags & TcpSegment.ACK) != 0) {
            receiver.ackSent(ack);
            if (window == 0) {
                output.count(teacup.stats.Counter.TCP_ZERO_WINDOWS_ADVERTISED);
            }
        }
        TcpOptions options = scratch.options();
        TcpOptions segmentOptions = null;
        if (negotiated.timestamps()) {
            segmentOptions = options.clear().timestamps(timestamp(now), receiver.tsRecent());
        }
        if (negotiated.sack() && length == 0 && (flags & TcpSegment.ACK) != 0 && receiver.hasSackBlocks()) {
            // Only on segments without data: the blocks would otherwise push a full segment past the MSS.
            segmentOptions = segmentOptions == null ? options.clear() : segmentOptions;
            receiver.addSackBlocks(segmentOptions, negotiated.timestamps());
        }
        OutboundSegment segment = segment();
        segment.set(now, seq, ack, flags, window, segmentOptions, sendOffset, length);
        urgent(segment, seq);
        carryAdvice(segment);
        output.segment(connection, segment);
    }

    /**
     * RFC 9293 3.8.5: while urgent data is unacknowledged, every segment from before SND.UP
     * carries URG and a pointer to the first octet after the urgent data (MUST-62), capped at the
     * field's 65535 as Linux does when SND.UP is further on.
     */
    private void urgent(OutboundSegment segment, int seq) {
        long end = connection.sendBuffer().urgentEnd();
        if (end == 0) {
            return;
        }
        int pointer = teacup.wire.SeqNum.diff(teacup.wire.SeqNum.add(dataStart, (int) end), seq);
        if (pointer > 0) {
            segment.flags |= TcpSegment.URG;
            segment.urgentPointer = Math.min(pointer, 0xFFFF);
        }
    }

    /** A reset: no window, no options, nothing acknowledged. */
    void reset(long now, int seq) {
        OutboundSegment segment = segment();
        output.segment(connection, segment.set(now, seq, 0, TcpSegment.RST, 0, null, 0, 0));
    }

    /**
     * Our SYN ({@code withAck}: SYN-ACK) from {@code iss}, offering what the settings allow; a
     * SYN-ACK offers only what the peer's SYN offered too.
     */
    void syn(long now, int iss, boolean withAck, TcpSettings settings) {
        Receiver receiver = connection.receiver;
        Negotiated negotiated = connection.sender.negotiated();
        TcpOptions options = scratch.options().clear();
        options.mss(settings.mss());
        if (settings.windowScale() >= 0 && (!withAck || negotiated.peerOfferedScale())) {
            options.windowScale(settings.windowScale());
        }
        if (settings.sack() && (!withAck || negotiated.sack())) {
            options.sackPermitted(true);
        }
        if (settings.timestamps() && (!withAck || negotiated.timestamps())) {
            options.timestamps(timestamp(now), withAck ? receiver.tsRecent() : 0);
        }
        int window = withAck ? receiver.synAckWindow() : receiver.synWindow();
        OutboundSegment segment = segment();
        segment.set(now, iss, withAck ? receiver.rcvNxt() : 0, TcpSegment.SYN | (withAck ? TcpSegment.ACK : 0), window,
                options, 0, 0);
        carryAdvice(segment);
        output.segment(connection, segment);
    }
}
