package teacup.tcp;

import teacup.wire.TcpOptions;

/**
 * What the two segment carriers share: the header fields a connection reads or writes, the
 * options, and the data length. {@link InboundSegment} adds where the data lies,
 * {@link OutboundSegment} which bytes of the send buffer it carries.
 */
public abstract sealed class SegmentHeader permits InboundSegment, OutboundSegment {
    int seq;
    int ack;
    int flags;
    int window;
    TcpOptions options;
    int length;
    /** The urgent pointer field: an offset from {@link #seq}, meaningful only with URG (RFC 9293 3.8.5). */
    int urgentPointer;

    SegmentHeader() {
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

    /** The window field as it is on the wire (not scaled). */
    public int window() {
        return window;
    }

    /** The parsed options; for a segment sent, null when it has none. */
    public TcpOptions options() {
        return options;
    }

    /** The urgent pointer field as on the wire: the first non-urgent octet is {@code seq + urgentPointer} (MUST-62). */
    public int urgentPointer() {
        return urgentPointer;
    }

    /** Data bytes. */
    public int length() {
        return length;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[seq=" + Integer.toUnsignedString(seq) + " ack="
                + Integer.toUnsignedString(ack) + " flags=0x" + Integer.toHexString(flags) + " win=" + window
                + " len=" + length + ((flags & teacup.wire.TcpSegment.URG) != 0 ? " up=" + urgentPointer : "") + " opts=" + options + "]";
    }
}
