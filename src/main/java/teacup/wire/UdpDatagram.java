package teacup.wire;

/**
 * View over a UDP datagram (RFC 768). {@link #wrap} checks the length field against the IP
 * payload and, unless the checksum field is zero (sender chose none), the checksum over the
 * pseudo-header, header and data.
 */
public final class UdpDatagram {
    public static final int HEADER_LENGTH = 8;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int LENGTH = 4;
    private static final int CHECKSUM = 6;

    private byte[] buf;
    private int off;
    private int length;

    /** {@code len} is the IP payload length; source and destination are the IP addresses. */
    public Defect wrap(byte[] buf, int off, int len, int source, int destination) {
        return wrap(buf, off, len, source, destination, true);
    }

    /**
     * As {@link #wrap(byte[], int, int, int, int)}; {@code verifyChecksum == false} skips the
     * checksum, only for a datagram a link vouched for (made on this host, its checksum perhaps
     * left unfinished for a device to fill in). Never for a datagram off a real wire.
     */
    public Defect wrap(byte[] buf, int off, int len, int source, int destination, boolean verifyChecksum) {
        this.buf = buf;
        this.off = off;
        if (off < 0 || len < HEADER_LENGTH || len > buf.length - off) {
            return Defect.TRUNCATED;
        }
        length = BigEndian.u16(buf, off + LENGTH);
        if (length < HEADER_LENGTH) {
            return Defect.BAD_LENGTH;
        }
        if (length > len) {
            return Defect.TRUNCATED;
        }
        if (verifyChecksum && BigEndian.u16(buf, off + CHECKSUM) != 0) {
            long sum = Checksum.pseudoHeader(source, destination, Ipv4Packet.PROTOCOL_UDP, length);
            if (Checksum.fold(Checksum.add(sum, buf, off, length)) != 0xffff) {
                return Defect.BAD_CHECKSUM;
            }
        }
        return Defect.NONE;
    }

    public int sourcePort() {
        return BigEndian.u16(buf, off + SOURCE_PORT);
    }

    public int destinationPort() {
        return BigEndian.u16(buf, off + DESTINATION_PORT);
    }

    public int length() {
        return length;
    }

    public int checksum() {
        return BigEndian.u16(buf, off + CHECKSUM);
    }

    public byte[] buffer() {
        return buf;
    }

    public int payloadOffset() {
        return off + HEADER_LENGTH;
    }

    public int payloadLength() {
        return length - HEADER_LENGTH;
    }

    /**
     * Writes the header at {@code off} and the checksum over the pseudo-header, the header and
     * the {@code payloadLength} bytes already placed after it. Returns the datagram length.
     */
    public static int write(byte[] b, int off, int sourcePort, int destinationPort, int payloadLength,
                            int source, int destination) {
        int length = HEADER_LENGTH + payloadLength;
        BigEndian.put16(b, off + SOURCE_PORT, sourcePort);
        BigEndian.put16(b, off + DESTINATION_PORT, destinationPort);
        BigEndian.put16(b, off + LENGTH, length);
        BigEndian.put16(b, off + CHECKSUM, 0);
        long sum = Checksum.pseudoHeader(source, destination, Ipv4Packet.PROTOCOL_UDP, length);
        int checksum = Checksum.finish(Checksum.add(sum, b, off, length));
        // A computed zero is sent as all ones; zero on the wire means "no checksum" (RFC 768).
        BigEndian.put16(b, off + CHECKSUM, checksum == 0 ? 0xffff : checksum);
        return length;
    }
}
