package teacup.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Heap per idle keep-alive connection of {@code teacup serve}'s file server, beside the same
 * {@link FileServer} on kernel sockets, in one run (needs root and python3).
 *
 * <p>For each server, a python3 client in a private namespace opens {@code --connections} N
 * connections, sends one GET of a small file on each, reads the whole answer and leaves every
 * connection open and idle. The heap in use after a full GC, less the heap after a full GC before
 * the first connection (but after a warm-up connection, so classes and the JIT's first work are
 * not counted), over N is the heap per idle connection: for teacup, the stack's connection and
 * socket, the server's connection state (HttpCore's buffers) and the virtual thread parked on
 * it; for the kernel row, the same server objects and the JDK's socket (its kernel memory is not
 * on the heap, nor counted here; ConnectionMemoryBench prints the kernel's slab figures).
 *
 * <p>Usage: {@code ServeMemoryBench [--connections N]} (default 1,000). Namespaces are named
 * {@code tcup-sm*-<random>} and deleted at the end (also on Ctrl-C); the only processes it ends
 * are the python3 clients it started, by their handles.
 */
public final class ServeMemoryBench {
    private static final String TAP = "tcup0";
    private static final int MTU = 1500;
    private static final int PORT = 8080;
    private static final String FILE = "file.bin";
    private static final int FILE_BYTES = 4096;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /** How long the client may take to open its connections before the run is given up. */
    private static final long READY_SECONDS = 120;
    /** Held idle this long before the heap is read. */
    private static final long IDLE_MILLIS = 3_000;

    /** The client: N connections, one GET each, answers read whole, then idle until stdin closes. */
    private static final String CLIENT = String.join("\n",
            "import socket, sys",
            "host, port, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]",
            "conns = []",
            "for i in range(n):",
            "    s = socket.create_connection((host, port), timeout=30)",
            "    s.sendall(('GET /' + path + ' HTTP/1.1\\r\\nHost: ' + host + '\\r\\n\\r\\n').encode())",
            "    data = b''",
            "    while b'\\r\\n\\r\\n' not in data:",
            "        chunk = s.recv(65536)",
            "        if not chunk: raise SystemExit('closed before the head')",
            "        data += chunk",
            "    head, body = data.split(b'\\r\\n\\r\\n', 1)",
            "    length = [int(l.split(b':')[1]) for l in head.split(b'\\r\\n') if l.lower().startswith(b'content-length:')][0]",
            "    while len(body) < length:",
            "        chunk = s.recv(65536)",
            "        if not chunk: raise SystemExit('closed in the body')",
            "        body += chunk",
            "    conns.append(s)",
            "print('ready', len(conns), flush=True)",
            "sys.stdin.read()",
            "");

    private final int connections;
    /** Print the heap's class histogram while the connections are held ({@code --histogram}). */
    private boolean histogram;
    private final String suffix = Lab.namespaceSuffix();
    private final Lab lab = new Lab("ServeMemoryBench");
    private Path dir;

    private ServeMemoryBench(int connections) {
        this.connections = connections;
    }

    public static void main(String[] args) throws Exception {
        int connections = 1000;
        boolean histogram = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--connections") && i + 1 < args.length) {
                connections = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--histogram")) {
                histogram = true;
            } else {
                System.err.println("usage: ServeMemoryBench [--connections N] [--histogram]");
                System.exit(2);
            }
        }
        if (connections < 1 || connections > 10_000) {
            System.err.println("ServeMemoryBench: connections 1..10000");
            System.exit(2);
        }
        if (!SystemCommand.isRoot()) {
            System.err.println("ServeMemoryBench: needs root (it makes network namespaces and a TAP device)");
            System.exit(1);
        }
        for (String program : List.of("python3", "ip")) {
            if (!Lab.onPath(program)) {
                System.err.println("ServeMemoryBench: needs " + program + " on the PATH");
                System.exit(1);
            }
        }
        ServeMemoryBench bench = new ServeMemoryBench(connections);
        bench.histogram = histogram;
        Thread cleanup = new Thread(bench::cleanUp, "ServeMemoryBench cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            bench.makeFile();
            double teacup = bench.teacup();
            double kernel = bench.kernel();
            System.out.printf("heap per idle keep-alive connection after one %d-byte GET, %d connections: teacup FileServer"
                    + " (TAP) %.1f KB, the same FileServer on kernel sockets (veth) %.1f KB%n", FILE_BYTES, connections,
                    teacup / 1024, kernel / 1024);
            System.out.printf("RESULT serve_memory connections=%d teacup_bytes=%.0f kernel_fileserver_bytes=%.0f%n",
                    connections, teacup, kernel);
            Score.print("teacup serve, heap per idle keep-alive connection", teacup / 1024, kernel / 1024, "KB",
                    "same FileServer on kernel sockets (heap only)", "<= 30 KB");
        } finally {
            bench.cleanUp();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private void makeFile() throws IOException {
        dir = Files.createTempDirectory("teacup-serve-mem-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        byte[] body = new byte[FILE_BYTES];
        new SplittableRandom(7).nextBytes(body);
        Files.write(dir.resolve(FILE), body);
        Files.writeString(dir.resolve("client.py"), CLIENT);
    }

    private double teacup() throws IOException, InterruptedException {
        String ns = "tcup-sm-" + suffix;
        lab.addNamespace(ns);
        PrivateNetwork net = PrivateNetwork.create(ns, TAP, "198.18.0.1/24", MTU);
        Interface iface = new Interface(MacAddress.parse("02:74:63:00:00:02"), Ipv4Address.parse("198.18.0.2"),
                24, Ipv4Address.parse("198.18.0.1"), MTU);
        TapLink tap = net.openTap(MTU, true);
        try (NetStack stack = new NetStack(tap, iface, Clock.SYSTEM, new SplittableRandom(1)).start();
             FileServer server = FileServer.start(new TeacupServerSocketFactory(stack).createServerSocket(PORT),
                     FileServer.Settings.of(dir).withIdleTimeout(Duration.ofMinutes(5)), AccessLog.discard())) {
            return perConnection("teacup FileServer (TAP)", ns, "198.18.0.2", server);
        } finally {
            net.close();
            lab.removeNamespace(ns);
        }
    }

    private double kernel() throws IOException, InterruptedException {
        String clientNs = "tcup-sms-" + suffix;
        String serverNs = "tcup-smr-" + suffix;
        try {
            lab.vethPair(clientNs, serverNs, MTU);
            ServerSocket listener = NetworkNamespace.callIn(serverNs, () -> {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress("198.18.1.2", PORT), 4096);
                return s;
            });
            try (FileServer server = FileServer.start(listener, FileServer.Settings.of(dir)
                    .withIdleTimeout(Duration.ofMinutes(5)), AccessLog.discard())) {
                return perConnection("kernel FileServer (veth)", clientNs, "198.18.1.2", server);
            }
        } finally {
            for (String ns : List.of(serverNs, clientNs)) {
                if (lab.removeNamespace(ns)) {
                    SystemCommand.run(COMMAND_TIMEOUT, "ip", "netns", "del", ns);
                }
            }
        }
    }

    /** A warm-up client of one connection, the heap, then the N-connection client held idle, the heap again. */
    private double perConnection(String name, String ns, String host, FileServer server)
            throws IOException, InterruptedException {
        hold(ns, host, 1, () -> { });
        long before = heapAfterGc();
        long[] after = new long[2];
        hold(ns, host, connections, () -> {
            try {
                // Idle means idle: the stack gives an empty ring back after one to two sweeps of a second.
                Thread.sleep(IDLE_MILLIS);
                after[0] = heapAfterGc();
                after[1] = server.connectionCount();
                if (histogram) {
                    histogram();
                }
            } catch (InterruptedException | IOException e) {
                throw new IllegalStateException(e);
            }
        });
        double per = (after[0] - before) / (double) connections;
        System.err.printf("ServeMemoryBench: %-26s %,d connections open: heap %,d -> %,d bytes, %.0f bytes each%n",
                name, after[1], before, after[0], per);
        return per;
    }

    /** Runs the client with {@code n} connections; {@code whileOpen} runs once they are all open and idle. */
    private void hold(String ns, String host, int n, Runnable whileOpen) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "python3", dir.resolve("client.py").toString(), host,
                Integer.toString(PORT), Integer.toString(n), FILE).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        lab.track(p);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             OutputStream in = p.getOutputStream()) {
            String line = readLine(out, p);
            if (line == null || !line.startsWith("ready")) {
                throw new IOException("the client did not open its connections: " + line);
            }
            whileOpen.run();
        } finally {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            lab.untrack(p);
        }
    }

    private static String readLine(BufferedReader out, Process p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        while (System.nanoTime() < deadline) {
            if (out.ready()) {
                return out.readLine();
            }
            if (!p.isAlive()) {
                return out.readLine();
            }
            Thread.sleep(20);
        }
        return null;
    }

    private static long heapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** The heap's class histogram, asked of this JVM's own diagnostic commands (no attach, which may hang here). */
    private static void histogram() throws IOException {
        try {
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            text.toString().lines().limit(30).forEach(l -> System.out.println("  histogram " + l));
        } catch (javax.management.JMException e) {
            throw new IOException("no class histogram: " + e, e);
        }
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
                System.err.println("ServeMemoryBench: could not delete " + dir + ": " + e.getMessage());
            }
        }
    }
}
