package teacup.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.ip.Interface;
import teacup.ping.Pinger;
import teacup.socket.TeacupServerSocketFactory;
import teacup.stack.NetStack;
import teacup.stats.Statistics;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * {@code teacup demo}: a self-contained run in a private network namespace. It makes the
 * namespace and a TAP whose kernel side is 198.18.0.1, runs a teacup stack at 198.18.0.2 on it,
 * has the kernel ping teacup and teacup ping the kernel, prints the statistics, fetches a page
 * with teacup curl from the kernel, has the kernel's curl fetch one from teacup's file server,
 * and removes everything it made.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Show teacup alive on its own TAP wire, in a private network namespace (needs root).")
final class DemoCommand implements Callable<Integer> {
    static final String KERNEL = "198.18.0.1";
    static final String TEACUP = "198.18.0.2";

    @Option(names = "-c", paramLabel = "COUNT", defaultValue = "5", description = "pings each way (default: ${DEFAULT-VALUE})")
    int count;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || count > 1000) {
            throw new UsageException("-c must be between 1 and 1000");
        }
        if (!SystemCommand.isRoot()) {
            throw new CommandFailure(1, "teacup demo needs root: it creates a private network namespace (run: sudo ./teacup demo)");
        }
        PrintStream out = System.out;
        String namespace = "teacup-demo-" + ProcessHandle.current().pid();
        out.printf("== making network namespace %s with TAP tcup0, kernel side %s/24%n", namespace, KERNEL);
        PrivateNetwork net = PrivateNetwork.create(namespace, "tcup0", KERNEL + "/24", 1500);
        Thread cleanup = new Thread(() -> closeQuietly(net));
        Runtime.getRuntime().addShutdownHook(cleanup);
        boolean ok = true;
        try {
            Interface iface = new Interface(MacAddress.parse("02:74:63:75:70:02"), Ipv4Address.parse(TEACUP), 24,
                    Ipv4Address.parse(KERNEL), 1500);
            try (NetStack stack = LinkOptions.startStack(net.openTap(1500), iface)) {
                out.printf("== teacup stack up: %s%n%n", iface);

                out.printf("== the kernel pings teacup: ip netns exec %s ping -c %d -i 0.2 %s%n", namespace, count, TEACUP);
                ok &= show(out, SystemCommand.run(Duration.ofSeconds(10 + count),
                        net.exec("ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "2", TEACUP)));

                out.printf("== the kernel pings teacup with 4000 bytes (fragmented both ways)%n");
                ok &= show(out, SystemCommand.run(Duration.ofSeconds(15),
                        net.exec("ping", "-c", "2", "-i", "0.2", "-s", "4000", "-W", "2", TEACUP)));

                out.printf("== teacup pings the kernel: teacup ping -c %d -i 0.2 %s%n", count, KERNEL);
                Pinger.Summary s = new Pinger(stack, out).ping(Ipv4Address.parse(KERNEL), count, 200_000_000L, 56, 2_000_000_000L);
                ok &= s.received() == s.transmitted();

                out.printf("%n== the kernel's ARP entry for teacup: ip -n %s neigh%n", namespace);
                out.print(net.ip("neigh", "show", "dev", "tcup0"));

                out.printf("%n== teacup's statistics%n");
                out.print(Statistics.format(stack.statistics()));
            }
            out.println();
            ok &= fetch(out, net);
            out.println();
            ok &= serve(out, net, iface);
        } finally {
            closeQuietly(net);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down; the hook does the same
            }
            out.printf("%n== removed network namespace %s%n", namespace);
        }
        out.println(ok ? "demo: OK, every ping answered and the page arrived whole both ways"
                : "demo: FAILED (see above)");
        return ok ? 0 : 1;
    }

    /**
     * The original project's whole point: a web page fetched over teacup's own TCP. A kernel-side
     * python3 web server in the namespace serves a generated page; {@code teacup curl -v
     * --trace-packets} fetches it through the TAP (the ping stack is closed by now: a TAP takes
     * one stack at a time); the checksums of what was served and what arrived are shown side by side.
     */
    private static boolean fetch(PrintStream out, PrivateNetwork net) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("teacup-demo");
        Process server = null;
        try {
            byte[] page = page();
            Files.write(dir.resolve("index.html"), page);
            Path received = dir.resolve("received.html");
            server = new ProcessBuilder(net.exec("python3", "-m", "http.server", "--bind", KERNEL, "--directory",
                    dir.toString(), "8080"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!awaitListening(net, 8080, Duration.ofSeconds(10))) {
                out.println("demo: the kernel-side web server did not start");
                return false;
            }
            String url = "http://" + KERNEL + ":8080/index.html";
            out.printf("== teacup fetches a page from the kernel's web server: teacup curl -v --trace-packets -o FILE %s%n", url);
            out.flush();
            int code = Main.run(new String[] {"curl", "-v", "--trace-packets", "-s", "-S", "--max-time", "20",
                "--netns", net.namespace(), "--tap", net.tap(), "--ip", TEACUP + "/24", "--gateway", KERNEL,
                "--mac", "02:74:63:75:70:02", "-o", received.toString(), url});
            System.err.flush();
            if (code != 0 || !Files.exists(received)) {
                out.printf("demo: teacup curl exited %d%n", code);
                return false;
            }
            String served = sha256(page);
            String got = sha256(Files.readAllBytes(received));
            out.printf("%n== SHA-256 of the page served: %s (%d bytes)%n", served, page.length);
            out.printf("== SHA-256 of the page teacup got: %s (%d bytes)%n", got, Files.size(received));
            return served.equals(got);
        } finally {
            if (server != null) {
                server.destroy();
                if (!server.waitFor(5, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * The other way round: teacup's file server ({@code teacup serve}) on a new stack, and the
     * kernel's own curl in the namespace fetching the page from it; the access-log line teacup
     * wrote and both checksums are shown.
     */
    private static boolean serve(PrintStream out, PrivateNetwork net, Interface iface) throws IOException {
        Path dir = Files.createTempDirectory("teacup-demo-serve");
        try (NetStack stack = LinkOptions.startStack(net.openTap(1500), iface)) {
            byte[] page = page();
            Files.write(dir.resolve("index.html"), page);
            String url = "http://" + TEACUP + ":8080/index.html";
            out.printf("== the kernel's curl fetches a page from teacup serve: ip netns exec %s curl %s%n", net.namespace(), url);
            out.flush();
            SystemCommand.Result r;
            try (FileServer server = FileServer.start(new TeacupServerSocketFactory(stack).createServerSocket(8080),
                    FileServer.Settings.of(dir), AccessLog.to(out))) {
                r = SystemCommand.run(Duration.ofSeconds(20), net.exec("curl", "-sS", "--max-time", "15",
                        "-o", dir.resolve("received.html").toString(), "-w", "curl: HTTP %{http_code}, %{size_download} bytes\\n", url));
            }
            show(out, r);
            Path received = dir.resolve("received.html");
            if (!r.ok() || !Files.exists(received)) {
                out.println("demo: the kernel's curl could not fetch the page from teacup");
                return false;
            }
            String served = sha256(page);
            String got = sha256(Files.readAllBytes(received));
            out.printf("== SHA-256 of the page teacup served: %s (%d bytes)%n", served, page.length);
            out.printf("== SHA-256 of the page the kernel got: %s (%d bytes)%n", got, Files.size(received));
            return served.equals(got);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** A page of some size: enough segments that the trace shows a window's worth of them. */
    private static byte[] page() {
        StringBuilder sb = new StringBuilder("<!doctype html>\n<title>teacup demo</title>\n<h1>Fetched over teacup's own TCP</h1>\n<pre>\n");
        for (int i = 1; i <= 400; i++) {
            sb.append(String.format("line %03d: the quick brown fox jumps over the lazy dog%n", i));
        }
        return sb.append("</pre>\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Waits, bounded, until something listens on {@code port} in the namespace. */
    private static boolean awaitListening(PrivateNetwork net, int port, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            SystemCommand.Result r = SystemCommand.run(Duration.ofSeconds(5), net.exec("ss", "-Hltn", "sport = :" + port));
            if (r.ok() && !r.stdout().isBlank()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean show(PrintStream out, SystemCommand.Result r) {
        out.print(r.stdout());
        if (!r.stderr().isBlank()) {
            out.print(r.stderr());
        }
        out.println();
        return r.ok();
    }

    private static void closeQuietly(PrivateNetwork net) {
        try {
            net.close();
        } catch (IOException e) {
            System.err.println("teacup: " + e.getMessage());
        }
    }
}
