package teacup.tcp;

/**
 * Which bytes beyond the in-order point have arrived: a bounded, sorted set of disjoint ranges
 * of offsets (relative to the next byte expected). The receive side writes out-of-order data
 * straight into its buffer and records the range here; when the hole at offset 0 fills, the
 * contiguous prefix is released. Overlapping and duplicate ranges merge (RFC 9293 3.10.7.4 lets
 * a receiver keep out-of-order data, SHLD-31; we do, within a fixed number of ranges, so a peer
 * cannot make us spend memory without bound).
 */
public final class Assembler {
    /**
     * Ranges room is made for with the first one. Most connections never hold more than a couple;
     * room for the full bound (64) from the start was more than half of what a connection in
     * TIME-WAIT weighs.
     */
    private static final int INITIAL_RANGES = 4;
    private static final int[] NONE = new int[0];

    private final int maxRanges;
    private int[] start;
    private int[] end; // exclusive
    private int count;

    public Assembler(int maxRanges) {
        if (maxRanges < 1) {
            throw new IllegalArgumentException("need at least one range");
        }
        this.maxRanges = maxRanges;
        start = NONE; // taken with the first range: most connections never hold one
        end = NONE;
    }

    /**
     * Records that bytes {@code [offset, offset+length)} have arrived. Returns false, changing
     * nothing, when doing so would need more ranges than the bound (the caller then drops the
     * data, and the peer retransmits it later).
     */
    public boolean add(int offset, int length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length");
        }
        if (length == 0) {
            return true;
        }
        int s = offset;
        int e = offset + length;
        // First range that ends at or after s (touching ranges merge).
        int i = 0;
        while (i < count && end[i] < s) {
            i++;
        }
        // Ranges i..j-1 overlap or touch [s, e).
        int j = i;
        while (j < count && start[j] <= e) {
            j++;
        }
        if (i == j) {
            if (count == maxRanges) {
                return false;
            }
            if (count == start.length) {
                int room = Math.min(maxRanges, Math.max(INITIAL_RANGES, 2 * start.length));
                start = java.util.Arrays.copyOf(start, room);
                end = java.util.Arrays.copyOf(end, room);
            }
            System.arraycopy(start, i, start, i + 1, count - i);
            System.arraycopy(end, i, end, i + 1, count - i);
            start[i] = s;
            end[i] = e;
            count++;
            return true;
        }
        int merged = j - i;
        start[i] = Math.min(s, start[i]);
        end[i] = Math.max(e, end[j - 1]);
        if (merged > 1) {
            System.arraycopy(start, j, start, i + 1, count - j);
            System.arraycopy(end, j, end, i + 1, count - j);
            count -= merged - 1;
        }
        return true;
    }

    /**
     * Removes and returns the length of the contiguous range starting at offset 0 (0 when the
     * first byte is still missing), and shifts the remaining offsets down by that much.
     */
    public int takeFront() {
        if (count == 0 || start[0] != 0) {
            return 0;
        }
        int n = end[0];
        System.arraycopy(start, 1, start, 0, count - 1);
        System.arraycopy(end, 1, end, 0, count - 1);
        count--;
        shift(n);
        return n;
    }

    /** Shifts every offset down by {@code n} after {@code n} in-order bytes arrived by other means; drops what falls below 0. */
    public void shift(int n) {
        int w = 0;
        for (int r = 0; r < count; r++) {
            int s = start[r] - n;
            int e = end[r] - n;
            if (e <= 0) {
                continue;
            }
            start[w] = Math.max(0, s);
            end[w] = e;
            w++;
        }
        count = w;
    }

    /** True when every byte of {@code [offset, offset+length)} has arrived already (one range holds them all). */
    public boolean contains(int offset, int length) {
        for (int i = 0; i < count && start[i] <= offset; i++) {
            if (offset + length <= end[i]) {
                return length > 0;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    public int rangeCount() {
        return count;
    }

    /** Start offset of range {@code i} (sorted ascending), e.g. for SACK blocks. */
    public int rangeStart(int i) {
        return start[i];
    }

    /** End offset (exclusive) of range {@code i}. */
    public int rangeEnd(int i) {
        return end[i];
    }

    /** Highest offset held (exclusive), or 0 when empty. */
    public int highest() {
        return count == 0 ? 0 : end[count - 1];
    }

    public void clear() {
        count = 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : " ").append(start[i]).append('-').append(end[i]);
        }
        return sb.append(']').toString();
    }
}
