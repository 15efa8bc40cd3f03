package teacup.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.time.Clock;
import teacup.udp.UdpEndpoint;
import teacup.udp.UdpLayer;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/** UdpSocket and EchoSocket on two started stacks (real loop threads, real time, bounded waits). */
class UdpSocketTest {
    private static final Ipv4Address A_IP = Ipv4Address.parse("198.18.0.1");
    private static final Ipv4Address B_IP = Ipv4Address.parse("198.18.0.2");
    private static final Duration WAIT = Duration.ofSeconds(3);

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

    /** Pings B until it answers, so that ARP is resolved both ways before the test's traffic. */
    private void resolve() throws IOException {
        try (EchoSocket ping = new EchoSocket(a, 0x4242)) {
            for (int i = 0; i < 3; i++) {
                ping.send(B_IP, i, new byte[8]);
                EchoSocket.Reply r = ping.receive(WAIT.toNanos());
                if (r != null) {
                    assertEquals(B_IP.bits(), r.source());
                    return;
                }
            }
        }
        throw new AssertionError("B never answered a ping");
    }

    @Test
    @DisplayName("RFC 1122 4.1.3.3: B's port unreachable makes A's next receive throw PortUnreachableException, then the socket goes on")
    void portUnreachable() throws IOException {
        resolve();
        try (UdpSocket s = UdpSocket.bind(a, 0)) {
            s.send(B_IP, 9999, new byte[] {1});
            java.net.PortUnreachableException e = assertThrows(java.net.PortUnreachableException.class, () -> s.receive(WAIT));
            assertTrue(e.getMessage().contains("198.18.0.2:9999"), e.getMessage());
            assertThrows(SocketTimeoutException.class, () -> s.receive(Duration.ofMillis(50)), "reported once");
        }
    }

    @Test
    @DisplayName("RFC 1122 3.2.2.6 (echo reply): EchoSocket gets B's reply with the sequence and data it sent")
    void ping() throws IOException {
        resolve();
        try (EchoSocket ping = new EchoSocket(a, 99)) {
            byte[] data = "hello".getBytes();
            long sentAt = ping.send(B_IP, 5, data);
            EchoSocket.Reply r = ping.receive(WAIT.toNanos());
            assertNotNull(r);
            assertEquals(5, r.sequence());
            assertArrayEquals(data, r.data());
            assertTrue(r.receivedAt() >= sentAt);
        }
    }

    @Test
    @DisplayName("RFC 768: 50 virtual threads x 20 datagrams echoed through two started stacks, all byte for byte")
    void manyVirtualThreads() throws Exception {
        resolve();
        int clients = 50;
        int rounds = 20;
        AtomicInteger echoed = new AtomicInteger();
        try (UdpSocket server = UdpSocket.bind(b, 7);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> echo = threads.submit(() -> {
                while (true) {
                    UdpEndpoint.Datagram d;
                    try {
                        d = server.receive(Duration.ofSeconds(10));
                    } catch (IOException closed) {
                        return null;
                    }
                    server.send(new Ipv4Address(d.source()), d.sourcePort(), d.data());
                    echoed.incrementAndGet();
                }
            });
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(threads.submit(() -> {
                    SplittableRandom random = new SplittableRandom(client);
                    try (UdpSocket s = UdpSocket.bind(a, 0)) {
                        int ok = 0;
                        for (int i = 0; i < rounds; i++) {
                            byte[] data = new byte[1 + random.nextInt(3000)];
                            random.nextBytes(data);
                            s.send(B_IP, 7, data);
                            UdpEndpoint.Datagram d = s.receive(WAIT);
                            assertArrayEquals(data, d.data(), "client " + client + " round " + i);
                            assertEquals(7, d.sourcePort());
                            ok++;
                        }
                        return ok;
                    }
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(rounds, f.get(30, TimeUnit.SECONDS));
            }
            server.close();
            echo.get(5, TimeUnit.SECONDS);
        }
        assertEquals(clients * rounds, echoed.get());
        assertEquals(null, b.statistics().get(Counter.DROP_UDP_QUEUE_FULL));
    }

    @Test
    @DisplayName("receive() with nothing arriving throws SocketTimeoutException after the timeout")
    void receiveTimesOut() throws IOException {
        try (UdpSocket s = UdpSocket.bind(a, 0)) {
            long start = System.nanoTime();
            assertThrows(SocketTimeoutException.class, () -> s.receive(Duration.ofMillis(100)));
            assertTrue(System.nanoTime() - start >= 90_000_000L, "waited about the timeout");
        }
    }

    @Test
    @DisplayName("closing the stack wakes a receive blocked on one of its sockets")
    void stackCloseWakesReceive() throws Exception {
        UdpSocket s = UdpSocket.bind(a, 0);
        Throwable t = failureOfReceiveBlockedUntil(s, () -> a.close());
        assertEquals(IOException.class, t.getClass(), t.toString());
    }

    /** Blocks a receive on {@code s} in a virtual thread, runs {@code closer}, and returns what the receive threw. */
    private static Throwable failureOfReceiveBlockedUntil(UdpSocket s, ThrowingRunnable closer) throws Exception {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Throwable> blocked = threads.submit(() -> {
                try {
                    s.receive(Duration.ofSeconds(30));
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(100); // let it block (a close before the receive must end the same way)
            closer.run();
            Throwable t = blocked.get(5, TimeUnit.SECONDS);
            assertNotNull(t, "receive returned without a datagram");
            return t;
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    @DisplayName("close() wakes a receive blocked in another (virtual) thread with IOException, not a timeout")
    void closeWakesReceive() throws Exception {
        UdpSocket s = UdpSocket.bind(a, 0);
        Throwable t = failureOfReceiveBlockedUntil(s, s::close);
        assertEquals(IOException.class, t.getClass(), t.toString());
        assertThrows(IOException.class, () -> s.receive(Duration.ofSeconds(1)), "receive after close");
        assertThrows(IOException.class, () -> s.send(B_IP, 9, new byte[1]), "send after close");
    }

    @Test
    @DisplayName("binding a port already bound throws BindException; it is free again after close")
    void bindUsedPort() throws IOException {
        UdpSocket first = UdpSocket.bind(a, 5353);
        BindException e = assertThrows(BindException.class, () -> UdpSocket.bind(a, 5353));
        assertTrue(e.getMessage().contains("5353"), e.getMessage());
        first.close();
        try (UdpSocket again = UdpSocket.bind(a, 5353)) {
            assertEquals(5353, again.localPort());
        }
    }

    @Test
    @DisplayName("RFC 6056: ephemeral ports are in 49152..65535 and distinct")
    void ephemeralPorts() throws IOException {
        Set<Integer> ports = new HashSet<>();
        List<UdpSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                UdpSocket s = UdpSocket.bind(a, 0);
                sockets.add(s);
                assertTrue(s.localPort() >= UdpLayer.EPHEMERAL_FIRST && s.localPort() <= UdpLayer.EPHEMERAL_LAST,
                        "port " + s.localPort());
                assertTrue(ports.add(s.localPort()), "port " + s.localPort() + " handed out twice");
            }
        } finally {
            sockets.forEach(UdpSocket::close);
        }
    }

    @Test
    @DisplayName("send() rejects a port out of range and a payload too big for IPv4")
    void sendArguments() throws IOException {
        try (UdpSocket s = UdpSocket.bind(a, 0)) {
            assertThrows(IllegalArgumentException.class, () -> s.send(B_IP, 0, new byte[1]));
            assertThrows(IllegalArgumentException.class, () -> s.send(B_IP, 65536, new byte[1]));
            assertThrows(IllegalArgumentException.class, () -> s.send(B_IP, 9, new byte[UdpLayer.MAX_PAYLOAD + 1]));
        }
    }

    @Test
    @DisplayName("sending off the subnet with no gateway fails with an IOException naming the destination")
    void noRoute() throws IOException {
        try (UdpSocket s = UdpSocket.bind(a, 0)) {
            IOException e = assertThrows(IOException.class, () -> s.send(Ipv4Address.parse("198.19.0.1"), 9, new byte[1]));
            assertTrue(e.getMessage().contains("198.19.0.1"), e.getMessage());
        }
        assertEquals(1L, a.statistics().get(Counter.OUT_NO_ROUTE));
    }

    @Test
    @DisplayName("after the stack is closed, socket calls fail with IOException instead of hanging")
    void stackClosed() throws IOException {
        UdpSocket s = UdpSocket.bind(a, 0);
        a.close();
        assertTimeoutPreemptively(WAIT, () -> assertThrows(IOException.class, () -> s.send(B_IP, 9, new byte[1])));
        assertTimeoutPreemptively(WAIT, () -> assertThrows(IOException.class, () -> UdpSocket.bind(a, 0)));
        assertTimeoutPreemptively(WAIT, s::close);
        assertFalse(a.isRunning());
        // Closed even though the stack could not unbind it: a receive fails at once, not by timing out.
        IOException e = assertThrows(IOException.class, () -> s.receive(Duration.ofSeconds(2)));
        assertEquals(IOException.class, e.getClass(), e.toString());
    }
}
