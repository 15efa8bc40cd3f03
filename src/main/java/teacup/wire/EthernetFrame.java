package teacup.wire;

/**
 * View over an Ethernet II frame (no preamble, no FCS). {@link #wrap} checks it; after
 * {@link Defect#NONE} every accessor is safe. The view is reusable: wrap it again for the next frame.
 */
public final class EthernetFrame {
    public static final int HEADER_LENGTH = 14;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;

    private static final int DESTINATION = 0;
    private static final int SOURCE = 6;
    private static final int ETHER_TYPE = 12;

    private byte[] buf;
    private int off;
    private int len;

    public Defect wrap(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        if (len < HEADER_LENGTH || off < 0 || len > buf.length - off) {
            return Defect.TRUNCATED;
        }
        return Defect.NONE;
    }

    public long destination() {
        return BigEndian.u48(buf, off + DESTINATION);
    }

    public long source() {
        return BigEndian.u48(buf, off + SOURCE);
    }

    public int etherType() {
        return BigEndian.u16(buf, off + ETHER_TYPE);
    }

    public byte[] buffer() {
        return buf;
    }

    public int offset() {
        return off;
    }

    public int length() {
        return len;
    }

    public int payloadOffset() {
        return off + HEADER_LENGTH;
    }

    public int payloadLength() {
        return len - HEADER_LENGTH;
    }

    /** Writes the 14-byte header at {@code off}; returns {@link #HEADER_LENGTH}. */
    public static int write(byte[] b, int off, long destination, long source, int etherType) {
        BigEndian.put48(b, off + DESTINATION, destination);
        BigEndian.put48(b, off + SOURCE, source);
        BigEndian.put16(b, off + ETHER_TYPE, etherType);
        return HEADER_LENGTH;
    }
}
