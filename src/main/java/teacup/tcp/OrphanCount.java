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
     * The application closed {@code c}: with data unread it is reset (RFC 2525 2.17); else its FIN
     * follows what was written and it becomes an orphan, counted, unless the stack already holds its
     * limit of them: then it is reset at once (no FIN first) and counted as such.
     */
    void close(long now, TcpConnection c) {
        if (c.receiveBuffer().available() > 0) {
            c.abort(now);
        } else if (!c.orphan.counted && count >= limit && wouldFinish(c.state())) {
            c.abort(now);
            stats.increment(Counter.TCP_ORPHANS_RESET);
        } else {
            c.close(now);
        }
        c.orphan(now);
        if (!c.orphan.counted && holdsState(c.state())) {
            c.orphan.counted = true;
            count++;
        }
    }

    /** After any call into {@code c}: an orphan that reached TIME-WAIT or CLOSED no longer counts. */
    void settled(TcpConnection c) {
        if (c.orphan.counted && !holdsState(c.state())) {
            c.orphan.counted = false;
            count--;
        }
    }

    /** States a close leaves holding state (a close in SYN-SENT just forgets the connection). */
    private static boolean wouldFinish(State state) {
        return holdsState(state) && state != State.SYN_SENT && state != State.LISTEN;
    }

    private static boolean holdsState(State state) {
        return state != State.TIME_WAIT && state != State.CLOSED;
    }
}
