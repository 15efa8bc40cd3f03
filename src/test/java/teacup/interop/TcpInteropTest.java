package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.link.Impairment;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;

/**
 * TCP between teacup and the Linux kernel's own TCP over a TAP in a private namespace, with real
 * programs on the kernel side: python3's http.server, socat, curl, and a python3 script holding
 * 100 connections at once. Every transfer runs twice, over a clean path and over a bad one (the
 * kernel drops 5% of packets each way with nftables, teacup's link reorders and duplicates with
 * {@link Impairment}); the failure cases run once, on a clean path.
 *
 * <p>Each transfer is checked byte for byte (SHA-256 of the whole stream). Every wait is
 * bounded: by the socket's own time-outs, by the programs' time limits, and by {@link Timeout}.
 */
@Tag("interop")
@DisplayName("interop: TCP with the Linux kernel")
class TcpInteropTest {
    /** The size of the big transfers each way (issue 3 asks for 50 MB). */
    private static final int BIG = 50 * 1024 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A read that waits this long for the next byte has hung: no transfer here pauses for that long. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROGRAM_START = Duration.ofSeconds(10);
    private static final int CHUNK = 64 * 1024;

    /** What the path between teacup and the kernel does to packets. */
    enum PathCondition {
        CLEAN(0, Impairment.Config.none(), Impairment.Config.none()),
        /**
         * 5% dropped by the kernel in each direction; on teacup's side, each way, 2% of frames held
         * back 0.2 to 1 ms so that the frames behind them overtake (reordering) and 1% sent twice
         * (duplication). Reordering by delay rather than by {@link Impairment.Config#reorderGap}:
         * a frame held for a number of later frames waits for ever when the sender goes quiet,
         * which is a loss, not a reordering.
         */
        LOSSY(5, Impairment.Config.none().delay(200_000L, 800_000L, 0.02).duplicate(0.01),
                Impairment.Config.none().delay(200_000L, 800_000L, 0.02).duplicate(0.01));

        final int kernelDropPercent;
        final Impairment.Config teacupSend;
        final Impairment.Config teacupReceive;

        PathCondition(int kernelDropPercent, Impairment.Config teacupSend, Impairment.Config teacupReceive) {
            this.kernelDropPercent = kernelDropPercent;
            this.teacupSend = teacupSend;
            this.teacupReceive = teacupReceive;
        }
    }

    // ---------------------------------------------------------------- the transfers, per path

    /**
     * The transfers, written once and run by one nested class per {@link PathCondition}. Each
     * class has its own namespace and stack, so the conditions never mix.
     */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class Transfers {
        private final PathCondition condition;
        private final long seed;
        private TapNetwork net;
        private NetStack stack;
        private Path dir;

        Transfers(PathCondition condition, long seed) {
            this.condition = condition;
            this.seed = seed;
        }

        @BeforeAll
        void setUp() throws Exception {
            TapNetwork.requireRoot("creates a network namespace and a TAP device");
            TapNetwork.requirePrograms("ip", "ss", "nft", "socat", "python3", "curl");
            dir = Files.createTempDirectory("teacup-tcp-interop-");
            net = TapNetwork.create();
            if (condition == PathCondition.CLEAN) {
                stack = net.startStack(seed);
            } else {
                stack = net.startStack(condition.teacupSend, condition.teacupReceive, seed);
                net.dropRandomly(condition.kernelDropPercent);
            }
        }

        @AfterAll
        void tearDown() throws Exception {
            try {
                if (net != null) {
                    net.close();
                }
            } finally {
                deleteTree(dir);
            }
        }

        /** What a failure message needs to replay and diagnose a run. */
        private String context() {
            return condition + " path, seed " + seed + (net.impairment() != null ? ", " + net.impairment() : "")
                    + "; counters " + net.counters();
        }

        @Test
        @Timeout(value = 240, unit = TimeUnit.SECONDS)
        @DisplayName("RFC 9293 3.10: teacup fetches 50 MB from the kernel's python3 http.server, SHA-256 equal")
        void receivesBigFileFromKernel() throws Exception {
            Path file = dir.resolve("big.bin");
            byte[] expected = writeRandomFile(file, BIG, seed);
            net.start("python3", "-m", "http.server", "8000", "--bind", TapNetwork.KERNEL, "--directory", dir.toString());
            net.awaitTcpListener(8000, PROGRAM_START);

            try (TcpSocket socket = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 8000, CONNECT_TIMEOUT)) {
                socket.setSoTimeout(READ_TIMEOUT);
                OutputStream out = socket.getOutputStream();
                out.write(("GET /big.bin HTTP/1.0\r\nHost: " + TapNetwork.KERNEL + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.0 200"), "response: " + head);
                assertTrue(head.contains("Content-Length: " + BIG), "response: " + head);

                Digest body = digestToEnd(in);

                assertEquals(BIG, body.length(), "body length; " + context());
                assertEquals(hex(expected), hex(body.sha256()), "body SHA-256; " + context());
            } finally {
                Files.deleteIfExists(file);
            }
        }

        @Test
        // Over the lossy path this is the slowest test here (110 to 175 s measured on 2 CPUs):
        // teacup's sender spends most of it in retransmission time-outs (see bench/README.md).
        @Timeout(value = 360, unit = TimeUnit.SECONDS)
        @DisplayName("RFC 9293 3.10: teacup sends 50 MB to the kernel's socat, SHA-256 of the file it wrote equal")
        void sendsBigFileToKernel() throws Exception {
            Path file = dir.resolve("from-teacup.bin");
            TapNetwork.Background sink = net.start("socat", "-u",
                    "TCP-LISTEN:8001,bind=" + TapNetwork.KERNEL + ",reuseaddr", "CREATE:" + file);
            net.awaitTcpListener(8001, PROGRAM_START);

            byte[] sent;
            try (TcpSocket socket = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 8001, CONNECT_TIMEOUT)) {
                socket.setSoTimeout(READ_TIMEOUT);
                sent = writeRandom(socket.getOutputStream(), BIG, seed + 1);
                socket.shutdownOutput();
                // socat -u ends once it has read our FIN and closes its side: the peer's FIN.
                assertEquals(-1, socket.getInputStream().read(), "socat sent data on a one-way copy");
            }
            assertTrue(sink.process.waitFor(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                    "socat did not end after teacup's FIN; " + context());
            try {
                assertEquals(0, sink.process.exitValue(), "socat: " + sink.stderrText());
                assertEquals(BIG, Files.size(file), "bytes the kernel received; " + context());
                assertEquals(hex(sent), hex(sha256(file)), "SHA-256 of what the kernel received; " + context());
            } finally {
                Files.deleteIfExists(file);
            }
        }

        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("RFC 9293 3.10: curl fetches bodies of 0 bytes to 4 MB from an HTTP/1.0 responder on a teacup listener")
        void curlFetchesFromTeacupServer() throws Exception {
            int[] sizes = {0, 1, 100_000, 4 * 1024 * 1024};
            try (TcpServerSocket listener = TcpServerSocket.bind(stack, 8080, TcpServerSocket.DEFAULT_BACKLOG);
                 Server server = Server.start(listener, socket -> respondHttp(socket, seed))) {
                List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "90"));
                for (int size : sizes) {
                    argv.addAll(List.of("-o", dir.resolve("curl-" + size).toString(),
                            "http://" + TapNetwork.TEACUP + ":8080/" + size));
                }
                SystemCommand.Result r = net.run(Duration.ofSeconds(100), argv.toArray(String[]::new));

                assertEquals(0, r.exitCode(), "curl: " + r.stderr() + "; server errors " + server.errors() + "; " + context());
                for (int size : sizes) {
                    Path got = dir.resolve("curl-" + size);
                    assertEquals(size, Files.size(got), "body /" + size);
                    assertEquals(hex(writeRandom(OutputStream.nullOutputStream(), size, seed + size)), hex(sha256(got)),
                            "SHA-256 of body /" + size);
                    Files.delete(got);
                }
                assertEquals(List.of(), server.errors(), "responder errors");
                assertEquals(sizes.length, server.served(), "connections served");
            }
        }

        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("RFC 9293 3.10.1: 100 kernel clients connected at once to one teacup listener each get their bytes echoed")
        void hundredConcurrentClients() throws Exception {
            int clients = 100;
            int bytesEach = 20_000;
            AtomicInteger open = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            try (TcpServerSocket listener = TcpServerSocket.bind(stack, 7007, TcpServerSocket.DEFAULT_BACKLOG);
                 Server server = Server.start(listener, socket -> {
                     peak.accumulateAndGet(open.incrementAndGet(), Math::max);
                     try {
                         echo(socket);
                     } finally {
                         open.decrementAndGet();
                     }
                 })) {
                SystemCommand.Result r = net.run(Duration.ofSeconds(100), "python3", "-c", CONCURRENT_CLIENTS,
                        TapNetwork.TEACUP, "7007", Integer.toString(clients), Integer.toString(bytesEach), "60");

                assertEquals(0, r.exitCode(), "clients: " + r.stdout() + r.stderr() + "; server errors "
                        + server.errors() + "; " + context());
                assertEquals("ok " + clients, r.stdout().strip());
                assertTrue(server.awaitServed(clients, Duration.ofSeconds(10)),
                        "served " + server.served() + " of " + clients);
                assertEquals(List.of(), server.errors(), "echo errors");
                // The clients wait for each other after connecting, so all were open at once on the
                // kernel's side. How many teacup's application held at once depends on how far its
                // accepts trail on a busy machine (42 of 100 was seen), so this only proves they
                // overlapped; ServeLoadInteropTest holds 1,000 open at once.
                assertTrue(peak.get() >= clients / 10, "at most " + peak.get() + " connections open at once");
            }
        }
    }

    @Nested
    @DisplayName("over a clean path")
    class CleanPath extends Transfers {
        CleanPath() {
            super(PathCondition.CLEAN, 0x7c9_0001L);
        }
    }

    @Nested
    @DisplayName("with 5% kernel-side drop each way, and reordering and duplication on teacup's side")
    class LossyPath extends Transfers {
        LossyPath() {
            super(PathCondition.LOSSY, 0x7c9_0002L);
        }
    }

    // ---------------------------------------------------------------- failures

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("failures")
    class Failures {
        private TapNetwork net;
        private NetStack stack;

        @BeforeAll
        void setUp() throws Exception {
            TapNetwork.requireRoot("creates a network namespace and a TAP device");
            TapNetwork.requirePrograms("ip", "ss", "nft", "socat");
            net = TapNetwork.create();
            stack = net.startStack(0x7c9_0003L);
        }

        @AfterAll
        void tearDown() throws Exception {
            if (net != null) {
                net.close();
            }
        }

        @Test
        @Timeout(value = 30, unit = TimeUnit.SECONDS)
        @DisplayName("RFC 9293 3.10.7.3 / MUST-12: connecting to a closed kernel port fails with \"Connection refused\" within a second")
        void closedPortIsRefused() throws Exception {
            // Warm the ARP cache first so the second below measures TCP, not address resolution.
            net.start("socat", "-u", "TCP-LISTEN:8100,bind=" + TapNetwork.KERNEL, "OPEN:/dev/null");
            net.awaitTcpListener(8100, PROGRAM_START);
            TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 8100, CONNECT_TIMEOUT).close();

            long start = System.nanoTime();
            ConnectException e = assertThrows(ConnectException.class,
                    () -> TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 8101, CONNECT_TIMEOUT).close());
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertEquals("Connection refused", e.getMessage());
            assertTrue(millis < 1000, "refusal took " + millis + " ms");
        }

        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("RFC 9293 MUST-20 (R2), MUST-12: a peer that vanishes mid-transfer surfaces an IOException after the retransmission limit, not a hang")
        void vanishedPeerFailsTheWriter() throws Exception {
            net.start("socat", "-u", "TCP-LISTEN:8102,bind=" + TapNetwork.KERNEL, "OPEN:/dev/null");
            net.awaitTcpListener(8102, PROGRAM_START);
            TcpSocket socket = connectImpatient(stack, 8102);
            AtomicLong written = new AtomicLong();
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            Thread writer = Thread.ofVirtual().name("vanish writer").start(() -> {
                byte[] chunk = new byte[CHUNK];
                try {
                    OutputStream out = socket.getOutputStream();
                    // Bounded: far more than any buffer on the way holds, so the write blocks long
                    // before the end unless the connection fails.
                    for (int i = 0; i < 4096; i++) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    out.flush();
                } catch (Throwable t) {
                    writeFailure.set(t);
                }
            });
            try {
                assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(20), () -> written.get() >= 4L * 1024 * 1024),
                        "the transfer never got going: " + written.get() + " bytes written; counters " + net.counters());

                net.dropEverything();
                long vanished = System.nanoTime();
                writer.join(Duration.ofSeconds(90));
                long seconds = (System.nanoTime() - vanished) / 1_000_000_000L;

                assertTrue(!writer.isAlive(), "the writer still blocks " + seconds + " s after the peer vanished; counters "
                        + net.counters());
                Throwable t = writeFailure.get();
                assertTrue(t instanceof IOException, "the writer ended with " + t + " after " + written.get() + " bytes");
                // MUST-12: the application learns why, not just that it failed.
                assertEquals("Connection timed out", t.getMessage());
                // Reading the same connection reports the failure too, rather than waiting or returning end of stream.
                assertThrows(IOException.class, () -> socket.getInputStream().read());
            } finally {
                socket.abort();
                writer.join(Duration.ofSeconds(5));
                net.stopDropping();
            }
        }
    }

    /**
     * A connection that gives up after 5 retransmissions with the RTO between 200 ms and 1 s
     * (R2 about 3 s), instead of the default 12 with a 60 s ceiling (minutes).
     */
    private static TcpSocket connectImpatient(NetStack stack, int port) throws IOException {
        TcpSettings impatient = TcpSettings.defaults()
                .withRetransmission(200_000_000L, 1_000_000_000L, 5);
        return TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, port, CONNECT_TIMEOUT, impatient);
    }

    // ---------------------------------------------------------------- teacup-side servers

    /** What a server does with one accepted connection (it closes it afterwards). */
    @FunctionalInterface
    interface Handler {
        void handle(TcpSocket socket) throws IOException;
    }

    /**
     * Accepts on a virtual thread and serves each connection on a virtual thread of its own.
     * Errors are collected, not thrown, for the test to assert on; {@link #close} closes the
     * listener (so the accept loop ends) and waits, bounded, for the connections to finish.
     */
    static final class Server implements AutoCloseable {
        private final TcpServerSocket listener;
        private final Queue<String> errors = new ConcurrentLinkedQueue<>();
        private final Queue<Thread> handlers = new ConcurrentLinkedQueue<>();
        private final AtomicInteger served = new AtomicInteger();
        private final Thread acceptor;

        private Server(TcpServerSocket listener, Handler handler) {
            this.listener = listener;
            this.acceptor = Thread.ofVirtual().name("teacup accept").start(() -> acceptLoop(handler));
        }

        static Server start(TcpServerSocket listener, Handler handler) {
            return new Server(listener, handler);
        }

        private void acceptLoop(Handler handler) {
            while (true) {
                TcpSocket socket;
                try {
                    socket = listener.accept();
                } catch (IOException e) {
                    return; // the listener was closed
                }
                handlers.add(Thread.ofVirtual().name("teacup conn " + socket.remotePort()).start(() -> {
                    try (socket) {
                        handler.handle(socket);
                        served.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        errors.add(socket.remotePort() + ": " + e);
                    }
                }));
            }
        }

        List<String> errors() {
            return List.copyOf(errors);
        }

        int served() {
            return served.get();
        }

        boolean awaitServed(int count, Duration timeout) throws InterruptedException {
            return TapNetwork.waitUntil(timeout, () -> served.get() >= count);
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(Duration.ofSeconds(5));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (Thread t : handlers) {
                t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        }
    }

    /** Copies what arrives back until the peer's FIN, then sends our FIN. */
    private static void echo(TcpSocket socket) throws IOException {
        socket.setSoTimeout(READ_TIMEOUT);
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
        }
        out.flush();
        socket.shutdownOutput();
    }

    /**
     * A tiny HTTP/1.0 responder: {@code GET /N} answers N pseudo-random bytes (seeded with
     * {@code seed + N}, so the test can recompute them) and closes the connection.
     */
    private static void respondHttp(TcpSocket socket, long seed) throws IOException {
        socket.setSoTimeout(READ_TIMEOUT);
        String head = readHead(socket.getInputStream());
        String[] requestLine = head.lines().findFirst().orElse("").split(" ");
        OutputStream out = socket.getOutputStream();
        int size;
        try {
            if (requestLine.length < 2 || !requestLine[0].equals("GET")) {
                throw new NumberFormatException();
            }
            size = Integer.parseInt(requestLine[1].substring(1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            out.write("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            throw new IOException("bad request: " + head.lines().findFirst().orElse(""));
        }
        out.write(("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + size + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        writeRandom(out, size, seed + size);
        out.flush();
    }

    // ---------------------------------------------------------------- streams and hashes

    /** A python3 client that opens {@code n} connections, waits until all are up, then has each send and check an echo. */
    private static final String CONCURRENT_CLIENTS = """
            import os, socket, sys, threading
            host, port, n, size, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
            barrier = threading.Barrier(n, timeout=limit)
            results = [None] * n
            def client(i):
                try:
                    s = socket.create_connection((host, port), timeout=limit)
                    barrier.wait()
                    data = os.urandom(size)
                    s.sendall(data)
                    s.shutdown(socket.SHUT_WR)
                    got = bytearray()
                    while True:
                        b = s.recv(65536)
                        if not b:
                            break
                        got += b
                    s.close()
                    results[i] = 'ok' if got == data else 'echo differs: %d of %d bytes back' % (len(got), len(data))
                except Exception as e:
                    results[i] = repr(e)
                    barrier.abort()
            threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(limit)
            bad = [(i, r) for i, r in enumerate(results) if r != 'ok']
            print('ok', n - len(bad))
            for i, r in bad[:10]:
                print('client', i, r)
            sys.exit(1 if bad else 0)
            """;

    /** The bytes of an HTTP response or request up to and including the blank line (at most 16 KiB). */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection ended inside the header: " + head.toString(StandardCharsets.US_ASCII));
            }
            if (head.size() >= 16 * 1024) {
                throw new IOException("header longer than 16 KiB");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    record Digest(long length, byte[] sha256) {
    }

    /** Reads to the end of the stream, hashing as it goes. */
    private static Digest digestToEnd(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[CHUNK];
        long length = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            sha.update(buffer, 0, n);
            length += n;
        }
        return new Digest(length, sha.digest());
    }

    /** Writes {@code size} bytes from a generator seeded with {@code seed}; returns their SHA-256. */
    private static byte[] writeRandom(OutputStream out, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest sha = sha256();
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            random.nextBytes(chunk);
            sha.update(chunk, 0, n);
            out.write(chunk, 0, n);
            left -= n;
        }
        return sha.digest();
    }

    private static byte[] writeRandomFile(Path file, long size, long seed) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            return writeRandom(out, size, seed);
        }
    }

    private static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return digestToEnd(in).sha256();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
