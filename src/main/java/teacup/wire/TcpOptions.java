package teacup.wire;

import java.util.Arrays;

/**
 * The TCP options teacup understands, parsed into fields: MSS (RFC 9293 3.2), window scale
 * (RFC 7323 2), SACK-permitted and SACK blocks (RFC 2018), timestamps (RFC 7323 3).
 *
 * <p>Mutable and reusable so the receive path parses without allocating: {@link #parse} clears
 * the object and fills it. The same object built with the setters is what the TCP layer hands to
 * {@link TcpSegment#write} to emit. Presence is a flag per option, never a sentinel value.
 *
 * <p>Emitted layout: every option sits in a 4-byte-aligned slot padded with NOPs, in the order
 * MSS, SACK-permitted + timestamps, window scale, SACK blocks. That is also the layout Linux uses,
 * so headers re-emitted from captured Linux segments match byte for byte.
 */
public final class TcpOptions {
    public static final int KIND_END = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;

    /** Room for options in a header: a data offset of 15 words less the fixed 20 bytes. */
    public static final int MAX_LENGTH = 40;
    /** RFC 7323 2.3: larger shifts would let the window exceed 2^30 and break wrap-around comparison. */
    public static final int MAX_WINDOW_SCALE = 14;
    /** The most SACK blocks that fit (RFC 2018 3: 2 + 8n bytes within 40). */
    public static final int MAX_SACK_BLOCKS = 4;

    private static final int MSS_LENGTH = 4;
    private static final int WINDOW_SCALE_LENGTH = 3;
    private static final int SACK_PERMITTED_LENGTH = 2;
    private static final int TIMESTAMPS_LENGTH = 10;
    private static final int SACK_BLOCK_LENGTH = 8;

    private boolean hasMss;
    private int mss;
    private boolean hasWindowScale;
    private int windowScale;
    private boolean windowScaleClamped;
    private boolean sackPermitted;
    private boolean hasTimestamps;
    private int tsVal;
    private int tsEcr;
    private int sackBlockCount;
    private final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    private final int[] sackRight = new int[MAX_SACK_BLOCKS];

    /** Forgets every option; returns this. */
    public TcpOptions clear() {
        hasMss = false;
        mss = 0;
        hasWindowScale = false;
        windowScale = 0;
        windowScaleClamped = false;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlockCount = 0;
        Arrays.fill(sackLeft, 0);
        Arrays.fill(sackRight, 0);
        return this;
    }

    /** Makes this a copy of {@code other}; returns this. */
    public TcpOptions copyFrom(TcpOptions other) {
        hasMss = other.hasMss;
        mss = other.mss;
        hasWindowScale = other.hasWindowScale;
        windowScale = other.windowScale;
        windowScaleClamped = other.windowScaleClamped;
        sackPermitted = other.sackPermitted;
        hasTimestamps = other.hasTimestamps;
        tsVal = other.tsVal;
        tsEcr = other.tsEcr;
        sackBlockCount = other.sackBlockCount;
        System.arraycopy(other.sackLeft, 0, sackLeft, 0, MAX_SACK_BLOCKS);
        System.arraycopy(other.sackRight, 0, sackRight, 0, MAX_SACK_BLOCKS);
        return this;
    }

    /**
     * Clears this object, then reads the option list {@code b[off, off+len)} into it.
     *
     * <p>Unknown kinds are skipped by their length (RFC 9293 MUST-6); an option with a length below
     * 2 or running past the list, or a known kind of the wrong size, is {@link Defect#BAD_OPTION}
     * (RFC 9293 MUST-7 asks us to cope with illegal lengths; we reject the segment). After a
     * rejection the fields hold whatever was read before the defect and must not be used.
     */
    public Defect parse(byte[] b, int off, int len) {
        clear();
        return scan(b, off, len, this);
    }

    /** Checks that {@code b[off, off+len)} is a well-formed option list, without keeping anything. */
    public static Defect check(byte[] b, int off, int len) {
        return scan(b, off, len, null);
    }

    private static Defect scan(byte[] b, int off, int len, TcpOptions into) {
        if (off < 0 || len < 0 || len > b.length - off) {
            return Defect.TRUNCATED;
        }
        int i = off;
        int end = off + len;
        while (i < end) {
            int kind = b[i] & 0xff;
            if (kind == KIND_END) {
                // Everything after the end-of-list option is padding (RFC 9293 3.2).
                break;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            // Every other kind carries a length byte that counts kind and length (MUST-68).
            if (end - i < 2) {
                return Defect.BAD_OPTION;
            }
            int optionLength = b[i + 1] & 0xff;
            if (optionLength < 2 || optionLength > end - i) {
                return Defect.BAD_OPTION;
            }
            if (!take(kind, b, i, optionLength, into)) {
                return Defect.BAD_OPTION;
            }
            i += optionLength;
        }
        return Defect.NONE;
    }

    /**
     * Checks one option of a known length ({@code optionLength}, kind and length bytes included)
     * at {@code i}, and takes its value into {@code into} unless that is null. False when the
     * option is malformed for its kind.
     */
    private static boolean take(int kind, byte[] b, int i, int optionLength, TcpOptions into) {
    switch (kind) {
        case KIND_MSS -> {
            if (optionLength != MSS_LENGTH) {
                return false;
            }
            if (into != null) {
                into.hasMss = true;
                into.mss = BigEndian.u16(b, i + 2);
            }
        }
        case KIND_WINDOW_SCALE -> {
            if (optionLength != WINDOW_SCALE_LENGTH) {
                return false;
            }
            if (into != null) {
                int shift = b[i + 2] & 0xff;
                into.hasWindowScale = true;
                // RFC 7323 2.3: a shift above 14 is used as 14; remember it for the log.
                into.windowScaleClamped = shift > MAX_WINDOW_SCALE;
                into.windowScale = Math.min(shift, MAX_WINDOW_SCALE);
            }
        }
        case KIND_SACK_PERMITTED -> {
            if (optionLength != SACK_PERMITTED_LENGTH) {
                return false;
            }
            if (into != null) {
                into.sackPermitted = true;
            }
        }
        case KIND_SACK -> {
            int blocks = (optionLength - 2) / SACK_BLOCK_LENGTH;
            if ((optionLength - 2) % SACK_BLOCK_LENGTH != 0 || blocks < 1 || blocks > MAX_SACK_BLOCKS) {
                return false;
            }
            if (into != null) {
                into.sackBlockCount = blocks;
                for (int k = 0; k < blocks; k++) {
                    into.sackLeft[k] = BigEndian.i32(b, i + 2 + k * SACK_BLOCK_LENGTH);
                    into.sackRight[k] = BigEndian.i32(b, i + 6 + k * SACK_BLOCK_LENGTH);
                }
            }
        }
        case KIND_TIMESTAMPS -> {
            if (optionLength != TIMESTAMPS_LENGTH) {
                return false;
            }
            if (into != null) {
                into.hasTimestamps = true;
                into.tsVal = BigEndian.i32(b, i + 2);
                into.tsEcr = BigEndian.i32(b, i + 6);
            }
        }
        default -> {
            // Not ours to understand; its length lets us step over it (MUST-6).
        }
    }
        return true;
    }

    // ---- accessors ----

    public boolean hasMss() {
        return hasMss;
    }

    /** The peer's maximum segment size (u16); meaningful only when {@link #hasMss}. */
    public int mss() {
        return mss;
    }

    public boolean hasWindowScale() {
        return hasWindowScale;
    }

    /** The shift count, 0..14; meaningful only when {@link #hasWindowScale}. */
    public int windowScale() {
        return windowScale;
    }

    /** True when the received shift was above 14 and {@link #windowScale} holds 14 instead. */
    public boolean windowScaleClamped() {
        return windowScaleClamped;
    }

    public boolean sackPermitted() {
        return sackPermitted;
    }

    public boolean hasTimestamps() {
        return hasTimestamps;
    }

    /** TSval as int bits; compare with wrap-around like sequence numbers (RFC 7323 5.2). */
    public int tsVal() {
        return tsVal;
    }

    /** TSecr as int bits. */
    public int tsEcr() {
        return tsEcr;
    }

    public int sackBlockCount() {
        return sackBlockCount;
    }

    /** Left edge (first sequence number) of SACK block {@code i}, 0 &lt;= i &lt; {@link #sackBlockCount}. */
    public int sackLeft(int i) {
        checkBlock(i);
        return sackLeft[i];
    }

    /** Right edge (sequence number after the last byte) of SACK block {@code i}. */
    public int sackRight(int i) {
        checkBlock(i);
        return sackRight[i];
    }

    private void checkBlock(int i) {
        if (i < 0 || i >= sackBlockCount) {
            throw new IndexOutOfBoundsException("SACK block " + i + " of " + sackBlockCount);
        }
    }

    public boolean isEmpty() {
        return !hasMss && !hasWindowScale && !sackPermitted && !hasTimestamps && sackBlockCount == 0;
    }

    // ---- builder-style setters for emitting ----

    public TcpOptions mss(int mss) {
        if (mss < 0 || mss > 0xffff) {
            throw new IllegalArgumentException("MSS out of range: " + mss);
        }
        this.hasMss = true;
        this.mss = mss;
        return this;
    }

    public TcpOptions windowScale(int shift) {
        if (shift < 0 || shift > MAX_WINDOW_SCALE) {
            throw new IllegalArgumentException("window scale shift must be 0.." + MAX_WINDOW_SCALE + ": " + shift);
        }
        this.hasWindowScale = true;
        this.windowScale = shift;
        this.windowScaleClamped = false;
        return this;
    }

    public TcpOptions sackPermitted(boolean permitted) {
        this.sackPermitted = permitted;
        return this;
    }

    public TcpOptions timestamps(int tsVal, int tsEcr) {
        this.hasTimestamps = true;
        this.tsVal = tsVal;
        this.tsEcr = tsEcr;
        return this;
    }

    public TcpOptions noTimestamps() {
        this.hasTimestamps = false;
        this.tsVal = 0;
        this.tsEcr = 0;
        return this;
    }

    /**
     * Appends a SACK block [left, right). At most four fit; with timestamps only three fit in the
     * 40 bytes (RFC 2018 3), which {@link TcpSegment#write} enforces.
     */
    public TcpOptions addSackBlock(int left, int right) {
        if (sackBlockCount == MAX_SACK_BLOCKS) {
            throw new IllegalStateException("at most " + MAX_SACK_BLOCKS + " SACK blocks");
        }
        sackLeft[sackBlockCount] = left;
        sackRight[sackBlockCount] = right;
        sackBlockCount++;
        return this;
    }

    public TcpOptions clearSackBlocks() {
        sackBlockCount = 0;
        Arrays.fill(sackLeft, 0);
        Arrays.fill(sackRight, 0);
        return this;
    }

    // ---- emitting ----

    /** Bytes {@link #write} produces, always a multiple of 4; may exceed {@link #MAX_LENGTH}. */
    public int encodedLength() {
        int n = 0;
        if (hasMss) {
            n += 4;
        }
        if (hasTimestamps) {
            n += 12; // SACK-permitted or two NOPs, then the 10-byte option
        } else if (sackPermitted) {
            n += 4;
        }
        if (hasWindowScale) {
            n += 4;
        }
        if (sackBlockCount > 0) {
            n += 4 + SACK_BLOCK_LENGTH * sackBlockCount;
        }
        return n;
    }

    /**
     * Writes the options at {@code off}, each in a 4-byte-aligned slot; returns
     * {@link #encodedLength}. The caller checks that it fits the header.
     */
    public int write(byte[] b, int off) {
        int i = off;
        if (hasMss) {
            b[i++] = KIND_MSS;
            b[i++] = MSS_LENGTH;
            BigEndian.put16(b, i, mss);
            i += 2;
        }
        if (hasTimestamps) {
            // Two bytes free before the 10-byte option: SACK-permitted fills them exactly.
            if (sackPermitted) {
                b[i++] = KIND_SACK_PERMITTED;
                b[i++] = SACK_PERMITTED_LENGTH;
            } else {
                b[i++] = KIND_NOP;
                b[i++] = KIND_NOP;
            }
            b[i++] = KIND_TIMESTAMPS;
            b[i++] = TIMESTAMPS_LENGTH;
            BigEndian.put32(b, i, tsVal);
            BigEndian.put32(b, i + 4, tsEcr);
            i += 8;
        } else if (sackPermitted) {
            b[i++] = KIND_NOP;
            b[i++] = KIND_NOP;
            b[i++] = KIND_SACK_PERMITTED;
            b[i++] = SACK_PERMITTED_LENGTH;
        }
        if (hasWindowScale) {
            b[i++] = KIND_NOP;
            b[i++] = KIND_WINDOW_SCALE;
            b[i++] = WINDOW_SCALE_LENGTH;
            b[i++] = (byte) windowScale;
        }
        if (sackBlockCount > 0) {
            b[i++] = KIND_NOP;
            b[i++] = KIND_NOP;
            b[i++] = KIND_SACK;
            b[i++] = (byte) (2 + SACK_BLOCK_LENGTH * sackBlockCount);
            for (int k = 0; k < sackBlockCount; k++) {
                BigEndian.put32(b, i, sackLeft[k]);
                BigEndian.put32(b, i + 4, sackRight[k]);
                i += SACK_BLOCK_LENGTH;
            }
        }
        // Every slot above is a multiple of 4, so no trailing padding is ever needed; if a future
        // option breaks that, pad with end-of-list and zeros (RFC 9293 MUST-69).
        while (((i - off) & 3) != 0) {
            b[i++] = KIND_END;
        }
        return i - off;
    }

    // ---- value semantics for tests and logs ----

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TcpOptions other)) {
            return false;
        }
        if (hasMss != other.hasMss || (hasMss && mss != other.mss)
                || hasWindowScale != other.hasWindowScale
                || (hasWindowScale && (windowScale != other.windowScale || windowScaleClamped != other.windowScaleClamped))
                || sackPermitted != other.sackPermitted
                || hasTimestamps != other.hasTimestamps
                || (hasTimestamps && (tsVal != other.tsVal || tsEcr != other.tsEcr))
                || sackBlockCount != other.sackBlockCount) {
            return false;
        }
        for (int k = 0; k < sackBlockCount; k++) {
            if (sackLeft[k] != other.sackLeft[k] || sackRight[k] != other.sackRight[k]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = hasMss ? mss : -1;
        h = 31 * h + (hasWindowScale ? windowScale : -1);
        h = 31 * h + (sackPermitted ? 1 : 0);
        h = 31 * h + (hasTimestamps ? 31 * tsVal + tsEcr : -1);
        for (int k = 0; k < sackBlockCount; k++) {
            h = 31 * h + 31 * sackLeft[k] + sackRight[k];
        }
        return h;
    }

    /** E.g. {@code [mss=1460 wscale=7 sackOK ts=123/0 sack=100-200,300-400]}; sequence numbers unsigned. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        if (hasMss) {
            sb.append("mss=").append(mss).append(' ');
        }
        if (hasWindowScale) {
            sb.append("wscale=").append(windowScale).append(windowScaleClamped ? "(clamped) " : " ");
        }
        if (sackPermitted) {
            sb.append("sackOK ");
        }
        if (hasTimestamps) {
            sb.append("ts=").append(Integer.toUnsignedString(tsVal)).append('/')
                    .append(Integer.toUnsignedString(tsEcr)).append(' ');
        }
        if (sackBlockCount > 0) {
            sb.append("sack=");
            for (int k = 0; k < sackBlockCount; k++) {
                if (k > 0) {
                    sb.append(',');
                }
                sb.append(Integer.toUnsignedString(sackLeft[k])).append('-').append(Integer.toUnsignedString(sackRight[k]));
            }
            sb.append(' ');
        }
        if (sb.length() > 1) {
            sb.setLength(sb.length() - 1);
        }
        return sb.append(']').toString();
    }
}
