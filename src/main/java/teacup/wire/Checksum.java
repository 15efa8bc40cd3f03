package teacup.wire;

/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
 * words, and its incremental update (RFC 1624, eqn. 3).
 *
 * <p>Sums are carried unfolded in a {@code long} so many ranges can be added before one fold.
 */
public final class Checksum {
    private Checksum() {}

    /** Adds the bytes {@code b[off, off+len)} as big-endian 16-bit words (an odd tail byte padded with zero). */
    public static long add(long sum, byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        // Eight bytes at a time: the ones' complement sum is order independent, so 32-bit halves
        // can be added and folded later (RFC 1071 section 2 (B)).
        while (end - i >= 8) {
            sum += BigEndian.u32(b, i) + BigEndian.u32(b, i + 4);
            i += 8;
        }
        while (end - i >= 2) {
            sum += BigEndian.u16(b, i);
            i += 2;
        }
        if (i < end) {
            sum += (b[i] & 0xff) << 8;
        }
        return sum;
    }

    /** Folds a running sum to 16 bits with end-around carry. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The checksum field value for the bytes: the complement of their folded sum. */
    public static int compute(byte[] b, int off, int len) {
        return ~fold(add(0, b, off, len)) & 0xffff;
    }

    /** The folded-and-complemented value of a running sum, ready to store in a checksum field. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /**
     * Finishes a checksum a sender left for the device (checksum offload): the field at
     * {@code b[off + fieldOffset]} holds the folded pseudo-header sum; the sum of
     * {@code b[off, off+len)}, that field included, is complemented into it.
     */
    public static void finishInPlace(byte[] b, int off, int len, int fieldOffset) {
        BigEndian.put16(b, off + fieldOffset, finish(add(0, b, off, len)));
    }

    /** The running sum of the IPv4 pseudo-header for TCP and UDP (RFC 768, RFC 9293 3.1). */
    public static long pseudoHeader(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
    }

    /**
     * RFC 1624 eqn. 3: the new checksum after a 16-bit field changed from {@code oldWord} to
     * {@code newWord}, without summing the whole packet again.
     */
    public static int update(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return ~fold(sum) & 0xffff;
    }

    /** {@link #update} for a 32-bit field (an address), as two 16-bit words. */
    public static int update32(int checksum, int oldValue, int newValue) {
        int c = update(checksum, oldValue >>> 16, newValue >>> 16);
        return update(c, oldValue & 0xffff, newValue & 0xffff);
    }
}
