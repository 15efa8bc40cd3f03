package teacup.tcp;

import teacup.stats.Counter;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * Opening a connection (RFC 9293 3.5, 3.10.7.2, 3.10.7.3): taking the peer's SYN, checking what
 * answers our SYN, our SYN-ACK again when the peer's SYN comes again, and the ACK that completes
 * the exchange. What the SYNs settle is its {@link Negotiated} value, handed to the parts that
 * use it. The connection moves its state on the answers.
 */
final class Handshake {
    /** What a segment in SYN-SENT means. */
    enum Answer {
        /** Not for us (or a reset was sent for it): nothing changes. */
        IGNORED,
        /** A reset acknowledging our SYN: the peer refused. */
        REFUSED,
        /** The SYN-ACK: established once its ACK is taken. */
        SYN_ACK,
        /** The peer's own SYN (simultaneous open): SYN-RECEIVED. */
        SYN
    }

    private final TcpSettings settings;
    private Negotiated negotiated = Negotiated.BEFORE_SYN;

    Handshake(TcpSettings settings) {
        this.settings = settings;
    }

    Negotiated negotiated() {
        return negotiated;
    }

    /** A listener took the peer's SYN (RFC 9293 3.10.7.2): its options, ISN, window and timestamp, then our SYN-ACK. */
    void synAtListener(long now, InboundSegment syn, Receiver receiver, Sender sender, SegmentWriter writer) {
        take(syn, sender, writer);
        receiver.synReceived(syn.seq());
        sender.windowFromSyn(syn.seq(), sender.iss(), syn.window());
        if (negotiated.timestamps()) {
            receiver.takeTimestamp(syn.options().tsVal(), now);
        }
        sender.sendSyn(now, true);
    }

    /** RFC 9293 3.10.7.3: a segment while our SYN is out. */
    Answer synSent(long now, InboundSegment s, Receiver receiver, Sender sender, SegmentWriter writer) {
        boolean hasAck = s.has(TcpSegment.ACK);
        // First: an ACK for something we never sent gets a reset.
        if (hasAck && (SeqNum.le(s.ack(), sender.iss()) || SeqNum.gt(s.ack(), sender.max()))) {
            if (!s.has(TcpSegment.RST)) {
                writer.reset(now, s.ack());
            }
            return Answer.IGNORED;
        }
        if (s.has(TcpSegment.RST)) {
            return hasAck ? Answer.REFUSED : Answer.IGNORED; // "connection reset" -> refused (MUST-12)
        }
        if (!s.has(TcpSegment.SYN)) {
            return Answer.IGNORED;
        }
        take(s, sender, writer);
        if (negotiated.timestamps()) {
            receiver.takeTimestamp(s.options().tsVal(), now);
        }
        receiver.synReceived(s.seq());
        sender.windowFromSynAck(s.seq(), s.ack(), s.window()); // unscaled in a SYN (RFC 7323 2.2)
        if (hasAck) {
            sender.handshakeDone();
        }
        return hasAck ? Answer.SYN_ACK : Answer.SYN;
    }

    /**
     * The peer's SYN again while we are in SYN-RECEIVED: our SYN-ACK was lost. It is answered
     * with the SYN-ACK at once rather than the bare ACK an unacceptable segment gets (Linux does
     * the same), echoing this SYN's timestamp: echoing the first SYN's would give the peer a
     * first RTT sample as long as its SYN timeout (1 s), and an RTO and probe timeout of seconds
     * to start with. True when {@code s} was that SYN.
     */
    boolean synAgain(long now, InboundSegment s, Receiver receiver, Sender sender) {
        if (!s.has(TcpSegment.SYN) || s.has(TcpSegment.RST) || s.has(TcpSegment.ACK) || s.seq() != receiver.irs()) {
            return false;
        }
        if (negotiated.timestamps() && s.options().hasTimestamps()) {
            receiver.takeTimestamp(s.options().tsVal(), now);
        }
        sender.sendSyn(now, true);
        return true;
    }

    /**
     * SYN-RECEIVED, an acceptable segment with an ACK: true when it acknowledges our SYN, and the
     * peer's first scaled window is taken; otherwise it gets a reset (RFC 9293 3.10.7.4).
     */
    boolean synAcknowledged(long now, InboundSegment s, int seq, Sender sender, SegmentWriter writer) {
        if (!SeqNum.betweenExclusiveInclusive(sender.una(), s.ack(), sender.max())) {
            writer.reset(now, s.ack());
            return false;
        }
        sender.establishedWindow(seq, s.ack(), s.window() << negotiated.sendScale());
        sender.handshakeDone();
        return true;
    }

    /**
     * R2 in {@code state}: a half-open connection (SYN-RECEIVED) sends its SYN-ACK at most
     * {@link TcpSettings#synAckRetries} times more and is then forgotten, as Linux's tcp_synack_retries
     * does; a spoofed SYN would otherwise hold a place in the SYN queue for the minutes of R2
     * (RFC 4987 3.3, reducing the SYN-RECEIVED timer). Other states take the connection's R2.
     */
    int retransmissionLimit(TcpConnection.State state) {
        return state == TcpConnection.State.SYN_RECEIVED ? settings.synAckRetries() : settings.maxRetransmissions();
    }

    private void take(InboundSegment syn, Sender sender, SegmentWriter writer) {
        if (Negotiated.clamps(settings, syn.options())) {
            writer.count(Counter.TCP_PEER_MSS_CLAMPED);
        }
        negotiated = Negotiated.from(settings, syn.options());
        sender.negotiated(negotiated);
        writer.negotiated(negotiated);
    }
}
