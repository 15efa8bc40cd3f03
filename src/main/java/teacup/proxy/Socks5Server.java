package teacup.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import teacup.dns.Resolver;
import teacup.wire.Ipv4Address;

/**
 * A SOCKS5 server (RFC 1928) for CONNECT, on a kernel listening socket: each request's
 * connection is made by the injected {@link Dialer} (teacup's TCP in the daemon) after the
 * injected {@link Resolver} (teacup's DNS) turned a domain name into addresses, and then
 * relayed by the {@link RelayGroup}.
 *
 * <p>Each client has a virtual thread of its own, and its handshake a deadline; how many clients
 * may be served at once is bounded, and a client over the bound is closed at once. So nothing one
 * client sends, or fails to send, holds up another.
 */
public final class Socks5Server implements AutoCloseable {

    /**
     * How long a client may take from connecting to finishing its request, how long the
     * connection it asks for may take, how many clients may be served at once, and the one
     * user allowed (null: no authentication).
     */
    public record Settings(Duration handshakeTimeout, Duration connectTimeout, int maxClients, Socks5Credentials credentials) {
        public Settings {
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive");
            }
            if (maxClients < 1) {
                throw new IllegalArgumentException("maxClients must be at least 1");
            }
        }

        /** 10 s handshakes, 15 s connects, 1024 clients, no authentication. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), Duration.ofSeconds(15), 1024, null);
        }

        public Settings withHandshakeTimeout(Duration d) {
            return new Settings(d, connectTimeout, maxClients, credentials);
        }

        public Settings withMaxClients(int n) {
            return new Settings(handshakeTimeout, connectTimeout, n, credentials);
        }

        public Settings withCredentials(Socks5Credentials c) {
            return new Settings(handshakeTimeout, connectTimeout, maxClients, c);
        }
    }

    private final ServerSocket listener;
    private final Dialer dialer;
    private final Resolver resolver;
    private final RelayGroup relays;
    private final Settings settings;
    private final Consumer<String> log;
    private final Semaphore slots;
    private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong connected = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;

    private Socks5Server(ServerSocket listener, Dialer dialer, Resolver resolver, RelayGroup relays, Settings settings,
                         Consumer<String> log) {
        this.listener = listener;
        this.dialer = dialer;
        this.resolver = resolver;
        this.relays = relays;
        this.settings = settings;
        this.log = log;
        this.slots = new Semaphore(settings.maxClients());
    }

    /**
     * Listens on {@code address} (port 0: any free port; see {@link #address()}) and serves
     * clients until closed. {@code log} gets one line per client that failed (null: silent).
     */
    public static Socks5Server start(InetSocketAddress address, Dialer dialer, Resolver resolver, RelayGroup relays,
                                     Settings settings, Consumer<String> log) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.setReuseAddress(true);
            listener.bind(address, 128);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        Socks5Server server = new Socks5Server(listener, Objects.requireNonNull(dialer, "dialer"),
                Objects.requireNonNull(resolver, "resolver"), Objects.requireNonNull(relays, "relays"),
                Objects.requireNonNull(settings, "settings"), log != null ? log : line -> { });
        Thread.ofVirtual().name("teacup-socks-accept").start(server::acceptLoop);
        return server;
    }

    /** Where it listens, with the port actually bound. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Clients accepted so far. */
    public long accepted() {
        return accepted.get();
    }

    /** Requests whose connection was made and relayed. */
    public long connected() {
        return connected.get();
    }

    /** Clients turned away: broken handshakes, failed requests, over the bound. */
    public long refused() {
        return refused.get();
    }

    /** Stops accepting and drops clients still in their handshake; relays already running go on (see {@link RelayGroup#stop}). */
    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket s : handshaking) {
            s.close();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("SOCKS listener failed: " + e.getMessage());
                }
                return;
            }
            accepted.incrementAndGet();
            if (!slots.tryAcquire()) {
                refused.incrementAndGet();
                Endpoint.of(client).abort();
                continue;
            }
            Thread.ofVirtual().name("teacup-socks-client").start(() -> {
                try {
                    serve(client);
                } finally {
                    slots.release();
                }
            });
        }
    }

    /** One client, from greeting to the end of its relay. */
    private void serve(Socket client) {
        handshaking.add(client);
        if (closed) {
            // close() may have run before the add above
            handshaking.remove(client);
            Endpoint.of(client).abort();
            return;
        }
        Endpoint server = null;
        try {
            client.setTcpNoDelay(true);
            long deadline = System.nanoTime() + settings.handshakeTimeout().toNanos();
            Socks5Handshake handshake = new Socks5Handshake(client, settings.credentials(), deadline);
            Socks5Request request = handshake.negotiate();
            Socks5Reply unsupported = check(request);
            if (unsupported != null) {
                handshake.reply(unsupported, Ipv4Address.ANY, 0);
                throw new Socks5Handshake.Refused("request refused (" + unsupported + "): " + request.destination());
            }
            client.setSoTimeout(0);
            try {
                server = connect(request);
            } catch (IOException e) {
                Socks5Reply why = Socks5Reply.forFailure(e);
                handshake.reply(why, Ipv4Address.ANY, 0);
                throw new Socks5Handshake.Refused("CONNECT " + request.destination() + ": " + e.getMessage());
            }
            handshake.reply(Socks5Reply.SUCCEEDED, server.localAddress(), server.localPort());
            handshaking.remove(client);
            if (closed) {
                throw new Socks5Handshake.Refused("server closed");
            }
            connected.incrementAndGet();
            Relay relay = relays.relay(Endpoint.of(client), server);
            server = null;
            // This thread holds the client's slot until its relay ends.
            relay.await(Duration.ofDays(365));
        } catch (IOException e) {
            refused.incrementAndGet();
            if (!(e instanceof Socks5Handshake.Refused) || e.getMessage().startsWith("CONNECT")) {
                log.accept("SOCKS client " + client.getRemoteSocketAddress() + ": " + e.getMessage());
            }
            closeQuietly(client);
            if (server != null) {
                server.abort();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(client);
        } finally {
            handshaking.remove(client);
        }
    }

    /** The reply for a request this server does not carry out, or null when it can. */
    private static Socks5Reply check(Socks5Request request) {
        if (request.command() != Socks5Request.CONNECT) {
            return Socks5Reply.COMMAND_NOT_SUPPORTED; // BIND and UDP ASSOCIATE are not offered
        }
        if (request.addressType() == Socks5Request.IPV6) {
            return Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED; // teacup speaks IPv4 only
        }
        if (request.port() == 0) {
            return Socks5Reply.HOST_UNREACHABLE; // nothing listens on port 0
        }
        return null;
    }

    /** Resolves a domain name with the injected resolver, then tries its addresses in turn. */
    private Endpoint connect(Socks5Request request) throws IOException {
        List<Ipv4Address> addresses;
        if (request.addressType() == Socks5Request.DOMAIN) {
            if (request.host().isEmpty()) {
                throw new UnknownHostException("empty domain name");
            }
            addresses = resolver.resolve(request.host());
        } else {
            addresses = List.of(Ipv4Address.parse(request.host()));
        }
        IOException last = null;
        for (Ipv4Address a : addresses) {
            try {
                return dialer.dial(a.toString(), request.port());
            } catch (IOException e) {
                last = e;
            } catch (RuntimeException e) {
                // e.g. an address the stack will not send to: a failure of this request, not of the server
                last = new IOException(e.getMessage(), e);
            }
        }
        throw last != null ? last : new UnknownHostException(request.host() + ": no address");
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // gone already
        }
    }
}
