package teacup.dns;

import java.util.Arrays;
import teacup.wire.BigEndian;

/**
 * View over a DNS message (RFC 1035 4.1): the header, the question section and the resource
 * records of the answer, authority and additional sections.
 *
 * <p>{@link #wrap} is the checked step: it walks every question and record, follows every name's
 * compression pointers, and rejects the message with a {@link DnsDefect} if anything would reach
 * outside it. After it returns {@link DnsDefect#NONE} no accessor can fail on the wrapped bytes.
 * Hostile input never throws: a name may take at most {@value #MAX_POINTER_HOPS} pointer hops,
 * each pointer must lead strictly backwards of where the name has been so far (so no loop can
 * form), and names are capped at {@value #MAX_NAME_LENGTH} bytes.
 *
 * <p>Names are handed around in their uncompressed wire form (length-prefixed labels ending in a
 * zero byte), as {@link #encodeName} makes them; comparison ignores ASCII case (RFC 4343).
 *
 * <p>The view is reusable: one instance wraps message after message, keeping a small table of
 * record offsets that grows only when a message holds more records than any before it.
 */
public final class DnsMessage {
    public static final int HEADER_LENGTH = 12;
    /** RFC 1035 2.3.4: the most a message over UDP may carry without EDNS. */
    public static final int UDP_PAYLOAD = 512;
    /** RFC 1035 2.3.4: a name's wire form, length bytes and final zero included. */
    public static final int MAX_NAME_LENGTH = 255;
    /** RFC 1035 2.3.4: a label's length. */
    public static final int MAX_LABEL_LENGTH = 63;
    /** How many compression pointers one name may follow; real names use one or two. */
    public static final int MAX_POINTER_HOPS = 32;
    public static final int DEFAULT_PORT = 53;

    public static final int TYPE_A = 1;
    public static final int TYPE_NS = 2;
    public static final int TYPE_CNAME = 5;
    public static final int TYPE_SOA = 6;
    public static final int TYPE_AAAA = 28;
    public static final int CLASS_IN = 1;

    public static final int OPCODE_QUERY = 0;
    public static final int RCODE_NOERROR = 0;
    public static final int RCODE_FORMERR = 1;
    public static final int RCODE_SERVFAIL = 2;
    public static final int RCODE_NXDOMAIN = 3;
    public static final int RCODE_NOTIMP = 4;
    public static final int RCODE_REFUSED = 5;

    private static final int ID = 0;
    private static final int FLAGS = 2;
    private static final int QDCOUNT = 4;
    private static final int ANCOUNT = 6;
    private static final int NSCOUNT = 8;
    private static final int ARCOUNT = 10;

    private static final int FLAG_QR = 0x8000;
    private static final int FLAG_AA = 0x0400;
    private static final int FLAG_TC = 0x0200;
    private static final int FLAG_RD = 0x0100;
    private static final int FLAG_RA = 0x0080;

    /** TYPE, CLASS, TTL, RDLENGTH after a record's name. */
    private static final int RECORD_FIXED = 10;
    private static final int QUESTION_FIXED = 4;
    /** The walker's failure results; any result >= 0 is the offset just past the name. */
    private static final int WALK_TRUNCATED = -1;
    private static final int WALK_BAD = -2;

    /** The section a record came in. */
    public enum Section { ANSWER, AUTHORITY, ADDITIONAL }

    private byte[] buf;
    private int off;
    private int end;
    private int questionName;
    private int questionFixed;
    private int recordCount;
    private final int[] sectionCounts = new int[3];
    private int[] recordName = new int[16];
    private int[] recordFixed = new int[16];

    /**
     * Checks and wraps the {@code len} bytes at {@code off}. Compression pointers count from
     * {@code off}. A message with the TC bit may stop anywhere after its question (RFC 2181 9):
     * then only the records that arrived whole are offered, and the message is not rejected.
     */
    public DnsDefect wrap(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.recordCount = 0;
        this.questionName = -1;
        Arrays.fill(sectionCounts, 0);
        if (off < 0 || len < HEADER_LENGTH || len > buf.length - off) {
            this.end = off;
            return DnsDefect.TRUNCATED;
        }
        this.end = off + len;
        int at = off + HEADER_LENGTH;
        int questions = BigEndian.u16(buf, off + QDCOUNT);
        for (int i = 0; i < questions; i++) {
            int next = walk(at, null, 0, null);
            if (next < 0) {
                return next == WALK_TRUNCATED ? DnsDefect.TRUNCATED : DnsDefect.BAD_NAME;
            }
            if (next + QUESTION_FIXED > end) {
                return DnsDefect.TRUNCATED;
            }
            if (i == 0) {
                questionName = at;
                questionFixed = next;
            }
            at = next + QUESTION_FIXED;
        }
        for (int s = 0; s < 3; s++) {
            int count = BigEndian.u16(buf, off + ANCOUNT + 2 * s);
            for (int i = 0; i < count; i++) {
                int next = record(at);
                if (next < 0) {
                    if (truncated()) {
                        return DnsDefect.NONE; // the rest was cut off on purpose; the caller sees TC
                    }
                    return next == WALK_TRUNCATED ? DnsDefect.TRUNCATED
                            : next == WALK_BAD ? DnsDefect.BAD_NAME : DnsDefect.BAD_RECORD;
                }
                at = next;
                sectionCounts[s]++;
            }
        }
        return DnsDefect.NONE;
    }

    /** Checks the record at {@code at}, notes it, and returns the offset after it; negative on a defect (-3: bad data). */
    private int record(int at) {
        int fixed = walk(at, null, 0, null);
        if (fixed < 0) {
            return fixed;
        }
        if (fixed + RECORD_FIXED > end) {
            return WALK_TRUNCATED;
        }
        int type = BigEndian.u16(buf, fixed);
        int klass = BigEndian.u16(buf, fixed + 2);
        int dataLength = BigEndian.u16(buf, fixed + 8);
        int data = fixed + RECORD_FIXED;
        if (dataLength > end - data) {
            return WALK_TRUNCATED;
        }
        if (klass == CLASS_IN && type == TYPE_A && dataLength != 4) {
            return -3;
        }
        if (type == TYPE_CNAME) {
            // The target name may point elsewhere in the message, but must itself end where the data does.
            int after = walkWithin(data, data + dataLength);
            if (after < 0) {
                return after == WALK_BAD ? WALK_BAD : -3;
            }
            if (after != data + dataLength) {
                return -3;
            }
        }
        if (recordCount == recordName.length) {
            recordName = Arrays.copyOf(recordName, recordCount * 2);
            recordFixed = Arrays.copyOf(recordFixed, recordCount * 2);
        }
        recordName[recordCount] = at;
        recordFixed[recordCount] = fixed;
        recordCount++;
        return data + dataLength;
    }

    /** {@link #walk} for a name whose own bytes (before any pointer) must lie below {@code limit}. */
    private int walkWithin(int at, int limit) {
        int saved = end;
        end = limit;
        try {
            return walk(at, null, 0, null);
        } finally {
            end = saved;
        }
    }

    /**
     * Walks the name at {@code at}, optionally copying its uncompressed wire form to {@code out}
     * or comparing it with {@code compare}. Returns the offset just past the name where it
     * started (after its first pointer, if any), {@link #WALK_TRUNCATED} or {@link #WALK_BAD};
     * when comparing, {@link #WALK_BAD} also means "a different name".
     */
    private int walk(int at, byte[] out, int outOff, byte[] compare) {
        int pos = at;
        int lowest = at;       // the lowest offset this name has reached; pointers must go below it
        int after = -1;        // where the name ends in the message, fixed by the first pointer or the end
        int length = 0;        // wire length so far
        int hops = 0;
        int limit = end;       // the bound for label bytes; a pointer's target may only be earlier data
        while (true) {
            if (pos >= limit) {
                return WALK_TRUNCATED;
            }
            int b = buf[pos] & 0xff;
            switch (b >>> 6) {
                case 0 -> {
                    if (pos + 1 + b > limit) {
                        return WALK_TRUNCATED;
                    }
                    if (length + 1 + b > MAX_NAME_LENGTH - 1 && b != 0) {
                        return WALK_BAD; // no room left for the final zero
                    }
                    if (compare != null && !labelEquals(pos, compare, length)) {
                        return WALK_BAD;
                    }
                    if (out != null) {
                        System.arraycopy(buf, pos, out, outOff + length, 1 + b);
                    }
                    length += 1 + b;
                    if (b == 0) {
                        return after >= 0 ? after : pos + 1;
                    }
                    pos += 1 + b;
                }
                case 3 -> {
                    if (pos + 2 > limit) {
                        return WALK_TRUNCATED;
                    }
                    int target = off + (((b & 0x3f) << 8) | (buf[pos + 1] & 0xff));
                    if (after < 0) {
                        after = pos + 2;
                    }
                    // Strictly below everything visited, and never into the header: no loop can form.
                    if (++hops > MAX_POINTER_HOPS || target >= lowest || target < off + HEADER_LENGTH) {
                        return WALK_BAD;
                    }
                    lowest = target;
                    limit = end;
                    pos = target;
                }
                default -> {
                    return WALK_BAD; // 0x40 and 0x80: label types RFC 1035 reserves (later extended labels, now obsolete)
                }
            }
        }
    }

    /** Whether the label at {@code pos} (length byte included) equals {@code name}'s bytes at {@code at}, ignoring ASCII case. */
    private boolean labelEquals(int pos, byte[] name, int at) {
        int n = 1 + (buf[pos] & 0xff);
        if (at + n > name.length) {
            return false;
        }
        if (buf[pos] != name[at]) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            if (lower(buf[pos + i]) != lower(name[at + i])) {
                return false;
            }
        }
        return true;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }

    // ---------------------------------------------------------------- header

    public int id() {
        return BigEndian.u16(buf, off + ID);
    }

    private int flags() {
        return BigEndian.u16(buf, off + FLAGS);
    }

    public boolean isResponse() {
        return (flags() & FLAG_QR) != 0;
    }

    public int opcode() {
        return (flags() >>> 11) & 0xf;
    }

    public boolean authoritative() {
        return (flags() & FLAG_AA) != 0;
    }

    /** TC: the server cut the message to fit; ask again over TCP (RFC 1035 4.2.1). */
    public boolean truncated() {
        return (flags() & FLAG_TC) != 0;
    }

    public boolean recursionDesired() {
        return (flags() & FLAG_RD) != 0;
    }

    public boolean recursionAvailable() {
        return (flags() & FLAG_RA) != 0;
    }

    public int rcode() {
        return flags() & 0xf;
    }

    /** The counts as the header states them (the records offered may be fewer when TC is set). */
    public int questionCount() {
        return BigEndian.u16(buf, off + QDCOUNT);
    }

    public int answerCount() {
        return BigEndian.u16(buf, off + ANCOUNT);
    }

    public int authorityCount() {
        return BigEndian.u16(buf, off + NSCOUNT);
    }

    public int additionalCount() {
        return BigEndian.u16(buf, off + ARCOUNT);
    }

    // ---------------------------------------------------------------- question

    /** Whether the message has a question; the question accessors need one. */
    public boolean hasQuestion() {
        return questionName >= 0;
    }

    /** The first question's name, as an offset for {@link #nameEquals}, {@link #name} and {@link #nameText}. */
    public int questionName() {
        requireQuestion();
        return questionName;
    }

    public int questionType() {
        requireQuestion();
        return BigEndian.u16(buf, questionFixed);
    }

    public int questionClass() {
        requireQuestion();
        return BigEndian.u16(buf, questionFixed + 2);
    }

    private void requireQuestion() {
        if (questionName < 0) {
            throw new IllegalStateException("the message has no question");
        }
    }

    // ---------------------------------------------------------------- records

    /** The records offered, answer section first, then authority, then additional. */
    public int recordCount() {
        return recordCount;
    }

    public Section section(int i) {
        checkRecord(i);
        return i < sectionCounts[0] ? Section.ANSWER : i < sectionCounts[0] + sectionCounts[1] ? Section.AUTHORITY : Section.ADDITIONAL;
    }

    /** Record {@code i}'s owner name, as an offset for {@link #nameEquals}, {@link #name} and {@link #nameText}. */
    public int recordName(int i) {
        checkRecord(i);
        return recordName[i];
    }

    public int recordType(int i) {
        checkRecord(i);
        return BigEndian.u16(buf, recordFixed[i]);
    }

    public int recordClass(int i) {
        checkRecord(i);
        return BigEndian.u16(buf, recordFixed[i] + 2);
    }

    /** Seconds the record may be cached; RFC 2181 8: a value with the top bit set counts as zero. */
    public long recordTtl(int i) {
        checkRecord(i);
        long ttl = BigEndian.u32(buf, recordFixed[i] + 4);
        return ttl > Integer.MAX_VALUE ? 0 : ttl;
    }

    public int recordDataOffset(int i) {
        checkRecord(i);
        return recordFixed[i] + RECORD_FIXED;
    }

    public int recordDataLength(int i) {
        checkRecord(i);
        return BigEndian.u16(buf, recordFixed[i] + 8);
    }

    /** An IN A record's address, as the stack carries addresses (32 bits in network order). */
    public int address(int i) {
        if (recordType(i) != TYPE_A || recordClass(i) != CLASS_IN) {
            throw new IllegalStateException("record " + i + " is not an IN A record");
        }
        return BigEndian.i32(buf, recordDataOffset(i));
    }

    /** A CNAME record's target, as an offset for {@link #nameEquals}, {@link #name} and {@link #nameText}. */
    public int cnameTarget(int i) {
        if (recordType(i) != TYPE_CNAME) {
            throw new IllegalStateException("record " + i + " is not a CNAME record");
        }
        return recordDataOffset(i);
    }

    private void checkRecord(int i) {
        if (i < 0 || i >= recordCount) {
            throw new IndexOutOfBoundsException("record " + i + " of " + recordCount);
        }
    }

    public byte[] buffer() {
        return buf;
    }

    // ---------------------------------------------------------------- names

    /**
     * Whether the name at {@code nameOffset} (from {@link #questionName}, {@link #recordName} or
     * {@link #cnameTarget}) equals {@code name}, given in uncompressed wire form; ASCII case is ignored.
     */
    public boolean nameEquals(int nameOffset, byte[] name) {
        // Label by label, length bytes included, so both names reach their final zero together or differ.
        return walk(nameOffset, null, 0, name) >= 0;
    }

    /** The name at {@code nameOffset} in uncompressed wire form. */
    public byte[] name(int nameOffset) {
        byte[] out = new byte[copyLength(nameOffset)];
        walk(nameOffset, out, 0, null);
        return out;
    }

    /** The name at {@code nameOffset} as text, e.g. {@code www.example.com}; see {@link #nameToText}. */
    public String nameText(int nameOffset) {
        return nameToText(name(nameOffset));
    }

    private int copyLength(int nameOffset) {
        byte[] scratch = new byte[MAX_NAME_LENGTH];
        if (walk(nameOffset, scratch, 0, null) < 0) {
            throw new IllegalArgumentException("no valid name at offset " + nameOffset);
        }
        return wireLength(scratch);
    }

    /** The length of the wire-form name at the start of {@code name}, final zero included; -1 when it is not one. */
    private static int wireLength(byte[] name) {
        int at = 0;
        while (at < name.length) {
            int n = name[at] & 0xff;
            if (n == 0) {
                return at + 1;
            }
            if (n > MAX_LABEL_LENGTH) {
                return -1;
            }
            at += 1 + n;
        }
        return -1;
    }

    /**
     * A host name in uncompressed wire form: {@code www.example.com} (a final dot allowed) becomes
     * {@code 3www7example3com0}. Throws IllegalArgumentException for an empty label, a label over
     * 63 bytes, a name over 255, or a character outside printable ASCII.
     */
    public static byte[] encodeName(String host) {
        String h = host.endsWith(".") && host.length() > 1 ? host.substring(0, host.length() - 1) : host;
        if (h.isEmpty() || h.equals(".")) {
            throw new IllegalArgumentException("empty host name");
        }
        byte[] out = new byte[h.length() + 2];
        int at = 0;
        int labelStart = 0;
        for (int i = 0; i <= h.length(); i++) {
            if (i == h.length() || h.charAt(i) == '.') {
                int n = i - labelStart;
                if (n == 0) {
                    throw new IllegalArgumentException("empty label in host name '" + host + "'");
                }
                if (n > MAX_LABEL_LENGTH) {
                    throw new IllegalArgumentException("label longer than 63 bytes in host name '" + host + "'");
                }
                out[at++] = (byte) n;
                for (int k = labelStart; k < i; k++) {
                    char c = h.charAt(k);
                    if (c <= ' ' || c >= 0x7f) {
                        throw new IllegalArgumentException("host name '" + host + "' holds a character DNS names here cannot");
                    }
                    out[at++] = (byte) c;
                }
                labelStart = i + 1;
            }
        }
        out[at++] = 0;
        if (at > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("host name longer than 255 bytes: '" + host + "'");
        }
        return out;
    }

    /**
     * A wire-form name as text: labels joined by dots, the root as {@code .}; a dot, backslash or
     * non-printable byte inside a label is escaped ({@code \.}, {@code \\}, {@code \DDD}) so the
     * text cannot be mistaken for a different name.
     */
    public static String nameToText(byte[] name) {
        StringBuilder s = new StringBuilder();
        int at = 0;
        while (at < name.length) {
            int n = name[at] & 0xff;
            if (n == 0 || at + 1 + n > name.length) {
                break;
            }
            if (!s.isEmpty()) {
                s.append('.');
            }
            for (int i = at + 1; i <= at + n; i++) {
                int c = name[i] & 0xff;
                if (c == '.' || c == '\\') {
                    s.append('\\').append((char) c);
                } else if (c <= ' ' || c >= 0x7f) {
                    s.append('\\').append(String.format("%03d", c));
                } else {
                    s.append((char) c);
                }
            }
            at += 1 + n;
        }
        return s.isEmpty() ? "." : s.toString();
    }

    // ---------------------------------------------------------------- emitting

    /**
     * Writes a standard query (RFC 1035 4.1.1) with one question at {@code off}: the given ID,
     * RD set as asked, {@code name} in uncompressed wire form, {@code type}, class IN. Returns
     * its length; {@code b} needs room for {@code 12 + name.length + 4} bytes.
     */
    public static int writeQuery(byte[] b, int off, int id, byte[] name, int type, boolean recursionDesired) {
        int nameLength = wireLength(name);
        if (nameLength < 0 || nameLength > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("not a name in wire form");
        }
        BigEndian.put16(b, off + ID, id);
        BigEndian.put16(b, off + FLAGS, recursionDesired ? FLAG_RD : 0);
        BigEndian.put16(b, off + QDCOUNT, 1);
        BigEndian.put16(b, off + ANCOUNT, 0);
        BigEndian.put16(b, off + NSCOUNT, 0);
        BigEndian.put16(b, off + ARCOUNT, 0);
        System.arraycopy(name, 0, b, off + HEADER_LENGTH, nameLength);
        int at = off + HEADER_LENGTH + nameLength;
        BigEndian.put16(b, at, type);
        BigEndian.put16(b, at + 2, CLASS_IN);
        return at + QUESTION_FIXED - off;
    }

    /** The length {@link #writeQuery} needs for {@code name}. */
    public static int queryLength(byte[] name) {
        return HEADER_LENGTH + name.length + QUESTION_FIXED;
    }

    /** Names for response codes, for messages. */
    public static String rcodeName(int rcode) {
        return switch (rcode) {
            case RCODE_NOERROR -> "NOERROR";
            case RCODE_FORMERR -> "FORMERR";
            case RCODE_SERVFAIL -> "SERVFAIL";
            case RCODE_NXDOMAIN -> "NXDOMAIN";
            case RCODE_NOTIMP -> "NOTIMP";
            case RCODE_REFUSED -> "REFUSED";
            default -> "RCODE " + rcode;
        };
    }
}
