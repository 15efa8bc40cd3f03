package teacup.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.stack.NetStack;

import teacup.tcp.TcpConnection;
import teacup.tcp.TcpConnection.State;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * Heap per idle connection and per TIME-WAIT entry, teacup beside the kernel, in one run.
 *
 * <p>teacup: two NetStacks on a VirtualWire with a simulated clock (no threads, no system calls)
 * open {@code --connections} connections, each carries a 100-byte request and answer, then all sit
 * idle; the heap after a full GC (MemoryMXBean), less the heap before the first connection, over
 * the connection ends (two per connection) is the heap per idle connection. Then every client
 * closes first, so its end waits out 2 MSL in TIME-WAIT while the server's is forgotten: the heap
 * over the clients is the heap per TIME-WAIT entry.
 *
 * <p>The kernel: the same in a private network namespace over its loopback, with a python3
 * program holding {@code --kernel-sockets} idle connection pairs; the figure is the growth of the
 * kernel's slab caches a TCP socket lives in (TCP, sock_inode_cache, tcp_bind_bucket, filp,
 * dentry, tw_sock_TCP; a cache merged with one already listed is counted once) read from /sys/kernel/slab, per socket. Those caches are
 * shared with the rest of the machine, so the kernel figure is approximate on a busy host.
 */
public final class ConnectionMemoryBench {
    private static final int PORT_BASE = 8000;
    private static final int PER_PORT = 16_000;
    private static final int BATCH = 2_000;
    private static final String NAMESPACE = "tcup-mem-bench";
    private static final List<String> KERNEL_CACHES = List.of("TCP", "sock_inode_cache", "tcp_bind_bucket",
            "tcp_bind2_bucket", "filp", "dentry", "tw_sock_TCP");

    /** The figures of {@link #run}, for the scoreboard. */
    private double perIdle;
    private double perTimeWait;
    private final AtomicLong time = new AtomicLong(1_000_000_000L);
    private final Clock clock = time::get;
    private static final int WIRE_FRAMES = 1 << 16;
    private final VirtualWire wire = new VirtualWire(1500, WIRE_FRAMES);
    private final NetStack client = stack(wire.a(), "02:00:00:00:00:01", "198.18.0.1");
    private final NetStack server = stack(wire.b(), "02:00:00:00:00:02", "198.18.0.2");

    private ConnectionMemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        int connections = 100_000;
        int kernelSockets = 10_000;
        boolean histogram = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--kernel-sockets" -> kernelSockets = Integer.parseInt(args[++i]);
                case "--histogram" -> histogram = true;
                default -> throw new IllegalArgumentException("usage: ConnectionMemoryBench [--connections N]"
                        + " [--kernel-sockets N (0: none)] [--histogram]");
            }
        }
        ConnectionMemoryBench bench = new ConnectionMemoryBench();
        bench.run(connections, histogram);
        double[] kernel = kernelSockets > 0 ? kernel(kernelSockets) : new double[] {Double.NaN, Double.NaN};
        Score.print("heap per idle established connection", bench.perIdle, kernel[0], "B", "kernel slab per socket",
                "<= 1024");
        Score.print("heap per TIME-WAIT entry", bench.perTimeWait, kernel[1], "B", "kernel slab per socket", "<= 256");
    }

    private NetStack stack(VirtualWire.End end, String mac, String ip) {
        return new NetStack(end, new Interface(MacAddress.parse(mac), Ipv4Address.parse(ip), 24, Ipv4Address.ANY, 1500),
                clock, new SplittableRandom(ip.hashCode()));
    }

    private void run(int n, boolean histogram) throws IOException, InterruptedException {
        TcpSettings settings = TcpSettings.defaults();
        List<TcpListener> listeners = new ArrayList<>();
        for (int p = 0; p * PER_PORT < n; p++) {
            listeners.add(server.tcp().listen(PORT_BASE + p, 4096, settings));
        }
        List<TcpConnection> clients = new ArrayList<>(n);
        List<TcpConnection> servers = new ArrayList<>(n);
        // One connection first, kept out of the figures, so ARP has resolved before a batch of SYNs
        // (ARP holds at most 256 packets for an unresolved address; the rest would wait for their RTO).
        TcpConnection warmUp = client.tcp().connect(now(), Ipv4Address.parse("198.18.0.2").bits(), PORT_BASE, settings, null);
        settle();
        if (warmUp.state() != State.ESTABLISHED) {
            throw new IllegalStateException("no connection: " + warmUp);
        }
        listeners.get(0).poll();
        primeWire();
        long baseline = heapAfterGc();
        int serverIp = Ipv4Address.parse("198.18.0.2").bits();
        byte[] request = new byte[100];
        byte[] scratch = new byte[4096];
        for (int done = 0; done < n; ) {
            int batch = Math.min(BATCH, n - done);
            for (int i = 0; i < batch; i++) {
                int port = PORT_BASE + (done + i) / PER_PORT;
                clients.add(client.tcp().connect(now(), serverIp, port, settings, null));
            }
            settle();
            for (TcpListener l : listeners) {
                for (TcpConnection c; (c = l.poll()) != null; ) {
                    servers.add(c);
                }
            }
            for (int i = done; i < done + batch; i++) {
                TcpConnection c = clients.get(i);
                c.sendBuffer().write(request, 0, request.length);
                client.tcp().push(now(), c);
            }
            settle();
            for (int i = done; i < Math.min(servers.size(), done + batch); i++) {
                TcpConnection s = servers.get(i);
                s.receiveBuffer().read(scratch, 0, scratch.length);
                server.tcp().windowOpened(now(), s);
                s.sendBuffer().write(request, 0, request.length);
                server.tcp().push(now(), s);
            }
            settle();
            for (int i = done; i < done + batch; i++) {
                TcpConnection c = clients.get(i);
                c.receiveBuffer().read(scratch, 0, scratch.length);
                client.tcp().windowOpened(now(), c);
            }
            done += batch;
        }
        advance(TimeUnit.SECONDS.toNanos(5)); // past delayed ACKs and any idle timer
        long established = countEstablished(clients) + countEstablished(servers);
        long idleHeap = heapAfterGc();
        perIdle = (double) (idleHeap - baseline) / (2.0 * n);
        System.out.printf("teacup  idle connections: %,d held (%,d ends ESTABLISHED), heap %,d KB over the baseline%n",
                n, established, (idleHeap - baseline) / 1024);
        System.out.printf("teacup  heap per idle connection end:   %,8.0f B   (%,.1f MB for %,d connections, both ends)%n",
                perIdle, (idleHeap - baseline) / 1e6, n);
        System.out.printf("teacup  rings held when idle: send %,d B, receive %,d B (all ends)%n",
                ringBytes(clients, true) + ringBytes(servers, true), ringBytes(clients, false) + ringBytes(servers, false));
        if (histogram) {
            histogram(2L * n);
        }
        // In batches, as they were opened: the wire's queues hold 65,536 frames, and a FIN dropped waits for its RTO.
        for (int done = 0; done < n; done += BATCH) {
            for (TcpConnection c : clients.subList(done, Math.min(n, done + BATCH))) {
                client.tcp().shutdownOutput(now(), c); // not close: past 1,024 orphans the oldest would be reset
            }
            settle();
            for (TcpConnection s : servers.subList(done, Math.min(servers.size(), done + BATCH))) {
                server.tcp().shutdownOutput(now(), s);
            }
            settle();
        }
        advance(TimeUnit.SECONDS.toNanos(1));
        clients.clear();
        servers.clear();
        int timeWait = client.tcp().connectionCount(State.TIME_WAIT);
        long twHeap = heapAfterGc();
        System.out.printf("teacup  TIME-WAIT entries: %,d (client), server connections left: %,d%n",
                timeWait, server.tcp().connectionCount());
        perTimeWait = (double) (twHeap - baseline) / timeWait;
        System.out.printf("teacup  heap per TIME-WAIT entry:       %,8.0f B%n", perTimeWait);
        if (histogram) {
            histogram(timeWait);
        }
    }

    /**
     * The wire keeps a buffer for each slot of its queues once a frame has passed through it, and the
     * queues go round all their slots as connections come and go: fill every slot once, before the
     * baseline, so the wire's own buffers are not counted as the connections'.
     */
    private void primeWire() throws IOException {
        byte[] frame = new byte[1514];
        byte[] into = new byte[1514];
        for (VirtualWire.End end : List.of(wire.a(), wire.b())) {
            VirtualWire.End other = end == wire.a() ? wire.b() : wire.a();
            for (int i = 0; i < WIRE_FRAMES; i++) {
                end.send(frame, 0, frame.length);
            }
            while (other.receive(into, 0) > 0) {
                // drained: every slot now holds its buffer
            }
        }
    }

    private static long countEstablished(List<TcpConnection> list) {
        return list.stream().filter(c -> c.state() == State.ESTABLISHED).count();
    }

    private static long ringBytes(List<TcpConnection> list, boolean send) {
        long sum = 0;
        for (TcpConnection c : list) {
            sum += send ? c.sendBuffer().allocatedBytes() : c.receiveBuffer().allocatedBytes();
        }
        return sum;
    }

    private long now() {
        return time.get();
    }

    /** Steps both stacks until the wire is empty and nothing is due now. */
    private void settle() throws IOException {
        for (int steps = 0; steps < 1_000_000; steps++) {
            long now = now();
            client.step(now);
            server.step(now);
            if (wire.a().queued() == 0 && wire.b().queued() == 0
                    && Math.min(client.nextDeadline(), server.nextDeadline()) > now) {
                return;
            }
            if (steps % 64 == 63) {
                time.addAndGet(1_000L); // a same-instant ping-pong: let a microsecond pass
            }
        }
        throw new IllegalStateException("stacks did not settle");
    }

    /** Moves time on by {@code nanos}, running every timer due on the way. */
    private void advance(long nanos) throws IOException {
        long until = now() + nanos;
        while (true) {
            settle();
            long next = Math.min(client.nextDeadline(), server.nextDeadline());
            if (next > until) {
                time.set(until);
                settle();
                return;
            }
            time.set(Math.max(next, now()));
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /**
     * teacup's classes with at least one instance per entry ({@code entries}), and their bytes per entry (byte arrays
     * are left out: the wire's slot buffers, counted in the baseline, outnumber the entries).
     */
    private static void histogram(long entries) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                .redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        p.waitFor(30, TimeUnit.SECONDS);
        long total = 0;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[3].startsWith("teacup.") || Long.parseLong(f[1]) < entries) {
                continue;
            }
            double perEntry = (double) Long.parseLong(f[2]) / entries;
            total += Long.parseLong(f[2]);
            System.out.printf("  histogram %8.1f B per entry  %10s instances  %s%n", perEntry, f[1], f[3]);
        }
        System.out.printf("  histogram %8.1f B per entry in those classes%n", (double) total / entries);
    }

    // ---------------------------------------------------------------- the kernel beside it

    private static final String KERNEL_PROGRAM = """
            import os, resource, socket, sys, time
            n = int(sys.argv[1]); caches = sys.argv[2].split(',')
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (2 * n + 256, max(hard, 2 * n + 256)))
            except (ValueError, OSError):
                # no right to raise the hard limit here: hold as many pairs as it allows
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
                n = min(n, (hard - 256) // 2)
                print('kernel    file limit %d: holding %d socket pairs' % (hard, n))
            def slab():
                out = {}
                seen = set()
                for c in caches:
                    real = os.path.realpath('/sys/kernel/slab/' + c)
                    if real in seen:
                        continue  # merged with a cache already counted
                    seen.add(real)
                    try:
                        objects = int(open('/sys/kernel/slab/%s/objects' % c).read().split()[0])
                        size = int(open('/sys/kernel/slab/%s/slab_size' % c).read())
                        out[c] = (objects, size)
                    except OSError:
                        pass
                return out
            def delta(a, b, per):
                total = 0
                for c in caches:
                    if c in a and c in b:
                        d = (b[c][0] - a[c][0]) * a[c][1]
                        total += d
                        print('kernel    %-18s %+8d objects x %4d B' % (c, b[c][0] - a[c][0], a[c][1]))
                return total / per
            before = slab()
            listeners = []
            for p in range((n + 15999) // 16000):
                l = socket.socket(); l.bind(('127.0.0.1', 9000 + p)); l.listen(4096); listeners.append(l)
            clients, servers = [], []
            for i in range(n):
                c = socket.create_connection(('127.0.0.1', 9000 + i // 16000))
                s, _ = listeners[i // 16000].accept()
                c.sendall(b'x' * 100); s.recv(100); s.sendall(b'y' * 100); c.recv(100)
                clients.append(c); servers.append(s)
            time.sleep(1)
            idle = slab()
            print('kernel  slab per idle socket (one end): %8.0f B' % delta(before, idle, 2 * n))
            for c in clients: c.close()
            time.sleep(0.5)
            for s in servers: s.close()
            time.sleep(1)
            tw = slab()
            print('kernel  slab per TIME-WAIT socket:      %8.0f B' % delta(before, tw, n))
            """;

    /** Prints the kernel program's lines and takes its two figures from them. */
    private static void readKernelLines(Process p, double[] figures) {
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                System.out.println(line);
                int colon = line.lastIndexOf(':');
                if (line.startsWith("kernel  slab per idle socket") && colon > 0) {
                    figures[0] = Double.parseDouble(line.substring(colon + 1).replace("B", "").trim());
                } else if (line.startsWith("kernel  slab per TIME-WAIT socket") && colon > 0) {
                    figures[1] = Double.parseDouble(line.substring(colon + 1).replace("B", "").trim());
                }
            }
        } catch (IOException e) {
            System.out.println("kernel  output lost: " + e.getMessage());
        }
    }

    /** The kernel's slab bytes per idle socket and per TIME-WAIT socket (NaN where not measured); prints its lines too. */
    private static double[] kernel(int n) throws IOException, InterruptedException {
        double[] figures = {Double.NaN, Double.NaN};
        Lab lab = new Lab("ConnectionMemoryBench");
        Runtime.getRuntime().addShutdownHook(new Thread(lab::cleanUp));
        try {
            teacup.host.SystemCommand.check(java.time.Duration.ofSeconds(10), "ip", "netns", "add", NAMESPACE);
            lab.addNamespace(NAMESPACE);
            teacup.host.SystemCommand.check(java.time.Duration.ofSeconds(10), "ip", "-n", NAMESPACE, "link", "set", "lo", "up");
            teacup.host.SystemCommand.check(java.time.Duration.ofSeconds(10), "ip", "netns", "exec", NAMESPACE,
                    "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=20000 65000");
            Path script = Files.createTempFile("tcup-mem-", ".py");
            Files.writeString(script, KERNEL_PROGRAM);
            Process p = new ProcessBuilder("ip", "netns", "exec", NAMESPACE, "python3", script.toString(),
                    Integer.toString(n), String.join(",", KERNEL_CACHES)).redirectErrorStream(true).start();
            lab.track(p);
            // Its lines are read on a thread of their own, so the wait below stays bounded even if it hangs.
            Thread reader = Thread.ofVirtual().start(() -> readKernelLines(p, figures));
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                System.out.println("kernel  timed out");
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            lab.untrack(p);
            Files.deleteIfExists(script);
        } finally {
            lab.cleanUp();
        }
        return figures;
    }
}
