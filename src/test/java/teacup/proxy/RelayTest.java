package teacup.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay between two kernel loopback connections: client <-> [a | relay | b] <-> server.
 * The test holds {@code client} and {@code server}; the relay holds the other two ends.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RelayTest {
    private final List<Socket> sockets = new ArrayList<>();
    private Socket client;
    private Socket server;
    private Endpoint a;
    private Endpoint b;

    @AfterEach
    void closeAll() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** A connected loopback pair: [the connecting end, the accepted end]. */
    private Socket[] pair() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket near = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            Socket far = listener.accept();
            sockets.add(near);
            sockets.add(far);
            near.setSoTimeout(10_000);
            return new Socket[] {near, far};
        }
    }

    private void connect() throws IOException {
        Socket[] up = pair();
        Socket[] down = pair();
        client = up[0];
        a = Endpoint.of(up[1]);
        b = Endpoint.of(down[0]);
        server = down[1];
        server.setSoTimeout(10_000);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static CompletableFuture<Void> sendAndHalfClose(Socket s, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                s.getOutputStream().write(data);
                s.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
    }

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    @DisplayName("megabytes both ways at once arrive byte-exact, and FIN both ways ends the relay without error")
    void bulkBothWaysIsByteExact() throws Exception {
        connect();
        Relay relay = Relay.start(a, b, null);
        byte[] up = random(6 << 20, 1);
        byte[] down = random(5 << 20 | 12345, 2);
        var sendingUp = sendAndHalfClose(client, up);
        var sendingDown = sendAndHalfClose(server, down);
        var receivedUp = CompletableFuture.supplyAsync(() -> readAll(server), r -> Thread.ofVirtual().start(r));
        byte[] receivedDown = client.getInputStream().readAllBytes();
        sendingUp.get(20, TimeUnit.SECONDS);
        sendingDown.get(20, TimeUnit.SECONDS);
        assertArrayEquals(sha256(up), sha256(receivedUp.get(20, TimeUnit.SECONDS)), "client to server");
        assertArrayEquals(sha256(down), sha256(receivedDown), "server to client");
        assertTrue(relay.await(Duration.ofSeconds(10)), "relay still running after FIN both ways");
        assertNull(relay.failure());
        assertEquals(up.length, relay.bytesForward());
        assertEquals(down.length, relay.bytesBack());
    }

    private static byte[] readAll(Socket s) {
        try {
            return s.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    @DisplayName("a FIN from the client reaches the server, while the server's answer still flows back")
    void clientHalfCloseKeepsTheOtherWayOpen() throws Exception {
        connect();
        Relay relay = Relay.start(a, b, null);
        client.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();
        assertEquals("request", new String(server.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        byte[] answer = random(300_000, 3);
        server.getOutputStream().write(answer);
        assertTrue(!relay.isDone(), "relay ended with one direction still open");
        server.shutdownOutput();
        assertArrayEquals(answer, client.getInputStream().readAllBytes());
        assertTrue(relay.await(Duration.ofSeconds(10)));
        assertNull(relay.failure());
    }

    @Test
    @DisplayName("a FIN from the server reaches the client, while the client can still send")
    void serverHalfCloseKeepsTheOtherWayOpen() throws Exception {
        connect();
        Relay relay = Relay.start(a, b, null);
        server.getOutputStream().write("banner".getBytes(StandardCharsets.US_ASCII));
        server.shutdownOutput();
        assertEquals("banner", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        client.getOutputStream().write("still talking".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();
        assertEquals("still talking", new String(server.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        assertTrue(relay.await(Duration.ofSeconds(10)));
        assertNull(relay.failure());
    }

    @Test
    @DisplayName("a reset on one side aborts the other, and the relay ends with the error")
    void resetIsPassedOn() throws Exception {
        connect();
        Relay relay = Relay.start(a, b, null);
        client.getOutputStream().write('x');
        assertEquals('x', server.getInputStream().read());
        server.setSoLinger(true, 0);
        server.close();
        assertTrue(relay.await(Duration.ofSeconds(10)));
        assertNotNull(relay.failure());
        assertThrows(IOException.class, () -> {
            // reset: either read throws at once, or the write after the reset does
            if (client.getInputStream().read() >= 0) {
                client.getOutputStream().write(new byte[100_000]);
            }
            client.getOutputStream().write(new byte[100_000]);
            client.getInputStream().read();
        });
    }

    @Test
    @DisplayName("stopping a group sends FIN both ways; relays whose peers then close end gracefully, none cut")
    void groupStopEndsWithFin() throws Exception {
        connect();
        RelayGroup group = new RelayGroup();
        Relay relay = group.relay(a, b);
        client.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
        assertEquals("hi", new String(server.getInputStream().readNBytes(2), StandardCharsets.US_ASCII));
        assertEquals(1, group.active());
        // Each peer closes when it sees the FIN, as a well-behaved one does.
        var clientSide = CompletableFuture.runAsync(() -> closeOnFin(client), r -> Thread.ofVirtual().start(r));
        var serverSide = CompletableFuture.runAsync(() -> closeOnFin(server), r -> Thread.ofVirtual().start(r));
        assertEquals(0, group.stop(Duration.ofSeconds(5)), "relays cut");
        clientSide.get(5, TimeUnit.SECONDS);
        serverSide.get(5, TimeUnit.SECONDS);
        assertTrue(relay.isDone());
        assertNull(relay.failure());
        assertEquals(0, group.active());
        assertEquals(2, group.bytesToServers());
    }

    private static void closeOnFin(Socket s) {
        try {
            if (s.getInputStream().read() >= 0) {
                throw new IllegalStateException("data instead of FIN");
            }
            s.close();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    @DisplayName("stopping a group cuts relays whose peers never close, once the grace time is over")
    void groupStopCutsStubbornRelays() throws Exception {
        connect();
        RelayGroup group = new RelayGroup();
        Relay relay = group.relay(a, b);
        long start = System.nanoTime();
        assertEquals(1, group.stop(Duration.ofMillis(500)), () -> "not cut: done " + relay.isDone() + ", failure "
                + relay.failure() + ", active " + group.active()); // a flake seen twice under load: say why
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis < 3000, "stop took " + tookMillis + " ms");
        assertTrue(relay.await(Duration.ofSeconds(5)));
        assertEquals(-1, client.getInputStream().read(), "client got no FIN");
    }

    @Test
    @DisplayName("a relay finished before its pumps began still waits for its peers (an output shut first is not a failure)")
    void finishBeforeThePumpsBegin() throws Exception {
        connect();
        java.util.concurrent.CountDownLatch shut = new java.util.concurrent.CountDownLatch(1);
        Endpoint late = new Endpoint() { // its pump asks for the output only once finish() has shut it
            @Override public java.io.InputStream input() throws IOException { return b.input(); }
            @Override public java.io.OutputStream output() throws IOException {
                try {
                    shut.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return b.output();
            }
            @Override public void shutdownOutput() throws IOException {
                b.shutdownOutput();
                shut.countDown();
            }
            @Override public void close() throws IOException { b.close(); }
            @Override public void abort() { b.abort(); }
            @Override public String describe() { return b.describe(); }
            @Override public teacup.wire.Ipv4Address localAddress() { return b.localAddress(); }
            @Override public int localPort() { return b.localPort(); }
        };
        RelayGroup group = new RelayGroup();
        Relay relay = group.relay(a, late);
        assertEquals(1, group.stop(Duration.ofMillis(300)), () -> "failure " + relay.failure());
        assertTrue(relay.await(Duration.ofSeconds(5)));
    }
}
