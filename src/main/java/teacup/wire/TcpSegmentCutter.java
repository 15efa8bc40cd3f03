package teacup.wire;

/**
 * Cuts one large TCP/IPv4 frame (Ethernet, IPv4, TCP with options, data) into frames of at most
 * {@code segmentSize} data bytes each, as a device with TCP segmentation offload (or Linux's
 * software GSO) would: every piece repeats the headers; the IPv4 total length, the identification
 * (one more per piece) and the header checksum are redone per piece; the sequence number moves on
 * by the data before the piece; FIN and PSH stay only on the last piece and CWR only on the first;
 * the TCP checksum is summed whole for each piece. The large frame's own TCP checksum field is
 * not read (a sender that leaves it for the device holds only the pseudo-header sum there).
 *
 * <p>The pieces are then what the TCP sender would have sent one by one in the same turn, byte for
 * byte. One more thing is done that Linux leaves alone: an urgent pointer is made relative to each
 * piece's sequence number (RFC 9293 3.8.5), URG cleared on pieces that start past the urgent data;
 * a pointer already capped at 65535 stays 65535, since how far beyond that it reached is lost.
 *
 * <p>A cursor: {@link #start} checks the frame and says what is wrong with it as a {@link Defect}
 * (never by throwing); then each {@link #next} writes the next piece into the caller's buffer. No
 * allocation: one cutter serves every frame, one after the other. The large frame must stay as it
 * is until the last piece is out; the pieces may not overlap it.
 */
public final class TcpSegmentCutter {
    private static final int ETHER = EthernetFrame.HEADER_LENGTH;
    private static final int IP_TOTAL_LENGTH = 2;
    private static final int IP_IDENTIFICATION = 4;
    private static final int IP_FLAGS_FRAGMENT = 6;
    private static final int IP_PROTOCOL = 9;
    private static final int IP_CHECKSUM = 10;
    private static final int IP_SOURCE = 12;
    private static final int IP_DESTINATION = 16;
    private static final int TCP_SEQUENCE = 4;
    private static final int TCP_DATA_OFFSET = 12;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_CHECKSUM = 16;
    private static final int TCP_URGENT_POINTER = 18;
    /** The fragment offset and More Fragments: a fragment cannot be cut again. */
    private static final int FRAGMENT_BITS = Ipv4Packet.FLAG_MORE_FRAGMENTS | 0x1fff;
    /** The most an urgent pointer field says; a sender caps a further pointer here. */
    private static final int CAPPED_POINTER = 0xffff;

    private byte[] frame;
    private int off;
    private int ipHeader;
    private int tcpHeader;
    private int headers;
    private int data;
    private int segmentSize;
    private int pieces;
    private int nextPiece;
    private int firstIdentification;
    private int firstSequence;
    private int flags;
    private int urgentPointer;
    private int source;
    private int destination;

    /**
     * Checks {@code frame[off, off+len)} as a large TCP/IPv4 frame to cut into pieces of
     * {@code segmentSize} data bytes and, when it is one, makes it this cutter's. On any defect
     * nothing is left to cut ({@link #hasNext} is false).
     *
     * @return {@link Defect#NONE}, or TRUNCATED (shorter than the headers it names), UNSUPPORTED
     *     (not IPv4 over Ethernet, not TCP, or a fragment), BAD_VERSION, BAD_HEADER_LENGTH (IHL),
     *     BAD_LENGTH (the IPv4 total length is not the frame's), BAD_DATA_OFFSET (the TCP header
     *     runs past the frame), BAD_FIELD (a segment size below 1, or SYN or RST, which never carry
     *     data to cut)
     */
    public Defect start(byte[] frame, int off, int len, int segmentSize) {
        this.frame = null;
        this.pieces = 0;
        this.nextPiece = 0;
        Defect d = check(frame, off, len, segmentSize);
        return d != Defect.NONE ? d : begin(frame, off, len, segmentSize);
    }

    /**
     * As {@link #start}, with pieces as large as an IPv4 packet of {@code mtu} bytes holds beside
     * the frame's own headers: the segments a sender on a link of that MTU sends (a large frame a
     * device received and joined, whose segment size was not kept). BAD_FIELD when the headers
     * alone do not fit.
     */
    public Defect startForMtu(byte[] frame, int off, int len, int mtu) {
        this.frame = null;
        this.pieces = 0;
        this.nextPiece = 0;
        Defect d = check(frame, off, len, 1);
        if (d != Defect.NONE) {
            return d;
        }
        int size = mtu - ipHeader - tcpHeader;
        return size < 1 ? Defect.BAD_FIELD : begin(frame, off, len, size);
    }

    private Defect begin(byte[] frame, int off, int len, int segmentSize) {
        int ip = off + ETHER;
        int tcp = ip + ipHeader;
        this.frame = frame;
        this.off = off;
        this.headers = ETHER + ipHeader + tcpHeader;
        this.data = len - headers;
        this.segmentSize = segmentSize;
        this.pieces = data == 0 ? 1 : (int) ((data + (long) segmentSize - 1) / segmentSize);
        this.firstIdentification = BigEndian.u16(frame, ip + IP_IDENTIFICATION);
        this.source = BigEndian.i32(frame, ip + IP_SOURCE);
        this.destination = BigEndian.i32(frame, ip + IP_DESTINATION);
        this.firstSequence = BigEndian.i32(frame, tcp + TCP_SEQUENCE);
        this.flags = BigEndian.u8(frame, tcp + TCP_FLAGS);
        this.urgentPointer = BigEndian.u16(frame, tcp + TCP_URGENT_POINTER);
        return Defect.NONE;
    }

    private Defect check(byte[] b, int at, int len, int size) {
        if (b == null || at < 0 || len < 0 || len > b.length - at
                || len < ETHER + Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.MIN_HEADER_LENGTH) {
            return Defect.TRUNCATED;
        }
        if (BigEndian.u16(b, at + 12) != EthernetFrame.TYPE_IPV4) {
            return Defect.UNSUPPORTED;
        }
        int ip = at + ETHER;
        if (BigEndian.u8(b, ip) >>> 4 != 4) {
            return Defect.BAD_VERSION;
        }
        ipHeader = (BigEndian.u8(b, ip) & 0xf) * 4;
        if (ipHeader < Ipv4Packet.MIN_HEADER_LENGTH || ETHER + ipHeader + TcpSegment.MIN_HEADER_LENGTH > len) {
            return Defect.BAD_HEADER_LENGTH;
        }
        if (BigEndian.u16(b, ip + IP_TOTAL_LENGTH) != len - ETHER) {
            return Defect.BAD_LENGTH;
        }
        if (BigEndian.u8(b, ip + IP_PROTOCOL) != Ipv4Packet.PROTOCOL_TCP
                || (BigEndian.u16(b, ip + IP_FLAGS_FRAGMENT) & FRAGMENT_BITS) != 0) {
            return Defect.UNSUPPORTED;
        }
        int tcp = ip + ipHeader;
        tcpHeader = (BigEndian.u8(b, tcp + TCP_DATA_OFFSET) >>> 4) * 4;
        if (tcpHeader < TcpSegment.MIN_HEADER_LENGTH || ETHER + ipHeader + tcpHeader > len) {
            return Defect.BAD_DATA_OFFSET;
        }
        if (size < 1 || (BigEndian.u8(b, tcp + TCP_FLAGS) & (TcpSegment.SYN | TcpSegment.RST)) != 0) {
            return Defect.BAD_FIELD;
        }
        return Defect.NONE;
    }

    /**
     * Whether the TCP checksum of the frame {@link #start} took is complete and right: for a
     * received frame no device vouched for, whose damage the pieces' fresh checksums would hide.
     */
    public boolean checksumComplete() {
        if (frame == null) {
            return false;
        }
        int tcp = off + ETHER + ipHeader;
        int length = tcpHeader + data;
        long sum = Checksum.pseudoHeader(source, destination, Ipv4Packet.PROTOCOL_TCP, length);
        return Checksum.fold(Checksum.add(sum, frame, tcp, length)) == 0xffff;
    }

    /** Data bytes in each piece but the last (0 after a defect). */
    public int segmentSize() {
        return frame == null ? 0 : segmentSize;
    }

    /** How many pieces the frame {@link #start} took makes (0 after a defect). */
    public int pieces() {
        return pieces;
    }

    /** Bytes of headers (Ethernet, IPv4, TCP) every piece repeats. */
    public int headerLength() {
        return frame == null ? 0 : headers;
    }

    /** The longest piece {@link #next} writes: the headers and one segment's data. */
    public int longestPiece() {
        return frame == null ? 0 : headers + Math.min(segmentSize, data);
    }

    public boolean hasNext() {
        return nextPiece < pieces;
    }

    /**
     * Writes the next piece at {@code out[at]} and returns its length; {@code out} must have room
     * for {@link #longestPiece} there (a caller's mistake, not the frame's, so it throws).
     */
    public int next(byte[] out, int at) {
        if (!hasNext()) {
            throw new IllegalStateException("no piece left to cut");
        }
        int i = nextPiece++;
        int from = i * segmentSize;
        int n = Math.min(segmentSize, data - from);
        java.util.Objects.checkFromIndexSize(at, headers + n, out.length);
        System.arraycopy(frame, off, out, at, headers);
        System.arraycopy(frame, off + headers + from, out, at + headers, n);
        int ip = at + ETHER;
        BigEndian.put16(out, ip + IP_TOTAL_LENGTH, ipHeader + tcpHeader + n);
        BigEndian.put16(out, ip + IP_IDENTIFICATION, (firstIdentification + i) & 0xffff);
        BigEndian.put16(out, ip + IP_CHECKSUM, 0);
        BigEndian.put16(out, ip + IP_CHECKSUM, Checksum.compute(out, ip, ipHeader));
        int tcp = ip + ipHeader;
        BigEndian.put32(out, tcp + TCP_SEQUENCE, firstSequence + from);
        BigEndian.put8(out, tcp + TCP_FLAGS, pieceFlags(i, from));
        BigEndian.put16(out, tcp + TCP_URGENT_POINTER, piecePointer(from));
        BigEndian.put16(out, tcp + TCP_CHECKSUM, 0);
        long sum = Checksum.pseudoHeader(source, destination, Ipv4Packet.PROTOCOL_TCP, tcpHeader + n);
        BigEndian.put16(out, tcp + TCP_CHECKSUM, Checksum.finish(Checksum.add(sum, out, tcp, tcpHeader + n)));
        return headers + n;
    }

    private int pieceFlags(int i, int from) {
        int f = flags;
        if (i < pieces - 1) {
            f &= ~(TcpSegment.FIN | TcpSegment.PSH);
        }
        if (i > 0) {
            f &= ~TcpSegment.CWR; // RFC 3168 6.1.2: one CWR per window reduction
        }
        if ((f & TcpSegment.URG) != 0 && piecePointer(from) == 0) {
            f &= ~TcpSegment.URG;
        }
        return f;
    }

    private int piecePointer(int from) {
        if ((flags & TcpSegment.URG) == 0) {
            return urgentPointer;
        }
        if (urgentPointer == CAPPED_POINTER) {
            return CAPPED_POINTER;
        }
        return Math.max(0, urgentPointer - from);
    }
}
