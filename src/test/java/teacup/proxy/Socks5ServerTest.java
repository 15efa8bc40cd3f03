package teacup.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import teacup.dns.Resolver;
import teacup.wire.Ipv4Address;

/**
 * The SOCKS5 server on kernel loopback, with a fake dialer standing in for teacup's TCP (it
 * connects "198.18.0.80" to a loopback echo server and fails the other addresses in chosen ways)
 * and a fake resolver standing in for teacup's DNS.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Socks5ServerTest {
    private static final String ECHO_HOST = "198.18.0.80";
    private static final Map<String, List<Ipv4Address>> NAMES = Map.of(
            "web.teacup.test", List.of(Ipv4Address.parse(ECHO_HOST)),
            "refused.teacup.test", List.of(Ipv4Address.parse("198.18.0.5")));

    private ServerSocket echo;
    private final List<String> dialed = new CopyOnWriteArrayList<>();
    private final RelayGroup relays = new RelayGroup();
    private Socks5Server server;

    private final Resolver resolver = host -> {
        List<Ipv4Address> a = NAMES.get(host);
        if (a == null) {
            throw new UnknownHostException(host + ": NXDOMAIN");
        }
        return a;
    };

    private final Dialer dialer = (host, port) -> {
        dialed.add(host + ":" + port);
        return switch (host) {
            case ECHO_HOST -> Endpoint.of(new Socket(InetAddress.getLoopbackAddress(), echo.getLocalPort()));
            case "198.18.0.5" -> throw new ConnectException("Connection refused");
            case "198.18.0.6" -> throw new SocketTimeoutException("Connect timed out after 15000 ms");
            case "198.18.0.7" -> throw new NoRouteToHostException("No route to host");
            default -> throw new ConnectException("Connection timed out");
        };
    };

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (true) {
                Socket s;
                try {
                    s = echo.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.getInputStream().transferTo(s.getOutputStream());
                        s.shutdownOutput();
                    } catch (IOException e) {
                        // the test's client went away
                    }
                });
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        relays.stop(Duration.ZERO);
        echo.close();
    }

    private Socks5Server start(Socks5Server.Settings settings) throws IOException {
        server = Socks5Server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), dialer, resolver, relays,
                settings, null);
        return server;
    }

    private Socks5Server start() throws IOException {
        return start(Socks5Server.Settings.defaults());
    }

    private Socket client() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort());
        s.setSoTimeout(5000);
        return s;
    }

    private static byte[] read(Socket s, int n) throws IOException {
        byte[] b = s.getInputStream().readNBytes(n);
        assertEquals(n, b.length, "connection ended early");
        return b;
    }

    private static void send(Socket s, int... bytes) throws IOException {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        s.getOutputStream().write(b);
    }

    private static int[] connectIpv4(String address, int port) {
        Ipv4Address a = Ipv4Address.parse(address);
        int v = a.bits();
        return new int[] {5, 1, 0, 1, v >>> 24 & 0xff, v >>> 16 & 0xff, v >>> 8 & 0xff, v & 0xff, port >>> 8, port & 0xff};
    }

    private static int[] connectDomain(String name, int port) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        int[] r = new int[7 + n.length];
        r[0] = 5;
        r[1] = 1;
        r[2] = 0;
        r[3] = 3;
        r[4] = n.length;
        for (int i = 0; i < n.length; i++) {
            r[5 + i] = n[i];
        }
        r[5 + n.length] = port >>> 8;
        r[6 + n.length] = port & 0xff;
        return r;
    }

    /** Greets offering "no authentication" and checks it was chosen. */
    private static void greet(Socket s) throws IOException {
        send(s, 5, 1, 0);
        assertArrayEquals(new byte[] {5, 0}, read(s, 2));
    }

    /** True when the server closed the connection (FIN or reset) within {@code within}. */
    private static boolean closedWithin(Socket s, Duration within) throws IOException {
        s.setSoTimeout((int) within.toMillis());
        InputStream in = s.getInputStream();
        try {
            byte[] sink = new byte[256];
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset: closed with our bytes unread
        }
    }

    /** A whole CONNECT to the echo destination, proving the server still serves. */
    private void echoThroughProxy(String text) throws IOException {
        try (Socket c = client()) {
            greet(c);
            send(c, connectIpv4(ECHO_HOST, 7));
            byte[] reply = read(c, 10);
            assertEquals(0, reply[1], "reply code");
            c.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            assertEquals(text, new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    @DisplayName("RFC 1928 3: the server picks 'no authentication' from the methods offered")
    void picksNoAuthentication() throws IOException {
        start();
        try (Socket c = client()) {
            send(c, 5, 3, 0x02, 0x80, 0x00);
            assertArrayEquals(new byte[] {5, 0}, read(c, 2));
        }
    }

    @Test
    @DisplayName("RFC 1928 3: no acceptable method gets X'FF' and the connection is closed")
    void noAcceptableMethod() throws IOException {
        start();
        try (Socket c = client()) {
            send(c, 5, 2, 0x01, 0x02);
            assertArrayEquals(new byte[] {5, (byte) 0xff}, read(c, 2));
            assertTrue(closedWithin(c, Duration.ofSeconds(5)));
        }
    }

    @Test
    @DisplayName("RFC 1928 4, 6: CONNECT to an IPv4 address succeeds, replies the bound address, and relays both ways")
    void connectIpv4() throws IOException {
        start();
        try (Socket c = client()) {
            greet(c);
            send(c, connectIpv4(ECHO_HOST, 8000));
            byte[] reply = read(c, 10);
            assertArrayEquals(new byte[] {5, 0, 0, 1, 127, 0, 0, 1}, java.util.Arrays.copyOf(reply, 8));
            assertNotEquals(0, (reply[8] & 0xff) << 8 | reply[9] & 0xff, "bound port");
            assertEquals(List.of(ECHO_HOST + ":8000"), dialed);
            c.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", new String(read(c, 4), StandardCharsets.US_ASCII));
        }
        assertEquals(1, server.connected());
    }

    @Test
    @DisplayName("RFC 1928 5: a domain name is resolved by the injected resolver and its address dialed")
    void connectDomain() throws IOException {
        start();
        try (Socket c = client()) {
            greet(c);
            send(c, connectDomain("web.teacup.test", 80));
            assertEquals(0, read(c, 10)[1]);
            assertEquals(List.of(ECHO_HOST + ":80"), dialed);
            c.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello", new String(read(c, 5), StandardCharsets.US_ASCII));
        }
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("name that does not resolve", connectDomain("nowhere.teacup.test", 80), 0x04),
                Arguments.of("connection refused", connectIpv4("198.18.0.5", 80), 0x05),
                Arguments.of("refused after resolving a name", connectDomain("refused.teacup.test", 80), 0x05),
                Arguments.of("connect timed out", connectIpv4("198.18.0.6", 80), 0x04),
                Arguments.of("no route", connectIpv4("198.18.0.7", 80), 0x03),
                Arguments.of("SYN retries exhausted", connectIpv4("198.18.0.9", 80), 0x04),
                Arguments.of("IPv6 address", new int[] {5, 1, 0, 4, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80}, 0x08),
                Arguments.of("unknown address type", new int[] {5, 1, 0, 9, 1, 2, 3, 4, 0, 80}, 0x08),
                Arguments.of("BIND", new int[] {5, 2, 0, 1, 198, 18, 0, 80, 0, 80}, 0x07),
                Arguments.of("UDP ASSOCIATE", new int[] {5, 3, 0, 1, 0, 0, 0, 0, 0, 0}, 0x07),
                Arguments.of("unknown command", new int[] {5, 9, 0, 1, 198, 18, 0, 80, 0, 80}, 0x07));
    }

    @ParameterizedTest(name = "{0} -> X''{2}''")
    @MethodSource("failures")
    @DisplayName("RFC 1928 6: a request that cannot be carried out gets its reply code, then the connection is closed")
    void failureReplies(String what, int[] request, int code) throws IOException {
        start();
        try (Socket c = client()) {
            greet(c);
            send(c, request);
            byte[] reply = read(c, 10);
            assertEquals(5, reply[0], what);
            assertEquals(code, reply[1] & 0xff, what);
            assertTrue(closedWithin(c, Duration.ofSeconds(5)), what + ": still open");
        }
        assertEquals(0, server.connected());
    }

    @Test
    @DisplayName("RFC 1929 2: the right user name and password get status 0, then CONNECT works")
    void authenticationSucceeds() throws IOException {
        start(Socks5Server.Settings.defaults().withCredentials(Socks5Credentials.parse("alice:s3cret:x")));
        try (Socket c = client()) {
            send(c, 5, 2, 0x00, 0x02);
            assertArrayEquals(new byte[] {5, 2}, read(c, 2));
            byte[] user = "alice".getBytes(StandardCharsets.US_ASCII);
            byte[] pass = "s3cret:x".getBytes(StandardCharsets.US_ASCII);
            var auth = new ByteArrayOutputStream();
            auth.write(1);
            auth.write(user.length);
            auth.write(user);
            auth.write(pass.length);
            auth.write(pass);
            c.getOutputStream().write(auth.toByteArray());
            assertArrayEquals(new byte[] {1, 0}, read(c, 2));
            send(c, connectIpv4(ECHO_HOST, 80));
            assertEquals(0, read(c, 10)[1]);
            c.getOutputStream().write('x');
            assertEquals('x', c.getInputStream().read());
        }
    }

    @Test
    @DisplayName("RFC 1929 2: a wrong password gets a non-zero status and the connection is closed")
    void authenticationFails() throws IOException {
        start(Socks5Server.Settings.defaults().withCredentials(Socks5Credentials.parse("alice:s3cret")));
        try (Socket c = client()) {
            send(c, 5, 1, 0x02);
            assertArrayEquals(new byte[] {5, 2}, read(c, 2));
            send(c, 1, 5, 'a', 'l', 'i', 'c', 'e', 5, 'w', 'r', 'o', 'n', 'g');
            byte[] status = read(c, 2);
            assertEquals(1, status[0]);
            assertNotEquals(0, status[1]);
            assertTrue(closedWithin(c, Duration.ofSeconds(5)));
        }
        assertEquals(List.of(), dialed);
    }

    @Test
    @DisplayName("RFC 1929: with a user configured, a client offering only 'no authentication' gets X'FF'")
    void authenticationRequired() throws IOException {
        start(Socks5Server.Settings.defaults().withCredentials(Socks5Credentials.parse("alice:s3cret")));
        try (Socket c = client()) {
            send(c, 5, 1, 0x00);
            assertArrayEquals(new byte[] {5, (byte) 0xff}, read(c, 2));
            assertTrue(closedWithin(c, Duration.ofSeconds(5)));
        }
    }

    @Test
    @DisplayName("a client speaking something else is closed at once, and another client is served meanwhile")
    void garbageIsClosedAtOnce() throws IOException {
        start(Socks5Server.Settings.defaults().withHandshakeTimeout(Duration.ofSeconds(30)));
        try (Socket junk = client(); Socket wrongVersion = client()) {
            junk.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            send(wrongVersion, 4, 1, 0, 80, 198, 18, 0, 80, 0);
            echoThroughProxy("served beside the garbage");
            // Far sooner than the 30 s handshake deadline: it was closed for what it sent.
            assertTrue(closedWithin(junk, Duration.ofSeconds(5)), "HTTP client still open");
            assertTrue(closedWithin(wrongVersion, Duration.ofSeconds(5)), "SOCKS4 client still open");
        }
    }

    @Test
    @DisplayName("a client that stalls in its handshake is closed after the handshake timeout, others served meanwhile")
    void stalledClientIsClosed() throws IOException {
        start(Socks5Server.Settings.defaults().withHandshakeTimeout(Duration.ofSeconds(1)));
        try (Socket silent = client(); Socket stalled = client()) {
            send(stalled, 5, 2, 0); // promises two methods, sends one
            long start = System.nanoTime();
            echoThroughProxy("served while two others stall");
            assertTrue(closedWithin(silent, Duration.ofSeconds(5)), "silent client still open");
            assertTrue(closedWithin(stalled, Duration.ofSeconds(5)), "stalled client still open");
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis >= 500, "closed before the handshake timeout: " + tookMillis + " ms");
        }
        assertEquals(3, server.accepted());
    }

    @Test
    @DisplayName("a client over the bound on concurrent clients is closed at once; the ones within it are served")
    void clientsOverTheBoundAreClosed() throws IOException {
        start(Socks5Server.Settings.defaults().withMaxClients(2));
        try (Socket first = client(); Socket second = client()) {
            greet(first);
            greet(second);
            try (Socket third = client()) {
                assertTrue(closedWithin(third, Duration.ofSeconds(5)), "third client still open");
            }
            send(first, connectIpv4(ECHO_HOST, 80));
            assertEquals(0, read(first, 10)[1]);
        }
    }

    @Test
    @DisplayName("closing the server stops accepting and drops clients still in their handshake")
    void closeStopsAccepting() throws IOException {
        start();
        int port = server.address().getPort();
        try (Socket waiting = client()) {
            send(waiting, 5);
            server.close();
            assertTrue(closedWithin(waiting, Duration.ofSeconds(5)), "handshaking client still open");
            // The JDK closes a listener that a virtual thread is parked in accept on only once that
            // thread wakes, a moment later (a connect in between may even be reset): so the port is
            // tried again, bounded, until it refuses.
            boolean refused = false;
            for (int i = 0; i < 100 && !refused; i++) {
                try (Socket late = new Socket()) {
                    late.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                    Thread.sleep(20);
                } catch (ConnectException expected) {
                    refused = true; // nothing listens any more
                } catch (SocketException resetWhileClosing) {
                    // caught in the moment of closing; try again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            assertTrue(refused, "still accepting 2 s after close");
        }
    }
}
