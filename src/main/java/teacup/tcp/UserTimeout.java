package teacup.tcp;

/**
 * The user timeout (RFC 5482 3, RFC 9293 3.8.3's USER TIMEOUT; Linux's TCP_USER_TIMEOUT): the
 * longest our data may wait without progress before the connection is given up. Progress is the
 * peer acknowledging new data; waiting is anything written or our FIN not yet acknowledged. As
 * Linux counts it, the clock runs through retransmissions and through zero-window probes alike:
 * a peer that answers every probe while keeping its window closed (MUST-35 keeps such a
 * connection open for ever otherwise) holds our buffer no longer than this. Zero: no user timeout,
 * and R2 alone ends unanswered data.
 */
final class UserTimeout {
    private long limit;
    /** When the data now waiting stopped making progress (NEVER while nothing waits). */
    private long stalledSince = TcpConnection.NEVER;
    private int una;

    UserTimeout(long limit) {
        this.limit = limit;
    }

    /** Nanoseconds; 0 turns it off. */
    void limit(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("the user timeout cannot be negative: " + nanos);
        }
        limit = nanos;
    }

    long limit() {
        return limit;
    }

    /**
     * After every event: an acknowledgment of new data restarts the clock; data waiting keeps it
     * running; in a state it does not apply to ({@code applies} false) it stops.
     */
    void track(long now, Sender sender, boolean applies) {
        if (!applies || sender.buffer().queued() == 0 && sender.allAcknowledged()) {
            stalledSince = TcpConnection.NEVER;
        } else if (stalledSince == TcpConnection.NEVER || sender.una() != una) {
            stalledSince = now;
            una = sender.una();
        }
    }

    /** When the connection is given up if nothing moves (NEVER: off, or nothing waits). */
    long deadline() {
        return limit == 0 || stalledSince == TcpConnection.NEVER ? TcpConnection.NEVER : stalledSince + limit;
    }

    /** Nothing waits any more (the connection ended or entered TIME-WAIT). */
    void stop() {
        stalledSince = TcpConnection.NEVER;
    }
}
