package teacup.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.ip.Interface;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.socket.TeacupServerSocketFactory;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * HTTP load on {@code teacup serve}'s file server beside the kernel's, in one run (needs root and
 * wrk; nginx if installed, else python3's http.server).
 *
 * <p>The same small file is fetched by {@code wrk -t2 -cN -dS --latency} from a private namespace,
 * for each connection count N, from three servers:
 * <ol>
 *   <li><b>teacup FileServer (TAP)</b>: {@link FileServer} on a teacup listener on a TAP, as
 *       {@code teacup serve} runs it; wrk in the namespace on the TAP's kernel side;</li>
 *   <li><b>kernel FileServer (veth)</b>: the same {@link FileServer} code in this JVM on a kernel
 *       {@link ServerSocket} opened in one of two namespaces joined by a veth pair, wrk in the
 *       other: only the TCP stack differs from row 1;</li>
 *   <li><b>nginx (veth)</b> (or python3 http.server when nginx is missing): a C server on the
 *       kernel's TCP, across the same veth pair, for scale.</li>
 * </ol>
 * Each server gets an unmeasured warm-up run first (JIT, ARP). wrk's own figures are printed:
 * requests/s, transfer/s, latency (mean, 50th and 99th percentile, maximum), socket errors and
 * responses outside 2xx/3xx.
 *
 * <p>Usage: {@code ServeLoadBench [--seconds S] [--connections N,N...] [--file-bytes B] [--warmup S] [--close]
 * [--no-offload] [--servers teacup,kernel,other]}
 * ({@code --close}: every request on a new connection, wrk sending {@code Connection: close}, so the
 * figure is short connections a second rather than keep-alive requests; teacup's TAP has offloads on
 * as {@code teacup serve} opens it, {@code --no-offload} turns them off; {@code --servers} picks
 * which of the three rows run)
 * (defaults 10, "200,1000", 4096, 5: the JIT is still compiling HttpCore after 2 s, which weighed on whichever row ran first). Namespaces are named {@code tcup-bl*-<random>} and deleted
 * at the end (also on Ctrl-C); the only processes it ends are the wrk and nginx it started, by
 * their handles.
 */
public final class ServeLoadBench {
    private static final String TAP = "tcup0";
    private static final int MTU = 1500;
    private static final int PORT = 8080;
    private static final int NGINX_PORT = 8081;
    private static final String FILE = "file.bin";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /** A request slower than this is a wrk socket error (timeout); far above any healthy latency. */
    private static final String WRK_TIMEOUT = "10s";

    private final int seconds;
    private final int warmup;
    private final int[] connections;
    private final int fileBytes;
    /** Each request on a connection of its own (wrk's {@code Connection: close}). */
    private boolean close;
    /** teacup's TAP with checksum and segmentation offload, as {@code teacup serve} opens it by default. */
    private boolean offload = true;
    /** Which servers run: any of teacup, kernel, other (nginx or python3). */
    private Set<String> rows = Set.of("teacup", "kernel", "other");
    private final String suffix;
    private final Lab lab = new Lab("ServeLoadBench");
    private final List<Process> servers = new ArrayList<>();
    private Path dir;

    private ServeLoadBench(int seconds, int warmup, int[] connections, int fileBytes) {
        this.seconds = seconds;
        this.warmup = warmup;
        this.connections = connections;
        this.fileBytes = fileBytes;
        this.suffix = Lab.namespaceSuffix();
    }

    /** What wrk printed for one run, the figures picked out of its summary. */
    record Run(String server, int connections, long requests, double requestsPerSecond, String transferPerSecond,
               String latencyMean, String latencyMax, String latency50, String latency99, String socketErrors,
               long non2xx3xx, double jvmCpuMicrosPerRequest) {
        private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
        private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
        private static final Pattern TRANSFER = Pattern.compile("Transfer/sec:\\s+(\\S+)");
        private static final Pattern LATENCY = Pattern.compile("^\\s*Latency\\s+(\\S+)\\s+\\S+\\s+(\\S+)", Pattern.MULTILINE);
        private static final Pattern P50 = Pattern.compile("^\\s*50%\\s+(\\S+)", Pattern.MULTILINE);
        private static final Pattern P99 = Pattern.compile("^\\s*99%\\s+(\\S+)", Pattern.MULTILINE);
        private static final Pattern ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
        private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

        static Run parse(String server, int connections, String out) throws IOException {
            Matcher requests = REQUESTS.matcher(out);
            Matcher rate = RATE.matcher(out);
            Matcher latency = LATENCY.matcher(out);
            if (!requests.find() || !rate.find() || !latency.find()) {
                throw new IOException("wrk against " + server + " printed no summary:\n" + out);
            }
            Matcher errors = ERRORS.matcher(out);
            String socketErrors = errors.find()
                    ? "c" + errors.group(1) + " r" + errors.group(2) + " w" + errors.group(3) + " t" + errors.group(4) : "0";
            Matcher non2xx = NON_2XX.matcher(out);
            return new Run(server, connections, Long.parseLong(requests.group(1)), Double.parseDouble(rate.group(1)),
                    group(TRANSFER, out), latency.group(1), latency.group(2), group(P50, out), group(P99, out), socketErrors,
                    non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, Double.NaN);
        }

        /** The same figures with this JVM's CPU time over the run (system time included: teacup's TAP I/O, and the kernel's TCP where it runs in the JVM's system calls). */
        Run withJvmCpu(long cpuNanos) {
            return new Run(server, connections, requests, requestsPerSecond, transferPerSecond, latencyMean, latencyMax,
                    latency50, latency99, socketErrors, non2xx3xx, requests == 0 ? Double.NaN : cpuNanos / 1e3 / requests);
        }

        private static String group(Pattern p, String text) {
            Matcher m = p.matcher(text);
            return m.find() ? m.group(1) : "-";
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        int warmup = 5;
        int fileBytes = 4096;
        boolean close = false;
        boolean offload = true;
        Set<String> rows = Set.of("teacup", "kernel", "other");
        String counts = "200,1000";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--file-bytes" -> fileBytes = Integer.parseInt(args[++i]);
                case "--connections" -> counts = args[++i];
                case "--close" -> close = true;
                case "--offload" -> offload = true;
                case "--no-offload" -> offload = false;
                case "--servers" -> rows = Set.of(args[++i].split(","));
                default -> {
                    System.err.println("usage: ServeLoadBench [--seconds S] [--connections N,N...] [--file-bytes B] [--warmup S] [--close]"
                            + " [--no-offload] [--servers teacup,kernel,other]");
                    System.exit(2);
                }
            }
        }
        String[] parts = counts.split(",");
        int[] connections = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            connections[i] = Integer.parseInt(parts[i].strip());
            if (connections[i] < 2 || connections[i] > 10_000) {
                System.err.println("ServeLoadBench: connections 2..10000 (wrk needs at least one per thread)");
                System.exit(2);
            }
        }
        if (seconds < 1 || seconds > 300 || warmup < 0 || warmup > 60 || fileBytes < 0 || fileBytes > 1 << 30) {
            System.err.println("ServeLoadBench: seconds 1..300, warmup 0..60, file-bytes 0..2^30");
            System.exit(2);
        }
        if (!SystemCommand.isRoot()) {
            System.err.println("ServeLoadBench: needs root (it makes network namespaces and a TAP device)");
            System.exit(1);
        }
        for (String program : List.of("wrk", "ip")) {
            if (!Lab.onPath(program)) {
                System.err.println("ServeLoadBench: needs " + program + " on the PATH");
                System.exit(1);
            }
        }
        ServeLoadBench bench = new ServeLoadBench(seconds, warmup, connections, fileBytes);
        bench.close = close;
        bench.offload = offload;
        bench.rows = rows;
        Thread cleanup = new Thread(bench::cleanUp, "ServeLoadBench cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            bench.makeFile();
            List<Run> runs = new ArrayList<>();
            if (rows.contains("teacup")) {
                runs.addAll(bench.teacup());
            }
            if (rows.contains("kernel") || rows.contains("other")) {
                runs.addAll(bench.kernel());
            }
            bench.print(runs);
        } finally {
            bench.cleanUp();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /** The file every server sends; the directory is world-readable, as nginx's workers run as nobody. */
    private void makeFile() throws IOException {
        dir = Files.createTempDirectory("teacup-serve-bench-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        byte[] body = new byte[fileBytes];
        new SplittableRandom(7).nextBytes(body);
        Path file = dir.resolve(FILE);
        Files.write(file, body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    // ---------------------------------------------------------------- teacup on a TAP

    private List<Run> teacup() throws IOException, InterruptedException {
        String ns = "tcup-bl-" + suffix;
        lab.addNamespace(ns);
        PrivateNetwork net = PrivateNetwork.create(ns, TAP, "198.18.0.1/24", MTU);
        reuseTimeWaitPorts(ns);
        Interface iface = new Interface(MacAddress.parse("02:74:63:00:00:02"), Ipv4Address.parse("198.18.0.2"),
                24, Ipv4Address.parse("198.18.0.1"), MTU);
        TapLink tap = net.openTap(MTU, offload);
        try (NetStack stack = new NetStack(tap, iface, Clock.SYSTEM, new SplittableRandom(1)).start();
             FileServer server = FileServer.start(new TeacupServerSocketFactory(stack).createServerSocket(PORT),
                     FileServer.Settings.of(dir), AccessLog.discard())) {
            return series("teacup FileServer (TAP)", ns, "http://198.18.0.2:" + PORT + "/" + FILE);
        } finally {
            net.close();
            lab.removeNamespace(ns);
        }
    }

    /**
     * wrk's side may reuse its ports' TIME-WAIT entries for new connections (the namespace's own
     * net.ipv4.tcp_tw_reuse). A client that closes before the server's FIN arrives holds the
     * four-tuple for 60 s, and with short connections at thousands a second its 28,000 ports ran
     * out within seconds, for teacup and the kernel alike: connect then slowed to a thousand a
     * second, and the figure measured wrk's port search rather than the server.
     */
    private static void reuseTimeWaitPorts(String ns) throws IOException {
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1");
    }

    // ---------------------------------------------------------------- the kernel over veth

    private List<Run> kernel() throws IOException, InterruptedException {
        String clientNs = "tcup-bls-" + suffix;
        String serverNs = "tcup-blr-" + suffix;
        try {
            lab.vethPair(clientNs, serverNs, MTU);
            reuseTimeWaitPorts(clientNs);
            List<Run> runs = new ArrayList<>();
            ServerSocket listener = NetworkNamespace.callIn(serverNs, () -> {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress("198.18.1.2", PORT), 4096);
                return s;
            });
            try (FileServer server = FileServer.start(listener, FileServer.Settings.of(dir), AccessLog.discard())) {
                if (rows.contains("kernel")) {
                    runs.addAll(series("kernel FileServer (veth)", clientNs, "http://198.18.1.2:" + PORT + "/" + FILE));
                }
            }
            if (!rows.contains("other")) {
                return runs;
            }
            String name;
            Process other;
            if (Lab.onPath("nginx")) {
                name = "nginx (veth)";
                other = startNginx(serverNs);
            } else {
                name = "python3 http.server (veth)";
                other = start(List.of("ip", "netns", "exec", serverNs, "python3", "-m", "http.server",
                        Integer.toString(NGINX_PORT), "--bind", "198.18.1.2", "--directory", dir.toString()),
                        ProcessBuilder.Redirect.DISCARD);
            }
            try {
                awaitTcpListener(serverNs, NGINX_PORT);
                runs.addAll(series(name, clientNs, "http://198.18.1.2:" + NGINX_PORT + "/" + FILE));
            } finally {
                stopServer(other);
            }
            return runs;
        } finally {
            for (String ns : List.of(serverNs, clientNs)) {
                if (lab.removeNamespace(ns)) {
                    SystemCommand.run(COMMAND_TIMEOUT, "ip", "netns", "del", ns);
                }
            }
        }
    }

    /**
     * nginx in the foreground (our child, so we hold its handle) with a configuration of its own
     * in the temporary directory: two workers (one per CPU), no access log, keep-alive without a
     * request limit (as the FileServer), a backlog as large as teacup's listeners get.
     */
    private Process startNginx(String ns) throws IOException {
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, String.join("\n",
                "worker_processes auto;",
                "daemon off;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("nginx-error.log") + " warn;",
                "events { worker_connections 4096; }",
                "http {",
                "  access_log off;",
                "  default_type application/octet-stream;",
                "  keepalive_requests 1000000;",
                "  server { listen 198.18.1.2:" + NGINX_PORT + " backlog=4096; root " + dir + "; }",
                "}",
                ""));
        return start(List.of("ip", "netns", "exec", ns, "nginx", "-c", conf.toString()), ProcessBuilder.Redirect.DISCARD);
    }

    // ---------------------------------------------------------------- wrk

    /** A warm-up run (not measured), then one measured run per connection count. */
    private List<Run> series(String server, String ns, String url) throws IOException, InterruptedException {
        if (warmup > 0) {
            wrk(server, ns, url, 50, warmup);
        }
        List<Run> runs = new ArrayList<>();
        for (int c : connections) {
            Run r = wrk(server, ns, url, c, seconds);
            System.err.printf("ServeLoadBench: %-28s -c%-5d %10.0f requests/s %8.1f us JVM CPU/request%n", server, c,
                    r.requestsPerSecond(), r.jvmCpuMicrosPerRequest());
            runs.add(r);
        }
        return runs;
    }

    private Run wrk(String server, String ns, String url, int c, int duration) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, "wrk", "-t2", "-c" + c, "-d" + duration + "s",
                "--timeout", WRK_TIMEOUT, "--latency"));
        if (close) {
            argv.addAll(List.of("-H", "Connection: close"));
        }
        argv.add(url);
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        Process p = start(argv);
        try {
            byte[] out = p.getInputStream().readAllBytes(); // wrk ends on its own after the duration
            if (!p.waitFor(duration + 30L, TimeUnit.SECONDS)) {
                throw new IOException("wrk against " + server + " did not end");
            }
            return Run.parse(server, c, new String(out, java.nio.charset.StandardCharsets.UTF_8))
                    .withJvmCpu(os.getProcessCpuTime() - cpuBefore);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            lab.untrack(p);
        }
    }

    /** Starts {@code argv} with its output on a pipe (wrk's summary is read from it). */
    private Process start(List<String> argv) throws IOException {
        return start(argv, ProcessBuilder.Redirect.PIPE);
    }

    private Process start(List<String> argv, ProcessBuilder.Redirect output) throws IOException {
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(output).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        lab.track(p);
        return p;
    }

    /** SIGTERM first: nginx's master then stops its workers (SIGKILL would leave them behind). */
    private void stopServer(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        lab.untrack(p);
    }

    private static void awaitTcpListener(String ns, int port) throws IOException, InterruptedException {
        String needle = ":" + port + " ";
        long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String listening = SystemCommand.check(COMMAND_TIMEOUT, "ip", "netns", "exec", ns, "ss", "-Hntl");
            if (listening.lines().anyMatch(line -> line.contains(needle))) {
                return;
            }
            Thread.sleep(10);
        }
        throw new IOException("nothing listened on TCP port " + port + " in " + ns);
    }

    private void cleanUp() {
        lab.cleanUp();
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                System.err.println("ServeLoadBench: could not delete " + dir + ": " + e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- output

    private void print(List<Run> runs) {
        System.out.printf("HTTP GET of a %d-byte file%s, wrk -t2 -cN -d%ds --timeout %s --latency, after a %d s warm-up"
                + " per server, MTU %d, teacup's TAP offload %s, %d CPUs%n", fileBytes, close ? " on a new connection each" : "", seconds,
                WRK_TIMEOUT, warmup, MTU, offload ? "on" : "off",
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-28s %6s %11s %11s %9s %9s %9s %9s %14s %7s %10s%n", "server", "conns", "requests/s", "transfer/s",
                "lat mean", "lat p50", "lat p99", "lat max", "socket errors", "non-2xx", "JVM us/req");
        for (Run r : runs) {
            System.out.printf("%-28s %6d %11.0f %11s %9s %9s %9s %9s %14s %7d %10.1f%n", r.server(), r.connections(),
                    r.requestsPerSecond(), r.transferPerSecond(), r.latencyMean(), r.latency50(), r.latency99(),
                    r.latencyMax(), r.socketErrors(), r.non2xx3xx(), r.jvmCpuMicrosPerRequest());
        }
        System.out.println("(JVM us/req: this JVM's CPU time, user and system, over the run per request; nginx's and python's"
                + " are their own processes, not counted)");
        System.out.println("(socket errors: c connect, r read, w write, t timeout; 0 when wrk reported none)");
        for (int c : connections) {
            double teacup = rate(runs, "teacup", c);
            double kernel = rate(runs, "kernel FileServer", c);
            double other = runs.stream().filter(r -> r.connections() == c && !r.server().contains("FileServer"))
                    .mapToDouble(Run::requestsPerSecond).findFirst().orElse(Double.NaN);
            System.out.printf("RESULT serve_load connections=%d teacup_rps=%.0f kernel_fileserver_rps=%.0f other_rps=%.0f"
                    + " teacup_over_kernel_fileserver=%.3f%n", c, teacup, kernel, other, teacup / kernel);
            Score.print("teacup serve, " + (close ? "short connections" : "keep-alive GETs") + ", wrk -c" + c, teacup, kernel,
                    "req/s", "same FileServer on kernel sockets, veth",
                    ">= 1.0x");
        }
    }

    private static double rate(List<Run> runs, String prefix, int c) {
        return runs.stream().filter(r -> r.connections() == c && r.server().startsWith(prefix))
                .mapToDouble(Run::requestsPerSecond).findFirst().orElse(Double.NaN);
    }
}
