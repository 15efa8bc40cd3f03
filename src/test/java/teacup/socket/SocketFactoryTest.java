package teacup.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.ip.Interface;
import teacup.link.Link;
import teacup.link.ObservedLink;
import teacup.link.VirtualWire;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * The javax.net adapters on two started stacks joined by a VirtualWire (real loop threads, real
 * time, every wait bounded): java.net code on one side talks to java.net code on the other, and
 * the sockets keep the JDK's documented contract.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketFactoryTest {
    private static final String A = "198.18.0.1";
    private static final String B = "198.18.0.2";
    private static final int PORT = 7;

    private NetStack a;
    private NetStack b;
    /** TCP segments stack A sent (its ARP announcements and the like are not counted). */
    private final AtomicLong segmentsFromA = new AtomicLong();
    private SocketFactory client;
    private ServerSocketFactory server;

    @BeforeEach
    void start() {
        VirtualWire wire = new VirtualWire(1500);
        Link countingA = new ObservedLink(wire.a()) {
            @Override
            protected void sending(byte[] buf, int off, int len) {
                if (len > 34 && buf[off + 12] == 0x08 && buf[off + 13] == 0x00 && buf[off + 23] == 6) {
                    segmentsFromA.incrementAndGet();
                }
            }

            @Override
            protected void received(byte[] buf, int off, int len) {
            }
        };
        a = new NetStack(countingA, new Interface(MacAddress.parse("02:00:00:00:00:01"), Ipv4Address.parse(A), 24,
                Ipv4Address.ANY, 1500), Clock.SYSTEM, new SplittableRandom(1)).start();
        b = new NetStack(wire.b(), new Interface(MacAddress.parse("02:00:00:00:00:02"), Ipv4Address.parse(B), 24,
                Ipv4Address.ANY, 1500), Clock.SYSTEM, new SplittableRandom(2)).start();
        client = new TeacupSocketFactory(a);
        server = new TeacupServerSocketFactory(b);
    }

    @AfterEach
    void stop() throws IOException {
        a.close();
        b.close();
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /** Accepts connections on {@code listener} and echoes each until its end, then closes it. */
    private static Future<?> echo(ExecutorService threads, ServerSocket listener, int connections) {
        return threads.submit(() -> {
            for (int i = 0; i < connections; i++) {
                Socket s = listener.accept();
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
    }

    @Nested
    @DisplayName("data through the adapters")
    class Data {
        @Test
        @DisplayName("1 MB echoed byte for byte: write, shutdownOutput, read to end of stream")
        void echoesAMegabyte() throws Exception {
            byte[] data = random(1 << 20, 7);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                 ServerSocket listener = server.createServerSocket(PORT)) {
                Future<?> echo = echo(threads, listener, 1);
                try (Socket s = client.createSocket(B, PORT)) {
                    Future<byte[]> back = threads.submit(() -> readAll(s.getInputStream()));
                    OutputStream out = s.getOutputStream();
                    out.write(data);
                    out.flush();
                    s.shutdownOutput();
                    assertTrue(s.isOutputShutdown());
                    assertArrayEquals(data, back.get(20, TimeUnit.SECONDS));
                }
                echo.get(5, TimeUnit.SECONDS);
            }
        }

        @Test
        @DisplayName("20 virtual-thread clients at once, each getting back exactly its own 50 kB")
        void manyClientsAtOnce() throws Exception {
            int clients = 20;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                 ServerSocket listener = server.createServerSocket(PORT, 50)) {
                Future<?> echo = echo(threads, listener, clients);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    byte[] data = random(50_000, c);
                    results.add(threads.submit(() -> {
                        try (Socket s = client.createSocket(InetAddress.getByName(B), PORT)) {
                            Future<byte[]> back = threads.submit(() -> readAll(s.getInputStream()));
                            s.getOutputStream().write(data);
                            s.shutdownOutput();
                            return java.util.Arrays.equals(data, back.get(20, TimeUnit.SECONDS));
                        }
                    }));
                }
                for (Future<Boolean> r : results) {
                    assertTrue(r.get(25, TimeUnit.SECONDS));
                }
                echo.get(5, TimeUnit.SECONDS);
            }
        }

        @Test
        @DisplayName("single-byte read and write, and available() after the bytes arrived")
        void singleBytesAndAvailable() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT);
                 Socket peer = listener.accept()) {
                s.getOutputStream().write('x');
                s.getOutputStream().flush();
                assertEquals('x', peer.getInputStream().read());
                peer.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
                peer.getOutputStream().flush();
                InputStream in = s.getInputStream();
                assertEquals('a', in.read());
                // One write, one segment: once 'a' is read, the rest of it is already here.
                assertEquals(2, in.available());
                assertEquals('b', in.read());
                assertEquals('c', in.read());
            }
        }
    }

    @Nested
    @DisplayName("connecting")
    class Connecting {
        @Test
        @DisplayName("an unconnected socket connects later; addresses and ports are those of both ends")
        void unconnectedThenConnect() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket()) {
                assertFalse(s.isConnected());
                assertFalse(s.isBound());
                assertNull(s.getInetAddress());
                assertEquals(0, s.getPort());
                assertEquals(-1, s.getLocalPort());
                assertNull(s.getRemoteSocketAddress());
                assertNull(s.getLocalSocketAddress());

                s.connect(new InetSocketAddress(B, PORT), 5000);
                try (Socket peer = listener.accept()) {
                    assertTrue(s.isConnected() && s.isBound());
                    assertEquals(InetAddress.getByName(B), s.getInetAddress());
                    assertEquals(PORT, s.getPort());
                    assertEquals(InetAddress.getByName(A), s.getLocalAddress());
                    assertTrue(s.getLocalPort() >= 49152, "ephemeral port " + s.getLocalPort());
                    assertEquals(new InetSocketAddress(B, PORT), s.getRemoteSocketAddress());
                    assertEquals(new InetSocketAddress(A, s.getLocalPort()), s.getLocalSocketAddress());
                    assertEquals(B, s.getInetAddress().getHostName(), "no reverse lookup: the literal is the name");

                    assertEquals(InetAddress.getByName(A), peer.getInetAddress());
                    assertEquals(s.getLocalPort(), peer.getPort());
                    assertEquals(PORT, peer.getLocalPort());
                    assertEquals(InetAddress.getByName(B), peer.getLocalAddress());
                    assertTrue(s.toString().contains("port=" + PORT), s.toString());
                }
                assertThrows(SocketException.class, () -> s.connect(new InetSocketAddress(B, PORT)), "already connected");
            }
        }

        @Test
        @DisplayName("a closed port: ConnectException 'Connection refused', and the failed socket is closed")
        void refused() throws Exception {
            Socket s = client.createSocket();
            ConnectException e = assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress(B, 9999), 5000));
            assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
            assertTrue(s.isClosed(), "as with the JDK, a failed connect closes the socket");
            assertThrows(ConnectException.class, () -> client.createSocket(B, 9999));
        }

        @Test
        @DisplayName("an address nobody holds: SocketTimeoutException after the connect time-out")
        void connectTimeout() throws Exception {
            Socket s = client.createSocket();
            long start = System.nanoTime();
            assertThrows(SocketTimeoutException.class, () -> s.connect(new InetSocketAddress("198.18.0.99", PORT), 300));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis >= 250 && tookMillis < 5000, "took " + tookMillis + " ms");
            assertTrue(s.isClosed());
        }

        @Test
        @DisplayName("host names are an UnknownHostException (a socket has no resolver to ask), literals and InetAddresses work")
        void hostNames() throws Exception {
            UnknownHostException e = assertThrows(UnknownHostException.class, () -> client.createSocket("example.invalid", 80));
            assertTrue(e.getMessage().contains("example.invalid") && e.getMessage().contains("IPv4"), e.getMessage());
            Socket s = client.createSocket();
            assertThrows(UnknownHostException.class, () -> s.connect(InetSocketAddress.createUnresolved("example.invalid", 80)));
            assertTrue(s.isClosed());
            assertThrows(SocketException.class, () -> client.createSocket(InetAddress.getByName("::1"), 80), "IPv4 only");
        }

        @Test
        @DisplayName("RFC 9293 MUST-43: bind before connect names the local address: the wildcard or own address with port 0 only; local port chosen by connect")
        void bindBeforeConnect() throws Exception {
            try (Socket s = client.createSocket()) {
                assertThrows(BindException.class, () -> s.bind(new InetSocketAddress(A, 1234)));
                assertThrows(BindException.class, () -> s.bind(new InetSocketAddress("198.18.0.77", 0)));
                s.bind(new InetSocketAddress(A, 0));
                assertTrue(s.isBound());
                assertEquals(0, s.getLocalPort(), "bound, port not chosen yet");
                assertThrows(SocketException.class, () -> s.bind(null), "already bound");
            }
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT, InetAddress.getByName("0.0.0.0"), 0)) {
                assertTrue(s.isConnected());
                assertTrue(s.getLocalPort() > 0);
            }
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket()) {
                s.bind(new InetSocketAddress(A, 0));
                s.connect(new InetSocketAddress(B, PORT), 5_000);
                assertEquals(InetAddress.getByName(A), s.getLocalAddress(), "the address the OPEN named");
                try (Socket accepted = listener.accept()) {
                    assertEquals(InetAddress.getByName(A), accepted.getInetAddress(), "the SYN came from it");
                }
            }
        }
    }

    @Nested
    @DisplayName("time-outs")
    class Timeouts {
        @Test
        @DisplayName("soTimeout: a read with nothing to read throws SocketTimeoutException, and the socket stays usable")
        void readTimeout() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT);
                 Socket peer = listener.accept()) {
                s.setSoTimeout(200);
                assertEquals(200, s.getSoTimeout());
                long start = System.nanoTime();
                assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMillis >= 150 && tookMillis < 5000, "took " + tookMillis + " ms");
                assertFalse(s.isClosed());

                peer.getOutputStream().write(42);
                peer.getOutputStream().flush();
                s.setSoTimeout(5000);
                assertEquals(42, s.getInputStream().read());
            }
        }

        @Test
        @DisplayName("server soTimeout: accept with nobody connecting throws SocketTimeoutException, then still accepts")
        void acceptTimeout() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT)) {
                listener.setSoTimeout(150);
                assertThrows(SocketTimeoutException.class, listener::accept);
                listener.setSoTimeout(5000);
                try (Socket s = client.createSocket(B, PORT); Socket peer = listener.accept()) {
                    assertEquals(s.getLocalPort(), peer.getPort());
                }
            }
        }
    }

    @Nested
    @DisplayName("closing")
    class Closing {
        @Test
        @DisplayName("close: the peer reads end of stream; the closed socket refuses streams and options; a second close does nothing")
        void gracefulClose() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT)) {
                Socket s = client.createSocket(B, PORT);
                try (Socket peer = listener.accept()) {
                    s.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
                    s.close();
                    assertTrue(s.isClosed());
                    assertTrue(s.isConnected(), "as with the JDK, closing keeps the connected state");
                    peer.setSoTimeout(5000);
                    assertArrayEquals("bye".getBytes(StandardCharsets.US_ASCII), readAll(peer.getInputStream()));
                }
                assertThrows(SocketException.class, s::getInputStream);
                assertThrows(SocketException.class, s::getOutputStream);
                assertThrows(SocketException.class, () -> s.setSoTimeout(1));
                assertThrows(SocketException.class, () -> s.setOption(StandardSocketOptions.TCP_NODELAY, true));
                s.close();
            }
        }

        @Test
        @DisplayName("closing a socket's InputStream closes the socket, and reading a closed socket's stream throws")
        void closingTheStreamClosesTheSocket() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT);
                 Socket peer = listener.accept()) {
                InputStream in = s.getInputStream();
                in.close();
                assertTrue(s.isClosed());
                assertThrows(SocketException.class, in::read);
                assertThrows(SocketException.class, () -> s.getOutputStream());
                peer.setSoTimeout(5000);
                assertEquals(-1, peer.getInputStream().read());
            }
        }

        @Test
        @DisplayName("setSoLinger(true, 0) then close resets: the peer's read fails instead of ending")
        void lingerZeroResets() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT);
                 Socket peer = listener.accept()) {
                s.setSoLinger(true, 0);
                assertEquals(0, s.getSoLinger());
                s.close();
                peer.setSoTimeout(5000);
                IOException e = assertThrows(IOException.class, () -> peer.getInputStream().read());
                assertFalse(e instanceof SocketTimeoutException, "a reset, not silence: " + e);
            }
        }

        @Test
        @DisplayName("shutdownInput: reads end at once, and what the peer still sends is taken and dropped (4 MB written)")
        void shutdownInputDiscards() throws Exception {
            // The executor is closed last, after the sockets, so a writer stuck by a failure is woken, not waited for.
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                 ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT);
                 Socket peer = listener.accept()) {
                InputStream in = s.getInputStream();
                s.shutdownInput();
                assertTrue(s.isInputShutdown());
                assertEquals(-1, in.read());
                assertEquals(0, in.available());
                assertThrows(SocketException.class, s::getInputStream, "as the JDK: no new stream once shut down");
                assertThrows(SocketException.class, s::shutdownInput, "already shut down");
                // More than any window and buffer: it can only all be written if the data is being read.
                Future<?> writing = threads.submit(() -> {
                    peer.getOutputStream().write(new byte[4 << 20]);
                    peer.getOutputStream().flush();
                    return null;
                });
                writing.get(20, TimeUnit.SECONDS);
                // The other direction still works.
                s.getOutputStream().write(9);
                s.getOutputStream().flush();
                peer.setSoTimeout(5000);
                assertEquals(9, peer.getInputStream().read());
            }
        }

        @Test
        @DisplayName("closing the server socket wakes a blocked accept with SocketException")
        void closeWakesAccept() throws Exception {
            ServerSocket listener = server.createServerSocket(PORT);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Socket> accepting = threads.submit(listener::accept);
                assertThrows(java.util.concurrent.TimeoutException.class, () -> accepting.get(100, TimeUnit.MILLISECONDS),
                        "accept blocks while nobody connects");
                listener.close();
                var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> accepting.get(5, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof SocketException, String.valueOf(e.getCause()));
            }
            assertTrue(listener.isClosed());
            assertThrows(SocketException.class, listener::accept);
        }
    }

    @Nested
    @DisplayName("options and server sockets")
    class Options {
        @Test
        @DisplayName("TCP_NODELAY, SO_KEEPALIVE, SO_LINGER and the hints read back what was set, via setters and setOption")
        void optionsReadBack() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT)) {
                s.setTcpNoDelay(true);
                assertTrue(s.getTcpNoDelay());
                s.setKeepAlive(true);
                assertTrue(s.getKeepAlive());
                assertEquals(-1, s.getSoLinger());
                s.setSoLinger(true, 5);
                assertEquals(5, s.getSoLinger());
                s.setOption(StandardSocketOptions.SO_LINGER, -1);
                assertEquals(-1, s.getSoLinger());
                s.setOption(StandardSocketOptions.TCP_NODELAY, false);
                assertFalse(s.getOption(StandardSocketOptions.TCP_NODELAY));
                s.setReceiveBufferSize(12345);
                assertEquals(12345, s.getReceiveBufferSize());
                s.setTrafficClass(0x10);
                assertEquals(0x10, s.getTrafficClass());
                assertThrows(IllegalArgumentException.class, () -> s.setSoLinger(true, -1));
                assertThrows(IllegalArgumentException.class, () -> s.setSoTimeout(-1));
                assertTrue(s.supportedOptions().contains(StandardSocketOptions.SO_KEEPALIVE));
                // HttpClient sets the JDK's keep-alive timing options on every socket it opens.
                s.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 60);
                assertEquals(60, s.getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE));
                assertEquals(9, s.getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT));
                assertThrows(UnsupportedOperationException.class, () -> s.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1),
                        "an option outside supportedOptions(), as Socket.setOption specifies");
                s.setOOBInline(true);
                assertTrue(s.getOOBInline());
                s.sendUrgentData(1); // sent, no longer refused (UrgentDataTest proves what goes on the wire)
                assertNull(s.getChannel());
            }
        }

        @Test
        @DisplayName("RFC 9293 MUST-27: TCP_KEEPIDLE set through java.net.Socket times the connection's keep-alives")
        void keepAliveTimingReachesTheConnection() throws Exception {
            try (ServerSocket listener = server.createServerSocket(PORT);
                 Socket s = client.createSocket(B, PORT);
                 Socket peer = listener.accept()) {
                s.setKeepAlive(true);
                Thread.sleep(300); // the handshake's last ACK has gone; from here the connection is idle
                long before = segmentsFromA.get();
                Thread.sleep(1500);
                assertEquals(before, segmentsFromA.get(), "with the default timing, nothing for two hours");
                s.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
                s.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (segmentsFromA.get() == before && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(segmentsFromA.get() > before, "a keep-alive probe after a second idle");
                assertTrue(peer.isConnected() && !s.isClosed(), "the peer answers the probe: the connection lives");
            }
        }

        @Test
        @DisplayName("RFC 9293 MUST-48: IP_TOS set on a server socket before bind goes to the sockets it accepts; a client's goes to its connection")
        void trafficClassThroughTheAdapters() throws Exception {
            try (ServerSocket listener = server.createServerSocket()) {
                listener.setOption(StandardSocketOptions.IP_TOS, 0xb8);
                assertEquals(0xb8, listener.getOption(StandardSocketOptions.IP_TOS));
                listener.bind(new InetSocketAddress(B, PORT));
                try (Socket s = client.createSocket()) {
                    s.setTrafficClass(0x28);
                    s.connect(new InetSocketAddress(B, PORT), 5000);
                    try (Socket accepted = listener.accept()) {
                        assertEquals(0xb8, accepted.getTrafficClass(), "inherited from the server socket");
                        assertEquals(0x28, s.getTrafficClass());
                    }
                }
                assertThrows(IllegalArgumentException.class, () -> listener.setOption(StandardSocketOptions.IP_TOS, 256));
            }
        }

        @Test
        @DisplayName("RFC 5482: TCP_USER_TIMEOUT set on a server socket, before bind or after, goes to the sockets it accepts; a client's to its connection")
        void userTimeoutThroughTheAdapters() throws Exception {
            try (ServerSocket listener = server.createServerSocket()) {
                assertTrue(listener.supportedOptions().contains(TeacupSocketOptions.TCP_USER_TIMEOUT));
                listener.setOption(TeacupSocketOptions.TCP_USER_TIMEOUT, 30_000);
                listener.bind(new InetSocketAddress(B, PORT));
                try (Socket s = client.createSocket()) {
                    assertEquals(0, s.getOption(TeacupSocketOptions.TCP_USER_TIMEOUT), "none by default");
                    s.setOption(TeacupSocketOptions.TCP_USER_TIMEOUT, 5_000);
                    s.connect(new InetSocketAddress(B, PORT), 5000);
                    try (Socket accepted = listener.accept()) {
                        assertEquals(30_000, accepted.getOption(TeacupSocketOptions.TCP_USER_TIMEOUT), "from the bind settings");
                        assertEquals(5_000, s.getOption(TeacupSocketOptions.TCP_USER_TIMEOUT), "set before connect, applied after");
                        accepted.setOption(TeacupSocketOptions.TCP_USER_TIMEOUT, 0);
                        assertEquals(0, accepted.getOption(TeacupSocketOptions.TCP_USER_TIMEOUT));
                    }
                }
                listener.setOption(TeacupSocketOptions.TCP_USER_TIMEOUT, 7_000); // after bind: the next accepted ones
                try (Socket s = client.createSocket(B, PORT); Socket accepted = listener.accept()) {
                    assertEquals(7_000, accepted.getOption(TeacupSocketOptions.TCP_USER_TIMEOUT));
                }
                assertThrows(IllegalArgumentException.class, () -> listener.setOption(TeacupSocketOptions.TCP_USER_TIMEOUT, -1));
            }
        }

        @Test
        @DisplayName("server sockets: unbound state, bind later, a foreign address or a taken port is a BindException")
        void serverSockets() throws Exception {
            try (ServerSocket unbound = server.createServerSocket()) {
                assertFalse(unbound.isBound());
                assertEquals(-1, unbound.getLocalPort());
                assertNull(unbound.getInetAddress());
                assertThrows(SocketException.class, unbound::accept);
                assertThrows(BindException.class, () -> unbound.bind(new InetSocketAddress("198.18.0.77", PORT)));
                unbound.bind(new InetSocketAddress(B, PORT));
                assertTrue(unbound.isBound());
                assertEquals(PORT, unbound.getLocalPort());
                assertEquals(InetAddress.getByName(B), unbound.getInetAddress());
                assertEquals(new InetSocketAddress(B, PORT), unbound.getLocalSocketAddress());
                assertThrows(BindException.class, () -> server.createServerSocket(PORT), "port taken");
                assertThrows(SocketException.class, () -> unbound.bind(null), "already bound");
            }
            try (ServerSocket ephemeral = server.createServerSocket(0)) {
                assertTrue(ephemeral.getLocalPort() > 0);
                assertTrue(ephemeral.getInetAddress().isAnyLocalAddress());
                assertSame(null, ephemeral.getChannel());
            }
        }
    }
}
