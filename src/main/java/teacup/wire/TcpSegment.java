package teacup.wire;

/**
 * View over a TCP segment (RFC 9293 3.1). {@link #wrap} checks the length, the data offset, the
 * checksum over the pseudo-header, header and data (RFC 9293 MUST-3), and that the option list is
 * well formed; after {@link Defect#NONE} every accessor is safe. Reusable: wrap it again for the
 * next segment.
 *
 * <p>Sequence and acknowledgment numbers come back as the raw 32 bits in an {@code int}. They live
 * in a circle of 2^32 values (RFC 9293 3.4), so never compare them with {@code <}; use
 * {@link SeqNum}.
 */
public final class TcpSegment {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = MIN_HEADER_LENGTH + TcpOptions.MAX_LENGTH;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    /** ECN-Echo (RFC 3168 6.1). */
    public static final int ECE = 0x40;
    /** Congestion Window Reduced (RFC 3168 6.1). */
    public static final int CWR = 0x80;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int SEQUENCE = 4;
    private static final int ACKNOWLEDGMENT = 8;
    private static final int DATA_OFFSET = 12;
    private static final int FLAGS = 13;
    private static final int WINDOW = 14;
    private static final int CHECKSUM = 16;
    private static final int URGENT_POINTER = 18;
    private static final int OPTIONS = 20;

    private byte[] buf;
    private int off;
    private int len;
    private int headerLength;

    /**
     * Checks {@code buf[off, off+len)} as a TCP segment, where {@code len} is the IP payload length
     * and {@code source}/{@code destination} are the IP addresses for the pseudo-header.
     */
    public Defect wrap(byte[] buf, int off, int len, int source, int destination) {
        return wrap(buf, off, len, source, destination, true);
    }

    /**
     * As {@link #wrap(byte[], int, int, int, int)}, but {@code verifyChecksum == false} skips the
     * checksum. Only for frames whose checksum was never filled in: segments captured on the
     * sending host with checksum offload (Linux loopback captures hold only the pseudo-header sum,
     * CHECKSUM_PARTIAL), or a link that vouches it checked them. Never for frames off a real wire.
     */
    public Defect wrap(byte[] buf, int off, int len, int source, int destination, boolean verifyChecksum) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        this.headerLength = 0;
        if (off < 0 || len < MIN_HEADER_LENGTH || len > buf.length - off) {
            return Defect.TRUNCATED;
        }
        int h = (BigEndian.u8(buf, off + DATA_OFFSET) >>> 4) * 4;
        if (h < MIN_HEADER_LENGTH || h > len) {
            return Defect.BAD_DATA_OFFSET;
        }
        if (verifyChecksum) {
            long sum = Checksum.pseudoHeader(source, destination, Ipv4Packet.PROTOCOL_TCP, len);
            if (Checksum.fold(Checksum.add(sum, buf, off, len)) != 0xffff) {
                return Defect.BAD_CHECKSUM;
            }
        }
        Defect options = TcpOptions.check(buf, off + OPTIONS, h - OPTIONS);
        if (options != Defect.NONE) {
            return options;
        }
        headerLength = h;
        return Defect.NONE;
    }

    /** Parses this segment's options into {@code into} (cleared first); wrap has already checked them. */
    public Defect options(TcpOptions into) {
        return into.parse(buf, off + OPTIONS, headerLength - OPTIONS);
    }

    public int sourcePort() {
        return BigEndian.u16(buf, off + SOURCE_PORT);
    }

    public int destinationPort() {
        return BigEndian.u16(buf, off + DESTINATION_PORT);
    }

    /** SEG.SEQ as int bits; compare with {@link SeqNum}, never with {@code <}. */
    public int sequence() {
        return BigEndian.i32(buf, off + SEQUENCE);
    }

    /** SEG.ACK as int bits (meaningful when {@link #ACK} is set); compare with {@link SeqNum}. */
    public int acknowledgment() {
        return BigEndian.i32(buf, off + ACKNOWLEDGMENT);
    }

    /** The data offset field: header length in 32-bit words, 5..15. */
    public int dataOffset() {
        return headerLength >>> 2;
    }

    /** Header length in bytes, 20..60. */
    public int headerLength() {
        return headerLength;
    }

    /** The eight control bits (CWR..FIN); test with the constants, e.g. {@code (flags() & SYN) != 0}. */
    public int flags() {
        return BigEndian.u8(buf, off + FLAGS);
    }

    /** True when every bit of {@code mask} is set. */
    public boolean has(int mask) {
        return (flags() & mask) == mask;
    }

    /** The four bits between the data offset and the flags (reserved, and the AE bit of Accurate ECN). */
    public int reservedBits() {
        return BigEndian.u8(buf, off + DATA_OFFSET) & 0x0f;
    }

    /** The window field as sent, before any window scaling. */
    public int window() {
        return BigEndian.u16(buf, off + WINDOW);
    }

    public int checksum() {
        return BigEndian.u16(buf, off + CHECKSUM);
    }

    public int urgentPointer() {
        return BigEndian.u16(buf, off + URGENT_POINTER);
    }

    public byte[] buffer() {
        return buf;
    }

    public int offset() {
        return off;
    }

    /** Header plus data, in bytes. */
    public int length() {
        return len;
    }

    public int optionsOffset() {
        return off + OPTIONS;
    }

    public int optionsLength() {
        return headerLength - OPTIONS;
    }

    public int payloadOffset() {
        return off + headerLength;
    }

    public int payloadLength() {
        return len - headerLength;
    }

    /** SEG.LEN of RFC 9293 3.4: data bytes plus one each for SYN and FIN, the sequence space used. */
    public int sequenceLength() {
        int f = flags();
        return payloadLength() + ((f & SYN) != 0 ? 1 : 0) + ((f & FIN) != 0 ? 1 : 0);
    }

    /** The header length {@link #write} will produce for these options ({@code null} for none). */
    public static int headerLength(TcpOptions options) {
        return MIN_HEADER_LENGTH + (options == null ? 0 : options.encodedLength());
    }

    /**
     * Writes the header at {@code off} with {@code options} ({@code null} for none) and the
     * checksum over the pseudo-header, the header and the {@code payloadLength} bytes the caller has
     * already placed at {@code off + headerLength(options)}. {@code flags} are the eight control bits.
     * Returns the segment length (header plus payload).
     *
     * @throws IllegalArgumentException if the options do not fit in 40 bytes (e.g. four SACK blocks
     *     with timestamps); choosing what to send is the caller's job, not the emitter's
     */
    public static int write(byte[] b, int off, int sourcePort, int destinationPort, int sequence, int acknowledgment,
                            int flags, int window, int urgentPointer, TcpOptions options, int payloadLength,
                            int source, int destination) {
        return write(b, off, sourcePort, destinationPort, sequence, acknowledgment, flags, window, urgentPointer, options,
                payloadLength, source, destination, true);
    }

    /**
     * As {@link #write(byte[], int, int, int, int, int, int, int, int, TcpOptions, int, int, int)};
     * with {@code complete == false} the checksum field gets only the folded pseudo-header sum, for
     * a device to finish (checksum offload: it sums from the TCP header to the end, this field
     * included, and stores the complement). See {@link Checksum#finishInPlace}.
     */
    public static int write(byte[] b, int off, int sourcePort, int destinationPort, int sequence, int acknowledgment,
                            int flags, int window, int urgentPointer, TcpOptions options, int payloadLength,
                            int source, int destination, boolean complete) {
        int h = headerLength(options);
        if (h > MAX_HEADER_LENGTH) {
            throw new IllegalArgumentException("TCP options need " + (h - MIN_HEADER_LENGTH)
                    + " bytes, more than " + TcpOptions.MAX_LENGTH + ": " + options);
        }
        BigEndian.put16(b, off + SOURCE_PORT, sourcePort);
        BigEndian.put16(b, off + DESTINATION_PORT, destinationPort);
        BigEndian.put32(b, off + SEQUENCE, sequence);
        BigEndian.put32(b, off + ACKNOWLEDGMENT, acknowledgment);
        BigEndian.put8(b, off + DATA_OFFSET, (h >>> 2) << 4);
        BigEndian.put8(b, off + FLAGS, flags);
        BigEndian.put16(b, off + WINDOW, window);
        BigEndian.put16(b, off + CHECKSUM, 0);
        BigEndian.put16(b, off + URGENT_POINTER, urgentPointer);
        if (options != null) {
            options.write(b, off + OPTIONS);
        }
        int length = h + payloadLength;
        // Unlike UDP, TCP has no "no checksum" value, so a computed zero is sent as zero (MUST-2).
        long sum = Checksum.pseudoHeader(source, destination, Ipv4Packet.PROTOCOL_TCP, length);
        if (complete) {
            BigEndian.put16(b, off + CHECKSUM, Checksum.finish(Checksum.add(sum, b, off, length)));
        } else {
            BigEndian.put16(b, off + CHECKSUM, Checksum.fold(sum));
        }
        return length;
    }
}
