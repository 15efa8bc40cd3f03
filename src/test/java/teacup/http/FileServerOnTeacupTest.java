package teacup.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.socket.TeacupServerSocketFactory;
import teacup.socket.TeacupSocketFactory;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * FileServer on teacup's own sockets: two started stacks joined by a VirtualWire, the server on
 * one ({@link TeacupServerSocketFactory}), raw-socket clients on the other. No root, no TAP.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileServerOnTeacupTest {
    private static final String CLIENT = "198.18.0.1";
    private static final String SERVER = "198.18.0.2";
    private static final int PORT = 80;

    @TempDir
    Path root;

    private NetStack a;
    private NetStack b;
    private FileServer server;
    private TeacupSocketFactory sockets;
    private final BlockingQueue<String> log = new LinkedBlockingQueue<>();
    private byte[] data;

    @BeforeEach
    void start() throws IOException {
        data = new byte[2_000_000];
        new SplittableRandom(11).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        VirtualWire wire = new VirtualWire(1500);
        a = new NetStack(wire.a(), new Interface(MacAddress.parse("02:00:00:00:00:01"), Ipv4Address.parse(CLIENT), 24,
                Ipv4Address.ANY, 1500), Clock.SYSTEM, new SplittableRandom(1)).start();
        b = new NetStack(wire.b(), new Interface(MacAddress.parse("02:00:00:00:00:02"), Ipv4Address.parse(SERVER), 24,
                Ipv4Address.ANY, 1500), Clock.SYSTEM, new SplittableRandom(2)).start();
        sockets = new TeacupSocketFactory(a);
        server = FileServer.start(new TeacupServerSocketFactory(b).createServerSocket(PORT),
                FileServer.Settings.of(root).withHeaderTimeout(Duration.ofSeconds(1)), new AccessLog(log::add));
    }

    @AfterEach
    void stopStacks() throws IOException {
        if (server != null) {
            server.close();
        }
        a.close();
        b.close();
    }

    private RawHttp client() throws IOException {
        return new RawHttp(sockets.createSocket(SERVER, PORT));
    }

    @Test
    @DisplayName("a 2 MB file, then a range of it, on one keep-alive teacup connection")
    void fileAndRangeOnOneConnection() throws IOException {
        try (RawHttp c = client()) {
            RawHttp.Response whole = c.request("GET", "/data.bin");
            assertEquals(200, whole.status());
            assertArrayEquals(data, whole.body());
            RawHttp.Response part = c.request("GET", "/data.bin", "Range: bytes=1000-1999");
            assertEquals(206, part.status());
            assertArrayEquals(Arrays.copyOfRange(data, 1000, 2000), part.body());
        }
        assertTrue(log.stream().allMatch(l -> l.startsWith(CLIENT + " - - [")), String.join("\n", log));
    }

    @Test
    @DisplayName("a teacup client trickling its head is reset by the watchdog at the header timeout")
    void slowHeadCutOff() throws Exception {
        try (RawHttp slow = client()) {
            slow.send("GET /data.bin HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            long start = System.nanoTime();
            boolean cut = false;
            for (int i = 0; i < 50 && !cut; i++) {
                try {
                    slow.send("a");
                    Thread.sleep(100);
                } catch (IOException e) {
                    cut = true;
                }
            }
            if (!cut) {
                cut = slow.closedByServer();
            }
            long took = (System.nanoTime() - start) / 1_000_000;
            assertTrue(cut, "never cut off");
            assertTrue(took >= 900 && took < 5000, "cut off after " + took + " ms");
        }
        try (RawHttp c = client()) {
            assertEquals(200, c.request("HEAD", "/data.bin").status());
        }
    }

    @Test
    @DisplayName("close() closes an idle teacup connection and stops accepting")
    void closeEndsIdleConnections() throws Exception {
        try (RawHttp c = client()) {
            assertEquals(200, c.request("HEAD", "/data.bin").status());
            server.close();
            assertTrue(c.closedByServer());
            assertEquals(0, server.connectionCount());
        }
    }
}
