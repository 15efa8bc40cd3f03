package teacup.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.udp.UdpLayer;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * StubResolver on a started stack (A) asking a scripted server on another (B) over a
 * VirtualWire: real loop threads, real time, short bounded timeouts where a server stays silent.
 */
class StubResolverTest {
    private static final Ipv4Address A_IP = Ipv4Address.parse("198.18.0.1");
    private static final Ipv4Address B_IP = Ipv4Address.parse("198.18.0.2");
    /** On the wire's subnet but nobody's: queries to it go unanswered. */
    private static final Ipv4Address NOBODY = Ipv4Address.parse("198.18.0.3");
    private static final Duration TEST_LIMIT = Duration.ofSeconds(30);
    private static final StubResolver.Settings QUICK = StubResolver.Settings.defaults()
            .withTimeout(Duration.ofMillis(300)).withCacheSize(0);

    private VirtualWire wire;
    private NetStack a;
    private NetStack b;
    private FakeDnsServer server;

    @BeforeEach
    void start() throws IOException {
        wire = new VirtualWire(1500);
        a = new NetStack(wire.a(), new Interface(MacAddress.parse("02:00:00:00:00:01"), A_IP, 24, Ipv4Address.ANY, 1500),
                Clock.SYSTEM, new SplittableRandom(1)).start();
        b = new NetStack(wire.b(), new Interface(MacAddress.parse("02:00:00:00:00:02"), B_IP, 24, Ipv4Address.ANY, 1500),
                Clock.SYSTEM, new SplittableRandom(2)).start();
        server = new FakeDnsServer(b, 53);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        a.close();
        b.close();
    }

    private StubResolver resolver(StubResolver.Settings settings, Ipv4Address... servers) {
        return new StubResolver(a, List.of(servers), new SplittableRandom(42), settings);
    }

    private StubResolver resolver() {
        return resolver(QUICK, B_IP);
    }

    private static List<Ipv4Address> addresses(String... text) {
        return java.util.Arrays.stream(text).map(Ipv4Address::parse).toList();
    }

    private static DnsReplyBuilder reply(FakeDnsServer.Query q) {
        return new DnsReplyBuilder(q.id(), q.name(), q.type());
    }

    private static void within(Executable test) {
        assertTimeoutPreemptively(TEST_LIMIT, test);
    }

    @Test
    @DisplayName("RFC 1035 4.1.3: the A records of the answer, in the server's order, from one UDP query")
    void answersA() {
        within(() -> {
            server.on(q -> List.of(reply(q).a(q.name(), "198.18.0.81", 60).a(q.name(), "198.18.0.82", 60).build()));
            StubResolver r = resolver();

            assertEquals(addresses("198.18.0.81", "198.18.0.82"), r.resolve("multi.teacup.test"));

            assertEquals(1, server.queries.size());
            FakeDnsServer.Query q = server.queries.getFirst();
            assertEquals("multi.teacup.test", q.name());
            assertEquals(DnsMessage.TYPE_A, q.type());
            assertEquals(A_IP, q.client());
            assertEquals(1, r.queriesSent());
        });
    }

    @Test
    @DisplayName("a literal IPv4 address resolves to itself without a query")
    void literal() {
        within(() -> {
            StubResolver r = resolver(QUICK);
            assertEquals(addresses("198.18.0.77"), r.resolve("198.18.0.77"));
            assertEquals(0, r.queriesSent());
            UnknownHostException e = assertThrows(UnknownHostException.class, () -> r.resolve("198.18.0.777"));
            assertEquals("198.18.0.777: not a valid IPv4 address", e.getMessage());
        });
    }

    @Test
    @DisplayName("RFC 1034 3.6.2: a CNAME chain in one answer is followed to the A record at its end")
    void cnameChain() {
        within(() -> {
            server.on(q -> List.of(reply(q).cname("www.teacup.test", "alias.teacup.test", 60)
                    .cname("alias.teacup.test", "web.teacup.test", 60)
                    .a("other.teacup.test", "198.18.0.99", 60) // not on the chain: not ours
                    .a("web.teacup.test", "198.18.0.80", 60).build()));

            assertEquals(addresses("198.18.0.80"), resolver().resolve("WWW.teacup.test"));
            assertEquals(1, server.queries.size());
        });
    }

    @Test
    @DisplayName("RFC 1034 5.3.3: a CNAME to a name the answer does not cover is asked for in a new query")
    void cnameOutOfZone() {
        within(() -> {
            server.on(q -> switch (q.name()) {
                case "www.teacup.test" -> List.of(reply(q).cname("www.teacup.test", "cdn.elsewhere.test", 60).build());
                case "cdn.elsewhere.test" -> List.of(reply(q).a("cdn.elsewhere.test", "198.18.0.55", 60).build());
                default -> List.of(reply(q).rcode(DnsMessage.RCODE_NXDOMAIN).build());
            });

            assertEquals(addresses("198.18.0.55"), resolver().resolve("www.teacup.test"));
            assertEquals(List.of("www.teacup.test", "cdn.elsewhere.test"), server.queries.stream().map(FakeDnsServer.Query::name).toList());
        });
    }

    @Test
    @DisplayName("a CNAME loop ends after the configured number of hops with a one-line error")
    void cnameLoop() {
        within(() -> {
            server.on(q -> List.of(reply(q).cname("a.teacup.test", "b.teacup.test", 60).cname("b.teacup.test", "a.teacup.test", 60).build()));
            UnknownHostException e = assertThrows(UnknownHostException.class, () -> resolver().resolve("a.teacup.test"));
            assertEquals("a.teacup.test: CNAME chain longer than 8", e.getMessage());
            assertEquals(1, server.queries.size());
        });
    }

    @Test
    @DisplayName("RFC 1035 4.2.1, RFC 7766: a truncated UDP answer is asked again over TCP and the TCP answer used")
    void truncatedRetriesOverTcp() {
        within(() -> {
            List<String> many = new ArrayList<>();
            for (int i = 1; i <= 60; i++) {
                many.add("198.18.1." + i);
            }
            server.onUdp(q -> List.of(reply(q).truncated().a(q.name(), "198.18.0.66", 60).build())); // a partial answer, never to be used
            server.onTcp(q -> {
                DnsReplyBuilder full = reply(q);
                many.forEach(address -> full.a(q.name(), address, 60));
                return List.of(full.build());
            });
            StubResolver r = resolver();

            assertEquals(addresses(many.toArray(String[]::new)), r.resolve("big.teacup.test"));

            assertEquals(1, server.queries(false).size());
            assertEquals(1, server.queries(true).size());
            assertEquals("big.teacup.test", server.queries(true).getFirst().name());
            assertEquals(2, r.queriesSent());
        });
    }

    @Test
    @DisplayName("RFC 5452 9.1: a reply with the wrong ID or question is ignored; the right one that follows is taken")
    void wrongIdOrQuestionIgnored() {
        within(() -> {
            server.onUdp(q -> List.of(
                    new DnsReplyBuilder(q.id() ^ 0x5a5a, q.name(), q.type()).a(q.name(), "198.18.0.66", 60).build(),
                    new DnsReplyBuilder(q.id(), "evil.teacup.test", q.type()).a("evil.teacup.test", "198.18.0.67", 60).build(),
                    new DnsReplyBuilder(q.id(), q.name(), DnsMessage.TYPE_AAAA).a(q.name(), "198.18.0.68", 60).build(),
                    new byte[] {1, 2, 3},
                    reply(q).a(q.name(), "198.18.0.80", 60).build()));
            StubResolver r = resolver();

            assertEquals(addresses("198.18.0.80"), r.resolve("web.teacup.test"));
            assertEquals(4, r.repliesIgnored());
        });
    }

    @Test
    @DisplayName("RFC 5452 9.1: a reply with the right ID from another port of the server is ignored")
    void wrongSourcePortIgnored() {
        within(() -> {
            try (UdpSocket forger = UdpSocket.bind(b, 5353)) {
                server.onUdp(q -> {
                    try {
                        forger.send(q.client(), q.clientPort(), reply(q).a(q.name(), "198.18.0.66", 60).build());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return List.of(); // the real server stays silent this time
                });
                StubResolver r = resolver(QUICK.withTries(1), B_IP);

                UnknownHostException e = assertThrows(UnknownHostException.class, () -> r.resolve("web.teacup.test"));

                assertEquals("web.teacup.test: no answer from DNS server 198.18.0.2 (last: 198.18.0.2: timed out)", e.getMessage());
                assertEquals(1, r.repliesIgnored());
            }
        });
    }

    @Test
    @DisplayName("RFC 1035 7.2: a dead first server is given up after its timeout and the next one answers")
    void deadFirstServer() {
        within(() -> {
            server.on(q -> List.of(reply(q).a(q.name(), "198.18.0.80", 60).build()));
            StubResolver r = resolver(QUICK, NOBODY, B_IP);

            assertEquals(addresses("198.18.0.80"), r.resolve("web.teacup.test"));
            assertEquals(1, server.queries.size());
        });
    }

    @Test
    @DisplayName("RFC 1035 7.2: a server that drops the first query answers the retry, from a new port and with a new ID")
    void retryAfterLoss() {
        within(() -> {
            server.onUdp(q -> server.queries.size() == 1 ? List.of() : List.of(reply(q).a(q.name(), "198.18.0.80", 60).build()));
            StubResolver r = resolver();

            assertEquals(addresses("198.18.0.80"), r.resolve("web.teacup.test"));

            assertEquals(2, server.queries.size());
            FakeDnsServer.Query first = server.queries.get(0);
            FakeDnsServer.Query second = server.queries.get(1);
            assertTrue(first.id() != second.id() || first.clientPort() != second.clientPort(), "the retry looks new");
        });
    }

    @Test
    @DisplayName("callers resolving one name at once share one lookup: one query, every caller gets its answer")
    void concurrentLookupsShareOneQuery() {
        within(() -> {
            java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            server.onUdp(q -> {
                asked.countDown();
                try {
                    // Hold the answer until every caller is waiting, so all of them overlap the one lookup.
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return List.of(reply(q).a(q.name(), "198.18.0.90", 60).build());
            });
            StubResolver r = resolver(QUICK.withTimeout(Duration.ofSeconds(10)), B_IP);
            int callers = 20;
            List<java.util.concurrent.Future<List<Ipv4Address>>> results = new java.util.ArrayList<>();
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < callers; i++) {
                    results.add(pool.submit(() -> r.resolve("busy.teacup.test")));
                }
                assertTrue(asked.await(5, java.util.concurrent.TimeUnit.SECONDS), "no query reached the server");
                Thread.sleep(500); // the other callers find the lookup running and wait on it
                release.countDown();
                for (var f : results) {
                    assertEquals(addresses("198.18.0.90"), f.get());
                }
            }
            // One query; a second only if a caller was so slow to start that the first lookup was over (no cache here).
            assertTrue(server.queries.size() <= 2, server.queries.size() + " queries sent for one name resolved by "
                    + callers + " callers at once");
        });
    }

    @Test
    @DisplayName("silent servers: tries x servers queries, then one line naming them; the wait is bounded")
    void allSilent() {
        within(() -> {
            StubResolver r = resolver(QUICK.withTries(2), B_IP, NOBODY);
            long started = System.nanoTime();

            UnknownHostException e = assertThrows(UnknownHostException.class, () -> r.resolve("web.teacup.test"));

            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(e.getMessage().startsWith("web.teacup.test: no answer from DNS servers 198.18.0.2, 198.18.0.3 (last: 198.18.0.3: "),
                    e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
            assertEquals(2, server.queries.size());
            assertTrue(tookMillis < 4 * 300 + 2000, "took " + tookMillis + " ms");
        });
    }

    @Test
    @DisplayName("RFC 1035 4.1.1: NXDOMAIN is final: UnknownHostException at once, the next server not asked")
    void nxdomain() {
        within(() -> {
            server.on(q -> List.of(reply(q).rcode(DnsMessage.RCODE_NXDOMAIN).build()));
            StubResolver r = resolver(QUICK, B_IP, NOBODY);

            UnknownHostException e = assertThrows(UnknownHostException.class, () -> r.resolve("nosuch.teacup.test"));

            assertEquals("nosuch.teacup.test: no such host (NXDOMAIN from 198.18.0.2)", e.getMessage());
            assertEquals(1, r.queriesSent());
        });
    }

    @Test
    @DisplayName("RFC 2308 2.2: a name with no A record (NODATA) is an UnknownHostException saying so")
    void noData() {
        within(() -> {
            server.on(q -> List.of(reply(q).record(q.name(), DnsMessage.TYPE_AAAA, 60, new byte[16]).build()));
            UnknownHostException e = assertThrows(UnknownHostException.class, () -> resolver().resolve("v6only.teacup.test"));
            assertEquals("v6only.teacup.test: no IPv4 address (198.18.0.2 answered with none)", e.getMessage());
        });
    }

    @Test
    @DisplayName("RFC 1035 4.1.1: SERVFAIL and REFUSED move on to the next server")
    void serverFailureMovesOn() {
        within(() -> {
            // B answers SERVFAIL first, then REFUSED without the question, then the address.
            server.on(q -> switch (server.queries.size()) {
                case 1 -> List.of(reply(q).rcode(DnsMessage.RCODE_SERVFAIL).build());
                case 2 -> List.of(reply(q).withoutQuestion().rcode(DnsMessage.RCODE_REFUSED).build());
                default -> List.of(reply(q).a(q.name(), "198.18.0.80", 60).build());
            });
            StubResolver r = resolver(QUICK.withTries(3), B_IP);
            assertEquals(addresses("198.18.0.80"), r.resolve("web.teacup.test"));
            assertEquals(3, server.queries.size());
        });
    }

    @Test
    @DisplayName("RFC 5452 4: query IDs and source ports vary from query to query")
    void randomIdsAndPorts() {
        within(() -> {
            server.on(q -> List.of(reply(q).a(q.name(), "198.18.0.80", 60).build()));
            StubResolver r = resolver();
            for (int i = 0; i < 20; i++) {
                r.resolve("web" + i + ".teacup.test");
            }
            Set<Integer> ids = new HashSet<>();
            Set<Integer> ports = new HashSet<>();
            for (FakeDnsServer.Query q : server.queries) {
                ids.add(q.id());
                ports.add(q.clientPort());
                assertTrue(q.clientPort() >= UdpLayer.EPHEMERAL_FIRST, "port " + q.clientPort());
            }
            assertTrue(ids.size() >= 18, "ids " + ids);
            assertTrue(ports.size() >= 18, "ports " + ports);
        });
    }

    @Test
    @DisplayName("RFC 1035 3.2.1: answers are cached for their TTL; a zero TTL is not cached")
    void cache() {
        within(() -> {
            server.on(q -> List.of(reply(q).a(q.name(), "198.18.0.80", q.name().startsWith("zero") ? 0 : 60).build()));
            StubResolver r = resolver(QUICK.withCacheSize(16), B_IP);

            assertEquals(addresses("198.18.0.80"), r.resolve("web.teacup.test"));
            assertEquals(addresses("198.18.0.80"), r.resolve("WEB.teacup.test."));
            assertEquals(1, server.queries.size());

            r.resolve("zero.teacup.test");
            r.resolve("zero.teacup.test");
            assertEquals(3, server.queries.size());

            r.clearCache();
            r.resolve("web.teacup.test");
            assertEquals(4, server.queries.size());
        });
    }

    @Test
    @DisplayName("a name DNS cannot carry is an UnknownHostException without a query; no servers, likewise")
    void badNames() {
        within(() -> {
            StubResolver r = resolver();
            assertEquals("a..b: empty label in host name 'a..b'",
                    assertThrows(UnknownHostException.class, () -> r.resolve("a..b")).getMessage());
            assertThrows(UnknownHostException.class, () -> r.resolve("x".repeat(64) + ".test"));
            assertThrows(UnknownHostException.class, () -> r.resolve(""));
            assertEquals(0, r.queriesSent());
            assertEquals("web.test: no DNS server configured",
                    assertThrows(UnknownHostException.class, () -> resolver(QUICK).resolve("web.test")).getMessage());
        });
    }

    @Test
    @DisplayName("Settings refuse nonsense: no tries, a zero timeout, a port out of range")
    void settingsChecked() {
        StubResolver.Settings d = StubResolver.Settings.defaults();
        assertEquals(Duration.ofSeconds(2), d.timeout());
        assertEquals(2, d.tries());
        assertEquals(53, d.port());
        assertThrows(IllegalArgumentException.class, () -> d.withTries(0));
        assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withPort(0));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxCnameHops(-1));
    }

    @Test
    @DisplayName("many threads resolve at once, each getting its own answer")
    void concurrent() {
        within(() -> {
            server.on(q -> List.of(reply(q).a(q.name(), "198.18.2." + q.name().split("\\.")[0].substring(1), 60).build()));
            StubResolver r = resolver();
            try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<List<Ipv4Address>>> results = new ArrayList<>();
                for (int i = 1; i <= 30; i++) {
                    String name = "h" + i + ".teacup.test";
                    results.add(threads.submit(() -> r.resolve(name)));
                }
                for (int i = 1; i <= 30; i++) {
                    assertEquals(addresses("198.18.2." + i), results.get(i - 1).get());
                }
            }
        });
    }
}
