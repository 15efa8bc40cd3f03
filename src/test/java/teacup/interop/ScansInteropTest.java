package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

/**
 * Issue 12's "attacks that held", kept as a regression test: nmap's scans from the kernel side of a
 * TAP in a private namespace (-sS, -sT, -sX, -sF, -sN, -sM, -sU, -sO, -O, -sV) against teacup serve's
 * FileServer while curl fetches a file again and again. Each scan must see what RFC 9293 says a
 * listener and a closed port answer (open for SYN and connect scans; open|filtered for FIN, Xmas
 * and Null probes to the listener, which drops them; closed for Maimon's FIN-ACK to it, which it
 * resets; closed for a closed port, which resets them all), version detection must find HTTP, and every fetch during the scans must finish with
 * the file's SHA-256. Scans are bounded in ports, retries and time.
 */
@Tag("interop")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@DisplayName("interop: nmap's scans against teacup serve while curl fetches")
class ScansInteropTest {
    private static final int PORT = 8080;
    private static final int CLOSED = 9;
    private static final String FILE = "2m.bin";
    private static final Duration SCAN_LIMIT = Duration.ofSeconds(60);

    record Scan(String name, String[] options, List<Pattern> expected) { }

    @Test
    @DisplayName("RFC 9293 3.10.7.1, 3.10.7.2: each nmap scan sees the listener and the closed port as RFC 9293 has them answer, -sV finds HTTP, and every concurrent fetch has its SHA-256")
    void scansLeaveTeacupServing() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device; nmap's raw scans need root");
        TapNetwork.requirePrograms("ip", "curl", "nmap");
        Path dir = Files.createTempDirectory("teacup-scans-");
        byte[] body = new byte[2 * 1024 * 1024];
        new SplittableRandom(12).nextBytes(body);
        Files.write(dir.resolve(FILE), body);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(0x5ca7L);
            ServerSocket listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT);
            FileServer server = FileServer.start(listener, FileServer.Settings.of(dir), AccessLog.discard());
            try {
                run(net, stack, dir, expected);
            } finally {
                server.close();
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private void run(TapNetwork net, NetStack stack, Path dir, String expected) throws Exception {
        String ports = "-p" + PORT + "," + CLOSED;
        Pattern open = Pattern.compile(PORT + "/tcp\\s+open\\s");
        Pattern openOrFiltered = Pattern.compile(PORT + "/tcp\\s+open\\|filtered\\s");
        Pattern listenerResets = Pattern.compile(PORT + "/tcp\\s+closed\\s");
        Pattern closed = Pattern.compile(CLOSED + "/tcp\\s+closed\\s");
        List<Scan> scans = List.of(
                new Scan("SYN", new String[] {"-sS", ports}, List.of(open, closed)),
                new Scan("connect", new String[] {"-sT", ports}, List.of(open, closed)),
                // FIN, Xmas and Null probes carry no ACK: a listener drops them (RFC 9293 3.10.7.2), a closed port resets them.
                new Scan("Xmas", new String[] {"-sX", ports}, List.of(openOrFiltered, closed)),
                new Scan("FIN", new String[] {"-sF", ports}, List.of(openOrFiltered, closed)),
                new Scan("Null", new String[] {"-sN", ports}, List.of(openOrFiltered, closed)),
                // Maimon's FIN-ACK carries an ACK: a listener answers it with a reset (RFC 9293 3.10.7.2), as Linux does.
                new Scan("Maimon", new String[] {"-sM", ports}, List.of(listenerResets, closed)),
                new Scan("UDP", new String[] {"-sU", "-p7,9,53"}, List.of(Pattern.compile("9/udp\\s+closed"))),
                new Scan("protocol", new String[] {"-sO", "-p1,6,17,47"}, List.of(Pattern.compile("6\\s+open\\s+tcp"))),
                new Scan("OS", new String[] {"-O", "--osscan-guess", ports}, List.of(open, closed)),
                new Scan("version", new String[] {"-sV", "--version-light", "-p" + PORT}, List.of(Pattern.compile(PORT + "/tcp\\s+open\\s+http"))));
        AtomicBoolean scanning = new AtomicBoolean(true);
        List<String> fetches = new ArrayList<>();
        Thread fetcher = Thread.ofVirtual().start(() -> {
            Path into = dir.resolve("downloaded");
            for (int i = 0; i < 1000 && scanning.get(); i++) { // bounded; it stops when the scans end
                try {
                    Files.deleteIfExists(into);
                    SystemCommand.Result r = net.run(Duration.ofSeconds(20), "curl", "-s", "-o", into.toString(),
                            "--max-time", "15", "-w", "%{http_code}", "http://" + TapNetwork.TEACUP + ":" + PORT + "/" + FILE);
                    String sha = Files.exists(into) ? HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(Files.readAllBytes(into))) : "";
                    synchronized (fetches) {
                        fetches.add(r.exitCode() + " " + r.stdout().strip() + " " + (sha.equals(expected) ? "sha-ok" : "sha-bad"));
                    }
                } catch (Exception e) {
                    synchronized (fetches) {
                        fetches.add("error " + e);
                    }
                }
            }
        });
        List<String> failures = new ArrayList<>();
        StringBuilder summary = new StringBuilder();
        try {
            for (Scan scan : scans) {
                List<String> argv = new ArrayList<>(List.of("nmap", "-Pn", "-n", "--max-retries", "1", "--host-timeout", "50s", "-T4"));
                argv.addAll(List.of(scan.options()));
                argv.add(TapNetwork.TEACUP);
                long start = System.nanoTime();
                SystemCommand.Result r = net.run(SCAN_LIMIT, argv.toArray(String[]::new));
                double seconds = (System.nanoTime() - start) / 1e9;
                summary.append(String.format("%s %.1f s; ", scan.name(), seconds));
                if (!r.ok() || !scan.expected().stream().allMatch(p -> p.matcher(r.stdout()).find())) {
                    failures.add(scan.name() + " (exit " + r.exitCode() + "): " + r.stdout().strip() + " " + r.stderr().strip());
                }
            }
        } finally {
            scanning.set(false);
            fetcher.join(Duration.ofSeconds(30));
        }
        long good = fetches.stream().filter("0 200 sha-ok"::equals).count();
        String report = "scans: " + summary + "fetches " + fetches.size() + ", good " + good
                + (good == fetches.size() ? "" : ", the others: " + fetches.stream().filter(f -> !f.equals("0 200 sha-ok")).distinct().toList());
        System.out.println(report);
        failures.forEach(f -> System.out.println("scan failed: " + f));
        assertNull(stack.failure(), report);
        assertEquals(List.of(), failures, report);
        assertTrue(fetches.size() >= 3, "too few fetches during the scans: " + report);
        assertEquals(fetches.size(), good, "every fetch during the scans: " + report);
        SystemCommand.Result ping = net.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", TapNetwork.TEACUP);
        assertTrue(ping.ok(), "teacup no longer answers ping: " + report);
    }
}
