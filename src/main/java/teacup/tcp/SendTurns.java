package teacup.tcp;

import java.util.ArrayDeque;
import teacup.stats.Counter;
import teacup.stats.Statistics;

/**
 * The turns of the event loop as TCP counts them, and the connections whose {@link SendBudget}
 * ran out in one: they send again, in the order they ran out, at the start of the next turn
 * ({@link TcpLayer#poll}), so one connection sends at most its budget per turn and a turn still
 * ends. While any wait, the layer has work at once (its deadline is when the first ran out).
 */
final class SendTurns {
    private final ArrayDeque<TcpConnection> waiting = new ArrayDeque<>();
    private long turn;
    /** When the first of {@link #waiting} ran out of budget. */
    private long since = Long.MAX_VALUE;

    /** The current turn, for {@link SegmentOutput#turn}. */
    long turn() {
        return turn;
    }

    /**
     * After a call into {@code c} at {@code now}: when its budget ran out, it waits for the next
     * turn, counted as {@link Counter#TCP_SEND_TURNS_SPENT}.
     */
    void holdIfSpent(long now, TcpConnection c, Statistics stats) {
        if (c.state() == TcpConnection.State.CLOSED || !c.writer.sendBudget().waitForNextTurn()) {
            return;
        }
        if (since == Long.MAX_VALUE) {
            since = now;
        }
        waiting.add(c);
        stats.increment(Counter.TCP_SEND_TURNS_SPENT);
    }

    /** A new turn: returns how many connections wait from the last; {@link #next} gives each once. */
    int begin() {
        turn++;
        since = Long.MAX_VALUE;
        return waiting.size();
    }

    /** The next connection to send again, its budget marked resumed. */
    TcpConnection next() {
        TcpConnection c = waiting.poll();
        c.writer.sendBudget().resumed();
        return c;
    }

    /** When the layer next has sending to do for a held connection (Long.MAX_VALUE: none). */
    long deadline() {
        return since;
    }
}
