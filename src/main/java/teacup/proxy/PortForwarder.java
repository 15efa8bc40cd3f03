package teacup.proxy;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;

/**
 * Accepts connections on a teacup listening socket and relays each to a fixed destination
 * reached by a {@link Dialer} (the kernel's TCP in the daemon). When that destination cannot be
 * reached, the accepted connection is reset at once, so its client learns so without waiting.
 * How many connections are relayed at once is bounded; one over the bound is reset too, so a
 * flood of connections costs a reset each, not a thread and two sockets each.
 */
public final class PortForwarder implements AutoCloseable {
    /** Connections relayed at once by default; the SOCKS server has the same bound. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    private final TcpServerSocket listener;
    private final HostPort target;
    private final Dialer dialer;
    private final RelayGroup relays;
    private final Consumer<String> log;
    private final Semaphore slots;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;

    private PortForwarder(TcpServerSocket listener, HostPort target, Dialer dialer, RelayGroup relays, Consumer<String> log,
                          int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1");
        }
        this.slots = new Semaphore(maxConnections);
        this.listener = listener;
        this.target = target;
        this.dialer = dialer;
        this.relays = relays;
        this.log = log;
    }

    /** Serves {@code listener} until closed; {@code log} gets a line per connection that could not be forwarded. */
    public static PortForwarder start(TcpServerSocket listener, HostPort target, Dialer dialer, RelayGroup relays,
                                      Consumer<String> log) {
        return start(listener, target, dialer, relays, log, DEFAULT_MAX_CONNECTIONS);
    }

    /** As above, relaying at most {@code maxConnections} connections at once. */
    public static PortForwarder start(TcpServerSocket listener, HostPort target, Dialer dialer, RelayGroup relays,
                                      Consumer<String> log, int maxConnections) {
        PortForwarder f = new PortForwarder(Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(target, "target"),
                Objects.requireNonNull(dialer, "dialer"), Objects.requireNonNull(relays, "relays"),
                log != null ? log : line -> { }, maxConnections);
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

    /** Connections reset because the destination could not be reached or too many were relayed already. */
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
            if (!slots.tryAcquire()) {
                failed.incrementAndGet();
                client.abort();
                continue;
            }
            Thread.ofVirtual().name("teacup-forward-client").start(() -> forward(client));
        }
    }

    private void forward(TcpSocket client) {
        Endpoint server;
        try {
            server = dialer.dial(target.host(), target.port());
        } catch (IOException | RuntimeException e) {
            slots.release();
            failed.incrementAndGet();
            client.abort();
            log.accept("forward " + listener.localPort() + " -> " + target + ": " + e.getMessage());
            return;
        }
        try {
            // This thread holds the connection's slot until its relay ends.
            relays.relay(Endpoint.of(client), server).await(Duration.ofDays(365));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            slots.release();
        }
    }
}
