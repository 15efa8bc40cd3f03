package teacup.tcp;

import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * A segment arriving for a connection: header fields, parsed options and where its data lies.
 * The stack fills one instance from each segment's wire view ({@link #from}) and hands it to
 * {@link TcpConnection#process}, so nothing is allocated per segment; the connection reads it
 * during the call and keeps nothing of it. Tests build one field by field.
 */
public final class InboundSegment extends SegmentHeader {
    private static final byte[] NO_DATA = new byte[0];

    byte[] payload = NO_DATA;
    int offset;

    public InboundSegment() {
        options = new TcpOptions();
    }

    /** The fields of a segment's wire view, with its options parsed into {@code parsed} (kept by reference). */
    public InboundSegment from(TcpSegment segment, TcpOptions parsed) {
        seq = segment.sequence();
        ack = segment.acknowledgment();
        flags = segment.flags();
        window = segment.window();
        options = parsed;
        payload = segment.buffer();
        offset = segment.payloadOffset();
        length = segment.payloadLength();
        urgentPointer = segment.urgentPointer();
        return this;
    }

    public InboundSegment seq(int v) {
        seq = v;
        return this;
    }

    public InboundSegment ack(int v) {
        ack = v;
        return this;
    }

    public InboundSegment flags(int v) {
        flags = v;
        return this;
    }

    /** The window field as it came on the wire (not yet scaled). */
    public InboundSegment window(int v) {
        window = v;
        return this;
    }

    /** The urgent pointer field (meaningful with URG). */
    public InboundSegment urgentPointer(int v) {
        urgentPointer = v;
        return this;
    }

    /** The parsed options (kept by reference). */
    public InboundSegment options(TcpOptions v) {
        options = v;
        return this;
    }

    /** The data: {@code length} bytes of {@code buf} from {@code off} (kept by reference). */
    public InboundSegment payload(byte[] buf, int off, int len) {
        payload = buf;
        offset = off;
        length = len;
        return this;
    }

    /** Sequence space the segment occupies: its data, and one each for SYN and FIN. */
    int sequenceLength() {
        return length + (has(TcpSegment.SYN) ? 1 : 0) + (has(TcpSegment.FIN) ? 1 : 0);
    }
}
