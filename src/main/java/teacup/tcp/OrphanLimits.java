package teacup.tcp;

import teacup.stats.Counter;
import teacup.tcp.TcpConnection.State;

/**
 * What bounds an orphan: a connection the application closed (or reset) that still finishes on its
 * own, its data or FIN not yet all acknowledged. Nobody waits for it any more, so it gets fewer
 * retransmissions than a live connection ({@link TcpSettings#orphanRetries}, as Linux's
 * tcp_orphan_retries), and a life that ends {@link TcpSettings#orphanLifetime} after the close even
 * while the peer answers every zero-window probe: a peer that never opens its window would otherwise
 * keep the send ring for ever. RFC 9293 MUST-37 keeps a connection whose peer answers its probes
 * open "subject to the implementation's resource management concerns" (RFC 6429), and a ring
 * held for nobody is one; the fewer retries depart from SHLD-11's 100 s for orphans only, whose
 * application is not there to outlast an outage. FIN-WAIT-2 and TIME-WAIT have their own bounds ({@link ClosingTimers});
 * how many orphans there may be is the stack's bound ({@link OrphanCount}). Made when the
 * application lets go ({@link Lifespan}).
 */
final class OrphanLimits {
    private final int retries;
    private final long lifetime;
    private boolean orphaned;
    private long endsAt = TcpConnection.NEVER;

    OrphanLimits(TcpSettings settings) {
        this.retries = settings.orphanRetries();
        this.lifetime = settings.orphanLifetime();
    }

    /** The application let go at {@code now}; a second close changes nothing. */
    void begin(long now) {
        if (!orphaned) {
            orphaned = true;
            endsAt = lifetime == 0 ? TcpConnection.NEVER : now + lifetime;
        }
    }

    boolean orphaned() {
        return orphaned;
    }

    /** R2 for this connection: {@code live}, a live connection's, or the orphan's when fewer. */
    int retransmissionLimit(int live) {
        return orphaned ? Math.min(live, retries) : live;
    }

    /** When the life bound ends the connection; only while our data or FIN is unacknowledged. */
    long deadline(State state) {
        boolean finishing = state != State.FIN_WAIT_2 && state != State.TIME_WAIT && state != State.CLOSED;
        return orphaned && finishing ? endsAt : TcpConnection.NEVER;
    }

    /** True (and counted) when the life bound is over at {@code now}: the connection is reset. */
    boolean expired(long now, State state, SegmentWriter writer) {
        if (now < deadline(state)) {
            return false;
        }
        writer.count(Counter.TCP_ORPHANS_EXPIRED);
        return true;
    }

    /** A limit (retries, probes, keep-alive) ended the connection: counted if it was an orphan's. */
    void gaveUp(SegmentWriter writer) {
        if (orphaned) {
            writer.count(Counter.TCP_ORPHANS_GAVE_UP);
        }
    }
}
