package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
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

/**
 * Issue 12's "attacks that held", kept as a regression test: during a rate-limited download from
 * teacup serve's FileServer, a python3 script on a raw AF_PACKET socket (struct-built frames) that
 * knows the four-tuple but guesses sequence and acknowledgment numbers injects, as the client,
 * 3,000 RSTs, SYNs and data segments at sequence numbers spread over the receive window (never
 * exactly RCV.NXT), as RFC 5961's blind attacks do. Teacup answers with rate-limited challenge ACKs
 * and takes none of them: the download finishes with the file's SHA-256.
 */
@Tag("interop")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("interop: blind in-window RST, SYN and data injection during a download from teacup serve")
class BlindInjectionInteropTest {
    private static final int PORT = 8080;
    private static final String FILE = "download.bin";
    private static final int FILE_SIZE = 24 * 1024 * 1024;
    private static final String RATE = "6M"; // about 4 s of download for the injections to land in
    private static final Pattern LINK_ADDRESS = Pattern.compile("link/ether ([0-9a-f:]{17})");
    private static final Pattern RESULT = Pattern.compile(
            "\\{\"learnt\": (true|false), \"injected\": (\\d+)}");

    @Test
    @DisplayName("RFC 5961 3, 4, 5 (RFC 9293 MAY-12): blind RSTs, SYNs and data in the window get challenge ACKs, and the download's SHA-256 is the file's")
    void blindInjectionFails() throws Exception {
        TapNetwork.requireRoot("creates a network namespace, a TAP device and a raw packet socket");
        TapNetwork.requirePrograms("ip", "curl", "python3");
        long seed = Long.getLong("teacup.interop.seed", System.nanoTime());
        System.out.println("blind injection: seed " + seed + " (rerun with -Dteacup.interop.seed=" + seed + ")");
        Path dir = Files.createTempDirectory("teacup-blind-");
        Path downloaded = dir.resolve("downloaded");
        byte[] body = new byte[FILE_SIZE];
        new SplittableRandom(seed).nextBytes(body);
        Files.write(dir.resolve(FILE), body);
        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(seed);
            ServerSocket listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT);
            FileServer server = FileServer.start(listener, FileServer.Settings.of(dir), AccessLog.discard());
            try {
                run(net, stack, downloaded, sha256(body));
            } finally {
                server.close();
            }
        } finally {
            for (String f : List.of(FILE, "downloaded")) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }

    private void run(TapNetwork net, NetStack stack, Path downloaded, String expected) throws Exception {
        TapNetwork.Background curl = net.start("curl", "-s", "-o", downloaded.toString(), "--max-time", "40",
                "--limit-rate", RATE, "-w", "%{http_code} %{size_download}", "http://" + TapNetwork.TEACUP + ":" + PORT + "/" + FILE);
        Path script = Path.of(BlindInjectionInteropTest.class.getResource("blind_injection.py").toURI());
        SystemCommand.Result forged = net.run(Duration.ofSeconds(30), "python3", script.toString(), TapNetwork.TAP,
                kernelMac(net), TapNetwork.TEACUP_MAC.toString(), TapNetwork.KERNEL, TapNetwork.TEACUP,
                String.valueOf(PORT), "10");
        boolean ended = curl.process.waitFor(45, TimeUnit.SECONDS);
        Map<Counter, Long> counters = net.counters();
        String sha = Files.exists(downloaded) ? sha256(Files.readAllBytes(downloaded)) : "";
        String report = String.format("injector: %s %s; curl exit %s, %s; TCP segments received %d, challenge ACKs suppressed %d",
                forged.stdout().strip(), forged.stderr().strip(), ended ? curl.process.exitValue() : "still running",
                curl.stdoutText().strip(), get(counters, Counter.TCP_DELIVERED), get(counters, Counter.TCP_CHALLENGE_ACKS_SUPPRESSED));
        System.out.println("blind injection: " + report);

        assertNull(stack.failure(), report);
        Matcher m = RESULT.matcher(forged.stdout());
        assertTrue(m.find(), "the injector's summary: " + report);
        assertEquals("true", m.group(1), "the injector never saw the download: " + report);
        assertTrue(Integer.parseInt(m.group(2)) >= 1000, "too few injected to prove much: " + report);
        assertTrue(get(counters, Counter.TCP_CHALLENGE_ACKS_SUPPRESSED) > 0, "the challenge ACK limit never bit: " + report);
        assertTrue(ended, "curl did not end: " + report);
        assertEquals(0, curl.process.exitValue(), "curl failed: " + report);
        assertEquals(expected, sha, "the download's SHA-256: " + report);
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
}
