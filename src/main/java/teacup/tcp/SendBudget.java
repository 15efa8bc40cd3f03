package teacup.tcp;

/**
 * How many segments one connection may still send in this turn of the event loop
 * ({@link TcpSettings#sendSegmentsPerTurn}). A peer that announced a tiny MSS, or opened a large
 * window to one, would otherwise have a single call send thousands of segments while every other
 * connection waits. What the budget holds back is not lost: the connection waits in
 * {@link SendTurns} and goes on from where it stopped in the next turn, with a fresh budget.
 *
 * <p>Turns are numbered by the stack ({@link SegmentOutput#turn}); an output without turns (a
 * test's recorder of one connection) gives {@link SegmentOutput#NO_TURNS}, and then nothing is
 * held back.
 */
final class SendBudget {
    private final int perTurn;
    /** The turn {@link #left} belongs to. */
    private long turn = SegmentOutput.NO_TURNS;
    private int left;
    /** Something was held back and not sent since. */
    private boolean owed;
    /** Waiting in {@link SendTurns} for the next turn. */
    private boolean waiting;

    SendBudget(int perTurn) {
        this.perTurn = perTurn;
    }

    /** Takes one segment from the budget of turn {@code now}; false (and owed) when it is spent. */
    boolean take(long now) {
        if (now == SegmentOutput.NO_TURNS) {
            return true;
        }
        if (now != turn) {
            turn = now;
            left = perTurn;
        }
        if (left == 0) {
            owed = true;
            return false;
        }
        left--;
        return true;
    }

    /**
     * Segments were held back in a turn and the connection must be called again in the next:
     * true the first time it is asked after that (it then waits in {@link SendTurns}), false
     * while it waits or when nothing is owed.
     */
    boolean waitForNextTurn() {
        if (!owed || waiting) {
            return false;
        }
        waiting = true;
        return true;
    }

    /** The connection is called again now; if the new turn's budget runs out too, it is owed once more. */
    void resumed() {
        owed = false;
        waiting = false;
    }
}
