package teacup.tcp;

/**
 * The closing states' two timers: TIME-WAIT's 2 MSL (RFC 9293 3.3.2; restarted when the peer's
 * FIN comes again, 3.10.7.4), and the bound of 2 MSL an orphaned connection gets in FIN-WAIT-2
 * (RFC 9293 leaves this open; without a bound, a peer that never sends FIN would hold the
 * connection for ever).
 */
final class ClosingTimers {
    /** What {@link #poll} found. */
    enum Expiry { NONE, TIME_WAIT_OVER, FIN_WAIT_2_OVER }

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

    /** At {@code now}, in FIN-WAIT-2 or not: which wait, if any, is over. */
    Expiry poll(long now, boolean inFinWait2) {
        if (now >= timeWaitUntil) {
            timeWaitUntil = TcpConnection.NEVER;
            return Expiry.TIME_WAIT_OVER;
        }
        if (now >= finWait2Until) {
            if (inFinWait2) {
                return Expiry.FIN_WAIT_2_OVER;
            }
            finWait2Until = TcpConnection.NEVER;
        }
        return Expiry.NONE;
    }

    long nextDeadline() {
        return Math.min(timeWaitUntil, finWait2Until);
    }

    void stop() {
        timeWaitUntil = TcpConnection.NEVER;
        finWait2Until = TcpConnection.NEVER;
    }
}
