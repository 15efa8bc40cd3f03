package teacup.tcp;

import teacup.wire.TcpOptions;

/**
 * A segment a connection hands to its {@link SegmentOutput}: header fields, options, and
 * which bytes of the send buffer it carries. The connections of one output fill one instance
 * again for every segment ({@link SegmentOutput#scratch}), so nothing is allocated per segment or
 * kept per connection; it is valid only during the {@link SegmentOutput#segment} call, and the
 * output copies what it keeps.
 */
public final class OutboundSegment extends SegmentHeader {
    long now;
    int sendOffset;
    boolean negativeAdvice;
    /** The sending connection's TTL and TOS ({@link IpHeader}), set with the rest. */
    int ttl;
    int trafficClass;

    OutboundSegment() {
    }

    OutboundSegment set(long now, int seq, int ack, int flags, int window, TcpOptions options, int sendOffset, int length) {
        this.now = now;
        this.seq = seq;
        this.ack = ack;
        this.flags = flags;
        this.window = window;
        this.options = options;
        this.sendOffset = sendOffset;
        this.length = length;
        this.urgentPointer = 0;
        this.negativeAdvice = false;
        return this;
    }

    /** The time of the call that sent it, for the layers below (ARP, pacing); TSval is already in the options. */
    public long now() {
        return now;
    }

    /**
     * RFC 9293 MUST-20: this is a retransmission after R1 timeouts in a row; IP should re-validate
     * the next hop before sending it ({@link teacup.ip.IpLayer#negativeAdvice}).
     */
    public boolean negativeAdvice() {
        return negativeAdvice;
    }

    /** The TTL IP gives the datagram (0: IP's default; RFC 1122 3.2.1.7). */
    public int ttl() {
        return ttl;
    }

    /** The TOS octet IP gives the datagram (RFC 1122 3.2.1.6). */
    public int trafficClass() {
        return trafficClass;
    }

    /** Where in the send buffer (as {@link SendBuffer#copyOut} counts) the data starts. */
    public int sendOffset() {
        return sendOffset;
    }
}
