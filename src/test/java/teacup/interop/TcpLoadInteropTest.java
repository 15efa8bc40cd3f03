package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;

/**
 * Load on teacup's TCP and socket layers from the kernel side of a TAP in a private namespace:
 * a python3 client holds 1,000 connections open at once, then makes 10,000 short connections one
 * after another, against a plain {@link TcpServerSocket} accept loop on virtual threads that
 * answers every request with the same small HTTP/1.1 response. No HTTP library is involved, so a
 * failure here is the stack's (the file server's own load test is {@code ServeLoadInteropTest}).
 *
 * <p>Around the short connections the test counts the stack's connections (all, and those in
 * TIME-WAIT) and the heap after a full collection: once the connections are over, nothing but
 * TIME-WAIT may remain, and the heap may not have grown by anything like a few KB per connection.
 * The figures are printed, so a run shows them.
 */
@Tag("interop")
@DisplayName("interop: load on teacup's TCP from the Linux kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpLoadInteropTest {
    private static final int HELD = 1_000;
    private static final int SHORT = 10_000;
    /** Short connections before the baseline is taken: JIT, table growth, the ARP entry. */
    private static final int WARM_UP = 500;
    /** 10,000 connections leaking 4 KB each would grow the heap by this much. */
    private static final long HEAP_GROWTH_BOUND = 40_000_000L;
    /** 1,000 open connections at 64 KB each; full 256 KB rings each way (512 KB a connection) would be far above. */
    private static final long HELD_HEAP_BOUND = HELD * 64L * 1024;
    /** After TIME-WAIT is over: 10,000 connections keeping 200 bytes each would exceed this. */
    private static final long DRAINED_GROWTH_BOUND = 2_000_000L;
    /** The MSL of the listener whose connections teacup closes first: TIME-WAIT then lasts 2 x 3 s. */
    private static final Duration SHORT_MSL = Duration.ofSeconds(3);
    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE_CLOSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            + "Connection: close\r\n\r\nok\n").getBytes(StandardCharsets.US_ASCII);

    private TapNetwork net;
    private NetStack stack;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "python3");
        net = TapNetwork.create();
        stack = net.startStack(0x10ad_0001L);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    private String context() throws IOException {
        return LoadClients.connections(stack) + "; counters " + net.counters();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    @DisplayName("1,000 kernel connections held open at once each answer two requests while all are open")
    void thousandConnectionsHeldOpen() throws Exception {
        Path go = LoadClients.goFile();
        try (TcpServerSocket listener = TcpServerSocket.bind(stack, 8001, TcpServerSocket.DEFAULT_BACKLOG);
             Responder responder = Responder.start(listener)) {
            TapNetwork.Background script = net.start(LoadClients.hold(TapNetwork.TEACUP, 8001, HELD, "/", Duration.ofSeconds(60), go));
            LoadClients.awaitLine(script, "open", Duration.ofSeconds(60));
            LoadClients.Connections held = LoadClients.connections(stack);
            int open = responder.open.get();
            long heapHeld = LoadClients.heapAfterGc();
            Files.createFile(go);
            assertTrue(script.process.waitFor(60, TimeUnit.SECONDS), "hold script still running");
            String out = script.stdoutText() + script.stderrText();
            System.out.printf("load: %d connections held: %s, %d open in the responder, heap %s while held; %s; %s%n",
                    HELD, held, open, LoadClients.mb(heapHeld), out.lines().toList(), net.counters());

            assertEquals(0, script.process.exitValue(), "hold script: " + out + "; responder errors "
                    + responder.errors + "; " + context());
            assertEquals(HELD, LoadClients.phase(out, "ok").count());
            assertTrue(held.total() >= HELD, "while all were open the stack had " + held);
            assertEquals(HELD, open, "connections open in the responder while all were open");
            // Each holds a request and an answer: a few KB of ring each way, not the buffers' full size.
            assertTrue(heapHeld < HELD_HEAP_BOUND, "heap " + LoadClients.mb(heapHeld) + " with " + HELD + " connections open");
            assertEquals(2L * HELD, responder.served.get(), "requests answered");
            assertEquals(List.of(), List.copyOf(responder.errors), "responder errors");
            // The client closed first, so teacup's side goes through LAST-ACK to nothing.
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10), () -> count(stack) == 0),
                    "connections left after the client closed them all: " + context());
        } finally {
            Files.deleteIfExists(go);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    @DisplayName("wrk -t2 -c200 from the kernel: no socket errors, every answer 200, nothing left open afterwards")
    void wrkTwoHundredConnections() throws Exception {
        TapNetwork.requirePrograms("wrk");
        try (TcpServerSocket listener = TcpServerSocket.bind(stack, 8004, TcpServerSocket.DEFAULT_BACKLOG);
             Responder responder = Responder.start(listener)) {
            SystemCommand.Result r = net.run(Duration.ofSeconds(30), "wrk", "-t2", "-c200", "-d5s", "--timeout", "5s",
                    "--latency", "http://" + TapNetwork.TEACUP + ":8004/");
            String out = r.stdout() + r.stderr();
            assertEquals(0, r.exitCode(), "wrk: " + out);
            WrkReport report = WrkReport.parse(out);
            System.out.printf("load: wrk -t2 -c200 -d5s against the plain responder: %s; %d connections reset by wrk as it"
                    + " stopped; %s%n", report, responder.resets.get(), net.counters());

            assertEquals(0, report.socketErrors(), "wrk's socket errors: " + out + "; " + context());
            assertEquals(0, report.non2xx3xx(), "wrk's non-2xx/3xx responses: " + out);
            assertTrue(report.requests() > 0, out);
            assertEquals(List.of(), List.copyOf(responder.errors), "responder errors");
            // wrk closes its connections when it stops; the responder then closes teacup's side.
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10), () -> count(stack) == 0),
                    "connections left after wrk: " + context());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("10,000 short connections closed by the client leave no connection and no heap behind")
    void tenThousandShortConnectionsClosedByClient() throws Exception {
        try (TcpServerSocket listener = TcpServerSocket.bind(stack, 8002, TcpServerSocket.DEFAULT_BACKLOG);
             Responder responder = Responder.start(listener)) {
            run(LoadClients.shortConnections(TapNetwork.TEACUP, 8002, WARM_UP, "/", Duration.ofSeconds(30), false), WARM_UP);
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10), () -> count(stack) == 0), "after the warm-up: " + context());
            long before = LoadClients.heapAfterGc();

            LoadClients.Phase phase = run(LoadClients.shortConnections(TapNetwork.TEACUP, 8002, SHORT, "/",
                    Duration.ofSeconds(90), false), SHORT);
            boolean drained = TapNetwork.waitUntil(Duration.ofSeconds(10), () -> count(stack) == 0);
            LoadClients.Connections after = LoadClients.connections(stack);
            long heapAfter = LoadClients.heapAfterGc();
            System.out.printf("load: %d short connections (client closes) in %.2f s (%.0f/s); afterwards %s; heap %s before,"
                            + " %s after (%+d bytes, %+.0f bytes per connection)%n", SHORT, phase.seconds(),
                    SHORT / phase.seconds(), after, LoadClients.mb(before), LoadClients.mb(heapAfter),
                    heapAfter - before, (heapAfter - before) / (double) SHORT);

            assertTrue(drained, "connections left after the clients closed: " + context());
            assertEquals(WARM_UP + SHORT, responder.served.get(), "requests answered");
            assertEquals(List.of(), List.copyOf(responder.errors), "responder errors");
            assertTrue(heapAfter - before < HEAP_GROWTH_BOUND, "heap grew from " + LoadClients.mb(before) + " to "
                    + LoadClients.mb(heapAfter) + " over " + SHORT + " connections");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("RFC 9293 3.6: 10,000 short connections teacup closes first leave only TIME-WAIT, which drains after 2 MSL")
    void tenThousandShortConnectionsClosedByTeacup() throws Exception {
        TcpSettings settings = TcpSettings.defaults().withMsl(SHORT_MSL.toNanos());
        try (TcpServerSocket listener = TcpServerSocket.bind(stack, 8003, TcpServerSocket.DEFAULT_BACKLOG, settings);
             Responder responder = Responder.start(listener)) {
            run(LoadClients.shortConnections(TapNetwork.TEACUP, 8003, WARM_UP, "/", Duration.ofSeconds(30), true), WARM_UP);
            Duration drainLimit = SHORT_MSL.multipliedBy(2).plusSeconds(5);
            assertTrue(TapNetwork.waitUntil(drainLimit, () -> count(stack) == 0), "after the warm-up: " + context());
            long before = LoadClients.heapAfterGc();

            LoadClients.Phase phase = run(LoadClients.shortConnections(TapNetwork.TEACUP, 8003, SHORT, "/",
                    Duration.ofSeconds(90), true), SHORT);
            LoadClients.Connections atEnd = LoadClients.connections(stack);
            long heapAtEnd = LoadClients.heapAfterGc();
            LoadClients.Connections afterGc = LoadClients.connections(stack);
            boolean drained = TapNetwork.waitUntil(drainLimit, () -> count(stack) == 0);
            LoadClients.Connections after = LoadClients.connections(stack);
            long heapAfter = LoadClients.heapAfterGc();
            int timeWait = Math.min(atEnd.timeWait(), afterGc.timeWait());
            System.out.printf("load: %d short connections (teacup closes) in %.2f s (%.0f/s); at the end %s, heap %s before,"
                            + " %s at the end (%+.0f bytes per connection in TIME-WAIT); after 2 MSL %s, heap %s (%+d bytes)%n",
                    SHORT, phase.seconds(), SHORT / phase.seconds(), atEnd, LoadClients.mb(before), LoadClients.mb(heapAtEnd),
                    timeWait == 0 ? 0.0 : (heapAtEnd - before) / (double) timeWait, after, LoadClients.mb(heapAfter),
                    heapAfter - before);

            assertTrue(atEnd.beyondTimeWait() <= 2, "right after the run, beyond TIME-WAIT: " + atEnd);
            assertTrue(drained, "TIME-WAIT did not drain within " + drainLimit.toSeconds() + " s: " + context());
            assertEquals(WARM_UP + SHORT, responder.served.get(), "requests answered");
            assertEquals(List.of(), List.copyOf(responder.errors), "responder errors");
            assertTrue(heapAtEnd - before < HEAP_GROWTH_BOUND, "with " + atEnd + " the heap grew from "
                    + LoadClients.mb(before) + " to " + LoadClients.mb(heapAtEnd));
            // Nothing is left once TIME-WAIT is over, not even the slots the burst needed in the tables.
            assertTrue(heapAfter - before < DRAINED_GROWTH_BOUND, "after TIME-WAIT the heap grew from "
                    + LoadClients.mb(before) + " to " + LoadClients.mb(heapAfter));
        }
    }

    private LoadClients.Phase run(String[] script, int n) throws Exception {
        return LoadClients.run(net, script, n, this::context);
    }

    private static int count(NetStack stack) {
        try {
            return LoadClients.connections(stack).total();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * A minimal HTTP/1.1 responder on a teacup listener: one virtual thread accepts, one virtual
     * thread per connection reads each request head and answers it with the same few bytes; a
     * request saying {@code Connection: close} gets its answer and then teacup's FIN.
     */
    static final class Responder implements AutoCloseable {
        final AtomicInteger open = new AtomicInteger();
        final AtomicLong served = new AtomicLong();
        /** Connections the client reset (not errors: how wrk ends). */
        final AtomicInteger resets = new AtomicInteger();
        final Queue<String> errors = new ConcurrentLinkedQueue<>();
        private final TcpServerSocket listener;
        private final Thread acceptor;

        private Responder(TcpServerSocket listener) {
            this.listener = listener;
            this.acceptor = Thread.ofVirtual().name("load-accept").unstarted(this::acceptLoop);
        }

        static Responder start(TcpServerSocket listener) {
            Responder r = new Responder(listener);
            r.acceptor.start();
            return r;
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                TcpSocket socket;
                try {
                    socket = listener.accept();
                } catch (IOException e) {
                    if (!listener.isClosed() && errors.size() < 20) {
                        errors.add("accept: " + e);
                    }
                    return;
                }
                Thread.ofVirtual().start(() -> serve(socket));
            }
        }

        private void serve(TcpSocket socket) {
            open.incrementAndGet();
            try (socket) {
                socket.setSoTimeout(Duration.ofSeconds(60));
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] buffer = new byte[2048];
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (true) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        return; // the client closed between requests
                    }
                    head.write(buffer, 0, n);
                    // The client sends one request and waits for its answer, so a head ends a read.
                    String text = head.toString(StandardCharsets.US_ASCII);
                    if (!text.endsWith("\r\n\r\n")) {
                        if (head.size() > 16 * 1024) {
                            errors.add("request head over 16 KiB");
                            return;
                        }
                        continue;
                    }
                    head.reset();
                    boolean close = text.contains("\r\nConnection: close\r\n");
                    out.write(close ? RESPONSE_CLOSE : RESPONSE);
                    out.flush();
                    served.incrementAndGet();
                    if (close) {
                        return;
                    }
                }
            } catch (IOException e) {
                if ("Connection reset".equals(e.getMessage())) {
                    resets.incrementAndGet(); // wrk resets the connections it has open when it stops
                } else if (errors.size() < 20) {
                    errors.add(socket + ": " + e);
                }
            } finally {
                open.decrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
