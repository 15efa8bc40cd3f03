package teacup.wire;

/**
 * Arithmetic on 32-bit TCP sequence numbers held as {@code int} bits (RFC 9293 3.4).
 *
 * <p>The sequence space is a circle of 2^32 numbers, so "a before b" means "b is less than half
 * the circle ahead of a": the signed difference {@code b - a} is positive. That holds as long as
 * the two numbers are within 2^31 of each other, which TCP guarantees by keeping windows below
 * 2^30 (RFC 7323 2.3). Exactly 2^31 apart the order is undefined; these methods then say
 * {@code lt(a, b) == lt(b, a) == true}.
 *
 * <p>No other code should compare sequence numbers with {@code <} or subtract them into a long.
 */
public final class SeqNum {
    private SeqNum() {}

    /** a &lt; b in sequence space. */
    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    /** a &lt;= b in sequence space. */
    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    /** a &gt; b in sequence space. */
    public static boolean gt(int a, int b) {
        return b - a < 0;
    }

    /** a &gt;= b in sequence space. */
    public static boolean ge(int a, int b) {
        return b - a <= 0;
    }

    /** {@code a + n} modulo 2^32; {@code n} may be negative. */
    public static int add(int a, int n) {
        return a + n;
    }

    /**
     * The signed distance from {@code b} to {@code a} ({@code a - b} modulo 2^32, read as a signed
     * int): how many bytes {@code a} is ahead of {@code b}, negative when it is behind.
     */
    public static int diff(int a, int b) {
        return a - b;
    }

    /**
     * {@code low <= x < high} on the circle: x lies in the half-open range that starts at low and
     * runs forward to high. Empty when {@code low == high}. Unlike {@link #lt} this is exact for
     * any range shorter than 2^32.
     */
    public static boolean between(int low, int x, int high) {
        return Integer.compareUnsigned(x - low, high - low) < 0;
    }

    /** {@code low < x <= high} on the circle, e.g. an acceptable ACK: SND.UNA &lt; SEG.ACK &lt;= SND.NXT. */
    public static boolean betweenExclusiveInclusive(int low, int x, int high) {
        return x != low && Integer.compareUnsigned(x - low, high - low) <= 0;
    }

    /** {@code start <= x < start + size}, e.g. RCV.NXT &lt;= SEG.SEQ &lt; RCV.NXT + RCV.WND. */
    public static boolean inWindow(int x, int start, int size) {
        return Integer.compareUnsigned(x - start, size) < 0;
    }

    /** The later of the two in sequence space. */
    public static int max(int a, int b) {
        return lt(a, b) ? b : a;
    }

    /** The earlier of the two in sequence space. */
    public static int min(int a, int b) {
        return lt(a, b) ? a : b;
    }

    /** The number as unsigned decimal text, as tcpdump prints it. */
    public static String toString(int seq) {
        return Integer.toUnsignedString(seq);
    }
}
