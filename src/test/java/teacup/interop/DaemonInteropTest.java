package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

/**
 * {@code teacup daemon} as other programs use it: a JVM process of its own on the TAP of a
 * private namespace, serving SOCKS5 on the host's loopback (the daemon runs in the host's
 * namespace and only opens its TAP inside the private one) and forwarding teacup's port 8080 to
 * a server on that same loopback. On the namespace's kernel side: python3's http.server with a
 * random file, and dnsmasq answering for files.teacup.test. Real curl on both sides.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup daemon's SOCKS5 server and port forwards with real curl")
class DaemonInteropTest {
    private static final int CLIENTS = 50;
    private static final int BLOB_SIZE = 4 << 20;
    private static final String NAME = "files.teacup.test";
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern SOCKS_PORT = Pattern.compile("SOCKS5 on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HTTP_PORT = Pattern.compile("port (\\d+)");

    private TapNetwork net;
    private Path dir;
    private byte[] blob;
    private byte[] local;
    private TapNetwork.Background daemon;
    private int socksPort;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "curl", "python3", "dnsmasq");
        dir = Files.createTempDirectory("teacup-daemon-");
        Path remote = Files.createDirectory(dir.resolve("remote"));
        Path near = Files.createDirectory(dir.resolve("local"));
        blob = random(BLOB_SIZE, 0xb10bL);
        local = random(3 << 20 | 777, 0x10ca1L);
        Files.write(remote.resolve("blob"), blob);
        Files.write(near.resolve("file"), local);
        net = TapNetwork.create();

        net.start("python3", "-m", "http.server", "8000", "--bind", TapNetwork.KERNEL, "--directory", remote.toString());
        net.start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file", "--user=nobody", "--group=nogroup",
                "--no-resolv", "--no-hosts", "--listen-address=" + TapNetwork.KERNEL, "--bind-interfaces", "--port=53",
                "--local=/teacup.test/", "--host-record=" + NAME + "," + TapNetwork.KERNEL);
        net.awaitTcpListener(8000, Duration.ofSeconds(10));
        net.awaitUdpListener(53, Duration.ofSeconds(10));

        // The forwards' destinations are on the loopback of the namespace the daemon runs in: the host's.
        TapNetwork.Background localServer = net.startProcess("python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                "--directory", near.toString());
        assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10), () -> HTTP_PORT.matcher(localServer.stdoutText()).find()),
                "local http.server did not start: " + localServer.stdoutText() + localServer.stderrText());
        Matcher m = HTTP_PORT.matcher(localServer.stdoutText());
        assertTrue(m.find());
        int localPort = Integer.parseInt(m.group(1));
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort(); // free once closed: nothing listens there
        }

        daemon = net.startProcess(teacup("daemon", "--netns", net.namespace(), "--tap", TapNetwork.TAP,
                "--ip", TapNetwork.TEACUP + "/24", "--gateway", TapNetwork.KERNEL, "--dns", TapNetwork.KERNEL,
                "--mac", TapNetwork.TEACUP_MAC.toString(), "--socks", "127.0.0.1:0",
                "--forward", "8080=127.0.0.1:" + localPort, "--forward", "8081=127.0.0.1:" + deadPort));
        // The whole ready line, not just its start: the file may be read while the line is being written.
        boolean up = TapNetwork.waitUntil(Duration.ofSeconds(20),
                () -> daemon.stdoutText().contains("SIGTERM\n") || !daemon.process.isAlive());
        assertTrue(up && daemon.process.isAlive(), "daemon did not come up:\n" + daemonOutput());
        Matcher p = SOCKS_PORT.matcher(daemon.stdoutText());
        assertTrue(p.find(), "no SOCKS address in the ready line:\n" + daemonOutput());
        socksPort = Integer.parseInt(p.group(1));
    }

    @AfterAll
    void tearDown() throws IOException {
        if (net != null) {
            net.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static String[] teacup(String... args) {
        return TeacupCommand.argv(args);
    }

    private String daemonOutput() {
        return "daemon stdout:\n" + daemon.stdoutText() + "\ndaemon stderr:\n" + daemon.stderrText();
    }

    private String[] curlThroughSocks(Path out, String... extra) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "-f", "--max-time", "60",
                "--socks5-hostname", "127.0.0.1:" + socksPort, "-o", out.toString()));
        argv.addAll(List.of(extra));
        argv.add("http://" + NAME + ":8000/blob");
        return argv.toArray(String[]::new);
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String describe(SystemCommand.Result r) {
        return "exit " + r.exitCode() + "\nstdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr();
    }

    @Test
    @Order(1)
    @DisplayName("50 curls at once through SOCKS5, names resolved by teacup's DNS, each get the file byte-exact")
    void parallelCurlsThroughSocks() throws Exception {
        String expected = sha256(blob);
        long start = System.nanoTime();
        List<Future<SystemCommand.Result>> runs = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CLIENTS; i++) {
                Path out = dir.resolve("socks-" + i);
                runs.add(pool.submit(() -> SystemCommand.run(CURL_TIMEOUT, curlThroughSocks(out))));
            }
            for (int i = 0; i < CLIENTS; i++) {
                SystemCommand.Result r = runs.get(i).get();
                assertEquals(0, r.exitCode(), "curl " + i + ": " + describe(r) + "\n" + daemonOutput());
            }
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        for (int i = 0; i < CLIENTS; i++) {
            Path out = dir.resolve("socks-" + i);
            assertEquals(expected, sha256(Files.readAllBytes(out)), "body " + i);
            Files.delete(out);
        }
        long megabytes = (long) CLIENTS * BLOB_SIZE >> 20;
        System.out.printf("teacup daemon: %d parallel curls through SOCKS5, %d MB in %d ms (%.1f MB/s)%n",
                CLIENTS, megabytes, tookMillis, megabytes * 1000.0 / Math.max(1, tookMillis));
    }

    @Test
    @Order(2)
    @DisplayName("--forward: curl in the namespace fetches through teacup's port 8080 from the host's loopback, byte-exact")
    void forwardRelaysToTheKernelSide() throws Exception {
        Path out = dir.resolve("forwarded");
        SystemCommand.Result r = net.run(CURL_TIMEOUT, "curl", "-sS", "-f", "--max-time", "60", "-o", out.toString(),
                "http://" + TapNetwork.TEACUP + ":8080/file");
        assertEquals(0, r.exitCode(), describe(r) + "\n" + daemonOutput());
        assertArrayEquals(local, Files.readAllBytes(out));
    }

    @Test
    @Order(3)
    @DisplayName("--forward to a port where nothing listens: the client's connection is reset at once")
    void forwardToNothingResets() throws Exception {
        long start = System.nanoTime();
        SystemCommand.Result r = net.run(CURL_TIMEOUT, "curl", "-sS", "--max-time", "20",
                "http://" + TapNetwork.TEACUP + ":8081/");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        // 56: "Recv failure: Connection reset by peer"; 52 or 7 if the reset beat the request or the handshake.
        assertTrue(r.exitCode() == 56 || r.exitCode() == 52 || r.exitCode() == 7, describe(r));
        assertTrue(tookMillis < 10_000, "took " + tookMillis + " ms");
    }

    @Test
    @Order(4)
    @DisplayName("a SOCKS client speaking garbage is closed, and the next curl is served")
    void garbageClientIsClosed() throws Exception {
        try (Socket junk = new Socket(InetAddress.getLoopbackAddress(), socksPort)) {
            junk.setSoTimeout(5000);
            junk.getOutputStream().write("GET http://files.teacup.test/ HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            boolean closed;
            try {
                closed = junk.getInputStream().read() < 0;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (SocketException e) {
                closed = true; // reset: closed with our bytes unread
            }
            assertTrue(closed, "garbage client still open after 5 s");
        }
        Path out = dir.resolve("after-garbage");
        SystemCommand.Result r = SystemCommand.run(CURL_TIMEOUT, curlThroughSocks(out));
        assertEquals(0, r.exitCode(), describe(r) + "\n" + daemonOutput());
        assertEquals(sha256(blob), sha256(Files.readAllBytes(out)));
    }

    @Test
    @Order(5)
    @DisplayName("a name teacup's DNS cannot resolve gets SOCKS reply 4, which curl reports")
    void unresolvableName() throws Exception {
        SystemCommand.Result r = SystemCommand.run(CURL_TIMEOUT, "curl", "-sS", "--max-time", "20",
                "--socks5-hostname", "127.0.0.1:" + socksPort, "http://nowhere.teacup.test:8000/");
        assertEquals(97, r.exitCode(), describe(r));
        assertTrue(r.stderr().contains("(4)"), describe(r));
    }

    @Test
    @Order(6)
    @DisplayName("a malformed --forward is a one-line usage error with exit code 2")
    void badForwardIsAUsageError() throws Exception {
        SystemCommand.Result r = SystemCommand.run(Duration.ofSeconds(30), teacup("daemon", "--netns", net.namespace(),
                "--tap", TapNetwork.TAP, "--ip", TapNetwork.TEACUP + "/24", "--forward", "8080:127.0.0.1:80"));
        assertEquals(2, r.exitCode(), describe(r));
        assertEquals(1, r.stderr().strip().lines().count(), describe(r));
        assertTrue(r.stderr().contains("--forward"), describe(r));
    }

    @Test
    @Order(100)
    @DisplayName("SIGTERM with a relayed transfer in flight: the daemon exits 0 within 10 s, printing its statistics")
    void sigtermWithTransferInFlight() throws Exception {
        Path out = dir.resolve("in-flight");
        // Slow enough to be still running when the signal comes.
        Process curl = new ProcessBuilder(curlThroughSocks(out, "--limit-rate", "256K"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("in-flight.err").toFile()).start();
        try {
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(20), () -> size(out) > 64 * 1024),
                    "transfer did not start\n" + daemonOutput());
            assertTrue(curl.isAlive(), () -> "transfer over before the signal: curl exit " + curl.exitValue() + ", "
                    + size(out) + " bytes, stderr: " + readQuietly(dir.resolve("in-flight.err")) + "\n" + daemonOutput());
            long start = System.nanoTime();
            boolean ended = daemon.terminate(Duration.ofSeconds(10));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ended, "daemon still running 10 s after SIGTERM:\n" + daemonOutput());
            System.out.println("teacup daemon stopped " + tookMillis + " ms after SIGTERM with a transfer in flight");
            assertEquals(0, daemon.process.exitValue(), daemonOutput());
            String stdout = daemon.stdoutText();
            assertTrue(stdout.contains("statistics"), daemonOutput());
            assertTrue(stdout.matches("(?s).*\\s(5[3-9]|[6-9]\\d|\\d{3,})  connections relayed.*"), daemonOutput());
            assertTrue(curl.waitFor(70, TimeUnit.SECONDS), "curl still running after the daemon stopped");
        } finally {
            curl.destroyForcibly();
            curl.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
