package teacup.tcp;

/**
 * A listening port as it stood when the event loop took a status snapshot.
 *
 * @param halfOpen connections still in SYN-RECEIVED
 * @param ready    established connections the application has not accepted yet
 */
public record ListenerStatus(int port, int backlog, int halfOpen, int ready) {

    static ListenerStatus of(TcpListener l) {
        return new ListenerStatus(l.port(), l.backlog(), l.halfOpen(), l.readyCount());
    }
}
