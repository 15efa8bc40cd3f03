package teacup.tcp;

/**
 * Gives idle connections' rings back: once a second (while any connection may hold one) it asks
 * every connection's buffers to let go of a ring that has been empty since the last sweep
 * ({@link SendBuffer#releaseIfIdle}, {@link ReceiveBuffer#releaseIfIdle}). A connection that
 * carried a request and its answer then holds no buffer at all until it carries data again, and
 * a ring the receive window had grown for a bulk transfer does not outlive it, nor does the space
 * {@link ReceiveSpace} grew for it. One walk of the
 * table a second costs less than a microsecond per connection, and a connection busy across a
 * sweep is left alone, so a transfer is never made to take its ring again mid-flight.
 *
 * <p>Its deadline is part of {@link TcpLayer#nextDeadline}: armed when a connection that holds a
 * ring is called ({@link #arm}), disarmed by a sweep that finds no ring left to watch.
 */
final class IdleRings {
    /** How long a ring stays empty before it goes: between one and two of these. */
    static final long PERIOD = 1_000_000_000L;

    private long next = Long.MAX_VALUE;
    private long released;
    private boolean watching;

    /** {@code c} was called at {@code now}: if it holds a ring, the sweep must come. */
    void arm(long now, TcpConnection c) {
        if (next == Long.MAX_VALUE && (c.sendBuffer().allocated() || c.receiveBuffer().allocated())) {
            next = now + PERIOD;
        }
    }

    long deadline() {
        return next;
    }

    /** Sweeps {@code connections} when the period is up; returns the rings let go (for the statistics). */
    long sweep(long now, ConnectionTable<LayerEntry> connections) {
        if (now < next) {
            return 0;
        }
        released = 0;
        watching = false;
        connections.forEach(this::visit);
        next = watching ? now + PERIOD : Long.MAX_VALUE;
        return released;
    }

    private void visit(LayerEntry e) {
        TcpConnection c = e.connection;
        SendBuffer send = c.sendBuffer();
        ReceiveBuffer receive = c.receiveBuffer();
        if (send.releaseIfIdle()) {
            released++;
        }
        if (receive.releaseIfIdle()) {
            released++;
            c.receiver.idle(); // a receive space grown for a transfer does not outlive it either
        }
        watching |= send.allocated() || receive.allocated();
    }
}
