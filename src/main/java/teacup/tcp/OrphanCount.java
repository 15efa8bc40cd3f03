package teacup.tcp;

import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.State;

/**
 * The stack-wide bound on orphans (Linux's tcp_max_orphans): connections the application closed
 * that still finish on their own, each holding its entry and its rings until its peer acknowledges
 * (or {@link OrphanLimits} ends it). An orphan counts from the application's close until it reaches
 * TIME-WAIT (which holds no ring and has its own 2 MSL) or CLOSED.
 *
 * <p>Past the limit, the connection being closed is reset at once, rather than the oldest orphan,
 * as Linux does: it costs no ordered list, the peer of the newest learns at once (its reset comes
 * while it is still there to read it), and every orphan already held ends within its own bounds,
 * so the pressure lifts by itself; resetting the oldest would let whoever closes connections
 * fastest push out those closest to finishing.
 */
final class OrphanCount {
    /** 1024 orphans of 256 KB send rings pin at most 256 MB. */
    static final int DEFAULT_LIMIT = 1024;

    private final Statistics stats;
    private int limit = DEFAULT_LIMIT;
    private int count;

    OrphanCount(Statistics stats) {
        this.stats = stats;
    }

    void limit(int orphans) {
        if (orphans < 0) {
            throw new IllegalArgumentException("orphan limit cannot be negative: " + orphans);
        }
        limit = orphans;
    }

    int count() {
        return count;
    }

    /**
     * The application closed {@code c} (already closed or aborted): it becomes an orphan, counted,
     * or, when the stack holds its limit of them, is reset and counted as such.
     */
    void orphan(long now, TcpConnection c) {
        c.orphan(now);
        if (c.orphan.counted || !holdsState(c.state())) {
            return;
        }
        if (count >= limit) {
            c.abort(now);
            stats.increment(Counter.TCP_ORPHANS_RESET);
            return;
        }
        c.orphan.counted = true;
        count++;
    }

    /** After any call into {@code c}: an orphan that reached TIME-WAIT or CLOSED no longer counts. */
    void settled(TcpConnection c) {
        if (c.orphan.counted && !holdsState(c.state())) {
            c.orphan.counted = false;
            count--;
        }
    }

    private static boolean holdsState(State state) {
        return state != State.TIME_WAIT && state != State.CLOSED;
    }
}
