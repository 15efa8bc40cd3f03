package teacup.tcp;

import teacup.wire.TcpOptions;

/**
 * A segment a connection hands to its {@link SegmentOutput}: header fields, options, and
 * which bytes of the send buffer it carries. Each connection fills one instance again for every
 * segment, so nothing is allocated per segment; it is valid only during the
 * {@link SegmentOutput#segment} call, and the output copies what it keeps.
 */
public final class OutboundSegment {
    long now;
    int seq;
    int ack;
    int flags;
    int window;
    TcpOptions options;
    int sendOffset;
    int length;

    OutboundSegment set(long now, int seq, int ack, int flags, int window, TcpOptions options, int sendOffset, int length) {
        this.now = now;
        this.seq = seq;
        this.ack = ack;
        this.flags = flags;
        this.window = window;
        this.options = options;
        this.sendOffset = sendOffset;
        this.length = length;
        return this;
    }

    /** The time of the call that sent it, for the layers below (ARP, pacing); TSval is already in the options. */
    public long now() {
        return now;
    }

    public int seq() {
        return seq;
    }

    public int ack() {
        return ack;
    }

    /** {@link teacup.wire.TcpSegment} flag bits. */
    public int flags() {
        return flags;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** The window field as it goes on the wire (already scaled down). */
    public int window() {
        return window;
    }

    /** The options, or null for none. */
    public TcpOptions options() {
        return options;
    }

    /** Where in the send buffer (as {@link SendBuffer#copyOut} counts) the data starts. */
    public int sendOffset() {
        return sendOffset;
    }

    /** Data bytes. */
    public int length() {
        return length;
    }

    @Override
    public String toString() {
        return "OutboundSegment[seq=" + Integer.toUnsignedString(seq) + " ack=" + Integer.toUnsignedString(ack)
                + " flags=0x" + Integer.toHexString(flags) + " win=" + window + " len=" + length + " opts=" + options + "]";
    }
}
