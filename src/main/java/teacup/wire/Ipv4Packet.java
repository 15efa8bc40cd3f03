package teacup.wire;

/**
 * View over an IPv4 packet (RFC 791). {@link #wrap} checks version, IHL, total length against the
 * buffer and the header checksum; {@link #checkOptions} then checks the options' framing and the
 * source route. A buffer longer than the total length (Ethernet padding) is accepted and the
 * excess ignored.
 */
public final class Ipv4Packet {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int MAX_TOTAL_LENGTH = 65535;

    private static final int VERSION_IHL = 0;
    private static final int TOS = 1;
    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;

    // RFC 791 3.1 option types (copied flag, class and number in one octet).
    public static final int OPTION_END = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_RECORD_ROUTE = 7;
    public static final int OPTION_TIMESTAMP = 68;
    public static final int OPTION_LOOSE_SOURCE_ROUTE = 131;
    public static final int OPTION_STRICT_SOURCE_ROUTE = 137;

    /** What {@link #checkOptions} found. */
    public enum OptionCheck {
        /** Well formed, and no hop of a source route is left (or there is none). */
        NONE,
        /** A length or pointer the option cannot have, or two source routes; {@link #optionProblem} says where. */
        MALFORMED,
        /** A loose or strict source route whose pointer has not reached its end: the datagram is for another hop. */
        UNFINISHED_SOURCE_ROUTE
    }

    private byte[] buf;
    private int off;
    private int headerLength;
    private int totalLength;
    private int optionProblem;

    public Defect wrap(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        if (off < 0 || len < MIN_HEADER_LENGTH || len > buf.length - off) {
            return Defect.TRUNCATED;
        }
        int versionIhl = BigEndian.u8(buf, off + VERSION_IHL);
        if ((versionIhl >>> 4) != 4) {
            return Defect.BAD_VERSION;
        }
        headerLength = (versionIhl & 0xf) * 4;
        if (headerLength < MIN_HEADER_LENGTH || headerLength > len) {
            return Defect.BAD_HEADER_LENGTH;
        }
        totalLength = BigEndian.u16(buf, off + TOTAL_LENGTH);
        if (totalLength < headerLength) {
            return Defect.BAD_LENGTH;
        }
        if (totalLength > len) {
            return Defect.TRUNCATED;
        }
        if (Checksum.compute(buf, off, headerLength) != 0) {
            return Defect.BAD_CHECKSUM;
        }
        return Defect.NONE;
    }

    /**
     * RFC 791 3.1, RFC 1122 3.2.1.8: walks the options of a wrapped packet. Each but End and No
     * Operation has a length of at least 2 that stays within the header; record route and the
     * source routes have a pointer of at least 4 (timestamps 5) and room for it; unknown options
     * are skipped by their length (MUST be ignored). A source route whose pointer still names an
     * address is UNFINISHED: a host that does not forward does not take it (RFC 1122 3.3.5).
     */
    public OptionCheck checkOptions() {
        int end = off + headerLength;
        boolean sourceRoute = false;
        boolean unfinished = false;
        for (int i = off + MIN_HEADER_LENGTH; i < end; ) {
            int type = BigEndian.u8(buf, i);
            if (type == OPTION_END) {
                break;
            }
            if (type == OPTION_NOP) {
                i++;
                continue;
            }
            int length = i + 1 < end ? BigEndian.u8(buf, i + 1) : 0;
            if (length < 2 || i + length > end) {
                return problem(i + 1);
            }
            int pointer = length > 2 ? BigEndian.u8(buf, i + 2) : 0;
            switch (type) {
                case OPTION_LOOSE_SOURCE_ROUTE, OPTION_STRICT_SOURCE_ROUTE -> {
                    if (length < 3 || sourceRoute) {
                        return problem(i + (sourceRoute ? 0 : 1));
                    }
                    if (pointer < 4) {
                        return problem(i + 2);
                    }
                    sourceRoute = true;
                    unfinished = pointer + 3 <= length; // another four-octet address is still to be visited
                }
                case OPTION_RECORD_ROUTE, OPTION_TIMESTAMP -> {
                    int least = type == OPTION_TIMESTAMP ? 5 : 4;
                    if (length < least - 1) {
                        return problem(i + 1);
                    }
                    if (pointer < least) {
                        return problem(i + 2);
                    }
                }
                default -> { }
            }
            i += length;
        }
        optionProblem = 0;
        return unfinished ? OptionCheck.UNFINISHED_SOURCE_ROUTE : OptionCheck.NONE;
    }

    private OptionCheck problem(int at) {
        optionProblem = at - off;
        return OptionCheck.MALFORMED;
    }

    /** After {@link #checkOptions} said MALFORMED: the octet at fault, from the header's start (ICMP Parameter Problem's pointer). */
    public int optionProblem() {
        return optionProblem;
    }

    public int headerLength() {
        return headerLength;
    }

    public int totalLength() {
        return totalLength;
    }

    public int typeOfService() {
        return BigEndian.u8(buf, off + TOS);
    }

    public int identification() {
        return BigEndian.u16(buf, off + IDENTIFICATION);
    }

    public boolean dontFragment() {
        return (BigEndian.u16(buf, off + FLAGS_FRAGMENT) & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments() {
        return (BigEndian.u16(buf, off + FLAGS_FRAGMENT) & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in bytes (the field counts 8-byte units). */
    public int fragmentOffset() {
        return (BigEndian.u16(buf, off + FLAGS_FRAGMENT) & 0x1fff) * 8;
    }

    public boolean isFragment() {
        return moreFragments() || fragmentOffset() != 0;
    }

    public int ttl() {
        return BigEndian.u8(buf, off + TTL);
    }

    public int protocol() {
        return BigEndian.u8(buf, off + PROTOCOL);
    }

    public int checksum() {
        return BigEndian.u16(buf, off + CHECKSUM);
    }

    public int source() {
        return BigEndian.i32(buf, off + SOURCE);
    }

    public int destination() {
        return BigEndian.i32(buf, off + DESTINATION);
    }

    public byte[] buffer() {
        return buf;
    }

    public int offset() {
        return off;
    }

    public int payloadOffset() {
        return off + headerLength;
    }

    public int payloadLength() {
        return totalLength - headerLength;
    }

    /** As {@link #write(byte[], int, int, int, int, int, int, int, int, int)} with TOS 0. */
    public static int write(byte[] b, int off, int payloadLength, int identification, int flagsAndOffset,
                            int ttl, int protocol, int source, int destination) {
        return write(b, off, payloadLength, identification, flagsAndOffset, ttl, 0, protocol, source, destination);
    }

    /**
     * Writes a 20-byte header (no options) at {@code off} with its checksum, for a payload of
     * {@code payloadLength} bytes that follows it. {@code flagsAndOffset} is the raw 16-bit field
     * (flags | offset/8); {@code typeOfService} the TOS octet (DSCP and ECN). Returns the header length.
     */
    public static int write(byte[] b, int off, int payloadLength, int identification, int flagsAndOffset,
                            int ttl, int typeOfService, int protocol, int source, int destination) {
        BigEndian.put8(b, off + VERSION_IHL, 0x45);
        BigEndian.put8(b, off + TOS, typeOfService);
        BigEndian.put16(b, off + TOTAL_LENGTH, MIN_HEADER_LENGTH + payloadLength);
        BigEndian.put16(b, off + IDENTIFICATION, identification);
        BigEndian.put16(b, off + FLAGS_FRAGMENT, flagsAndOffset);
        BigEndian.put8(b, off + TTL, ttl);
        BigEndian.put8(b, off + PROTOCOL, protocol);
        BigEndian.put16(b, off + CHECKSUM, 0);
        BigEndian.put32(b, off + SOURCE, source);
        BigEndian.put32(b, off + DESTINATION, destination);
        BigEndian.put16(b, off + CHECKSUM, Checksum.compute(b, off, MIN_HEADER_LENGTH));
        return MIN_HEADER_LENGTH;
    }
}
