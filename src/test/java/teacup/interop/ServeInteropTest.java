package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import teacup.host.SystemCommand;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.socket.TeacupServerSocketFactory;
import teacup.stack.NetStack;

/**
 * {@link FileServer} on teacup's stack, fetched by the real curl on the kernel's side of a TAP in
 * a private namespace: a 20 MB file byte-exact (clean, and with 5% of packets dropped by the
 * kernel's nftables), ranges, a reused connection; and {@code teacup serve} as a separate process,
 * stopped by SIGTERM.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup serve fetched by the kernel's curl")
class ServeInteropTest {
    private static final int PORT = 8080;
    private static final int BIG = 20 * 1024 * 1024;
    private static final String BASE = "http://" + TapNetwork.TEACUP + ":" + PORT;
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(150);

    private Path dir;
    private Path www;
    private byte[] big;

    @BeforeAll
    void files(@TempDir Path tempDir) throws IOException {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "curl", "nft");
        dir = tempDir;
        www = Files.createDirectories(dir.resolve("www"));
        big = new byte[BIG];
        new SplittableRandom(20).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        Files.writeString(www.resolve("hello.txt"), "hello from teacup serve\n");
    }

    /** A stack on a fresh TAP network with a FileServer on port {@value #PORT}; the log lines land in {@code log}. */
    private FileServer serve(TapNetwork net, List<String> log, long seed) throws IOException {
        NetStack stack = net.startStack(seed);
        ServerSocket listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT);
        return FileServer.start(listener, FileServer.Settings.of(www), new AccessLog(log::add));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** curl's -w report: "code size seconds". */
    private static final String WRITE_OUT = "%{http_code} %{size_download} %{time_total}\\n";

    /** Fetches big.bin with curl into a file; checks it byte for byte and returns the rate in MB/s. */
    private double fetchBig(TapNetwork net, String label) throws IOException {
        Path out = dir.resolve("fetched.bin");
        Files.deleteIfExists(out);
        SystemCommand.Result r = net.run(CURL_TIMEOUT, "curl", "-sS", "--max-time", "120", "-o", out.toString(),
                "-w", WRITE_OUT, BASE + "/big.bin");
        assertEquals(0, r.exitCode(), "curl: " + r.stdout() + r.stderr());
        String[] report = r.stdout().strip().split(" ");
        assertEquals("200", report[0], r.stdout());
        byte[] got = Files.readAllBytes(out);
        assertEquals(BIG, got.length);
        assertEquals(sha256(big), sha256(got), "SHA-256 of what curl saved");
        double seconds = Double.parseDouble(report[2]);
        double rate = BIG / 1e6 / seconds;
        System.out.printf(Locale.ROOT, "teacup serve, 20 MB to curl (%s): %.3f s, %.1f MB/s%n", label, seconds, rate);
        return rate;
    }

    @Test
    @DisplayName("curl downloads a 20 MB file from teacup's server byte-exact, and the access log has its line")
    void bigFile() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (TapNetwork net = TapNetwork.create(); FileServer server = serve(net, log, 1)) {
            // Three fetches: the first also pays for the JIT warming up; the rates printed show both.
            for (int i = 1; i <= 3; i++) {
                fetchBig(net, "clean, fetch " + i);
            }
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(5), () -> !log.isEmpty()));
            assertTrue(log.get(0).startsWith(TapNetwork.KERNEL + " - - ["), log.get(0));
            assertTrue(log.get(0).contains("\"GET /big.bin HTTP/1.1\" 200 " + BIG + " \"curl/"), log.get(0));
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(5), () -> log.size() == 3), String.join("\n", log));
        }
    }

    @Test
    @DisplayName("with 5% of packets dropped by the kernel both ways, the 20 MB file still arrives byte-exact")
    void bigFileUnderLoss() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (TapNetwork net = TapNetwork.create(); FileServer server = serve(net, log, 2)) {
            net.dropRandomly(5);
            fetchBig(net, "5% drop");
        }
    }

    @Test
    @DisplayName("curl -r fetches byte ranges (206), and two URLs in one curl reuse one connection")
    void rangesAndReuse() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (TapNetwork net = TapNetwork.create(); FileServer server = serve(net, log, 3)) {
            Path part = dir.resolve("part.bin");
            SystemCommand.Result r = net.run(CURL_TIMEOUT, "curl", "-sS", "-r", "1000000-1999999", "-o", part.toString(),
                    "-w", WRITE_OUT, BASE + "/big.bin");
            assertEquals(0, r.exitCode(), r.stderr());
            assertTrue(r.stdout().startsWith("206 1000000 "), r.stdout());
            assertArrayEquals(Arrays.copyOfRange(big, 1_000_000, 2_000_000), Files.readAllBytes(part));

            r = net.run(CURL_TIMEOUT, "curl", "-sS", "-r", "-100", "-o", part.toString(), "-w", WRITE_OUT, BASE + "/big.bin");
            assertTrue(r.stdout().startsWith("206 100 "), r.stdout());
            assertArrayEquals(Arrays.copyOfRange(big, BIG - 100, BIG), Files.readAllBytes(part));

            r = net.run(CURL_TIMEOUT, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-r", BIG + "-", BASE + "/big.bin");
            assertEquals("416", r.stdout().strip());

            r = net.run(CURL_TIMEOUT, "curl", "-sv", BASE + "/hello.txt", BASE + "/hello.txt");
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("hello from teacup serve\nhello from teacup serve\n", r.stdout());
            assertTrue(r.stderr().contains("Re-using existing connection") || r.stderr().contains("Reusing existing"),
                    "the second request should ride the first connection:\n" + r.stderr());
            long lines = log.stream().filter(l -> l.contains("GET /hello.txt")).count();
            assertEquals(2, lines, String.join("\n", log));
        }
    }

    // ---------------------------------------------------------------- the CLI as a process

    private static String[] teacup(String... args) {
        return TeacupCommand.argv(args);
    }

    @Test
    @DisplayName("teacup serve as a process: curl fetches a file, then SIGTERM stops it within 10 s with exit 0")
    void cliProcess() throws Exception {
        try (TapNetwork net = TapNetwork.create()) {
            TapNetwork.Background serve = net.startProcess(teacup("serve", "--port", String.valueOf(PORT),
                    "--root", www.toString(), "--netns", net.namespace(), "--tap", TapNetwork.TAP,
                    "--ip", TapNetwork.TEACUP + "/24", "--gateway", TapNetwork.KERNEL, "--mac", TapNetwork.TEACUP_MAC.toString()));
            boolean up = TapNetwork.waitUntil(Duration.ofSeconds(30),
                    () -> serve.stdoutText().contains("stop with Ctrl-C or SIGTERM") || !serve.process.isAlive());
            assertTrue(up && serve.process.isAlive(), "serve did not come up:\n" + serve.stdoutText() + serve.stderrText());
            assertTrue(serve.stdoutText().contains("at " + BASE + "/"), serve.stdoutText());

            SystemCommand.Result r = net.run(CURL_TIMEOUT, "curl", "-sS", "-A", "interop-test", BASE + "/hello.txt");
            assertEquals(0, r.exitCode(), r.stderr() + "\nserve:\n" + serve.stdoutText() + serve.stderrText());
            assertEquals("hello from teacup serve\n", r.stdout());
            Path out = dir.resolve("cli-big.bin");
            r = net.run(CURL_TIMEOUT, "curl", "-sS", "-o", out.toString(), BASE + "/big.bin");
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals(sha256(big), sha256(Files.readAllBytes(out)));
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(5),
                    () -> serve.stdoutText().contains("\"GET /hello.txt HTTP/1.1\" 200 24 \"interop-test\"")), serve.stdoutText());

            long start = System.nanoTime();
            boolean ended = serve.terminate(Duration.ofSeconds(10));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ended, "teacup serve still running 10 s after SIGTERM:\n" + serve.stdoutText());
            System.out.println("teacup serve stopped " + tookMillis + " ms after SIGTERM");
            assertEquals(0, serve.process.exitValue(), "a SIGTERM stop is a clean stop; stderr:\n" + serve.stderrText());
        }
    }

    @Test
    @DisplayName("teacup serve with a --root that does not exist prints one line and exits 2")
    void missingRoot() throws Exception {
        SystemCommand.Result r = SystemCommand.run(Duration.ofSeconds(30), teacup("serve", "--root",
                dir.resolve("nope").toString(), "--tap", "unused0", "--ip", "198.18.0.2/24"));
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertTrue(r.stderr().contains("no such directory"), r.stderr());
    }
}
