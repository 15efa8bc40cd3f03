package teacup.tcp;

/**
 * Keep-alives (RFC 9293 3.8.4, MUST-24 to MUST-28): off unless the application asks; then, after
 * {@link TcpSettings#keepAliveIdle} without hearing from the peer on an idle connection, a probe
 * every {@link TcpSettings#keepAliveInterval}, and after {@link TcpSettings#keepAliveProbes}
 * unanswered ones the peer is taken for gone. The application may change the timing
 * (MUST-27: the interval is configurable), through {@link TcpLayer#setKeepAliveTiming}.
 */
final class KeepAlive {
    private long idle;
    private long interval;
    private int probes;
    private boolean on;
    private long lastHeard;
    private int sent;
    private long lastSentAt;

    /** Off; {@link #set} turning it on starts the idle time. */
    KeepAlive(TcpSettings settings) {
        this.idle = settings.keepAliveIdle();
        this.interval = settings.keepAliveInterval();
        this.probes = settings.keepAliveProbes();
    }

    /** New timing: {@code idle} and {@code interval} in nanoseconds, both positive, and at least one probe. */
    void timing(long idleNanos, long intervalNanos, int probeCount) {
        if (idleNanos <= 0 || intervalNanos <= 0 || probeCount < 1) {
            throw new IllegalArgumentException("keep-alive timing must be positive: " + idleNanos + " ns, "
                    + intervalNanos + " ns, " + probeCount + " probes");
        }
        idle = idleNanos;
        interval = intervalNanos;
        probes = probeCount;
    }

    void set(long now, boolean enabled) {
        on = enabled;
        heard(now);
    }

    /** The peer was heard from: the idle time starts again, and unanswered probes count from none. */
    void heard(long now) {
        lastHeard = now;
        sent = 0;
    }

    /** When the next probe is due; {@code idleConnection}: established or half-closed with nothing outstanding. */
    long deadline(boolean idleConnection) {
        if (!on || !idleConnection) {
            return TcpConnection.NEVER;
        }
        return sent == 0 ? lastHeard + idle : lastSentAt + interval;
    }

    /** What the keep-alive timer asks for. */
    enum Due { NOTHING, PROBE, GIVE_UP }

    /** At {@code now}: a probe is due (and counted), every probe went unanswered, or nothing yet. */
    Due poll(long now, boolean idleConnection) {
        if (now < deadline(idleConnection)) {
            return Due.NOTHING;
        }
        if (sent >= probes) {
            return Due.GIVE_UP;
        }
        sent++;
        lastSentAt = now;
        return Due.PROBE;
    }
}
