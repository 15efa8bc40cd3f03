package teacup.tcp;

/**
 * The closing states' two timers: TIME-WAIT's 2 MSL (RFC 9293 3.3.2; restarted when the peer's
 * FIN comes again, 3.10.7.4), and the bound of 2 MSL an orphaned connection gets in FIN-WAIT-2
 * (RFC 9293 leaves this open; without a bound, a peer that never sends FIN would hold the
 * connection for ever).
 */
final class ClosingTimers {
    private final long twoMsl;
    private long timeWaitUntil = TcpConnection.NEVER;
    private long finWait2Until = TcpConnection.NEVER;

    ClosingTimers(TcpSettings settings) {
        this.twoMsl = 2 * settings.msl();
    }

    /** TIME-WAIT begins, or begins again: 2 MSL from now; any FIN-WAIT-2 bound is over. */
    void timeWait(long now) {
        finWait2Until = TcpConnection.NEVER;
        timeWaitUntil = now + twoMsl;
    }

    /** The peer's FIN again in TIME-WAIT: our last ACK was lost; the wait starts again. */
    void restartTimeWait(long now) {
        timeWaitUntil = now + twoMsl;
    }

    /** An orphan in FIN-WAIT-2: it waits at most 2 MSL from now ({@code keep}: unless already bounded). */
    void boundFinWait2(long now, boolean keep) {
        if (!keep || finWait2Until == TcpConnection.NEVER) {
            finWait2Until = now + twoMsl;
        }
    }

    /**
     * At {@code now}, in FIN-WAIT-2 or not: how the connection ends if a wait is over (TIME-WAIT's
     * end closes it normally; an orphan whose peer never closed its side is quietly forgotten, as
     * Linux does), else {@link TcpConnection.Ending#NONE}.
     */
    TcpConnection.Ending poll(long now, boolean inFinWait2) {
        if (now >= timeWaitUntil) {
            timeWaitUntil = TcpConnection.NEVER;
            return TcpConnection.Ending.CLOSED_NORMALLY;
        }
        if (now >= finWait2Until) {
            if (inFinWait2) {
                return TcpConnection.Ending.TIMED_OUT;
            }
            finWait2Until = TcpConnection.NEVER;
        }
        return TcpConnection.Ending.NONE;
    }

    long nextDeadline() {
        return Math.min(timeWaitUntil, finWait2Until);
    }

    void stop() {
        timeWaitUntil = TcpConnection.NEVER;
        finWait2Until = TcpConnection.NEVER;
    }
}
