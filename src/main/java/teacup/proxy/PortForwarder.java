package teacup.proxy;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;

/**
 * Accepts connections on a teacup listening socket and relays each to a fixed destination
 * reached by a {@link Dialer} (the kernel's TCP in the daemon). When that destination cannot be
 * reached, the accepted connection is reset at once, so its client learns so without waiting.
 */
public final class PortForwarder implements AutoCloseable {
    private final TcpServerSocket listener;
    private final HostPort target;
    private final Dialer dialer;
    private final RelayGroup relays;
    private final Consumer<String> log;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;

    private PortForwarder(TcpServerSocket listener, HostPort target, Dialer dialer, RelayGroup relays, Consumer<String> log) {
        this.listener = listener;
        this.target = target;
        this.dialer = dialer;
        this.relays = relays;
        this.log = log;
    }

    /** Serves {@code listener} until closed; {@code log} gets a line per connection that could not be forwarded. */
    public static PortForwarder start(TcpServerSocket listener, HostPort target, Dialer dialer, RelayGroup relays,
                                      Consumer<String> log) {
        PortForwarder f = new PortForwarder(Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(target, "target"),
                Objects.requireNonNull(dialer, "dialer"), Objects.requireNonNull(relays, "relays"),
                log != null ? log : line -> { });
        Thread.ofVirtual().name("teacup-forward-" + listener.localPort()).start(f::acceptLoop);
        return f;
    }

    public int localPort() {
        return listener.localPort();
    }

    public HostPort target() {
        return target;
    }

    /** Connections accepted so far. */
    public long accepted() {
        return accepted.get();
    }

    /** Connections reset because the destination could not be reached. */
    public long failed() {
        return failed.get();
    }

    /** Stops accepting; relays already running go on (see {@link RelayGroup#stop}). */
    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
    }

    private void acceptLoop() {
        while (!closed) {
            TcpSocket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("forward " + listener.localPort() + ": listener failed: " + e.getMessage());
                }
                return;
            }
            accepted.incrementAndGet();
            Thread.ofVirtual().name("teacup-forward-client").start(() -> forward(client));
        }
    }

    private void forward(TcpSocket client) {
        Endpoint server;
        try {
            server = dialer.dial(target.host(), target.port());
        } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
            client.abort();
            log.accept("forward " + listener.localPort() + " -> " + target + ": " + e.getMessage());
            return;
        }
        relays.relay(Endpoint.of(client), server);
    }
}
