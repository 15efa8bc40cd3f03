package teacup.tcp;

/**
 * The byte copying the two connection buffers share: a ring is a power-of-two array addressed by
 * an ever-growing stream position, and a copy in or out splits where the array wraps.
 */
final class Rings {
    /**
     * The size a ring starts at. Most connections carry requests and answers of a few KB; a ring
     * the full buffer size (256 KB each way by default) from the first byte made every open
     * connection cost half a megabyte (1,000 keep-alive connections: 540 MB of heap). A ring
     * doubles as data needs room, up to the buffer's capacity, so a bulk transfer pays a few
     * copies in its first window and nothing after.
     */
    static final int INITIAL = 4096;

    private Rings() {
    }

    /** The size of a first ring for {@code bytes} bytes in a buffer of {@code capacity}. */
    static int initial(int capacity, long bytes) {
        return sizeFor(INITIAL, capacity, bytes);
    }

    /** The ring size, a power of two from {@code length} up to {@code capacity}, that holds {@code bytes}. */
    static int sizeFor(int length, int capacity, long bytes) {
        int size = Math.min(length, capacity);
        while (size < bytes && size < capacity) {
            size <<= 1;
        }
        return size;
    }

    /**
     * A ring of {@code length} (larger than {@code ring}, or smaller when the bytes fit) holding the
     * bytes at stream positions {@code from} to {@code to} of {@code ring}, at the same positions. The old ring is left as it was, so a reader that
     * still holds it reads the same bytes there.
     */
    static byte[] grow(byte[] ring, long from, long to, int length) {
        byte[] bigger = new byte[length];
        int n = (int) (to - from);
        int at = (int) from & (ring.length - 1);
        int first = Math.min(n, ring.length - at);
        put(bigger, from, ring, at, first);
        if (first < n) {
            put(bigger, from + first, ring, 0, n - first);
        }
        return bigger;
    }

    /** {@code capacity} rounded up to a power of two; at most 2^30. */
    static int capacity(int capacity) {
        if (capacity < 1 || capacity > 1 << 30) {
            throw new IllegalArgumentException("capacity out of range: " + capacity);
        }
        return Math.max(1, Integer.highestOneBit(capacity - 1) << 1);
    }

    /** Copies {@code n} bytes of {@code src} into {@code ring} at stream position {@code position}. */
    static void put(byte[] ring, long position, byte[] src, int off, int n) {
        int at = (int) position & (ring.length - 1);
        int first = Math.min(n, ring.length - at);
        System.arraycopy(src, off, ring, at, first);
        if (first < n) {
            System.arraycopy(src, off + first, ring, 0, n - first);
        }
    }

    /** Copies {@code n} bytes from {@code ring} at stream position {@code position} into {@code dst}. */
    static void get(byte[] ring, long position, byte[] dst, int off, int n) {
        int at = (int) position & (ring.length - 1);
        int first = Math.min(n, ring.length - at);
        System.arraycopy(ring, at, dst, off, first);
        if (first < n) {
            System.arraycopy(ring, 0, dst, off + first, n - first);
        }
    }
}
