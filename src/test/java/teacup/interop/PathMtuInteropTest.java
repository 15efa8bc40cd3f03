package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.host.SystemCommand;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.wire.Ipv4Address;

/**
 * Path MTU discovery against the Linux kernel, through a path narrower than teacup's link.
 * Teacup sits on the TAP of namespace A (1500 bytes; the kernel side, 198.18.0.1, is its
 * gateway and forwards); from A a veth pair leads to a second namespace B, where a python3
 * server listens on {@value #SERVER}. A's end of the veth has MTU 1280, so A's kernel must
 * send "fragmentation needed" for teacup's full-size segments (RFC 1191); B's end has 1500, so B
 * announces MSS 1460 as a host on a 1500-byte link would. What B sends larger than 1280 a veth
 * drops without a word on its way into A: for B's kernel the path is a black hole in every case,
 * and B runs with {@code net.ipv4.tcp_mtu_probing=1} to find it (the kernel's job, not teacup's).
 *
 * <p>Each transfer runs with ICMP allowed and with A's nftables dropping every "fragmentation
 * needed" towards teacup (an RFC 4821 black hole, which teacup must find from its own timeouts).
 * 50 MB goes each way, SHA-256 compared; the time teacup took to find the black hole is printed.
 */
@Tag("interop")
@DisplayName("interop: path MTU discovery through a 1280-byte link, with and without ICMP")
class PathMtuInteropTest {
    private static final String ROUTER_SIDE = "198.19.1.1";
    private static final String SERVER = "198.19.1.2";
    private static final Ipv4Address SERVER_ADDRESS = Ipv4Address.parse(SERVER);
    private static final int NARROW_MTU = 1280;
    private static final int BIG = 50 * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final String NFT_TABLE = "teacup_pmtu";

    /** One connection to B: sinks what comes and prints its length and SHA-256, or sends seeded bytes and prints theirs. */
    private static final String SERVER_SCRIPT = String.join("\n",
            "import hashlib, random, socket, sys",
            "mode, port, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('" + SERVER + "', port))",
            "s.listen(1)",
            "s.settimeout(120)",
            "c, _ = s.accept()",
            "c.settimeout(120)",
            "h = hashlib.sha256()",
            "n = 0",
            "if mode == 'sink':",
            "    while True:",
            "        b = c.recv(1 << 16)",
            "        if not b:",
            "            break",
            "        h.update(b)",
            "        n += len(b)",
            "else:",
            "    r = random.Random(seed)",
            "    while n < size:",
            "        b = r.randbytes(min(1 << 16, size - n))",
            "        c.sendall(b)",
            "        h.update(b)",
            "        n += len(b)",
            "    c.shutdown(socket.SHUT_WR)",
            "    c.recv(1)",
            "c.close()",
            "print(n, h.hexdigest(), flush=True)",
            "");

    private TapNetwork net;
    private NetStack stack;
    private String serverNamespace;

    @BeforeEach
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates network namespaces, a TAP and a veth pair");
        TapNetwork.requirePrograms("ip", "ss", "nft", "python3");
        net = TapNetwork.create();
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        String tag = HexFormat.of().formatHex(random);
        serverNamespace = "tcup-b-" + tag;
        String vethA = "tpa" + tag;
        String vethB = "tpb" + tag;
        sh(Duration.ofSeconds(10), "ip", "netns", "add", serverNamespace);
        net.ip("link", "add", vethA, "type", "veth", "peer", "name", vethB, "netns", serverNamespace);
        net.ip("link", "set", vethA, "mtu", Integer.toString(NARROW_MTU), "up");
        net.ip("addr", "add", ROUTER_SIDE + "/24", "dev", vethA);
        inServer("ip", "link", "set", "lo", "up");
        inServer("ip", "link", "set", vethB, "mtu", "1500", "up");
        inServer("ip", "addr", "add", SERVER + "/24", "dev", vethB);
        inServer("ip", "route", "add", "198.18.0.0/24", "via", ROUTER_SIDE);
        inServer("sh", "-c", "echo 1 > /proc/sys/net/ipv4/tcp_mtu_probing");
        ok(net.run(Duration.ofSeconds(10), "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"), "ip_forward");
        stack = net.startStack(1191);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (net != null) {
                net.close();
            }
        } finally {
            if (serverNamespace != null) {
                sh(Duration.ofSeconds(10), "ip", "netns", "del", serverNamespace);
            }
        }
    }

    private static void sh(Duration timeout, String... argv) throws IOException {
        ok(SystemCommand.run(timeout, argv), String.join(" ", argv));
    }

    private static void ok(SystemCommand.Result r, String what) throws IOException {
        if (!r.ok()) {
            throw new IOException(what + ": exit " + r.exitCode() + ": " + r.stderr().strip());
        }
    }

    private void inServer(String... program) throws IOException {
        String[] argv = new String[program.length + 4];
        argv[0] = "ip";
        argv[1] = "netns";
        argv[2] = "exec";
        argv[3] = serverNamespace;
        System.arraycopy(program, 0, argv, 4, program.length);
        sh(Duration.ofSeconds(10), argv);
    }

    private TapNetwork.Background server(String mode, int port, long seed) throws Exception {
        TapNetwork.Background b = net.startProcess("ip", "netns", "exec", serverNamespace, "python3", "-c", SERVER_SCRIPT,
                mode, Integer.toString(port), Integer.toString(BIG), Long.toString(seed));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            SystemCommand.Result r = SystemCommand.run(Duration.ofSeconds(5), "ip", "netns", "exec", serverNamespace, "ss", "-Hntl");
            if (r.stdout().contains(":" + port + " ")) {
                return b;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the python3 server in B never listened on " + port + ": " + b.stderrText());
    }

    /** Makes A's kernel drop the "fragmentation needed" errors it sends to teacup: a black hole. */
    private void filterFragmentationNeeded() throws IOException {
        String script = String.join("\n",
                "table inet " + NFT_TABLE + " {",
                "  chain post { type filter hook postrouting priority 0; policy accept;",
                "    oifname \"" + TapNetwork.TAP + "\" icmp type destination-unreachable icmp code frag-needed counter drop; }",
                "}", "");
        ok(net.run(Duration.ofSeconds(10), script.getBytes(java.nio.charset.StandardCharsets.US_ASCII), "nft", "-f", "-"),
                "nft -f -");
    }

    private String context() {
        return "counters " + net.counters();
    }

    @ParameterizedTest(name = "ICMP filtered: {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    @DisplayName("RFC 1191, RFC 4821: teacup sends 50 MB to the kernel in B over the 1280-byte link, SHA-256 equal")
    void sendsThroughTheNarrowLink(boolean filtered) throws Exception {
        if (filtered) {
            filterFragmentationNeeded();
        }
        TapNetwork.Background sink = server("sink", 9001, 0);
        AtomicLong foundAt = new AtomicLong();
        long start;
        byte[] sent;
        try (TcpSocket socket = TcpSocket.connect(stack, SERVER_ADDRESS, 9001, CONNECT_TIMEOUT)) {
            socket.setSoTimeout(READ_TIMEOUT);
            start = System.nanoTime();
            Thread watcher = Thread.ofVirtual().start(() -> watchForRecovery(foundAt, filtered));
            sent = writeRandom(socket.getOutputStream(), BIG, 7);
            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read(), "the sink sent data");
            watcher.interrupt();
        }
        long elapsed = System.nanoTime() - start;
        assertTrue(sink.process.waitFor(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the sink did not end; " + context());
        String[] line = sink.stdoutText().strip().split(" ");
        assertEquals(2, line.length, "the sink said: " + sink.stdoutText() + sink.stderrText());
        assertEquals(Integer.toString(BIG), line[0], "bytes B received; " + context());
        assertEquals(HexFormat.of().formatHex(sent), line[1], "SHA-256 of what B received; " + context());
        var counters = net.counters();
        if (filtered) {
            assertEquals(0L, TapNetwork.get(counters, Counter.PMTU_LOWERED), "no ICMP got through; " + context());
            assertTrue(TapNetwork.get(counters, Counter.TCP_PMTU_BLACK_HOLES) >= 1, "the black hole was found; " + context());
        } else {
            assertTrue(TapNetwork.get(counters, Counter.PMTU_LOWERED) >= 1, "A's frag-needed lowered the path MTU; " + context());
            assertEquals(0L, TapNetwork.get(counters, Counter.TCP_PMTU_BLACK_HOLES), context());
            assertEquals(NARROW_MTU, stack.ip().pathMtu(SERVER_ADDRESS.bits(), System.nanoTime()));
        }
        System.out.printf("path MTU interop, teacup to kernel, ICMP %s: 50 MB in %.2f s; %s %d ms after the first data;"
                        + " probes %d sent, %d acknowledged%n",
                filtered ? "filtered" : "allowed", elapsed / 1e9, filtered ? "black hole found" : "path MTU lowered",
                foundAt.get() == 0 ? -1 : (foundAt.get() - start) / 1_000_000,
                TapNetwork.get(counters, Counter.TCP_PMTU_PROBES), TapNetwork.get(counters, Counter.TCP_PMTU_PROBES_SUCCEEDED));
    }

    @ParameterizedTest(name = "ICMP filtered: {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    @DisplayName("RFC 4821 (the kernel's side): the kernel in B sends 50 MB to teacup over the 1280-byte link, SHA-256 equal")
    void receivesThroughTheNarrowLink(boolean filtered) throws Exception {
        if (filtered) {
            filterFragmentationNeeded();
        }
        TapNetwork.Background source = server("source", 9002, 11);
        long start = System.nanoTime();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long length = 0;
        try (TcpSocket socket = TcpSocket.connect(stack, SERVER_ADDRESS, 9002, CONNECT_TIMEOUT)) {
            socket.setSoTimeout(READ_TIMEOUT);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[CHUNK];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
                length += n;
            }
        }
        long elapsed = System.nanoTime() - start;
        assertTrue(source.process.waitFor(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the source did not end; " + context());
        String[] line = source.stdoutText().strip().split(" ");
        assertEquals(2, line.length, "the source said: " + source.stdoutText() + source.stderrText());
        assertEquals(BIG, length, "bytes teacup received; " + context());
        assertEquals(line[1], HexFormat.of().formatHex(sha.digest()), "SHA-256 of what teacup received; " + context());
        System.out.printf("path MTU interop, kernel to teacup, ICMP %s: 50 MB in %.2f s%n", filtered ? "filtered" : "allowed",
                elapsed / 1e9);
    }

    /** Notes when teacup first learnt of the narrow path: the black hole found, or the path MTU lowered. */
    private void watchForRecovery(AtomicLong foundAt, boolean filtered) {
        Counter which = filtered ? Counter.TCP_PMTU_BLACK_HOLES : Counter.PMTU_LOWERED;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (TapNetwork.get(net.counters(), which) > 0) {
                    foundAt.set(System.nanoTime());
                    return;
                }
                Thread.sleep(1);
            }
        } catch (InterruptedException e) {
            // the transfer ended first
        }
    }

    private static byte[] writeRandom(OutputStream out, long size, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            random.nextBytes(chunk);
            sha.update(chunk, 0, n);
            out.write(chunk, 0, n);
            left -= n;
        }
        out.flush();
        return sha.digest();
    }
}
