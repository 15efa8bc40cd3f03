package teacup.dhcp;

import java.util.Arrays;
import teacup.wire.BigEndian;
import teacup.wire.Defect;

/**
 * View over a DHCP message (RFC 2131 section 2: the BOOTP header, then the magic cookie and
 * options of RFC 2132). {@link #wrap} checks the fixed part, the cookie and every option's
 * length, and indexes the options, so that afterwards no accessor can fail. Options are also
 * read from the 'file' and 'sname' fields when the overload option says they hold some
 * (RFC 2132 9.3), in the order RFC 2131 4.1 gives: options, then file, then sname.
 *
 * <p>Where an option appears more than once, the first instance counts; RFC 3396 would join
 * them, but no server we talk to splits the short options a client reads.
 *
 * <p>{@link Writer} builds messages in a caller's buffer.
 */
public final class DhcpMessage {
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;
    public static final int HTYPE_ETHERNET = 1;
    public static final int FLAG_BROADCAST = 0x8000;
    /** The fixed BOOTP header and the magic cookie: where the options start. */
    public static final int OPTIONS_OFFSET = 240;
    /** RFC 1542 2.1: relays may drop BOOTP messages shorter than this, so ours are padded to it. */
    public static final int MIN_LENGTH = 300;
    public static final int MAGIC_COOKIE = 0x63825363;

    // Message types (RFC 2132 9.6).
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int DECLINE = 4;
    public static final int ACK = 5;
    public static final int NAK = 6;
    public static final int RELEASE = 7;
    public static final int INFORM = 8;

    // Option codes (RFC 2132).
    public static final int OPTION_PAD = 0;
    public static final int OPTION_SUBNET_MASK = 1;
    public static final int OPTION_ROUTER = 3;
    public static final int OPTION_DNS_SERVERS = 6;
    public static final int OPTION_HOST_NAME = 12;
    public static final int OPTION_REQUESTED_ADDRESS = 50;
    public static final int OPTION_LEASE_TIME = 51;
    public static final int OPTION_OVERLOAD = 52;
    public static final int OPTION_MESSAGE_TYPE = 53;
    public static final int OPTION_SERVER_ID = 54;
    public static final int OPTION_PARAMETER_REQUEST_LIST = 55;
    public static final int OPTION_MESSAGE = 56;
    public static final int OPTION_MAX_MESSAGE_SIZE = 57;
    public static final int OPTION_RENEWAL_TIME = 58;
    public static final int OPTION_REBINDING_TIME = 59;
    public static final int OPTION_CLIENT_ID = 61;
    public static final int OPTION_END = 255;

    private static final int OP = 0;
    private static final int HTYPE = 1;
    private static final int HLEN = 2;
    private static final int HOPS = 3;
    private static final int XID = 4;
    private static final int SECS = 8;
    private static final int FLAGS = 10;
    private static final int CIADDR = 12;
    private static final int YIADDR = 16;
    private static final int SIADDR = 20;
    private static final int GIADDR = 24;
    private static final int CHADDR = 28;
    private static final int SNAME = 44;
    private static final int SNAME_LENGTH = 64;
    private static final int FILE = 108;
    private static final int FILE_LENGTH = 128;
    private static final int COOKIE = 236;

    private static final int OVERLOAD_FILE = 1;
    private static final int OVERLOAD_SNAME = 2;

    private byte[] buf;
    private int off;
    private int length;
    /** Per option code: the absolute offset of the first instance's value, or 0 when absent. */
    private final int[] valueAt = new int[256];
    private final int[] valueLength = new int[256];
    /** Codes indexed by the last wrap, so the next one clears only those. */
    private final int[] seen = new int[256];
    private int seenCount;

    /**
     * Checks {@code buf[off, off+len)} (a UDP payload) and indexes its options. Returns
     * {@link Defect#TRUNCATED} when shorter than the fixed part, {@link Defect#UNSUPPORTED}
     * without the DHCP magic cookie (plain BOOTP), {@link Defect#BAD_OPTION} when an option runs
     * past its field or a known option has the wrong size.
     */
    public Defect wrap(byte[] buf, int off, int len) {
        for (int i = 0; i < seenCount; i++) {
            valueAt[seen[i]] = 0;
            valueLength[seen[i]] = 0;
        }
        seenCount = 0;
        this.buf = buf;
        this.off = off;
        this.length = 0;
        if (buf == null || off < 0 || len < OPTIONS_OFFSET || len > buf.length - off) {
            return Defect.TRUNCATED;
        }
        if (BigEndian.i32(buf, off + COOKIE) != MAGIC_COOKIE) {
            return Defect.UNSUPPORTED;
        }
        this.length = len;
        if (!index(off + OPTIONS_OFFSET, off + len)) {
            return Defect.BAD_OPTION;
        }
        int overload = valueLength[OPTION_OVERLOAD] == 1 ? BigEndian.u8(buf, valueAt[OPTION_OVERLOAD]) : 0;
        if ((overload & OVERLOAD_FILE) != 0 && !index(off + FILE, off + FILE + FILE_LENGTH)) {
            return Defect.BAD_OPTION;
        }
        if ((overload & OVERLOAD_SNAME) != 0 && !index(off + SNAME, off + SNAME + SNAME_LENGTH)) {
            return Defect.BAD_OPTION;
        }
        return sizesValid() ? Defect.NONE : Defect.BAD_OPTION;
    }

    /** Indexes the options in {@code [from, to)}; false when one runs past {@code to}. */
    private boolean index(int from, int to) {
        int at = from;
        while (at < to) {
            int code = BigEndian.u8(buf, at);
            if (code == OPTION_PAD) {
                at++;
                continue;
            }
            if (code == OPTION_END) {
                return true;
            }
            if (at + 2 > to) {
                return false;
            }
            int len = BigEndian.u8(buf, at + 1);
            if (at + 2 + len > to) {
                return false;
            }
            if (valueAt[code] == 0) {
                valueAt[code] = at + 2;
                valueLength[code] = len;
                seen[seenCount++] = code;
            }
            at += 2 + len;
        }
        // A field that simply runs out, with no END, is tolerated: servers in the wild do it.
        return true;
    }

    private boolean sizesValid() {
        return size(OPTION_MESSAGE_TYPE, 1, 1) && size(OPTION_OVERLOAD, 1, 1)
                && size(OPTION_SUBNET_MASK, 4, 4) && size(OPTION_SERVER_ID, 4, 4)
                && size(OPTION_REQUESTED_ADDRESS, 4, 4) && size(OPTION_LEASE_TIME, 4, 4)
                && size(OPTION_RENEWAL_TIME, 4, 4) && size(OPTION_REBINDING_TIME, 4, 4)
                && list(OPTION_ROUTER) && list(OPTION_DNS_SERVERS);
    }

    private boolean size(int code, int min, int max) {
        return !has(code) || (valueLength[code] >= min && valueLength[code] <= max);
    }

    /** An address list (RFC 2132 3.5, 3.8): one address at least, whole addresses only. */
    private boolean list(int code) {
        return !has(code) || (valueLength[code] >= 4 && valueLength[code] % 4 == 0);
    }

    // ---------------------------------------------------------------- fixed fields

    public int op() {
        return BigEndian.u8(buf, off + OP);
    }

    public int htype() {
        return BigEndian.u8(buf, off + HTYPE);
    }

    public int hlen() {
        return BigEndian.u8(buf, off + HLEN);
    }

    public int hops() {
        return BigEndian.u8(buf, off + HOPS);
    }

    public int xid() {
        return BigEndian.i32(buf, off + XID);
    }

    public int secs() {
        return BigEndian.u16(buf, off + SECS);
    }

    public int flags() {
        return BigEndian.u16(buf, off + FLAGS);
    }

    public int ciaddr() {
        return BigEndian.i32(buf, off + CIADDR);
    }

    public int yiaddr() {
        return BigEndian.i32(buf, off + YIADDR);
    }

    public int siaddr() {
        return BigEndian.i32(buf, off + SIADDR);
    }

    public int giaddr() {
        return BigEndian.i32(buf, off + GIADDR);
    }

    /** The first six bytes of 'chaddr': the client's MAC when htype and hlen say Ethernet. */
    public long chaddr() {
        return BigEndian.u48(buf, off + CHADDR);
    }

    public int length() {
        return length;
    }

    // ---------------------------------------------------------------- options

    public boolean has(int code) {
        return valueAt[code & 0xff] != 0; // a value never starts at offset 0: the header comes first
    }

    /** The message type (RFC 2132 9.6), or 0 when the option is missing. */
    public int messageType() {
        return has(OPTION_MESSAGE_TYPE) ? BigEndian.u8(buf, valueAt[OPTION_MESSAGE_TYPE]) : 0;
    }

    /** Absolute offset in {@link #buffer()} of the option's value; check {@link #has} first. */
    public int optionOffset(int code) {
        return valueAt[code & 0xff];
    }

    /** Length of the option's value (0 when absent or empty). */
    public int optionLength(int code) {
        return valueLength[code & 0xff];
    }

    /** A 4-byte address option (server id, requested address, subnet mask); check {@link #has} first. */
    public int address(int code) {
        return address(code, 0);
    }

    /** How many addresses an address-list option holds (0 when absent). */
    public int addressCount(int code) {
        return valueLength[code & 0xff] / 4;
    }

    /** Address {@code i} of an address-list option; {@code i} below {@link #addressCount}. */
    public int address(int code, int i) {
        if (i < 0 || i >= addressCount(code)) {
            throw new IndexOutOfBoundsException("option " + code + " has " + addressCount(code) + " addresses, not " + (i + 1));
        }
        return BigEndian.i32(buf, valueAt[code & 0xff] + 4 * i);
    }

    /** A 4-byte unsigned option (lease, T1, T2 seconds); check {@link #has} first. */
    public long seconds(int code) {
        return BigEndian.u32(buf, valueAt[code & 0xff]);
    }

    public byte[] buffer() {
        return buf;
    }

    /**
     * Builds a client message in a caller's buffer: {@link #begin} writes the fixed part and the
     * cookie, the option methods append, {@link #finish} ends and pads to {@link #MIN_LENGTH}.
     * The buffer must hold the whole message; running out is a bug, so it throws.
     */
    public static final class Writer {
        private byte[] b;
        private int start;
        private int at;

        /** Starts a message: op, Ethernet chaddr, xid; every other fixed field zero. */
        public Writer begin(byte[] b, int off, int op, int xid, long chaddr) {
            this.b = b;
            this.start = off;
            Arrays.fill(b, off, off + OPTIONS_OFFSET, (byte) 0);
            BigEndian.put8(b, off + OP, op);
            BigEndian.put8(b, off + HTYPE, HTYPE_ETHERNET);
            BigEndian.put8(b, off + HLEN, 6);
            BigEndian.put32(b, off + XID, xid);
            BigEndian.put48(b, off + CHADDR, chaddr);
            BigEndian.put32(b, off + COOKIE, MAGIC_COOKIE);
            at = off + OPTIONS_OFFSET;
            return this;
        }

        public Writer secs(int secs) {
            BigEndian.put16(b, start + SECS, Math.min(secs, 0xffff));
            return this;
        }

        public Writer flags(int flags) {
            BigEndian.put16(b, start + FLAGS, flags);
            return this;
        }

        public Writer ciaddr(int address) {
            BigEndian.put32(b, start + CIADDR, address);
            return this;
        }

        public Writer yiaddr(int address) {
            BigEndian.put32(b, start + YIADDR, address);
            return this;
        }

        public Writer siaddr(int address) {
            BigEndian.put32(b, start + SIADDR, address);
            return this;
        }

        public Writer messageType(int type) {
            return byteOption(OPTION_MESSAGE_TYPE, type);
        }

        public Writer byteOption(int code, int value) {
            header(code, 1);
            BigEndian.put8(b, at++, value);
            return this;
        }

        public Writer addressOption(int code, int... addresses) {
            header(code, 4 * addresses.length);
            for (int a : addresses) {
                BigEndian.put32(b, at, a);
                at += 4;
            }
            return this;
        }

        public Writer secondsOption(int code, long seconds) {
            header(code, 4);
            BigEndian.put32(b, at, (int) seconds);
            at += 4;
            return this;
        }

        public Writer bytesOption(int code, byte[] value) {
            header(code, value.length);
            System.arraycopy(value, 0, b, at, value.length);
            at += value.length;
            return this;
        }

        private void header(int code, int len) {
            if (len > 255) {
                throw new IllegalArgumentException("option " + code + " of " + len + " bytes is longer than 255");
            }
            if (at + 2 + len + 1 > b.length) {
                throw new IllegalStateException("DHCP message does not fit its buffer");
            }
            BigEndian.put8(b, at, code);
            BigEndian.put8(b, at + 1, len);
            at += 2;
        }

        /** Writes END, pads with zeros to {@link #MIN_LENGTH}; returns the message length. */
        public int finish() {
            BigEndian.put8(b, at++, OPTION_END);
            int end = Math.max(at, start + MIN_LENGTH);
            Arrays.fill(b, at, end, (byte) 0);
            return end - start;
        }
    }
}
