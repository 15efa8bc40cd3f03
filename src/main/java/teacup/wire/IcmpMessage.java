package teacup.wire;

/**
 * View over an ICMPv4 message (RFC 792): echo request/reply, destination unreachable, time
 * exceeded. {@link #wrap} checks the length and the checksum over the whole message.
 */
public final class IcmpMessage {
    public static final int HEADER_LENGTH = 8;
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    public static final int CODE_TTL_EXCEEDED = 0;
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int REST = 4;

    private byte[] buf;
    private int off;
    private int len;

    public Defect wrap(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        if (off < 0 || len < HEADER_LENGTH || len > buf.length - off) {
            return Defect.TRUNCATED;
        }
        if (Checksum.compute(buf, off, len) != 0) {
            return Defect.BAD_CHECKSUM;
        }
        return Defect.NONE;
    }

    public int type() {
        return BigEndian.u8(buf, off + TYPE);
    }

    public int code() {
        return BigEndian.u8(buf, off + CODE);
    }

    public int checksum() {
        return BigEndian.u16(buf, off + CHECKSUM);
    }

    /** Echo identifier (echo request and reply). */
    public int identifier() {
        return BigEndian.u16(buf, off + REST);
    }

    /** Echo sequence number (echo request and reply). */
    public int sequence() {
        return BigEndian.u16(buf, off + REST + 2);
    }

    /** Next-hop MTU of a "fragmentation needed" message (RFC 1191). */
    public int nextHopMtu() {
        return BigEndian.u16(buf, off + REST + 2);
    }

    public int length() {
        return len;
    }

    public byte[] buffer() {
        return buf;
    }

    public int payloadOffset() {
        return off + HEADER_LENGTH;
    }

    public int payloadLength() {
        return len - HEADER_LENGTH;
    }

    /**
     * Writes the 8-byte header at {@code off} and the checksum over it and the
     * {@code payloadLength} bytes the caller already placed after it. {@code rest} is the
     * second 32-bit word (identifier and sequence for echo; unused or next-hop MTU otherwise).
     * Returns the whole message length.
     */
    public static int write(byte[] b, int off, int type, int code, int rest, int payloadLength) {
        BigEndian.put8(b, off + TYPE, type);
        BigEndian.put8(b, off + CODE, code);
        BigEndian.put16(b, off + CHECKSUM, 0);
        BigEndian.put32(b, off + REST, rest);
        int total = HEADER_LENGTH + payloadLength;
        BigEndian.put16(b, off + CHECKSUM, Checksum.compute(b, off, total));
        return total;
    }

    public static int echoRest(int identifier, int sequence) {
        return (identifier & 0xffff) << 16 | (sequence & 0xffff);
    }
}
