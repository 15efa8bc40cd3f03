package teacup.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;
import teacup.tcp.TcpLayer;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/** TcpSocket and TcpServerSocket on two started stacks over a VirtualWire (real loop threads, real time, bounded waits). */
class TcpSocketTest {
    private static final Ipv4Address A_IP = Ipv4Address.parse("198.18.0.1");
    private static final Ipv4Address B_IP = Ipv4Address.parse("198.18.0.2");
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration TEST_LIMIT = Duration.ofSeconds(30);
    /** Small buffers, so that a hundred connections each way stay light. */
    private static final TcpSettings SMALL = TcpSettings.defaults().withBuffers(16 * 1024, 16 * 1024);

    private VirtualWire wire;
    private NetStack a;
    private NetStack b;

    @BeforeEach
    void start() {
        wire = new VirtualWire(1500);
        a = new NetStack(wire.a(), new Interface(MacAddress.parse("02:00:00:00:00:01"), A_IP, 24, Ipv4Address.ANY, 1500),
                Clock.SYSTEM, new SplittableRandom(1)).start();
        b = new NetStack(wire.b(), new Interface(MacAddress.parse("02:00:00:00:00:02"), B_IP, 24, Ipv4Address.ANY, 1500),
                Clock.SYSTEM, new SplittableRandom(2)).start();
    }

    @AfterEach
    void stop() throws IOException {
        a.close();
        b.close();
    }

    static byte[] pattern(int n, int salt) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 31 + salt + (i >>> 9));
        }
        return d;
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            got.write(buf, 0, n);
        }
        return got.toByteArray();
    }

    static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] d = new byte[length];
        int at = 0;
        while (at < length) {
            int n = in.read(d, at, length - at);
            if (n < 0) {
                throw new IOException("end of stream after " + at + " of " + length + " bytes");
            }
            at += n;
        }
        return d;
    }

    @Test
    @DisplayName("RFC 9293 MUST-30, MUST-33: sendUrgentData between two stacks; without SO_OOBINLINE the byte leaves the stream, with it it stays")
    void urgentDataBetweenSockets() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8081, 4)) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8081, WAIT);
                TcpSocket accepted = server.accept(WAIT);
                accepted.setSoTimeout(WAIT);
                client.getOutputStream().write("ab".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                client.sendUrgentData('!');
                client.getOutputStream().write('c');
                client.getOutputStream().flush();
                assertEquals("ab", new String(readExactly(accepted.getInputStream(), 2), java.nio.charset.StandardCharsets.US_ASCII));
                for (int i = 0; i < 500 && accepted.urgentSignals() == 0; i++) {
                    Thread.sleep(10); // the segment with the pointer may still be on its way
                }
                assertEquals(1, accepted.urgentDataPending(), "the urgent byte is still to come");
                assertEquals('c', accepted.getInputStream().read(), "the urgent byte was dropped from the stream");
                assertEquals(0, accepted.urgentDataPending());
                accepted.setOobInline(true);
                client.sendUrgentData('?');
                client.getOutputStream().flush();
                assertEquals('?', accepted.getInputStream().read(), "in line");
                assertEquals(2, accepted.urgentSignals());
                client.close();
                accepted.close();
            }
        });
    }

    @Test
    @DisplayName("busy polling on both stacks (the loop never sleeps after work, readers spin before parking): 2,000 one-byte echoes and 1 MB arrive whole, and the loops sleep again after")
    void busyPollingEchoes() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            a.busyPoll(Duration.ofMillis(1));
            b.busyPoll(Duration.ofMillis(1));
            assertEquals(1_000_000L, b.busyPollNanos());
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8083, 4);
                 ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8083, WAIT);
                TcpSocket accepted = server.accept(WAIT);
                accepted.setSoTimeout(WAIT);
                client.setSoTimeout(WAIT);
                Future<?> echo = threads.submit(() -> {
                    accepted.getInputStream().transferTo(accepted.getOutputStream());
                    accepted.close();
                    return null;
                });
                OutputStream out = client.getOutputStream();
                InputStream in = client.getInputStream();
                for (int i = 0; i < 2_000; i++) {
                    out.write(i & 0xff);
                    out.flush();
                    assertEquals(i & 0xff, in.read(), "echo " + i);
                }
                byte[] bulk = pattern(1 << 20, 9);
                Future<?> writer = threads.submit(() -> {
                    out.write(bulk);
                    client.shutdownOutput();
                    return null;
                });
                assertArrayEquals(bulk, readAll(in));
                writer.get(10, TimeUnit.SECONDS);
                echo.get(10, TimeUnit.SECONDS);
            }
            a.busyPoll(Duration.ZERO);
            assertThrows(IllegalArgumentException.class, () -> a.busyPoll(Duration.ofSeconds(-1)));
        });
    }

    @Test
    @DisplayName("RFC 1122 3.2.1.6 (set TOS): a server socket's TOS and TTL go to the connections it accepts; a socket reports what it set")
    void ipHeaderFieldsPerSocket() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8082, 4, TcpSettings.defaults().withIpHeader(20, 0x10))) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8082, WAIT);
                TcpSocket first = server.accept(WAIT);
                assertEquals(0x10, first.getTrafficClass(), "from the bind settings");
                assertEquals(20, first.getTtl());
                server.setTrafficClass(0xb8);
                server.setTtl(7);
                TcpSocket client2 = TcpSocket.connect(a, B_IP, 8082, WAIT);
                TcpSocket second = server.accept(WAIT);
                assertEquals(0xb8, second.getTrafficClass(), "set on the server after bind");
                assertEquals(7, second.getTtl());
                client.setTrafficClass(0x28);
                assertEquals(0x28, client.getTrafficClass());
                assertEquals(0, client.getTtl(), "0: the stack's default");
                assertEquals(0, client.retransmissionWarnings());
                assertThrows(IllegalArgumentException.class, () -> client.setTtl(256));
                for (TcpSocket s : List.of(client, client2, first, second)) {
                    s.close();
                }
            }
        });
    }

    @Test
    @DisplayName("RFC 9293 3.5, MUST-44, MUST-45, RFC 1122 3.2.1.3 (own source): connect and accept; 1 MB each way at once arrives whole; both sides see their addresses, the SYN's source the stack's own")
    void streamsBothWays() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8080, 4);
                 ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8080, WAIT);
                TcpSocket accepted = server.accept(WAIT);
                assertEquals(B_IP, client.remoteAddress());
                assertEquals(8080, client.remotePort());
                assertEquals(A_IP, accepted.remoteAddress());
                assertEquals(client.localPort(), accepted.remotePort());
                assertEquals(B_IP, accepted.localAddress());
                assertEquals(A_IP, client.localAddress(), "the active side's address is the one IP gave it");
                assertTrue(client.localPort() >= TcpLayer.EPHEMERAL_FIRST, "ephemeral port " + client.localPort());

                byte[] up = pattern(1 << 20, 1);
                byte[] down = pattern(1 << 20, 2);
                Future<byte[]> atServer = threads.submit(() -> readAll(accepted.getInputStream()));
                Future<byte[]> atClient = threads.submit(() -> readAll(client.getInputStream()));
                Future<?> sendUp = threads.submit(() -> {
                    client.getOutputStream().write(up);
                    client.shutdownOutput();
                    return null;
                });
                Future<?> sendDown = threads.submit(() -> {
                    accepted.getOutputStream().write(down);
                    accepted.shutdownOutput();
                    return null;
                });
                sendUp.get();
                sendDown.get();
                assertArrayEquals(up, atServer.get());
                assertArrayEquals(down, atClient.get());
                client.close();
                accepted.close();
                assertTrue(client.isClosed());
            }
        });
    }

    @Test
    @DisplayName("RFC 9293 3.10.4: after shutdownOutput the peer reads end of stream and can still answer")
    void halfClose() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 7, 4)) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 7, WAIT);
                TcpSocket accepted = server.accept(WAIT);
                client.getOutputStream().write("request".getBytes());
                client.shutdownOutput();
                assertThrows(SocketException.class, () -> client.getOutputStream().write(1), "no writing after shutdownOutput");
                assertTrue(client.awaitOutputDone(WAIT), "the request and the FIN were acknowledged");
                assertEquals(TcpConnection.State.FIN_WAIT_2, client.state());
                assertArrayEquals("request".getBytes(), readAll(accepted.getInputStream()), "the request, then end of stream");
                accepted.getOutputStream().write("response".getBytes());
                accepted.close();
                assertArrayEquals("response".getBytes(), readAll(client.getInputStream()));
                assertEquals(-1, client.getInputStream().read(), "end of stream stays");
                client.close();
            }
        });
    }

    @Test
    @DisplayName("RFC 9293 3.10.7.1 + MUST-12: a port with no listener answers RST; connect says \"Connection refused\"")
    void refused() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            ConnectException e = assertThrows(ConnectException.class, () -> TcpSocket.connect(a, B_IP, 9, WAIT));
            assertEquals("Connection refused", e.getMessage());
            assertEquals(1L, b.statistics().get(Counter.DROP_TCP_NO_SOCKET));
            assertEquals(0, a.call(() -> a.tcp().connectionCount()), "the refused connection left the table");
        });
    }

    @Test
    @DisplayName("connect to an address nobody answers ends with SocketTimeoutException after the timeout, and the attempt is dropped")
    void connectTimeout() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            long start = System.nanoTime();
            assertThrows(SocketTimeoutException.class,
                    () -> TcpSocket.connect(a, Ipv4Address.parse("198.18.0.99"), 80, Duration.ofMillis(300)));
            assertTrue(System.nanoTime() - start >= 250_000_000L, "waited for the timeout");
            for (int i = 0; i < 100 && a.call(() -> a.tcp().connectionCount()) != 0; i++) {
                a.call(() -> null); // the abort is queued after the time-out; let the loop run it
            }
            assertEquals(0, a.call(() -> a.tcp().connectionCount()));
        });
    }

    @Test
    @DisplayName("RFC 1122 2.3.2.2: connect to an on-link address nobody holds fails after the ARP retries with NoRouteToHostException, not at the timeout")
    void silentNeighbour() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            NoRouteToHostException e = assertThrows(NoRouteToHostException.class,
                    () -> TcpSocket.connect(a, Ipv4Address.parse("198.18.0.99"), 80, Duration.ofSeconds(20)));
            assertEquals("No route to host", e.getMessage());
            assertEquals(0, a.call(() -> a.tcp().connectionCount()));
        });
    }

    @Test
    @DisplayName("RFC 9293 MUST-46 (broadcast): connect to a broadcast or multicast address fails at once with \"Network is unreachable\"")
    void broadcastRefused() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            for (String address : new String[] {"255.255.255.255", "198.18.0.255", "224.0.0.251"}) {
                ConnectException e = assertThrows(ConnectException.class, () -> TcpSocket.connect(a, Ipv4Address.parse(address), 80, WAIT));
                assertTrue(e.getMessage().startsWith("Network is unreachable"), e.getMessage());
            }
            assertEquals(0, a.call(() -> a.tcp().connectionCount()));
        });
    }

    @Test
    @DisplayName("connect off-link with no gateway fails at once with NoRouteToHostException")
    void noRoute() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            assertThrows(NoRouteToHostException.class, () -> TcpSocket.connect(a, Ipv4Address.parse("198.19.7.7"), 80, WAIT));
            assertEquals(0, a.call(() -> a.tcp().connectionCount()));
        });
    }

    @Test
    @DisplayName("soTimeout: a read with nothing to read throws SocketTimeoutException; the socket stays usable")
    void soTimeout() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8081, 4)) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8081, WAIT);
                TcpSocket accepted = server.accept(WAIT);
                client.setSoTimeout(Duration.ofMillis(200));
                long start = System.nanoTime();
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read());
                assertTrue(System.nanoTime() - start >= 150_000_000L, "waited about the timeout");
                assertTrue(e.getMessage().contains("timed out"), e.getMessage());
                accepted.getOutputStream().write(42);
                accepted.getOutputStream().flush();
                assertEquals(42, client.getInputStream().read(), "still usable after a time-out");
                client.close();
                accepted.close();
            }
        });
    }

    @Test
    @DisplayName("RFC 9293 3.10.5: abort sends RST; the peer's blocked read throws \"Connection reset\", and so do its writes")
    void abortIsResetAtThePeer() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8082, 4);
                 ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8082, WAIT);
                TcpSocket accepted = server.accept(WAIT);
                Future<Integer> blocked = threads.submit(() -> accepted.getInputStream().read());
                Thread.yield();
                client.abort();
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> blocked.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
                assertTrue(e.getCause() instanceof SocketException, String.valueOf(e.getCause()));
                assertEquals("Connection reset", e.getCause().getMessage());
                assertEquals(TcpConnection.Ending.RESET, accepted.ending());
                SocketException w = assertThrows(SocketException.class, () -> accepted.getOutputStream().write(1));
                assertEquals("Connection reset", w.getMessage());
                assertThrows(SocketException.class, () -> client.getInputStream().read(), "the aborted socket is closed");
                accepted.close();
            }
        });
    }

    @Test
    @DisplayName("awaitClosed after close waits while the FIN cannot go (the peer's window is shut), and returns once the peer has it all")
    void awaitClosedAfterClose() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8085, 4, SMALL)) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8085, WAIT, SMALL);
                TcpSocket accepted = server.accept(WAIT);
                byte[] data = pattern(24 * 1024, 5); // more than the peer's receive buffer holds
                client.getOutputStream().write(data);
                client.close();
                assertFalse(client.awaitClosed(Duration.ofMillis(200)), "the tail and the FIN wait for the peer's window");
                assertArrayEquals(data, readAll(accepted.getInputStream()), "everything, then end of stream");
                assertTrue(client.awaitClosed(WAIT), "the peer acknowledged the tail and the FIN");
                accepted.close();
                assertTrue(client.awaitClosed(WAIT), "and stays done");
            }
        });
    }

    @Test
    @DisplayName("RFC 2525 2.17: close with received data unread resets the connection instead of a FIN")
    void closeWithUnreadDataResets() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8083, 4)) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8083, WAIT);
                TcpSocket accepted = server.accept(WAIT);
                client.getOutputStream().write(pattern(1000, 3)); // one segment
                assertEquals(pattern(1000, 3)[0], (byte) accepted.getInputStream().read());
                assertEquals(999, accepted.getInputStream().available());
                accepted.close(); // 999 bytes never read
                SocketException e = assertThrows(SocketException.class, () -> client.getInputStream().read());
                assertEquals("Connection reset", e.getMessage());
                client.close();
            }
        });
    }

    @Test
    @DisplayName("100 clients on virtual threads to one server socket, each echoed by its own virtual thread")
    void hundredConcurrentClients() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int clients = 100;
            try (TcpServerSocket server = TcpServerSocket.bind(b, 9000, TcpServerSocket.DEFAULT_BACKLOG, SMALL);
                 ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<?> acceptor = threads.submit(() -> {
                    for (int i = 0; i < clients; i++) {
                        TcpSocket s = server.accept(WAIT);
                        threads.submit(() -> {
                            try (s) {
                                s.getInputStream().transferTo(s.getOutputStream());
                                s.shutdownOutput();
                            }
                            return null;
                        });
                    }
                    return null;
                });
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int salt = i;
                    results.add(threads.submit(() -> {
                        byte[] data = pattern(20_000 + salt * 97, salt);
                        try (TcpSocket s = TcpSocket.connect(a, B_IP, 9000, WAIT, SMALL)) {
                            s.setSoTimeout(WAIT);
                            Future<?> writer = threads.submit(() -> {
                                s.getOutputStream().write(data);
                                s.shutdownOutput();
                                return null;
                            });
                            byte[] echoed = readAll(s.getInputStream());
                            writer.get();
                            assertArrayEquals(data, echoed, "client " + salt);
                            return s.localPort();
                        }
                    }));
                }
                java.util.Set<Integer> ports = new java.util.HashSet<>();
                for (Future<Integer> r : results) {
                    assertTrue(ports.add(r.get()), "ephemeral ports are unique");
                }
                acceptor.get();
            }
        });
    }

    @Test
    @DisplayName("accept with a timeout and no client throws SocketTimeoutException")
    void acceptTimeout() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8084, 4)) {
                long start = System.nanoTime();
                assertThrows(SocketTimeoutException.class, () -> server.accept(Duration.ofMillis(200)));
                assertTrue(System.nanoTime() - start >= 150_000_000L);
            }
        });
    }

    @Test
    @DisplayName("closing the server socket wakes a blocked accept with SocketException and frees the port")
    void closeWakesAccept() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                TcpServerSocket server = TcpServerSocket.bind(b, 8085, 4);
                Future<TcpSocket> blocked = threads.submit(() -> server.accept()); // parked or about to: the outcome is the same
                server.close();
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> blocked.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
                assertTrue(e.getCause() instanceof SocketException, String.valueOf(e.getCause()));
                assertTrue(server.isClosed());
                try (TcpServerSocket again = TcpServerSocket.bind(b, 8085, 4)) {
                    assertEquals(8085, again.localPort());
                }
            }
        });
    }

    @Test
    @DisplayName("binding a port already listened on throws BindException")
    void bindTwice() throws IOException {
        try (TcpServerSocket first = TcpServerSocket.bind(b, 8086, 4)) {
            assertThrows(BindException.class, () -> TcpServerSocket.bind(b, 8086, 4));
            assertFalse(first.isClosed());
        }
    }

    @Test
    @DisplayName("stopping the stack wakes a blocked reader with an exception instead of leaving it parked")
    void stackStopWakesReader() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8087, 4);
                 ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8087, WAIT);
                server.accept(WAIT);
                Future<Integer> blocked = threads.submit(() -> client.getInputStream().read());
                a.close();
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> blocked.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
                assertTrue(e.getCause() instanceof IOException, String.valueOf(e.getCause()));
            }
        });
    }

    @Test
    @DisplayName("small writes and reads with noDelay and keep-alive switched on work end to end")
    void switches() {
        assertTimeoutPreemptively(TEST_LIMIT, () -> {
            try (TcpServerSocket server = TcpServerSocket.bind(b, 8088, 4)) {
                TcpSocket client = TcpSocket.connect(a, B_IP, 8088, WAIT);
                client.setNoDelay(true);
                client.setKeepAlive(true);
                TcpSocket accepted = server.accept(WAIT);
                OutputStream out = client.getOutputStream();
                InputStream in = accepted.getInputStream();
                for (int i = 0; i < 50; i++) {
                    out.write(i);
                    out.flush();
                    assertEquals(i, in.read());
                }
                client.close();
                assertEquals(-1, in.read());
                accepted.close();
            }
        });
    }
}
