package teacup.tcp;

/**
 * Told by the {@link TcpLayer}, on the event-loop thread, after something happened to a
 * connection: data arrived, an acknowledgment freed send space, the state changed, or it ended.
 * Sockets use it to wake their blocked threads; it must be quick and must not block.
 *
 * <p>For a listener, {@code connection} is one that has just become ready to accept, or null
 * when the listener was closed.
 */
@FunctionalInterface
public interface TcpObserver {
    void changed(TcpConnection connection);
}
