package teacup.dns;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import teacup.socket.TcpSocket;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.udp.UdpEndpoint;
import teacup.wire.Ipv4Address;

/**
 * A stub resolver (RFC 1035 7, RFC 1123 6.1.3) on teacup's own UDP and TCP: asks recursive
 * servers for A records and follows CNAME chains.
 *
 * <p>Every query goes out from a fresh socket on a random ephemeral port (the stack's UDP layer
 * picks it) with a random ID from the injected generator, and a reply counts only if it comes
 * from the server's address and port, carries that ID, and repeats the question (name, type A,
 * class IN): the defences RFC 5452 asks of a resolver against forged answers. Anything else is
 * ignored while the wait goes on. The servers are tried in turn, each try with its own timeout,
 * for as many rounds as {@link Settings#tries}. A reply with TC set is asked again over TCP with
 * the two-byte length prefix (RFC 1035 4.2.2, RFC 7766). Answers are cached for as long as the
 * smallest TTL along the chain allows.
 *
 * <p>Thread-safe: each call uses its own sockets; any number of threads may resolve at once.
 */
public final class StubResolver implements Resolver {
    /** How long one try waits, how many rounds over the servers, the port, CNAME hops, cache size and the longest caching. */
    public record Settings(Duration timeout, int tries, int port, int maxCnameHops, int cacheSize, Duration maxCacheTtl) {
        public Settings {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(maxCacheTtl, "maxCacheTtl");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            if (tries < 1) {
                throw new IllegalArgumentException("tries must be at least 1");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            if (maxCnameHops < 0 || cacheSize < 0) {
                throw new IllegalArgumentException("maxCnameHops and cacheSize must not be negative");
            }
        }

        /** 2 s per try, 2 rounds, port 53, 8 CNAME hops, 256 cached names for at most an hour. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(2), 2, DnsMessage.DEFAULT_PORT, 8, 256, Duration.ofHours(1));
        }

        public Settings withTimeout(Duration t) {
            return new Settings(t, tries, port, maxCnameHops, cacheSize, maxCacheTtl);
        }

        public Settings withTries(int n) {
            return new Settings(timeout, n, port, maxCnameHops, cacheSize, maxCacheTtl);
        }

        public Settings withPort(int p) {
            return new Settings(timeout, tries, p, maxCnameHops, cacheSize, maxCacheTtl);
        }

        public Settings withMaxCnameHops(int n) {
            return new Settings(timeout, tries, port, n, cacheSize, maxCacheTtl);
        }

        /** 0 turns the cache off. */
        public Settings withCacheSize(int n) {
            return new Settings(timeout, tries, port, maxCnameHops, n, maxCacheTtl);
        }
    }

    private static final Pattern LITERAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    /** Stray datagrams one try reads before it gives up on that try: a flood cannot hold a caller past its bound. */
    private static final int MAX_STRAYS_PER_TRY = 64;
    private static final int TCP_LENGTH_PREFIX = 2;

    private final NetStack stack;
    private final List<Ipv4Address> servers;
    private final RandomGenerator random;
    private final Settings settings;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<List<Ipv4Address>>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong queries = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();

    private record Cached(List<Ipv4Address> addresses, long expiresAt) {}

    /** A reply that passed every check, wrapped, with the server that sent it. */
    private record Reply(DnsMessage message, Ipv4Address server) {}

    /** With {@link Settings#defaults()}. */
    public StubResolver(NetStack stack, List<Ipv4Address> servers, RandomGenerator random) {
        this(stack, servers, random, Settings.defaults());
    }

    /**
     * Asks {@code servers} in this order through {@code stack}; {@code random} draws query IDs
     * (give it an unpredictable generator outside tests: IDs are half the defence against forged
     * answers, the source port the other half).
     */
    public StubResolver(NetStack stack, List<Ipv4Address> servers, RandomGenerator random, Settings settings) {
        this.stack = Objects.requireNonNull(stack, "stack");
        this.servers = List.copyOf(servers);
        this.random = Objects.requireNonNull(random, "random");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = stack.clock();
    }

    public List<Ipv4Address> servers() {
        return servers;
    }

    public Settings settings() {
        return settings;
    }

    /** Queries sent so far, over UDP and TCP. */
    public long queriesSent() {
        return queries.get();
    }

    /** Datagrams and messages thrown away so far: wrong source, wrong ID or question, malformed. */
    public long repliesIgnored() {
        return ignored.get();
    }

    /** Forgets every cached answer. */
    public void clearCache() {
        cache.clear();
    }

    @Override
    public List<Ipv4Address> resolve(String host) throws IOException {
        Objects.requireNonNull(host, "host");
        if (LITERAL.matcher(host).matches()) {
            try {
                return List.of(Ipv4Address.parse(host));
            } catch (IllegalArgumentException e) {
                throw new UnknownHostException(host + ": not a valid IPv4 address");
            }
        }
        byte[] name;
        try {
            name = DnsMessage.encodeName(host);
        } catch (IllegalArgumentException e) {
            throw new UnknownHostException(host + ": " + e.getMessage());
        }
        String key = DnsMessage.nameToText(name).toLowerCase(Locale.ROOT);
        List<Ipv4Address> cached = fromCache(key);
        if (cached != null) {
            return cached;
        }
        if (servers.isEmpty()) {
            throw new UnknownHostException(host + ": no DNS server configured");
        }
        // Callers asking for a name already being looked up wait for that lookup instead of sending
        // queries of their own: fifty connections to one host at once cost one query, not fifty
        // queries that a busy link loses some of.
        CompletableFuture<List<Ipv4Address>> mine = new CompletableFuture<>();
        CompletableFuture<List<Ipv4Address>> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return awaitLookup(host, running);
        }
        try {
            List<Ipv4Address> result = lookUp(host, name, key);
            mine.complete(result);
            return result;
        } catch (IOException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    /** The outcome of another caller's lookup of the same name: its addresses, or its failure as ours. */
    private static List<Ipv4Address> awaitLookup(String host, CompletableFuture<List<Ipv4Address>> running) throws IOException {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while resolving " + host);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownHostException u) {
                throw new UnknownHostException(u.getMessage());
            }
            if (cause instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException(host + ": " + cause, cause);
        }
    }

    /** Asks the servers for {@code name} (following CNAMEs) and caches the answer under {@code key}. */
    private List<Ipv4Address> lookUp(String host, byte[] name, String key) throws IOException {
        byte[] target = name;
        int hops = 0;
        long ttl = settings.maxCacheTtl().toSeconds();
        // Each round asks for the chain's current end; a server that stops at a CNAME it does not
        // serve leaves us to ask for the target ourselves (RFC 1034 5.3.3). Hops are counted over all rounds.
        while (true) {
            Reply reply = ask(host, target);
            DnsMessage m = reply.message();
            List<Ipv4Address> addresses = new ArrayList<>();
            while (true) {
                for (int i = 0; i < m.recordCount(); i++) {
                    if (m.section(i) == DnsMessage.Section.ANSWER && m.recordType(i) == DnsMessage.TYPE_A
                            && m.recordClass(i) == DnsMessage.CLASS_IN && m.nameEquals(m.recordName(i), target)) {
                        addresses.add(new Ipv4Address(m.address(i)));
                        ttl = Math.min(ttl, m.recordTtl(i));
                    }
                }
                if (!addresses.isEmpty()) {
                    break;
                }
                int cname = cnameFor(m, target);
                if (cname < 0) {
                    break;
                }
                if (++hops > settings.maxCnameHops()) {
                    throw new UnknownHostException(host + ": CNAME chain longer than " + settings.maxCnameHops());
                }
                ttl = Math.min(ttl, m.recordTtl(cname));
                target = m.name(m.cnameTarget(cname));
            }
            if (!addresses.isEmpty()) {
                List<Ipv4Address> result = List.copyOf(addresses);
                remember(key, result, ttl);
                return result;
            }
            if (m.rcode() == DnsMessage.RCODE_NXDOMAIN) {
                throw new UnknownHostException(host + ": no such host (NXDOMAIN from " + reply.server() + ")");
            }
            if (m.nameEquals(m.questionName(), target)) {
                throw new UnknownHostException(host + ": no IPv4 address (" + reply.server() + " answered with none)");
            }
            // The answer ended in a CNAME to a name it did not give an address for: ask for that name.
        }
    }

    /** The answer-section CNAME record owned by {@code owner}, or -1. */
    private static int cnameFor(DnsMessage m, byte[] owner) {
        for (int i = 0; i < m.recordCount(); i++) {
            if (m.section(i) == DnsMessage.Section.ANSWER && m.recordType(i) == DnsMessage.TYPE_CNAME
                    && m.recordClass(i) == DnsMessage.CLASS_IN && m.nameEquals(m.recordName(i), owner)) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- asking the servers

    /**
     * Asks each server in turn, round after round, until one gives a usable answer: NOERROR or
     * NXDOMAIN. SERVFAIL, REFUSED and the like, silence and unreachable servers move on to the next.
     */
    private Reply ask(String host, byte[] name) throws IOException {
        String last = "no answer";
        for (int round = 0; round < settings.tries(); round++) {
            for (Ipv4Address server : servers) {
                String[] why = {"timed out"};
                Reply reply = overUdp(server, name, why);
                if (reply != null && reply.message().truncated()) {
                    // RFC 1035 4.2.1 / RFC 2181 9: a truncated reply is not to be used; the whole answer comes over TCP.
                    reply = overTcp(server, name, why);
                }
                if (reply == null) {
                    last = server + ": " + why[0];
                    continue;
                }
                int rcode = reply.message().rcode();
                if (rcode == DnsMessage.RCODE_NOERROR || rcode == DnsMessage.RCODE_NXDOMAIN) {
                    return reply;
                }
                last = server + ": " + DnsMessage.rcodeName(rcode);
            }
        }
        throw new UnknownHostException(host + ": no answer from DNS " + (servers.size() == 1 ? "server " : "servers ")
                + String.join(", ", servers.stream().map(Ipv4Address::toString).toList()) + " (last: " + last + ")");
    }

    private int nextId() {
        synchronized (random) {
            return random.nextInt(1 << 16);
        }
    }

    private static byte[] query(int id, byte[] name) {
        byte[] q = new byte[DnsMessage.queryLength(name)];
        DnsMessage.writeQuery(q, 0, id, name, DnsMessage.TYPE_A, true);
        return q;
    }

    /** One try over UDP: a reply that passed the checks, or null (the reason in {@code why[0]}). */
    private Reply overUdp(Ipv4Address server, byte[] name, String[] why) throws IOException {
        int id = nextId();
        byte[] query = query(id, name);
        try (UdpSocket socket = UdpSocket.bind(stack, 0)) {
            try {
                socket.send(server, settings.port(), query);
            } catch (IOException e) {
                why[0] = e.getMessage();
                return null;
            }
            queries.incrementAndGet();
            long deadline = clock.nanos() + settings.timeout().toNanos();
            for (int strays = 0; strays < MAX_STRAYS_PER_TRY; strays++) {
                long left = deadline - clock.nanos();
                if (left <= 0) {
                    return null;
                }
                UdpEndpoint.Datagram d;
                try {
                    d = socket.receive(Duration.ofNanos(left));
                } catch (SocketTimeoutException e) {
                    return null;
                } catch (PortUnreachableException | NoRouteToHostException e) {
                    why[0] = e.getMessage(); // RFC 1122 4.1.3.3: the server's host said no; try the next
                    return null;
                }
                // RFC 5452 9.1: only the address and port we asked, answering our ID and our question.
                if (d.source() == server.bits() && d.sourcePort() == settings.port()) {
                    DnsMessage m = new DnsMessage();
                    if (answers(m, d.data(), d.data().length, id, name)) {
                        return new Reply(m, server);
                    }
                }
                ignored.incrementAndGet();
            }
            why[0] = "too many stray replies";
            return null;
        }
    }

    /** One try over TCP (RFC 7766): the query and the reply each behind a two-byte length. */
    private Reply overTcp(Ipv4Address server, byte[] name, String[] why) throws IOException {
        int id = nextId();
        byte[] query = query(id, name);
        byte[] framed = new byte[TCP_LENGTH_PREFIX + query.length];
        framed[0] = (byte) (query.length >>> 8);
        framed[1] = (byte) query.length;
        System.arraycopy(query, 0, framed, TCP_LENGTH_PREFIX, query.length);
        long deadline = clock.nanos() + settings.timeout().toNanos();
        TcpSocket socket;
        try {
            socket = TcpSocket.connect(stack, server, settings.port(), settings.timeout());
        } catch (IOException e) {
            why[0] = "TCP: " + e.getMessage();
            return null;
        }
        try (socket) {
            socket.setNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(framed);
            out.flush();
            queries.incrementAndGet();
            InputStream in = socket.getInputStream();
            byte[] prefix = readFully(socket, in, TCP_LENGTH_PREFIX, deadline);
            int length = ((prefix[0] & 0xff) << 8) | (prefix[1] & 0xff);
            byte[] message = readFully(socket, in, length, deadline);
            DnsMessage m = new DnsMessage();
            if (answers(m, message, length, id, name)) {
                return new Reply(m, server);
            }
            ignored.incrementAndGet();
            why[0] = "TCP: a reply that does not answer the query";
            return null;
        } catch (IOException e) {
            why[0] = "TCP: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            return null;
        }
    }

    /** Reads exactly {@code n} bytes before {@code deadline}. */
    private byte[] readFully(TcpSocket socket, InputStream in, int n, long deadline) throws IOException {
        byte[] b = new byte[n];
        int at = 0;
        while (at < n) {
            long left = deadline - clock.nanos();
            if (left <= 0) {
                throw new SocketTimeoutException("timed out");
            }
            socket.setSoTimeout(Duration.ofNanos(Math.max(left, 1_000_000)));
            int r = in.read(b, at, n - at);
            if (r < 0) {
                throw new EOFException("the server closed the connection mid-reply");
            }
            at += r;
        }
        return b;
    }

    /**
     * Whether {@code data} is a well-formed response to our query {@code id} for {@code name}
     * (type A, class IN), wrapping {@code m} over it. A server error without the question
     * (FORMERR, NOTIMP may leave it out) still counts when the ID matches.
     */
    private static boolean answers(DnsMessage m, byte[] data, int length, int id, byte[] name) {
        if (!m.wrap(data, 0, length).ok() || !m.isResponse() || m.opcode() != DnsMessage.OPCODE_QUERY || m.id() != id) {
            return false;
        }
        if (m.questionCount() == 0) {
            int rcode = m.rcode();
            return rcode != DnsMessage.RCODE_NOERROR && rcode != DnsMessage.RCODE_NXDOMAIN;
        }
        return m.questionCount() == 1 && m.nameEquals(m.questionName(), name)
                && m.questionType() == DnsMessage.TYPE_A && m.questionClass() == DnsMessage.CLASS_IN;
    }

    // ---------------------------------------------------------------- cache

    private List<Ipv4Address> fromCache(String key) {
        Cached c = cache.get(key);
        if (c == null) {
            return null;
        }
        if (clock.nanos() - c.expiresAt() >= 0) {
            cache.remove(key, c);
            return null;
        }
        return c.addresses();
    }

    private void remember(String key, List<Ipv4Address> addresses, long ttlSeconds) {
        if (settings.cacheSize() == 0 || ttlSeconds <= 0) {
            return; // RFC 1035 3.2.1: a TTL of zero is for this answer only
        }
        long now = clock.nanos();
        if (cache.size() >= settings.cacheSize()) {
            for (Iterator<Cached> it = cache.values().iterator(); it.hasNext(); ) {
                if (now - it.next().expiresAt() >= 0) {
                    it.remove();
                }
            }
            if (cache.size() >= settings.cacheSize()) {
                cache.clear(); // crude, but bounded; a stub's cache is a convenience, not a store
            }
        }
        cache.put(key, new Cached(addresses, now + Duration.ofSeconds(ttlSeconds).toNanos()));
    }
}
