package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import teacup.host.SystemCommand;

/**
 * {@code teacup nc} as users run it, a JVM process of its own on the TAP of a private namespace,
 * against the kernel's TCP and socat on the other side: as a client copying stdin out and the
 * answer to stdout, as a one-shot listener, as a concurrent echo server, and refused.
 */
@Tag("interop")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup nc against the kernel's socat")
class NcInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @BeforeEach
    void requirements() {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "socat");
    }

    /** A teacup nc process, its stdin from a file, its output in files; ended by handle in close(). */
    private final class Nc implements AutoCloseable {
        final Process process;
        final Path out;
        final Path err;

        Nc(TapNetwork net, byte[] stdin, String... args) throws IOException, URISyntaxException {
            Path in = Files.createTempFile(dir, "nc", ".in");
            Files.write(in, stdin);
            out = Files.createTempFile(dir, "nc", ".out");
            err = Files.createTempFile(dir, "nc", ".err");
            List<String> argv = new ArrayList<>(teacup("nc", "--netns", net.namespace(), "--tap", TapNetwork.TAP,
                    "--ip", TapNetwork.TEACUP + "/24", "--mac", TapNetwork.TEACUP_MAC.toString()));
            argv.addAll(List.of(args));
            process = new ProcessBuilder(argv).redirectInput(in.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
        }

        byte[] stdout() throws IOException {
            return Files.readAllBytes(out);
        }

        String stderr() {
            try {
                return Files.readString(err, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        int awaitExit() throws InterruptedException {
            if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("teacup nc still running after " + WAIT.toSeconds() + " s; stderr:\n" + stderr());
            }
            return process.exitValue();
        }

        void awaitListening() throws InterruptedException {
            boolean up = TapNetwork.waitUntil(WAIT, () -> stderr().contains("listening on") || !process.isAlive());
            assertTrue(up && process.isAlive(), "teacup nc -l did not start listening:\n" + stderr());
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static List<String> teacup(String... args) {
        return TeacupCommand.argvList(args);
    }


    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Waits (bounded) until a kernel TCP socket listens on {@code port} inside the namespace. */
    private static void awaitTcpListener(TapNetwork net, int port) throws IOException, InterruptedException {
        String needle = ":" + port + " ";
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = net.run(Duration.ofSeconds(5), "ss", "-Hntl").stdout();
            if (last.lines().anyMatch(l -> l.contains(needle))) {
                return;
            }
            Thread.sleep(20);
        }
        fail("nothing listened on TCP port " + port + "; ss -ntl said:\n" + last);
    }

    private static String describe(SystemCommand.Result r) {
        return "exit " + r.exitCode() + "\nstderr:\n" + r.stderr();
    }

    @Test
    @DisplayName("teacup nc HOST PORT sends 200 kB of stdin to a kernel socat echo server, half-closes, and prints the echo, exit 0")
    void clientSendsStdinAndPrintsAnswer() throws Exception {
        byte[] data = random(200_000, 1);
        try (TapNetwork net = TapNetwork.create()) {
            net.start("socat", "-t", "5", "TCP4-LISTEN:7001,bind=" + TapNetwork.KERNEL + ",reuseaddr", "EXEC:cat");
            awaitTcpListener(net, 7001);
            try (Nc nc = new Nc(net, data, TapNetwork.KERNEL, "7001")) {
                assertEquals(0, nc.awaitExit(), nc.stderr());
                byte[] echoed = nc.stdout();
                assertEquals(data.length, echoed.length, "echoed length; stderr:\n" + nc.stderr());
                assertArrayEquals(data, echoed);
            }
        }
    }

    @Test
    @DisplayName("teacup nc waits for its last bytes to be acknowledged before it exits, even when the peer finished first (2 MB after the peer's FIN)")
    void lastBytesArriveWhenThePeerFinishedFirst() throws Exception {
        TapNetwork.requirePrograms("python3");
        byte[] data = random(2_000_000, 4);
        // Half-closes at once, and only then, with a small window and after a pause, counts and
        // hashes what arrives until teacup's FIN: teacup's stdin ends while most of it is unsent.
        String sink = String.join("\n",
                "import hashlib, socket, sys, time",
                "s = socket.socket()",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)",
                "s.bind((sys.argv[1], int(sys.argv[2])))",
                "s.listen(1)",
                "print('listening', flush=True)",
                "c, _ = s.accept()",
                "c.shutdown(socket.SHUT_WR)",
                "time.sleep(1.5)",
                "c.settimeout(20)",
                "n, h = 0, hashlib.sha256()",
                "while True:",
                "    d = c.recv(65536)",
                "    if not d: break",
                "    n += len(d)",
                "    h.update(d)",
                "print(n, h.hexdigest(), flush=True)") + "\n";
        try (TapNetwork net = TapNetwork.create()) {
            TapNetwork.Background kernel = net.start("python3", "-c", sink, TapNetwork.KERNEL, "7004");
            assertTrue(TapNetwork.waitUntil(WAIT, () -> kernel.stdoutText().contains("listening") || !kernel.process.isAlive()),
                    "sink did not start: " + kernel.stderrText());
            try (Nc nc = new Nc(net, data, TapNetwork.KERNEL, "7004")) {
                assertEquals(0, nc.awaitExit(), nc.stderr());
                assertEquals(0, nc.stdout().length);
            }
            assertTrue(kernel.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "sink still waiting: " + kernel.stdoutText());
            String expected = data.length + " " + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(data));
            assertEquals(expected, kernel.stdoutText().lines().reduce((first, last) -> last).orElse(""), kernel.stderrText());
        }
    }

    @Test
    @DisplayName("teacup nc -l PORT accepts a kernel socat client: each side gets the other's stdin, both exit 0")
    void listenerAcceptsKernelClient() throws Exception {
        // Text, so that socat's output survives the trip through a String intact.
        String fromTeacup = "teacup to kernel\n".repeat(6000);
        byte[] fromKernel = random(150_000, 3);
        try (TapNetwork net = TapNetwork.create();
             Nc nc = new Nc(net, fromTeacup.getBytes(StandardCharsets.US_ASCII), "-l", "-v", "7002")) {
            nc.awaitListening();
            SystemCommand.Result kernel = net.run(WAIT, fromKernel, "socat", "-t", "10", "-",
                    "TCP4:" + TapNetwork.TEACUP + ":7002,connect-timeout=10");
            assertEquals(0, kernel.exitCode(), describe(kernel) + "\nteacup:\n" + nc.stderr());
            assertEquals(0, nc.awaitExit(), nc.stderr());
            assertArrayEquals(fromKernel, nc.stdout(), "what teacup printed");
            assertEquals(fromTeacup, kernel.stdout(), "what socat printed");
        }
    }

    @Test
    @DisplayName("teacup nc -l -k --echo serves 8 kernel socat clients at once, each getting back exactly its own 64 kB")
    void echoServerServesClientsConcurrently() throws Exception {
        int clients = 8;
        try (TapNetwork net = TapNetwork.create();
             Nc nc = new Nc(net, new byte[0], "-l", "-k", "--echo", "-v", "7003");
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            nc.awaitListening();
            List<Future<String>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(threads.submit(() -> {
                    // Text, so that socat's output survives the trip through a String intact.
                    String payload = ("client " + client + " line\n").repeat(64 * 1024 / 15);
                    SystemCommand.Result r = net.run(WAIT, payload.getBytes(StandardCharsets.US_ASCII), "socat",
                            "-t", "10", "-", "TCP4:" + TapNetwork.TEACUP + ":7003,connect-timeout=10");
                    if (r.exitCode() != 0) {
                        return "client " + client + ": " + describe(r);
                    }
                    return r.stdout().equals(payload) ? "ok"
                            : "client " + client + ": got " + r.stdout().length() + " of " + payload.length() + " bytes back";
                }));
            }
            List<String> outcomes = new ArrayList<>();
            for (Future<String> f : results) {
                outcomes.add(f.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS));
            }
            assertEquals(List.of("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"), outcomes, nc.stderr());
            assertTrue(nc.process.isAlive(), "-k keeps listening after its clients left:\n" + nc.stderr());
        }
    }

    @Test
    @DisplayName("teacup nc -l -k without --echo prints what each of 3 kernel clients sends, and keeps listening")
    void keepOpenPrintsEveryClient() throws Exception {
        try (TapNetwork net = TapNetwork.create();
             Nc nc = new Nc(net, new byte[0], "-l", "-k", "-v", "7005")) {
            nc.awaitListening();
            for (int c = 0; c < 3; c++) {
                SystemCommand.Result r = net.run(WAIT, ("line from client " + c + "\n").getBytes(StandardCharsets.US_ASCII),
                        "socat", "-t", "10", "-", "TCP4:" + TapNetwork.TEACUP + ":7005,connect-timeout=10");
                assertEquals(0, r.exitCode(), describe(r) + "\nteacup:\n" + nc.stderr());
                assertEquals("", r.stdout(), "stdin was empty, so teacup half-closed at once");
                long lines = c + 1;
                // Each client's line printed before the next connects, so the order is known.
                assertTrue(TapNetwork.waitUntil(WAIT, () -> {
                    try {
                        return new String(nc.stdout(), StandardCharsets.US_ASCII).lines().count() == lines;
                    } catch (IOException e) {
                        return false;
                    }
                }), "teacup printed:\n" + new String(nc.stdout(), StandardCharsets.US_ASCII) + "\nstderr:\n" + nc.stderr());
            }
            assertEquals("line from client 0\nline from client 1\nline from client 2\n",
                    new String(nc.stdout(), StandardCharsets.US_ASCII));
            assertTrue(nc.process.isAlive(), nc.stderr());
        }
    }

    @Test
    @DisplayName("teacup nc to a closed kernel port: exit 7, 'Failed to connect to HOST port PORT: Connection refused'")
    void refusedIsExitSeven() throws Exception {
        try (TapNetwork net = TapNetwork.create();
             Nc nc = new Nc(net, new byte[0], TapNetwork.KERNEL, "7999")) {
            assertEquals(7, nc.awaitExit(), nc.stderr());
            assertEquals("teacup: Failed to connect to " + TapNetwork.KERNEL + " port 7999: Connection refused",
                    nc.stderr().strip());
        }
    }

    @Test
    @DisplayName("teacup nc -w 1 to an address nobody answers for: exit 28 after the time-out")
    void silenceIsExitTwentyEight() throws Exception {
        try (TapNetwork net = TapNetwork.create();
             Nc nc = new Nc(net, new byte[0], "-w", "1", "198.18.0.99", "7999")) {
            assertEquals(28, nc.awaitExit(), nc.stderr());
            assertTrue(nc.stderr().startsWith("teacup: Failed to connect to 198.18.0.99 port 7999: Connection timed out"),
                    nc.stderr());
        }
    }
}
