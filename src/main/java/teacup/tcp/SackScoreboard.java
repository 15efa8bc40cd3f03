package teacup.tcp;

import java.util.Arrays;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;

/**
 * What the peer has SACKed above SND.UNA (RFC 2018 3, RFC 6675 3): a bounded, sorted set of
 * disjoint ranges of sequence numbers, {@code [left, right)}, all within what is outstanding.
 * Ranges that overlap or touch merge. It is advice, not a promise (the receiver may renege,
 * RFC 2018 8): when full, a new disjoint block is dropped, and what it holds only ever saves
 * retransmissions.
 *
 * <p>Sequence numbers throughout, compared with {@link SeqNum}: every range lies within one
 * window of SND.UNA, so the comparisons cannot wrap.
 */
final class SackScoreboard {
    /** Room made at first; most connections never hold more than a couple of ranges. */
    private static final int INITIAL_RANGES = 4;
    private static final int[] NONE = new int[0];

    private final int maxRanges;
    private int[] left;
    private int[] right; // exclusive
    private int count;

    SackScoreboard(int maxRanges) {
        if (maxRanges < 1) {
            throw new IllegalArgumentException("need at least one range");
        }
        this.maxRanges = maxRanges;
        left = NONE; // taken with the first range: most connections never hold one
        right = NONE;
    }

    /**
     * Adds the segment's SACK blocks that lie within {@code [sndUna, sndMax)}; blocks below
     * SND.UNA (D-SACKs, stale ones), empty ones and ones beyond what was sent are ignored.
     * Returns true when the scoreboard learned something new.
     */
    boolean record(TcpOptions options, int sndUna, int sndMax) {
        int before = sackedBytes();
        int outstanding = SeqNum.diff(sndMax, sndUna);
        for (int i = 0; i < options.sackBlockCount(); i++) {
            // Checked as distances from SND.UNA: a block's edges may be anything a peer (or an attacker) wrote.
            int from = SeqNum.diff(options.sackLeft(i), sndUna);
            int to = SeqNum.diff(options.sackRight(i), sndUna);
            if (to <= 0 || from >= to || to > outstanding) {
                continue;
            }
            add(SeqNum.add(sndUna, Math.max(0, from)), options.sackRight(i));
        }
        return sackedBytes() != before;
    }

    /** Records {@code [from, to)}; false, changing nothing, when that would need more ranges than the bound. */
    boolean add(int from, int to) {
        if (from == to) {
            return true;
        }
        // First range that ends at or after from (touching ranges merge), then the ranges that overlap or touch.
        int i = 0;
        while (i < count && SeqNum.lt(right[i], from)) {
            i++;
        }
        int j = i;
        while (j < count && SeqNum.le(left[j], to)) {
            j++;
        }
        if (i == j) {
            if (count == maxRanges) {
                return false;
            }
            if (count == left.length) {
                int room = Math.min(maxRanges, Math.max(INITIAL_RANGES, 2 * left.length));
                left = Arrays.copyOf(left, room);
                right = Arrays.copyOf(right, room);
            }
            System.arraycopy(left, i, left, i + 1, count - i);
            System.arraycopy(right, i, right, i + 1, count - i);
            left[i] = from;
            right[i] = to;
            count++;
            return true;
        }
        int merged = j - i;
        left[i] = SeqNum.lt(from, left[i]) ? from : left[i];
        right[i] = SeqNum.gt(to, right[j - 1]) ? to : right[j - 1];
        if (merged > 1) {
            System.arraycopy(left, j, left, i + 1, count - j);
            System.arraycopy(right, j, right, i + 1, count - j);
            count -= merged - 1;
        }
        return true;
    }

    /** SND.UNA moved to {@code sndUna}: what lies below it is acknowledged and leaves the scoreboard. */
    void acknowledged(int sndUna) {
        int kept = 0;
        for (int r = 0; r < count; r++) {
            if (SeqNum.le(right[r], sndUna)) {
                continue;
            }
            left[kept] = SeqNum.lt(left[r], sndUna) ? sndUna : left[r];
            right[kept] = right[r];
            kept++;
        }
        count = kept;
    }

    boolean isEmpty() {
        return count == 0;
    }

    void clear() {
        count = 0;
    }

    int rangeCount() {
        return count;
    }

    int left(int i) {
        return left[i];
    }

    int right(int i) {
        return right[i];
    }

    /** The end of the highest SACKed range; only when not empty. */
    int highest() {
        return right[count - 1];
    }

    /** Bytes SACKed in all. */
    int sackedBytes() {
        int n = 0;
        for (int i = 0; i < count; i++) {
            n += SeqNum.diff(right[i], left[i]);
        }
        return n;
    }

    /** Bytes SACKed below {@code seq}: sent, and known to have arrived (RFC 6675's pipe leaves them out). */
    int sackedBelow(int seq) {
        int n = 0;
        for (int i = 0; i < count && SeqNum.lt(left[i], seq); i++) {
            n += SeqNum.diff(SeqNum.lt(right[i], seq) ? right[i] : seq, left[i]);
        }
        return n;
    }

    /** True when one range holds all of {@code [from, to)}. */
    boolean covers(int from, int to) {
        for (int r = 0; r < count; r++) {
            if (SeqNum.le(left[r], from) && SeqNum.le(to, right[r])) {
                return true;
            }
        }
        return false;
    }

    /** The index of the range holding {@code seq}, or -1. */
    int rangeHolding(int seq) {
        for (int r = 0; r < count && SeqNum.le(left[r], seq); r++) {
            if (SeqNum.lt(seq, right[r])) {
                return r;
            }
        }
        return -1;
    }

    /** The start of the first range above {@code seq}, or {@code none} when there is none. */
    int nextSackedAbove(int seq, int none) {
        for (int r = 0; r < count; r++) {
            if (SeqNum.gt(left[r], seq)) {
                return left[r];
            }
        }
        return none;
    }

    /**
     * RFC 6675 NextSeg rule 1, in its simple form: the lowest hole at or above {@code from} that
     * lies below SACKed data, as {@code [start, end)} packed in a long by {@link #hole}, or -1 when
     * there is none. Holes start at SND.UNA ({@code sndUna}).
     */
    long holeAbove(int sndUna, int from) {
        int cursor = sndUna;
        for (int i = 0; i < count; i++) {
            int gapStart = SeqNum.gt(from, cursor) ? from : cursor;
            if (SeqNum.lt(gapStart, left[i])) {
                return hole(gapStart, left[i]);
            }
            cursor = right[i];
        }
        return -1;
    }

    static long hole(int start, int end) {
        return ((long) start << 32) | (end & 0xffffffffL);
    }

    static int holeStart(long hole) {
        return (int) (hole >>> 32);
    }

    static int holeEnd(long hole) {
        return (int) hole;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : " ").append(Integer.toUnsignedString(left[i])).append('-')
                    .append(Integer.toUnsignedString(right[i]));
        }
        return sb.append(']').toString();
    }
}
