package teacup.tcp;

import java.util.LinkedHashSet;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.State;

/**
 * The stack-wide bound on orphans (Linux's tcp_max_orphans): connections the application closed
 * that still finish on their own, each holding its entry and its rings until its peer acknowledges
 * (or {@link OrphanLimits} ends it). An orphan counts from the application's close until it reaches
 * TIME-WAIT (which holds no ring and has its own 2 MSL) or CLOSED.
 *
 * <p>Past the limit, the oldest orphan is reset to make room, where Linux resets the one being
 * closed. Resetting the newest lets a peer that keeps the table full deny every other close: with
 * orphans living their lifetime L, a limit of N stays full at only N / L new stingy orphans a
 * second (1024 / 120 s: nine a second), and then every legitimate response whose tail is still in
 * flight when its server closes is cut off. Resetting the oldest makes the attacker outrun the
 * legitimate drains: a new orphan is reset only after N others have been closed after it, so to
 * cut a transfer that finishes within a second of its close the attacker must close N a second.
 */
final class OrphanCount {
    /** 1024 orphans with 256 KB send rings pin at most 256 MB. */
    static final int DEFAULT_LIMIT = 1024;

    private final Statistics stats;
    private int limit = DEFAULT_LIMIT;
    /** The orphans, oldest first. */
    private final LinkedHashSet<TcpConnection> orphans = new LinkedHashSet<>();

    OrphanCount(Statistics stats) {
        this.stats = stats;
    }

    int limit() {
        return limit;
    }

    /** A lower limit than the orphans held takes effect as they end: each close past it resets one, the oldest. */
    void limit(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("at least one orphan, not " + n);
        }
        limit = n;
    }

    int count() {
        return orphans.size();
    }

    /**
     * The application closed {@code c}: with data unread it is reset (RFC 2525 2.17); else its FIN
     * follows what was written and it becomes an orphan, counted. Returns the oldest orphan if it
     * was reset to make room (the caller settles it), else null.
     */
    TcpConnection close(long now, TcpConnection c) {
        if (c.receiveBuffer().available() > 0) {
            c.abort(now);
        } else {
            c.close(now);
        }
        c.orphan(now);
        if (!holdsState(c.state()) || !orphans.add(c)) {
            return null; // done already, or closed before
        }
        if (orphans.size() <= limit) {
            return null;
        }
        TcpConnection oldest = orphans.removeFirst();
        oldest.abort(now);
        stats.increment(Counter.TCP_ORPHANS_RESET);
        return oldest;
    }

    /** After any call into {@code c}: an orphan that reached TIME-WAIT or CLOSED no longer counts. */
    void settled(TcpConnection c) {
        if (c.orphaned() && !holdsState(c.state())) {
            orphans.remove(c);
        }
    }

    private static boolean holdsState(State state) {
        return state != State.TIME_WAIT && state != State.CLOSED;
    }
}
