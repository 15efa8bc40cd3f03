package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.socket.TeacupServerSocketFactory;
import teacup.stack.NetStack;

/**
 * Issue 5's load requirements for {@code teacup serve}, from the kernel side of a TAP in a private
 * namespace, against the {@link FileServer} on a teacup listener (made as {@code teacup serve}
 * makes it) serving a 4 KB file:
 * <ul>
 *   <li>{@code wrk -t2 -c200 -d10s}: no socket errors, no response outside 2xx/3xx, requests served;</li>
 *   <li>1,000 keep-alive connections held open at once, each answering a request while all are open;</li>
 *   <li>10,000 short connections one after another, closed by the client and, separately, by the
 *       server ({@code Connection: close}): afterwards no connection but those in TIME-WAIT, and a
 *       heap that grew by far less than a few KB per connection.</li>
 * </ul>
 * The figures (requests per second, latency, connections, heap) are printed. The stack-level
 * counterpart, without HTTP library, is {@link TcpLoadInteropTest}.
 */
@Tag("interop")
@DisplayName("interop: teacup serve under load from the Linux kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeLoadInteropTest {
    private static final int PORT = 8080;
    private static final String FILE = "4k.bin";
    private static final int FILE_SIZE = 4096;
    private static final int HELD = 1_000;
    private static final int SHORT = 10_000;
    private static final int WARM_UP = 500;
    /** 10,000 connections leaking 4 KB each would grow the heap by this much. */
    private static final long HEAP_GROWTH_BOUND = 40_000_000L;

    private TapNetwork net;
    private NetStack stack;
    private Path dir;
    private FileServer server;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "python3", "wrk");
        dir = Files.createTempDirectory("teacup-serve-load-");
        byte[] body = new byte[FILE_SIZE];
        new SplittableRandom(5).nextBytes(body);
        Files.write(dir.resolve(FILE), body);
        net = TapNetwork.create();
        stack = net.startStack(0x5e7e_0001L);
        ServerSocket listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT);
        // A held connection waits idle from its first answer until the second round, which on a
        // loaded machine can come close to the default 15 s idle timeout; the test is not about that.
        server = FileServer.start(listener, FileServer.Settings.of(dir).withIdleTimeout(Duration.ofSeconds(60)),
                AccessLog.discard());
    }

    @AfterAll
    void tearDown() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
            if (net != null) {
                net.close();
            }
        } finally {
            if (dir != null) {
                Files.deleteIfExists(dir.resolve(FILE));
                Files.deleteIfExists(dir);
            }
        }
    }

    private String url() {
        return "http://" + TapNetwork.TEACUP + ":" + PORT + "/" + FILE;
    }

    private String context() throws IOException {
        return LoadClients.connections(stack) + ", " + server.connectionCount() + " in the file server; counters "
                + net.counters();
    }

    @Test
    @Order(1)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    @DisplayName("wrk -t2 -c200 -d10s: no socket errors, no response outside 2xx/3xx")
    void wrkTwoHundredConnectionsTenSeconds() throws Exception {
        // --timeout: a response slower than this counts as a socket error (timeout), so 10 s is
        // a latency bound on every request, far above what a working server needs.
        SystemCommand.Result r = net.run(Duration.ofSeconds(40), "wrk", "-t2", "-c200", "-d10s", "--timeout", "10s",
                "--latency", url());
        String out = r.stdout() + r.stderr();
        assertEquals(0, r.exitCode(), "wrk: " + out);
        WrkReport report = WrkReport.parse(out);
        System.out.printf("serve load: wrk -t2 -c200 -d10s %s: %s%n", url(), report);

        assertEquals(0, report.socketErrors(), "wrk's socket errors: " + out + "; " + context());
        assertEquals(0, report.non2xx3xx(), "wrk's non-2xx/3xx responses: " + out);
        assertTrue(report.requests() > 0, out);
        assertTrue(report.transferPerSecond().endsWith("B"), out);
        // wrk's connections end when it stops; the server then lets go of them.
        assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10),
                        () -> server.connectionCount() == 0 && beyondTimeWait() == 0),
                "connections left after wrk: " + context());
    }

    @Test
    @Order(2)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    @DisplayName("1,000 keep-alive connections held open at once each get the file twice while all are open")
    void thousandKeepAliveConnectionsHeldOpen() throws Exception {
        Path go = LoadClients.goFile();
        try {
            TapNetwork.Background script = net.start(LoadClients.hold(TapNetwork.TEACUP, PORT, HELD, "/" + FILE,
                    Duration.ofSeconds(60), go));
            LoadClients.awaitLine(script, "open", Duration.ofSeconds(60));
            LoadClients.Connections held = LoadClients.connections(stack);
            int serving = server.connectionCount();
            long heapHeld = LoadClients.heapAfterGc();
            Files.createFile(go);
            assertTrue(script.process.waitFor(60, TimeUnit.SECONDS), "hold script still running");
            String out = script.stdoutText() + script.stderrText();
            System.out.printf("serve load: %d keep-alive connections held: stack %s, file server %d, heap %s while held; %s%n",
                    HELD, held, serving, LoadClients.mb(heapHeld), out.lines().toList());

            assertEquals(0, script.process.exitValue(), "hold script: " + out + "; " + context());
            assertEquals(HELD, LoadClients.phase(out, "ok").count());
            assertTrue(held.beyondTimeWait() >= HELD, "while all were open the stack had " + held);
            assertEquals(HELD, serving, "connections in the file server while all were open");
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10),
                            () -> server.connectionCount() == 0 && beyondTimeWait() == 0),
                    "connections left after the client closed them all: " + context());
        } finally {
            Files.deleteIfExists(go);
        }
    }

    @Test
    @Order(3)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("10,000 short connections closed by the client leave no connection and no heap behind")
    void tenThousandShortConnectionsClosedByClient() throws Exception {
        shortConnections(false);
    }

    @Test
    @Order(4)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("RFC 9293 3.6: 10,000 short connections with Connection: close leave only TIME-WAIT, small entries")
    void tenThousandShortConnectionsClosedByServer() throws Exception {
        shortConnections(true);
    }

    private void shortConnections(boolean serverCloses) throws Exception {
        String who = serverCloses ? "server" : "client";
        run(LoadClients.shortConnections(TapNetwork.TEACUP, PORT, WARM_UP, "/" + FILE, Duration.ofSeconds(30), serverCloses),
                WARM_UP);
        assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10), () -> server.connectionCount() == 0 && beyondTimeWait() == 0),
                "after the warm-up: " + context());
        LoadClients.Connections before = LoadClients.connections(stack);
        long heapBefore = LoadClients.heapAfterGc();

        LoadClients.Phase phase = run(LoadClients.shortConnections(TapNetwork.TEACUP, PORT, SHORT, "/" + FILE,
                Duration.ofSeconds(90), serverCloses), SHORT);
        boolean settled = TapNetwork.waitUntil(Duration.ofSeconds(10),
                () -> server.connectionCount() == 0 && beyondTimeWait() == 0);
        LoadClients.Connections after = LoadClients.connections(stack);
        long heapAfter = LoadClients.heapAfterGc();
        int newTimeWait = after.timeWait() - before.timeWait();
        System.out.printf("serve load: %d short connections (%s closes) in %.2f s (%.0f/s); stack before %s, after %s;"
                        + " heap %s before, %s after (%+d bytes: %+.0f per connection, %+.0f per new TIME-WAIT entry)%n",
                SHORT, who, phase.seconds(), SHORT / phase.seconds(), before, after, LoadClients.mb(heapBefore),
                LoadClients.mb(heapAfter), heapAfter - heapBefore, (heapAfter - heapBefore) / (double) SHORT,
                newTimeWait <= 0 ? 0.0 : (heapAfter - heapBefore) / (double) newTimeWait);

        assertTrue(settled, "connections beyond TIME-WAIT after the run: " + context());
        if (serverCloses) {
            // TIME-WAIT lasts 2 MSL (60 s): every connection of the run is still in it.
            assertTrue(after.timeWait() <= WARM_UP + SHORT, "TIME-WAIT beyond the connections made: " + after);
        } else {
            assertEquals(before.timeWait(), after.timeWait(), "the client closed first, so teacup added no TIME-WAIT");
        }
        assertTrue(heapAfter - heapBefore < HEAP_GROWTH_BOUND, "heap grew from " + LoadClients.mb(heapBefore) + " to "
                + LoadClients.mb(heapAfter) + " over " + SHORT + " connections, with " + after);
    }

    private LoadClients.Phase run(String[] script, int n) throws Exception {
        return LoadClients.run(net, script, n, this::context);
    }

    private int beyondTimeWait() {
        try {
            return LoadClients.connections(stack).beyondTimeWait();
        } catch (IOException e) {
            return -1;
        }
    }
}
