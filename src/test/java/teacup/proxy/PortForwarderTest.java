package teacup.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * The port forwarder between two teacup stacks over a VirtualWire (the client's and the
 * forwarder's) and a kernel loopback server as the destination.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PortForwarderTest {
    private static final Ipv4Address CLIENT = Ipv4Address.parse("198.18.0.1");
    private static final Ipv4Address FORWARDER = Ipv4Address.parse("198.18.0.2");
    private static final Duration WAIT = Duration.ofSeconds(5);

    private NetStack client;
    private NetStack forwarder;
    private ServerSocket destination;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        VirtualWire wire = new VirtualWire(1500);
        client = new NetStack(wire.a(), new Interface(MacAddress.parse("02:00:00:00:00:01"), CLIENT, 24, Ipv4Address.ANY, 1500),
                Clock.SYSTEM, new SplittableRandom(1)).start();
        forwarder = new NetStack(wire.b(), new Interface(MacAddress.parse("02:00:00:00:00:02"), FORWARDER, 24, Ipv4Address.ANY, 1500),
                Clock.SYSTEM, new SplittableRandom(2)).start();
        destination = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        destination.close();
        client.close();
        forwarder.close();
    }

    private PortForwarder forward(int port, int maxConnections) throws IOException {
        PortForwarder f = PortForwarder.start(TcpServerSocket.bind(forwarder, port, 16),
                new HostPort("127.0.0.1", destination.getLocalPort()), Dialer.kernel(WAIT), new RelayGroup(), null, maxConnections);
        opened.add(f);
        return f;
    }

    /** Echoes each accepted kernel connection until its end, on a virtual thread per connection. */
    private void echoAtDestination() {
        Thread.ofVirtual().start(() -> {
            while (!destination.isClosed()) {
                Socket s;
                try {
                    s = destination.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.getInputStream().transferTo(s.getOutputStream());
                    } catch (IOException ignored) {
                        // the test sees the outcome on its own side
                    }
                });
            }
        });
    }

    @Test
    @DisplayName("bytes sent to teacup's port come back from the kernel-side echo byte-exact, and a half-close ends both ways")
    void relaysBothWays() throws Exception {
        echoAtDestination();
        forward(8080, 4);
        byte[] data = new byte[700_000];
        new SplittableRandom(7).nextBytes(data);
        try (TcpSocket s = TcpSocket.connect(client, FORWARDER, 8080, WAIT)) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(data);
                    out.flush();
                    s.shutdownOutput();
                } catch (IOException ignored) {
                    // the comparison below fails instead
                }
            });
            byte[] back = s.getInputStream().readAllBytes();
            writer.join();
            assertArrayEquals(data, back);
        }
    }

    @Test
    @DisplayName("a connection over the bound is reset at once, and one is let through again when a slot frees")
    void connectionsOverTheBoundAreReset() throws Exception {
        echoAtDestination();
        PortForwarder f = forward(8081, 2);
        TcpSocket first = TcpSocket.connect(client, FORWARDER, 8081, WAIT);
        TcpSocket second = TcpSocket.connect(client, FORWARDER, 8081, WAIT);
        opened.add(second);
        // Both relayed: each echoes.
        for (TcpSocket s : List.of(first, second)) {
            s.getOutputStream().write('x');
            s.getOutputStream().flush();
            assertEquals('x', s.getInputStream().read());
        }
        try (TcpSocket third = TcpSocket.connect(client, FORWARDER, 8081, WAIT)) {
            InputStream in = third.getInputStream();
            third.setSoTimeout(WAIT);
            assertThrows(IOException.class, () -> {
                // The reset may come before or after this write; either way the read fails.
                third.getOutputStream().write('y');
                third.getOutputStream().flush();
                in.read();
            });
        }
        assertEquals(1, f.failed());
        first.shutdownOutput();
        assertEquals(-1, first.getInputStream().read());
        first.close();
        // The slot comes free once the first relay has wound down.
        long deadline = System.nanoTime() + WAIT.toNanos();
        boolean served = false;
        while (!served && System.nanoTime() < deadline) {
            try (TcpSocket again = TcpSocket.connect(client, FORWARDER, 8081, WAIT)) {
                again.setSoTimeout(WAIT);
                again.getOutputStream().write('z');
                again.getOutputStream().flush();
                served = again.getInputStream().read() == 'z';
            } catch (IOException e) {
                Thread.sleep(50); // the relay may not have released its slot yet
            }
        }
        assertTrue(served, "no connection let through after a slot came free");
    }

    @Test
    @DisplayName("when the destination refuses, the teacup-side connection is reset at once")
    void unreachableDestinationResets() throws Exception {
        int port = destination.getLocalPort();
        destination.close(); // nothing listens there now
        PortForwarder f = PortForwarder.start(TcpServerSocket.bind(forwarder, 8082, 16), new HostPort("127.0.0.1", port),
                Dialer.kernel(WAIT), new RelayGroup(), null);
        opened.add(f);
        try (TcpSocket s = TcpSocket.connect(client, FORWARDER, 8082, WAIT)) {
            s.setSoTimeout(WAIT);
            long start = System.nanoTime();
            assertThrows(IOException.class, () -> s.getInputStream().read());
            assertTrue(System.nanoTime() - start < WAIT.toNanos(), "the reset took the whole wait");
        }
        assertEquals(1, f.failed());
    }
}
