package teacup.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.ip.Interface;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.tcp.ConnectionStatus;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * Many flows at once, teacup beside the kernel, in one run (needs root).
 *
 * <ol>
 *   <li><b>fairness</b>: {@code --streams} (default 1,000) bulk streams at once from a server that
 *       writes as fast as it can to as many kernel clients in a private namespace, which read; over
 *       a measured window, each stream's throughput, their sum, and Jain's fairness index
 *       (sum x)^2 / (n sum x^2), 1.0 when all are equal. The server is teacup on a TAP, then the
 *       kernel across a veth pair; the same Java code writes and reads in both (virtual threads).
 *       One stream alone is measured first the same way, for the sum's reference;
 *   <li><b>idle</b>: one bulk stream from teacup alone, then again while {@code --idle} (default
 *       10,000) established connections to the same teacup sit idle (no data, no keep-alive):
 *       the ratio says what holding them costs a busy connection.
 * </ol>
 * Everything lives in namespaces named {@code tcup-bmf*-<random>}, deleted at the end.
 *
 * After the many-streams run on teacup, the stack's counters that moved during it and a summary of
 * its connections (timeouts, recoveries, congestion windows, round-trip times) go to stderr, so a
 * figure below its target says where the time went.
 *
 * <p>Usage: {@code ManyFlowsBench [--streams N] [--idle N] [--seconds N] [--warmup N] [--offload on|off]};
 * offloads are on by default, as in the commands, where the TAP takes them.
 */
public final class ManyFlowsBench {
    private static final String TAP = "tcup0";
    private static final int MTU = 1500;
    private static final int PORT = 9011;
    private static final int CHUNK = 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);

    private final int streams;
    private final int idle;
    private final Duration window;
    private final Duration warmup;
    private final boolean offload;
    private final String suffix;
    private final Lab lab = new Lab("ManyFlowsBench");

    private ManyFlowsBench(int streams, int idle, Duration window, Duration warmup, boolean offload) {
        this.streams = streams;
        this.idle = idle;
        this.window = window;
        this.warmup = warmup;
        this.offload = offload;
        this.suffix = Lab.namespaceSuffix();
    }

    /** Per-stream bytes over the measured window. */
    record Flows(String name, long[] bytes, double seconds) {
        double sumMegabytesPerSecond() {
            long sum = 0;
            for (long b : bytes) {
                sum += b;
            }
            return sum / seconds / 1e6;
        }

        double jain() {
            double sum = 0;
            double squares = 0;
            for (long b : bytes) {
                sum += b;
                squares += (double) b * b;
            }
            return squares == 0 ? 0 : sum * sum / (bytes.length * squares);
        }

        double minMegabytesPerSecond() {
            long min = Long.MAX_VALUE;
            for (long b : bytes) {
                min = Math.min(min, b);
            }
            return min / seconds / 1e6;
        }
    }

    /** A server's side: accepts {@code count} connections and returns a writer for each (or null to hold it idle). */
    @FunctionalInterface
    private interface Server extends AutoCloseable {
        OutputStream accept() throws IOException;

        @Override
        default void close() throws IOException {
        }
    }

    public static void main(String[] args) throws Exception {
        int streams = 1000;
        int idle = 10_000;
        int seconds = 10;
        int warmupSeconds = 3;
        boolean offload = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--streams" -> streams = Integer.parseInt(args[++i]);
                case "--idle" -> idle = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmupSeconds = Integer.parseInt(args[++i]);
                case "--offload" -> offload = args[++i].equals("on");
                default -> {
                    System.err.println("usage: ManyFlowsBench [--streams N] [--idle N] [--seconds N] [--warmup N] [--offload on|off]");
                    System.exit(2);
                }
            }
        }
        if (streams < 1 || streams > 20_000 || idle < 0 || idle > 100_000 || seconds < 1 || seconds > 300
                || warmupSeconds < 0 || warmupSeconds > 60) {
            System.err.println("ManyFlowsBench: streams 1..20000, idle 0..100000, seconds 1..300, warmup 0..60");
            System.exit(2);
        }
        if (!SystemCommand.isRoot()) {
            System.err.println("ManyFlowsBench: needs root (it makes network namespaces and a TAP device)");
            System.exit(1);
        }
        ManyFlowsBench bench = new ManyFlowsBench(streams, idle, Duration.ofSeconds(seconds), Duration.ofSeconds(warmupSeconds), offload);
        Thread cleanup = new Thread(bench.lab::cleanUp, "ManyFlowsBench cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            bench.run();
        } finally {
            bench.lab.cleanUp();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private void run() throws Exception {
        Flows kernelOne;
        Flows kernelMany;
        String clientNs = "tcup-bmfc-" + suffix;
        String serverNs = "tcup-bmfs-" + suffix;
        try {
            lab.vethPair(clientNs, serverNs, MTU);
            kernelOne = kernel("kernel (veth), 1 stream", clientNs, serverNs, 1);
            kernelMany = kernel("kernel (veth), " + streams + " streams", clientNs, serverNs, streams);
        } finally {
            for (String ns : List.of(serverNs, clientNs)) {
                if (lab.removeNamespace(ns)) {
                    SystemCommand.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
                }
            }
        }
        String ns = "tcup-bmf-" + suffix;
        lab.addNamespace(ns);
        PrivateNetwork net = PrivateNetwork.create(ns, TAP, "198.18.0.1/24", MTU);
        Interface iface = new Interface(MacAddress.parse("02:74:63:00:00:02"), Ipv4Address.parse("198.18.0.2"),
                24, Ipv4Address.parse("198.18.0.1"), MTU);
        TapLink tap = net.openTap(MTU, offload);
        String tag = offload ? "TAP+offload" : "TAP";
        try (NetStack stack = new NetStack(tap, iface, Clock.SYSTEM, new SplittableRandom(1)).start()) {
            Flows teacupOne = teacup("teacup (" + tag + "), 1 stream", stack, ns, 1, 0);
            Map<Counter, Long> before = stack.statistics();
            Flows teacupMany = teacup("teacup (" + tag + "), " + streams + " streams", stack, ns, streams, 0);
            diagnose(before, stack.statistics());
            System.err.println("ManyFlowsBench: the TAP as the kernel saw it (drops there are the kernel's, not teacup's):");
            System.err.print(SystemCommand.check(Duration.ofSeconds(5), "ip", "netns", "exec", ns, "ip", "-s", "link", "show", TAP));
            System.err.println("ManyFlowsBench: the kernel clients' TCP counters that say where data was dropped (nstat):");
            for (String line : SystemCommand.check(Duration.ofSeconds(5), "ip", "netns", "exec", ns, "nstat", "-a").split("\n")) {
                if (line.matches("(?i).*(drop|prune|collapse|ofo|memory|zerowindow|retrans).*")) {
                    System.err.println("  " + line);
                }
            }
            Flows busyAlone = teacup("teacup (" + tag + "), 1 stream", stack, ns, 1, 0);
            Flows busyBeside = idle == 0 ? busyAlone : teacup("teacup (" + tag + "), 1 stream beside " + idle + " idle", stack, ns, 1, idle);
            print(teacupOne, teacupMany, kernelOne, kernelMany, busyAlone, busyBeside);
        } finally {
            net.close();
            lab.removeNamespace(ns);
        }
    }

    private Flows kernel(String name, String clientNs, String serverNs, int count) throws Exception {
        ServerSocketChannel listener = NetworkNamespace.callIn(serverNs,
                () -> ServerSocketChannel.open().bind(new InetSocketAddress("198.18.1.2", PORT), 4096));
        try (listener) {
            return flows(name, () -> listener.accept().socket().getOutputStream(), clientNs, "198.18.1.2", count, 0, () -> { });
        }
    }

    private Flows teacup(String name, NetStack stack, String clientNs, int count, int idleCount) throws Exception {
        try (TcpServerSocket listener = TcpServerSocket.bind(stack, PORT, 4096)) {
            return flows(name, () -> {
                TcpSocket s = listener.accept(CONNECT_TIMEOUT);
                return s.getOutputStream();
            }, clientNs, "198.18.0.2", count, idleCount, () -> connections = stack.connections());
        }
    }

    /** The connections as the last teacup run left them, just before they closed. */
    private List<ConnectionStatus> connections = List.of();

    /** To stderr: the counters that moved over the run, and what its connections went through. */
    private void diagnose(Map<Counter, Long> before, Map<Counter, Long> after) {
        System.err.println("ManyFlowsBench: counters that moved during the many-streams run:");
        for (Map.Entry<Counter, Long> e : after.entrySet()) {
            long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (delta != 0) {
                System.err.printf("  %-36s %,14d  %s%n", e.getKey(), delta, e.getKey().description());
            }
        }
        List<ConnectionStatus> cs = connections;
        if (cs.isEmpty()) {
            return;
        }
        long[] rtos = cs.stream().mapToLong(ConnectionStatus::retransmissionTimeouts).sorted().toArray();
        long[] cwnd = cs.stream().mapToLong(ConnectionStatus::cwnd).sorted().toArray();
        long[] srtt = cs.stream().mapToLong(c -> c.srtt() / 1000).sorted().toArray();
        long[] mss = cs.stream().mapToLong(ConnectionStatus::segmentSize).sorted().toArray();
        long withRto = java.util.Arrays.stream(rtos).filter(r -> r > 0).count();
        System.err.printf("ManyFlowsBench: %d connections; %d with timeouts; recoveries %d, TLPs %d, segments retransmitted %d%n",
                cs.size(), withRto, cs.stream().mapToLong(ConnectionStatus::recoveryEpisodes).sum(),
                cs.stream().mapToLong(ConnectionStatus::tailLossProbes).sum(),
                cs.stream().mapToLong(ConnectionStatus::segmentsRetransmitted).sum());
        System.err.printf("  p10/p50/p90/max: timeouts %s; cwnd %s bytes; srtt %s us; segment size %s%n",
                quantiles(rtos), quantiles(cwnd), quantiles(srtt), quantiles(mss));
    }

    private static String quantiles(long[] sorted) {
        return sorted[sorted.length / 10] + "/" + sorted[sorted.length / 2] + "/" + sorted[sorted.length * 9 / 10] + "/"
                + sorted[sorted.length - 1];
    }

    /**
     * Opens {@code idleCount} connections that stay idle and {@code count} that carry a stream each
     * from the server to the client, and measures the streams over the window after the warm-up.
     */
    private Flows flows(String name, Server server, String clientNs, String host, int count, int idleCount, Runnable atEnd)
            throws Exception {
        List<OutputStream> held = new ArrayList<>();
        List<SocketChannel> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicLongArray got = new AtomicLongArray(count);
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            int total = idleCount + count;
            Thread acceptor = Thread.ofPlatform().name("acceptor").start(() -> {
                try {
                    for (int i = 0; i < total; i++) {
                        held.add(server.accept());
                    }
                } catch (IOException e) {
                    System.err.println("ManyFlowsBench: accept: " + e.getMessage());
                }
            });
            NetworkNamespace.callIn(clientNs, () -> {
                for (int i = 0; i < total; i++) {
                    SocketChannel c = SocketChannel.open();
                    c.socket().connect(new InetSocketAddress(host, PORT), (int) CONNECT_TIMEOUT.toMillis());
                    clients.add(c);
                }
                return null;
            });
            acceptor.join(CONNECT_TIMEOUT.toMillis() * 2);
            if (held.size() < total) {
                throw new IOException(name + ": only " + held.size() + " of " + total + " connections accepted");
            }
            for (int i = 0; i < count; i++) {
                OutputStream out = held.get(idleCount + i);
                SocketChannel in = clients.get(idleCount + i);
                int slot = i;
                threads.add(Thread.ofVirtual().start(() -> write(out, stop)));
                threads.add(Thread.ofVirtual().start(() -> read(in, got, slot, stop)));
            }
            Thread.sleep(warmup.toMillis());
            long[] before = snapshot(got);
            long t0 = System.nanoTime();
            Thread.sleep(window.toMillis());
            long[] after = snapshot(got);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] bytes = new long[count];
            for (int i = 0; i < count; i++) {
                bytes[i] = after[i] - before[i];
            }
            Flows f = new Flows(name, bytes, seconds);
            atEnd.run();
            System.err.printf("ManyFlowsBench: %-44s sum %8.1f MB/s, Jain %.3f%n", name, f.sumMegabytesPerSecond(), f.jain());
            return f;
        } finally {
            stop.set(true);
            for (SocketChannel c : clients) {
                try {
                    c.close();
                } catch (IOException e) {
                    // closing is best effort; the namespace goes at the end
                }
            }
            for (OutputStream out : held) {
                try {
                    out.close();
                } catch (IOException e) {
                    // the client side is gone already
                }
            }
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
    }

    private static void write(OutputStream out, java.util.concurrent.atomic.AtomicBoolean stop) {
        byte[] chunk = new byte[CHUNK];
        try {
            while (!stop.get()) {
                out.write(chunk);
            }
        } catch (IOException e) {
            // the reader closed: the run is over
        }
    }

    private static void read(SocketChannel in, AtomicLongArray got, int slot, java.util.concurrent.atomic.AtomicBoolean stop) {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        try {
            while (!stop.get()) {
                buffer.clear();
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                got.addAndGet(slot, n);
            }
        } catch (IOException e) {
            // closed at the end of the run
        }
    }

    private static long[] snapshot(AtomicLongArray a) {
        long[] s = new long[a.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i);
        }
        return s;
    }

    private void print(Flows teacupOne, Flows teacupMany, Flows kernelOne, Flows kernelMany, Flows busyAlone, Flows busyBeside) {
        System.out.printf("%-46s %12s %12s %8s%n", "flows (server -> kernel clients)", "sum MB/s", "min MB/s", "Jain");
        for (Flows f : List.of(teacupOne, teacupMany, kernelOne, kernelMany, busyAlone, busyBeside)) {
            System.out.printf("%-46s %12.1f %12.3f %8.3f%n", f.name(), f.sumMegabytesPerSecond(), f.minMegabytesPerSecond(), f.jain());
        }
        Score.print(streams + " bulk streams, Jain's fairness index", teacupMany.jain(), kernelMany.jain(), "", "kernel over veth",
                ">= 0.9");
        Score.print(streams + " bulk streams, sum", teacupMany.sumMegabytesPerSecond(), teacupOne.sumMegabytesPerSecond(), "MB/s",
                "teacup, one stream", ">= 1.0x");
        Score.print("one stream beside " + idle + " idle connections", busyBeside.sumMegabytesPerSecond(),
                busyAlone.sumMegabytesPerSecond(), "MB/s", "teacup, one stream alone", ">= 0.9x");
        System.out.printf("RESULT many_flows streams=%d teacup_sum_over_single=%.2f teacup_jain=%.3f kernel_jain=%.3f"
                        + " teacup_sum_over_kernel_sum=%.2f idle=%d busy_beside_idle_over_alone=%.2f%n",
                streams, teacupMany.sumMegabytesPerSecond() / teacupOne.sumMegabytesPerSecond(), teacupMany.jain(), kernelMany.jain(),
                teacupMany.sumMegabytesPerSecond() / kernelMany.sumMegabytesPerSecond(), idle,
                busyBeside.sumMegabytesPerSecond() / busyAlone.sumMegabytesPerSecond());
    }
}
