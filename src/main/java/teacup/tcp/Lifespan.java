package teacup.tcp;

import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;

/**
 * What bounds a connection's life besides retransmission's R2, each part made only when it is
 * first needed: {@link KeepAlive} (once the application turns it on or sets its timing), the
 * {@link UserTimeout} (once there is a limit), {@link OrphanLimits} (once the application lets go)
 * and {@link ClosingTimers} (once the connection closes). Most connections never use most of them,
 * and an idle connection held by the thousand should not pay for their state: until a part is
 * made, it answers as a fresh one would (no deadline, nothing due).
 *
 * <p>One difference a lazy user timeout makes: a limit set while data already waits counts from
 * the next event on the connection, not from when the data began to wait.
 */
final class Lifespan {
    private final TcpSettings settings;
    private KeepAlive keepAlive;
    private UserTimeout userTimeout;
    private OrphanLimits orphan;
    private ClosingTimers closing;

    Lifespan(TcpSettings settings) {
        this.settings = settings;
        if (settings.userTimeout() != 0) {
            userTimeout = new UserTimeout(settings.userTimeout());
        }
    }

    /** The connection's settings, which its parts were made from (and the handshake takes its options from). */
    TcpSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- keep-alive (RFC 9293 3.8.4)

    void keepAlive(long now, boolean on) {
        if (on || keepAlive != null) {
            keepAlive().set(now, on);
        }
    }

    void keepAliveTiming(long idleNanos, long intervalNanos, int probes) {
        keepAlive().timing(idleNanos, intervalNanos, probes);
    }

    private KeepAlive keepAlive() {
        if (keepAlive == null) {
            keepAlive = new KeepAlive(settings);
        }
        return keepAlive;
    }

    /** The peer was heard from. Before keep-alives are on this need not be kept: turning them on starts the idle time. */
    void heard(long now) {
        if (keepAlive != null) {
            keepAlive.heard(now);
        }
    }

    long keepAliveDeadline(boolean idleConnection) {
        return keepAlive == null ? TcpConnection.NEVER : keepAlive.deadline(idleConnection);
    }

    KeepAlive.Due keepAlivePoll(long now, boolean idleConnection) {
        return keepAlive == null ? KeepAlive.Due.NOTHING : keepAlive.poll(now, idleConnection);
    }

    // ---------------------------------------------------------------- user timeout (RFC 5482)

    /** Nanoseconds; 0 turns it off. */
    void userTimeout(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("the user timeout cannot be negative: " + nanos);
        }
        if (userTimeout != null) {
            userTimeout.limit(nanos);
        } else if (nanos != 0) {
            userTimeout = new UserTimeout(nanos);
        }
    }

    long userTimeout() {
        return userTimeout == null ? 0 : userTimeout.limit();
    }

    void trackUserTimeout(long now, Sender sender, boolean applies) {
        if (userTimeout != null) {
            userTimeout.track(now, sender, applies);
        }
    }

    long userTimeoutDeadline() {
        return userTimeout == null ? TcpConnection.NEVER : userTimeout.deadline();
    }

    // ---------------------------------------------------------------- orphans

    /** The application let go at {@code now}. */
    void orphan(long now) {
        if (orphan == null) {
            orphan = new OrphanLimits(settings);
        }
        orphan.begin(now);
    }

    boolean orphaned() {
        return orphan != null && orphan.orphaned();
    }

    /**
     * R2 in {@code state}: a half-open connection (SYN-RECEIVED) sends its SYN-ACK at most
     * {@link TcpSettings#synAckRetries} times more and is then forgotten, as Linux's tcp_synack_retries
     * does; a spoofed SYN would otherwise hold a place in the SYN queue for the minutes of R2
     * (RFC 4987 3.3, reducing the SYN-RECEIVED timer). Other states take the settings' R2, or the
     * orphan's when fewer.
     */
    int retransmissionLimit(State state) {
        int live = state == State.SYN_RECEIVED ? settings.synAckRetries() : settings.maxRetransmissions();
        return orphan == null ? live : orphan.retransmissionLimit(live);
    }

    boolean orphanExpired(long now, State state, SegmentWriter writer) {
        return orphan != null && orphan.expired(now, state, writer);
    }

    void gaveUp(SegmentWriter writer) {
        if (orphan != null) {
            orphan.gaveUp(writer);
        }
    }

    /**
     * Done sending (TIME-WAIT can last a minute), the send ring goes back to the stack's budget
     * ({@link SendMemory}); an orphan, which nobody will read, gives its receive ring back too.
     */
    void discardBuffersIfDone(State state, SendBuffer send, ReceiveBuffer receive) {
        if (state == State.TIME_WAIT || state == State.CLOSED) {
            send.discard();
            if (orphaned()) {
                receive.discard();
            }
        }
    }

    // ---------------------------------------------------------------- closing states

    ClosingTimers closing() {
        if (closing == null) {
            closing = new ClosingTimers(settings);
        }
        return closing;
    }

    /** TIME-WAIT's length, 2 MSL. */
    long twoMsl() {
        return 2 * settings.msl();
    }

    /** When TIME-WAIT or an orphan's FIN-WAIT-2 ends (NEVER: neither runs). */
    long closingDeadline() {
        return closing == null ? TcpConnection.NEVER : closing.nextDeadline();
    }

    Ending closingPoll(long now, boolean inFinWait2) {
        return closing == null ? Ending.NONE : closing.poll(now, inFinWait2);
    }

    // ---------------------------------------------------------------- all of them

    /** The earliest deadline of the parts, in {@code state}; {@code keepAliveApplies}: the connection is idle enough for probes. */
    long nextDeadline(State state, boolean keepAliveApplies) {
        long next = Math.min(closingDeadline(), userTimeoutDeadline());
        next = Math.min(next, orphan == null ? TcpConnection.NEVER : orphan.deadline(state));
        return Math.min(next, keepAliveDeadline(keepAliveApplies));
    }

    /** TIME-WAIT begins: 2 MSL, and nothing of ours waits any more. */
    void timeWait(long now) {
        closing().timeWait(now);
        if (userTimeout != null) {
            userTimeout.stop();
        }
    }

    /** The connection ended: no timer of these runs. */
    void stop() {
        if (userTimeout != null) {
            userTimeout.stop();
        }
        if (closing != null) {
            closing.stop();
        }
    }
}
