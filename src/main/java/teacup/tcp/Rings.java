package teacup.tcp;

/**
 * The byte copying the two connection buffers share: a ring is a power-of-two array addressed by
 * an ever-growing stream position, and a copy in or out splits where the array wraps.
 */
final class Rings {
    private Rings() {
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
