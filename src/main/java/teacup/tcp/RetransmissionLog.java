package teacup.tcp;

import teacup.wire.SeqNum;

/**
 * The segments a sender retransmitted and has not yet seen acknowledged, in the order they went,
 * with when each went and how far the sender had sent by then. It lets the sender tell that a
 * retransmission was itself lost, the way RACK does (RFC 8985 6.2): a segment sent <em>after</em>
 * it has arrived (data beyond the mark was SACKed, or a later retransmission was), the retransmission
 * has not, and a reordering window has passed since it went. Without this, a lost retransmission
 * is found only by the RTO, since duplicate ACKs and SACK holes each trigger one retransmission.
 *
 * <p>A fixed number of entries, allocated by the first retransmission (most connections never
 * retransmit, and a thousand idle or TIME-WAIT connections should not each carry the arrays);
 * when full, the oldest is forgotten (the RTO still covers it). Pure state: times are passed in.
 */
final class RetransmissionLog {
    private final int capacity;
    private int[] start;
    private int[] end;
    /** SND.MAX when the segment went: data at or beyond it was sent later. */
    private int[] mark;
    private long[] sentAt;
    private int count;

    RetransmissionLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
    }

    int size() {
        return count;
    }

    void clear() {
        count = 0;
    }

    /** {@code [from, to)} went again at {@code now}, with SND.MAX at {@code sndMax}; it replaces any entry for the same start. */
    void add(int from, int to, int sndMax, long now) {
        if (start == null) {
            start = new int[capacity];
            end = new int[capacity];
            mark = new int[capacity];
            sentAt = new long[capacity];
        }
        remove(from);
        if (count == capacity) {
            removeAt(0);
        }
        start[count] = from;
        end[count] = to;
        mark[count] = sndMax;
        sentAt[count] = now;
        count++;
    }

    /** Forgets what {@code sndUna} acknowledged. */
    void acknowledged(int sndUna) {
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (SeqNum.gt(end[i], sndUna)) {
                copy(i, kept++);
            }
        }
        count = kept;
    }

    int start(int i) {
        return start[i];
    }

    int end(int i) {
        return end[i];
    }

    long sentAt(int i) {
        return sentAt[i];
    }

    /**
     * The index of the lowest lost retransmission, or -1. A retransmission is lost when it has not
     * arrived (not SACKed), something sent after it has (the scoreboard holds data at or beyond its
     * mark, or a later entry is SACKed), and at least {@code window} has passed since it went.
     */
    int lostIndex(int sndUna, SackScoreboard sacked, long now, long window) {
        int found = -1;
        boolean laterArrived = false;
        for (int i = count - 1; i >= 0; i--) {
            boolean arrived = covered(sndUna, sacked, i);
            if (!arrived && now - sentAt[i] >= window && (laterArrived || sackedBeyond(sacked, i))
                    && (found < 0 || SeqNum.lt(start[i], start[found]))) {
                found = i;
            }
            laterArrived |= arrived;
        }
        return found;
    }

    /**
     * The earliest time a retransmission that something sent later has overtaken becomes lost
     * (its window runs out), or {@code Long.MAX_VALUE}: when the sender must look again even if no
     * ACK comes (RFC 8985 6.3's reordering timer).
     */
    long nextLossTime(int sndUna, SackScoreboard sacked, long window) {
        long next = Long.MAX_VALUE;
        boolean laterArrived = false;
        for (int i = count - 1; i >= 0; i--) {
            boolean arrived = covered(sndUna, sacked, i);
            if (!arrived && (laterArrived || sackedBeyond(sacked, i))) {
                next = Math.min(next, sentAt[i] + window);
            }
            laterArrived |= arrived;
        }
        return next;
    }

    /** True when the scoreboard shows all of entry {@code i} arrived. */
    private boolean covered(int sndUna, SackScoreboard sacked, int i) {
        return sacked.covers(SeqNum.lt(start[i], sndUna) ? sndUna : start[i], end[i]);
    }

    /** True when the peer SACKed data sent after entry {@code i} went (at or beyond its mark). */
    private boolean sackedBeyond(SackScoreboard sacked, int i) {
        return !sacked.isEmpty() && SeqNum.gt(sacked.highest(), mark[i]);
    }

    private void remove(int from) {
        for (int i = 0; i < count; i++) {
            if (start[i] == from) {
                removeAt(i);
                return;
            }
        }
    }

    private void removeAt(int index) {
        for (int i = index + 1; i < count; i++) {
            copy(i, i - 1);
        }
        count--;
    }

    private void copy(int from, int to) {
        start[to] = start[from];
        end[to] = end[from];
        mark[to] = mark[from];
        sentAt[to] = sentAt[from];
    }
}
