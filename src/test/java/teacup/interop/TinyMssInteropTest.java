package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.socket.TeacupServerSocketFactory;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.tcp.TcpSettings;

/**
 * Issue 12 item 2, from the kernel side of a TAP in a private namespace: three hostile clients
 * (python3 over a raw AF_PACKET socket, frames built with struct, not by teacup's codecs; the
 * kernel's resets for their ports dropped by nftables) open connections from the kernel's
 * address announcing an MSS of 1 with timestamps and window scaling, and download a 16 MB file
 * from the {@link FileServer} on a teacup listener (as {@code teacup serve} makes it), ACKing
 * every second segment, for {@value #ATTACK_SECONDS} s. Meanwhile curl in the namespace fetches
 * a 2 MB file again and again. Every fetch must succeed with the file's SHA-256, in well under
 * its {@code --max-time}; every segment the hostile clients got must carry a correct checksum
 * and no more than the floor's 36 bytes (48 less the timestamps), and they must have been sent
 * data. Before the fix every such segment had an unfinished checksum.
 */
@Tag("interop")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@DisplayName("interop: hostile clients announcing MSS 1 while curl fetches from teacup serve")
class TinyMssInteropTest {
    private static final int PORT = 8080;
    private static final String BIG = "big.bin";
    private static final String FILE = "2m.bin";
    private static final int FILE_SIZE = 2 * 1024 * 1024;
    private static final int CLIENTS = 3;
    private static final int FIRST_CLIENT_PORT = 41000;
    private static final int ATTACK_SECONDS = 25;
    private static final int MAX_TIME_SECONDS = 10;
    /** "Well within its --max-time": a fetch of 2 MB over a TAP takes well under a second when nothing hinders it. */
    private static final double WELL_WITHIN_SECONDS = MAX_TIME_SECONDS / 2.0;
    private static final int FLOOR_PAYLOAD = TcpSettings.DEFAULT_MIN_SEND_MSS - 12;
    private static final Pattern LINK_ADDRESS = Pattern.compile("link/ether ([0-9a-f:]{17})");
    private static final Pattern CLIENT = Pattern.compile(
            "\\{\"port\": (\\d+), \"state\": \"(\\w+)\", \"segments\": (\\d+), \"bytes\": (\\d+), \"bad_checksums\": (\\d+),"
                    + " \"max_payload\": (\\d+), \"min_payload\": (\\d+)}");

    record Fetch(int exitCode, String output, double seconds, String sha256) { }

    @Test
    @DisplayName("three clients at MSS 1 download with correct checksums and floor-sized segments; every concurrent curl fetch finishes with its SHA-256")
    void tinyMssClientsDoNotStarveOthers() throws Exception {
        TapNetwork.requireRoot("creates a network namespace, a TAP device and a raw packet socket");
        TapNetwork.requirePrograms("ip", "curl", "python3", "nft");
        long seed = Long.getLong("teacup.interop.seed", System.nanoTime());
        System.out.println("tiny mss: seed " + seed + " (rerun with -Dteacup.interop.seed=" + seed + ")");
        Path dir = Files.createTempDirectory("teacup-tinymss-");
        Path downloaded = dir.resolve("downloaded");
        byte[] body = new byte[FILE_SIZE];
        SplittableRandom random = new SplittableRandom(seed);
        random.nextBytes(body);
        Files.write(dir.resolve(FILE), body);
        byte[] big = new byte[16 * 1024 * 1024];
        random.nextBytes(big);
        Files.write(dir.resolve(BIG), big);
        String expected = sha256(body);
        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(seed);
            ServerSocket listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT);
            FileServer server = FileServer.start(listener, FileServer.Settings.of(dir), AccessLog.discard());
            try {
                run(net, stack, downloaded, expected);
            } finally {
                server.close();
            }
        } finally {
            for (String f : List.of(FILE, BIG, "downloaded")) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }

    private void run(TapNetwork net, NetStack stack, Path downloaded, String expected) throws Exception {
        for (int i = 0; i < 3; i++) {
            Fetch warm = fetch(net, downloaded);
            assertTrue(warm.exitCode() == 0 && expected.equals(warm.sha256()), "warm-up fetch: " + warm);
        }
        dropKernelResets(net);
        Path script = Path.of(TinyMssInteropTest.class.getResource("tiny_mss_clients.py").toURI());
        TapNetwork.Background attack = net.start("python3", script.toString(), TapNetwork.TAP, kernelMac(net),
                TapNetwork.TEACUP_MAC.toString(), TapNetwork.KERNEL, TapNetwork.TEACUP, String.valueOf(PORT), BIG,
                String.valueOf(CLIENTS), String.valueOf(FIRST_CLIENT_PORT), String.valueOf(ATTACK_SECONDS), "1");
        long attackEnd = System.nanoTime() + Duration.ofSeconds(ATTACK_SECONDS).toNanos();
        Thread.sleep(2000); // the clients' handshakes and first windows
        List<Fetch> fetches = new ArrayList<>();
        // Fetches while the attack runs, bounded in count and by the attack's end.
        for (int i = 0; i < 40 && System.nanoTime() < attackEnd - Duration.ofSeconds(MAX_TIME_SECONDS).toNanos(); i++) {
            fetches.add(fetch(net, downloaded));
            Thread.sleep(200); // spread over the attack
        }
        Map<Counter, Long> during = net.counters();
        boolean ended = attack.process.waitFor(ATTACK_SECONDS + 20, TimeUnit.SECONDS);
        String out = attack.stdoutText();
        String report = String.format("fetches %d (%s); clients %s; peer MSS clamped %d, turns spent %d, segments sent %d;"
                        + " python stderr: %s", fetches.size(), latencies(fetches), out.strip(),
                get(during, Counter.TCP_PEER_MSS_CLAMPED), get(during, Counter.TCP_SEND_TURNS_SPENT),
                get(during, Counter.TCP_SEGMENTS_SENT), attack.stderrText().strip());
        System.out.println("tiny mss: " + report);

        assertTrue(ended, "the hostile clients did not end: " + report);
        assertNull(stack.failure(), report);
        assertTrue(fetches.size() >= 3, "too few fetches during the attack to prove much: " + report);
        for (Fetch f : fetches) {
            assertTrue(f.exitCode() == 0 && f.output().startsWith("200 "), "a fetch failed: " + f + "; " + report);
            assertEquals(expected, f.sha256(), "a fetch's SHA-256: " + report);
            assertTrue(f.seconds() < WELL_WITHIN_SECONDS, "a fetch took " + f.seconds() + " s: " + report);
        }
        Matcher m = CLIENT.matcher(out);
        int clients = 0;
        while (m.find()) {
            clients++;
            assertEquals("ESTABLISHED", m.group(2), "a hostile client never got its handshake: " + report);
            assertEquals(0, Long.parseLong(m.group(5)), "segments with a bad TCP checksum: " + report);
            assertTrue(Long.parseLong(m.group(4)) >= 100L * FLOOR_PAYLOAD, "a hostile client got too little data: " + report);
            assertEquals(FLOOR_PAYLOAD, Integer.parseInt(m.group(6)), "segments of the floor's size, options aside: " + report);
        }
        assertEquals(CLIENTS, clients, "the clients' summary: " + report);
        assertTrue(get(during, Counter.TCP_PEER_MSS_CLAMPED) >= CLIENTS, report);
    }

    /** The kernel owns the clients' address but has no sockets for them: its resets would end their connections. */
    private static void dropKernelResets(TapNetwork net) throws Exception {
        String rules = String.join("\n",
                "table inet teacup_tinymss {",
                "  chain output { type filter hook output priority 0; policy accept;",
                "    oifname \"" + TapNetwork.TAP + "\" tcp sport " + FIRST_CLIENT_PORT + "-" + (FIRST_CLIENT_PORT + CLIENTS - 1)
                        + " tcp flags & rst == rst drop; }",
                "}", "");
        SystemCommand.Result r = net.run(Duration.ofSeconds(10), rules.getBytes(StandardCharsets.US_ASCII), "nft", "-f", "-");
        assertTrue(r.ok(), "nft: " + r.stderr());
    }

    /** One fetch by curl in the namespace into {@code into}: its exit code, HTTP code and time, and the body's SHA-256. */
    private static Fetch fetch(TapNetwork net, Path into) throws Exception {
        Files.deleteIfExists(into);
        long start = System.nanoTime();
        SystemCommand.Result r = net.run(Duration.ofSeconds(MAX_TIME_SECONDS + 5), "curl", "-s", "-o", into.toString(),
                "--max-time", String.valueOf(MAX_TIME_SECONDS), "-w", "%{http_code} %{time_total}",
                "http://" + TapNetwork.TEACUP + ":" + PORT + "/" + FILE);
        double seconds = (System.nanoTime() - start) / 1e9;
        String sha = Files.exists(into) ? sha256(Files.readAllBytes(into)) : "";
        return new Fetch(r.exitCode(), r.stdout().strip(), seconds, sha);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String kernelMac(TapNetwork net) throws Exception {
        String link = net.ip("link", "show", TapNetwork.TAP);
        Matcher m = LINK_ADDRESS.matcher(link);
        assertTrue(m.find(), "no MAC in: " + link);
        return m.group(1);
    }

    private static String latencies(List<Fetch> fs) {
        if (fs.isEmpty()) {
            return "none";
        }
        double[] s = fs.stream().mapToDouble(Fetch::seconds).sorted().toArray();
        return String.format("min %.3f s, median %.3f s, max %.3f s", s[0], s[s.length / 2], s[s.length - 1]);
    }
}
