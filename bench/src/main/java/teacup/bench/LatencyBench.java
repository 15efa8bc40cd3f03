package teacup.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.ip.Interface;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * One-byte request/response latency, teacup beside the kernel, in one run (needs root).
 *
 * <p>A client thread in this JVM, on a kernel socket opened inside a private namespace, writes one
 * byte and waits for the echo, {@code --requests} times after {@code --warmup} unmeasured ones:
 * <ol>
 *   <li><b>kernel -> teacup (TAP)</b>: the echo server is a teacup {@link TcpServerSocket} on a TAP
 *       whose kernel side is the client's namespace (one thread reads a byte and writes it back);
 *   <li><b>kernel -> kernel (veth)</b>: the same echo loop on a kernel {@link ServerSocketChannel} in a
 *       second namespace across a veth pair.
 * </ol>
 * The client, the echo loop and the JVM are the same in both; only the server's stack differs. Both
 * sockets have TCP_NODELAY. It prints p50, p90, p99 and p99.9 of the round trips in microseconds and
 * teacup's ratio to the kernel's. Everything lives in namespaces named {@code tcup-brr*-<random>},
 * deleted at the end (also on Ctrl-C).
 *
 * <p>Usage: {@code LatencyBench [--requests N] [--warmup N] [--offload off|on] [--busy-poll MICROS]}
 * ({@code --busy-poll}: {@link NetStack#busyPoll}, default off)
 */
public final class LatencyBench {
    private static final String TAP = "tcup0";
    private static final int MTU = 1500;
    private static final int PORT = 9007;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final int requests;
    private final int warmup;
    private final String suffix;
    private final Lab lab = new Lab("LatencyBench");

    private final long busyPollMicros;

    private LatencyBench(int requests, int warmup, long busyPollMicros) {
        this.requests = requests;
        this.warmup = warmup;
        this.busyPollMicros = busyPollMicros;
        this.suffix = Lab.namespaceSuffix();
    }

    /** Round trips in nanoseconds, sorted. */
    record Latencies(String name, long[] sorted) {
        double micros(double quantile) {
            int at = (int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length));
            return sorted[at] / 1e3;
        }
    }

    public static void main(String[] args) throws Exception {
        int requests = 20_000;
        int warmup = 5_000;
        boolean offload = false;
        long busyPollMicros = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--offload" -> offload = args[++i].equals("on");
                case "--busy-poll" -> busyPollMicros = Long.parseLong(args[++i]);
                default -> {
                    System.err.println("usage: LatencyBench [--requests N] [--warmup N] [--offload off|on] [--busy-poll MICROS]");
                    System.exit(2);
                }
            }
        }
        if (requests < 100 || requests > 10_000_000 || warmup < 0 || warmup > 10_000_000) {
            System.err.println("LatencyBench: requests 100..10000000, warmup 0..10000000");
            System.exit(2);
        }
        if (!SystemCommand.isRoot()) {
            System.err.println("LatencyBench: needs root (it makes network namespaces and a TAP device)");
            System.exit(1);
        }
        LatencyBench bench = new LatencyBench(requests, warmup, busyPollMicros);
        Thread cleanup = new Thread(bench.lab::cleanUp, "LatencyBench cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Latencies kernel = bench.kernel();
            Latencies teacup = bench.teacup(offload);
            print(teacup, kernel);
        } finally {
            bench.lab.cleanUp();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private Latencies teacup(boolean offload) throws Exception {
        String ns = "tcup-brr-" + suffix;
        lab.addNamespace(ns);
        PrivateNetwork net = PrivateNetwork.create(ns, TAP, "198.18.0.1/24", MTU);
        Interface iface = new Interface(MacAddress.parse("02:74:63:00:00:02"), Ipv4Address.parse("198.18.0.2"),
                24, Ipv4Address.parse("198.18.0.1"), MTU);
        TapLink tap = net.openTap(MTU, offload);
        try (NetStack stack = new NetStack(tap, iface, Clock.SYSTEM, new SplittableRandom(1)).start();
             TcpServerSocket listener = TcpServerSocket.bind(stack, PORT, 1)) {
            stack.busyPoll(Duration.ofNanos(busyPollMicros * 1000));
            Thread server = Thread.ofPlatform().name("teacup echo").start(() -> {
                try (TcpSocket s = listener.accept(CONNECT_TIMEOUT)) {
                    s.setNoDelay(true);
                    echo(s.getInputStream(), s.getOutputStream());
                } catch (IOException e) {
                    System.err.println("LatencyBench: teacup echo: " + e.getMessage());
                }
            });
            Socket client = NetworkNamespace.callIn(ns, () -> connect("198.18.0.2"));
            try (client) {
                return measure("kernel -> teacup (TAP" + (offload ? "+offload" : "") + ")", client);
            } finally {
                server.join(5_000);
            }
        } finally {
            net.close();
            lab.removeNamespace(ns);
        }
    }

    private Latencies kernel() throws Exception {
        String clientNs = "tcup-brrc-" + suffix;
        String serverNs = "tcup-brrs-" + suffix;
        try {
            lab.vethPair(clientNs, serverNs, MTU);
            ServerSocketChannel listener = NetworkNamespace.callIn(serverNs,
                    () -> ServerSocketChannel.open().bind(new InetSocketAddress("198.18.1.2", PORT), 1));
            try (listener) {
                Thread server = Thread.ofPlatform().name("kernel echo").start(() -> {
                    try (SocketChannel c = listener.accept()) {
                        c.socket().setTcpNoDelay(true);
                        echo(c.socket().getInputStream(), c.socket().getOutputStream());
                    } catch (IOException e) {
                        System.err.println("LatencyBench: kernel echo: " + e.getMessage());
                    }
                });
                Socket client = NetworkNamespace.callIn(clientNs, () -> connect("198.18.1.2"));
                try (client) {
                    return measure("kernel -> kernel (veth)", client);
                } finally {
                    server.join(5_000);
                }
            }
        } finally {
            for (String ns : List.of(serverNs, clientNs)) {
                if (lab.removeNamespace(ns)) {
                    SystemCommand.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
                }
            }
        }
    }

    private static Socket connect(String host) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, PORT), (int) CONNECT_TIMEOUT.toMillis());
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Echoes byte by byte until the client's FIN. */
    private static void echo(InputStream in, OutputStream out) throws IOException {
        int b;
        while ((b = in.read()) >= 0) {
            out.write(b);
            out.flush();
        }
    }

    private Latencies measure(String name, Socket client) throws IOException {
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream();
        long[] times = new long[requests];
        for (int i = -warmup; i < requests; i++) {
            long t0 = System.nanoTime();
            out.write(i & 0x7f);
            if (in.read() != (i & 0x7f)) {
                throw new IOException(name + ": the echo came back wrong at request " + i);
            }
            if (i >= 0) {
                times[i] = System.nanoTime() - t0;
            }
        }
        client.shutdownOutput();
        Arrays.sort(times);
        Latencies l = new Latencies(name, times);
        System.err.printf("LatencyBench: %-28s %d round trips, p50 %.1f us%n", name, requests, l.micros(0.5));
        return l;
    }

    private static void print(Latencies teacup, Latencies kernel) {
        System.out.printf("%-30s %9s %9s %9s %9s%n", "1-byte request/response (us)", "p50", "p90", "p99", "p99.9");
        for (Latencies l : List.of(teacup, kernel)) {
            System.out.printf("%-30s %9.1f %9.1f %9.1f %9.1f%n", l.name(), l.micros(0.5), l.micros(0.9), l.micros(0.99),
                    l.micros(0.999));
        }
        Score.print("1-byte request/response p50", teacup.micros(0.5), kernel.micros(0.5), "us", "kernel over veth", "<= 1.2x");
        Score.print("1-byte request/response p99", teacup.micros(0.99), kernel.micros(0.99), "us", "kernel over veth", "<= 1.5x");
        System.out.printf("%-30s %9.2f %9.2f %9.2f %9.2f%n", "ratio teacup / kernel", teacup.micros(0.5) / kernel.micros(0.5),
                teacup.micros(0.9) / kernel.micros(0.9), teacup.micros(0.99) / kernel.micros(0.99),
                teacup.micros(0.999) / kernel.micros(0.999));
    }
}
