package teacup.tcp;

import teacup.stats.Counter;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * Opening a connection (RFC 9293 3.5, 3.10.7.2, 3.10.7.3): taking the peer's SYN, checking what
 * answers our SYN, our SYN-ACK again when the peer's SYN comes again, and the ACK that completes
 * the exchange. What the SYNs settle is its {@link Negotiated} value, handed to the parts that
 * use it (the {@link Sender} answers it for the connection). The connection moves its state on the
 * answers. It keeps nothing of its own: an established connection, held idle by the thousand,
 * should not carry a part it is done with.
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

    private Handshake() {
    }

    /** A listener took the peer's SYN (RFC 9293 3.10.7.2): its options, ISN, window and timestamp, then our SYN-ACK. */
    static void synAtListener(long now, InboundSegment syn, TcpSettings settings, Receiver receiver, Sender sender,
                              SegmentWriter writer) {
        take(syn, settings, sender, writer);
        receiver.synReceived(syn.seq());
        sender.windowFromSyn(syn.seq(), sender.iss(), syn.window());
        if (sender.negotiated().timestamps()) {
            receiver.takeTimestamp(syn.options().tsVal(), now);
        }
        sender.sendSyn(now, true);
    }

    /** RFC 9293 3.10.7.3: a segment while our SYN is out. */
    static Answer synSent(long now, InboundSegment s, TcpSettings settings, Receiver receiver, Sender sender,
                          SegmentWriter writer) {
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
        take(s, settings, sender, writer);
        if (sender.negotiated().timestamps()) {
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
    static boolean synAgain(long now, InboundSegment s, Receiver receiver, Sender sender) {
        if (!s.has(TcpSegment.SYN) || s.has(TcpSegment.RST) || s.has(TcpSegment.ACK) || s.seq() != receiver.irs()) {
            return false;
        }
        if (sender.negotiated().timestamps() && s.options().hasTimestamps()) {
            receiver.takeTimestamp(s.options().tsVal(), now);
        }
        sender.sendSyn(now, true);
        return true;
    }

    /**
     * SYN-RECEIVED, an acceptable segment with an ACK: true when it acknowledges our SYN, and the
     * peer's first scaled window is taken; otherwise it gets a reset (RFC 9293 3.10.7.4).
     */
    static boolean synAcknowledged(long now, InboundSegment s, int seq, Sender sender, SegmentWriter writer) {
        if (!SeqNum.betweenExclusiveInclusive(sender.una(), s.ack(), sender.max())) {
            writer.reset(now, s.ack());
            return false;
        }
        sender.establishedWindow(seq, s.ack(), s.window() << sender.negotiated().sendScale());
        sender.handshakeDone();
        return true;
    }

    /** What the SYN settles, as the same instance other connections of the layer settled it ({@link Negotiated.Shared}). */
    private static void take(InboundSegment syn, TcpSettings settings, Sender sender, SegmentWriter writer) {
        if (Negotiated.clamps(settings, syn.options())) {
            writer.count(Counter.TCP_PEER_MSS_CLAMPED);
        }
        Negotiated negotiated = writer.scratch().negotiated().intern(Negotiated.from(settings, syn.options()));
        sender.negotiated(negotiated); // the writer reads it there
    }
}
