package teacup.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.ip.Interface;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.time.Clock;
import teacup.udp.UdpEndpoint;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * UDP receive throughput, teacup beside the kernel, in one run (needs root, and python3 or socat).
 *
 * <p>The same sender, the kernel's own UDP driven as fast as it goes by a python3 loop (or
 * {@code socat -u /dev/zero UDP:...}), sends fixed-size datagrams for a warm-up and then a
 * measured window:
 * <ol>
 *   <li>to a teacup {@link UdpSocket} on a TAP, in a private namespace whose kernel side is the
 *       sender; a reader thread in this JVM takes the datagrams;
 *   <li>to a kernel UDP socket across a veth pair between two private namespaces; a reader
 *       thread in this JVM takes them from a {@link DatagramChannel} opened in the receiving
 *       namespace, so both receivers are Java code in the same process.
 * </ol>
 * Figures are counted over the window only (counters read at its start and end), so start-up,
 * ARP and JIT warm-up are left out. "Sent" is the sending namespace's UDP OutDatagrams; what
 * was sent and not received was dropped on the way (TAP queue, socket queue, receive buffer).
 *
 * <p>Usage: {@code UdpTapBench [--seconds N] [--warmup N] [--size BYTES] [--sender python3|socat]}.
 * Counters are read one after another, a few milliseconds apart, so sent = received + dropped
 * holds only roughly. Everything it makes lives in namespaces named {@code tcup-b*-<random>},
 * deleted at the end (also on Ctrl-C); the only processes it ends are the senders it started,
 * by their handles.
 */
public final class UdpTapBench {
    private static final String TAP = "tcup0";
    private static final int PORT = 9000;
    private static final int MTU = 1500;
    private static final int MAX_PAYLOAD = MTU - 28;
    /** Upper bound on the send rate assumed when bounding the sender by a byte count. */
    private static final long MAX_PACKETS_PER_SECOND = 5_000_000;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final int seconds;
    private final int warmup;
    private final int size;
    private final String sender;
    private final String suffix;
    private final Lab lab = new Lab("UdpTapBench");

    private UdpTapBench(int seconds, int warmup, int size, String sender) {
        this.seconds = seconds;
        this.sender = sender;
        this.warmup = warmup;
        this.size = size;
        this.suffix = Lab.namespaceSuffix();
    }

    /** What one side achieved over the measured window. */
    record Figures(String name, double seconds, long sent, long received, long receivedBytes, String drops) {
        double sentPerSecond() {
            return sent / seconds;
        }

        double receivedPerSecond() {
            return received / seconds;
        }

        double megabitsPerSecond() {
            return receivedBytes * 8 / seconds / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = 5;
        int warmup = 2;
        int size = MAX_PAYLOAD;
        String sender = "python3";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--sender" -> sender = args[++i];
                default -> {
                    System.err.println("usage: UdpTapBench [--seconds N] [--warmup N] [--size BYTES] [--sender python3|socat]");
                    System.exit(2);
                }
            }
        }
        if (seconds < 1 || seconds > 60 || warmup < 0 || warmup > 30 || size < 1 || size > MAX_PAYLOAD
                || !(sender.equals("python3") || sender.equals("socat"))) {
            System.err.println("UdpTapBench: seconds 1..60, warmup 0..30, size 1.." + MAX_PAYLOAD + ", sender python3 or socat");
            System.exit(2);
        }
        if (!SystemCommand.isRoot()) {
            System.err.println("UdpTapBench: needs root (it makes network namespaces and a TAP device)");
            System.exit(1);
        }
        if (!Lab.onPath(sender)) {
            System.err.println("UdpTapBench: needs " + sender + " on the PATH (the kernel-side sender)");
            System.exit(1);
        }
        UdpTapBench bench = new UdpTapBench(seconds, warmup, size, sender);
        Thread cleanup = new Thread(bench.lab::cleanUp, "UdpTapBench cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Figures teacup = bench.teacup();
            Figures kernel = bench.kernel();
            print(bench, teacup, kernel);
        } finally {
            bench.lab.cleanUp();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    // ---------------------------------------------------------------- teacup on a TAP

    private Figures teacup() throws IOException, InterruptedException {
        String ns = "tcup-b-" + suffix;
        lab.addNamespace(ns);
        PrivateNetwork net = PrivateNetwork.create(ns, TAP, "198.18.0.1/24", MTU);
        Interface iface = new Interface(MacAddress.parse("02:74:63:00:00:02"), Ipv4Address.parse("198.18.0.2"),
                24, Ipv4Address.parse("198.18.0.1"), MTU);
        TapLink tap = net.openTap(MTU);
        try (NetStack stack = new NetStack(tap, iface, Clock.SYSTEM, new SplittableRandom(1)).start();
             UdpSocket socket = UdpSocket.bind(stack, PORT)) {
            AtomicLong datagrams = new AtomicLong();
            AtomicLong bytes = new AtomicLong();
            Thread reader = Thread.ofPlatform().name("teacup reader").daemon(true).start(() -> {
                while (true) {
                    try {
                        UdpEndpoint.Datagram d = socket.receive(Duration.ofMillis(200));
                        bytes.addAndGet(d.data().length);
                        datagrams.incrementAndGet();
                    } catch (SocketTimeoutException e) {
                        // idle: keep waiting until the socket is closed
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
            Process sender = startSender(ns, "198.18.0.2");
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
            requireAlive(sender, sender + " to teacup");
            long sent0 = udpCounter(ns, "OutDatagrams");
            long txDrop0 = txDropped(ns, TAP);
            long received0 = datagrams.get();
            long bytes0 = bytes.get();
            var stats0 = stack.statistics();
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            long sent1 = udpCounter(ns, "OutDatagrams");
            long txDrop1 = txDropped(ns, TAP);
            long received1 = datagrams.get();
            long bytes1 = bytes.get();
            var stats1 = stack.statistics();
            long t1 = System.nanoTime();
            stopSender(sender);
            socket.close();
            reader.join(2_000);
            long queueFull = stats1.getOrDefault(Counter.DROP_UDP_QUEUE_FULL, 0L)
                    - stats0.getOrDefault(Counter.DROP_UDP_QUEUE_FULL, 0L);
            String drops = String.format("TAP queue %d, teacup socket queue %d", txDrop1 - txDrop0, queueFull);
            return new Figures("teacup (TAP)", (t1 - t0) / 1e9, sent1 - sent0, received1 - received0,
                    bytes1 - bytes0, drops);
        } finally {
            net.close();
            lab.removeNamespace(ns);
        }
    }

    // ---------------------------------------------------------------- kernel over veth

    private Figures kernel() throws IOException, InterruptedException {
        String senderNs = "tcup-bs-" + suffix;
        String receiverNs = "tcup-br-" + suffix;
        try {
            lab.vethPair(senderNs, receiverNs, MTU);

            DatagramChannel channel = NetworkNamespace.callIn(receiverNs,
                    () -> DatagramChannel.open().bind(new InetSocketAddress("198.18.1.2", PORT)));
            try (channel) {
                AtomicLong datagrams = new AtomicLong();
                AtomicLong bytes = new AtomicLong();
                Thread reader = Thread.ofPlatform().name("kernel reader").daemon(true).start(() -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(65536);
                    while (true) {
                        try {
                            buffer.clear();
                            channel.receive(buffer);
                            bytes.addAndGet(buffer.position());
                            datagrams.incrementAndGet();
                        } catch (ClosedChannelException e) {
                            return;
                        } catch (IOException e) {
                            return;
                        }
                    }
                });
                Process sender = startSender(senderNs, "198.18.1.2");
                Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
                requireAlive(sender, sender + " to the kernel");
                long sent0 = udpCounter(senderNs, "OutDatagrams");
                long rcvbuf0 = udpCounter(receiverNs, "RcvbufErrors");
                long received0 = datagrams.get();
                long bytes0 = bytes.get();
                long t0 = System.nanoTime();
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                long sent1 = udpCounter(senderNs, "OutDatagrams");
                long rcvbuf1 = udpCounter(receiverNs, "RcvbufErrors");
                long received1 = datagrams.get();
                long bytes1 = bytes.get();
                long t1 = System.nanoTime();
                stopSender(sender);
                channel.close();
                reader.join(2_000);
                String drops = String.format("receive buffer %d", rcvbuf1 - rcvbuf0);
                return new Figures("kernel (veth)", (t1 - t0) / 1e9, sent1 - sent0, received1 - received0,
                        bytes1 - bytes0, drops);
            }
        } finally {
            for (String ns : List.of(receiverNs, senderNs)) {
                if (lab.removeNamespace(ns)) {
                    SystemCommand.run(COMMAND_TIMEOUT, "ip", "netns", "del", ns);
                }
            }
        }
    }

    // ---------------------------------------------------------------- the sender

    /**
     * The kernel's UDP sending {@code size}-byte datagrams as fast as the sender can, bounded in
     * time and count. python3: a connected socket's send() in a tight loop; socat: reads of
     * /dev/zero in {@code size}-byte blocks, each sent as one datagram. {@code ip netns exec}
     * replaces itself with the program, so the process we hold is the sender itself.
     */
    private Process startSender(String ns, String destination) throws IOException {
        int limit = warmup + seconds + 5;
        long maxDatagrams = MAX_PACKETS_PER_SECOND * limit;
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        if (sender.equals("socat")) {
            argv.addAll(List.of("socat", "-u", "-b", Integer.toString(size),
                    "OPEN:/dev/zero,readbytes=" + size * maxDatagrams, "UDP:" + destination + ":" + PORT));
        } else {
            argv.addAll(List.of("python3", "-c", PYTHON_SENDER, destination, Integer.toString(PORT),
                    Integer.toString(size), Integer.toString(limit), Long.toString(maxDatagrams)));
        }
        Process p = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        lab.track(p);
        return p;
    }

    /** argv: destination port size seconds max-datagrams. Send errors (a full queue) are ignored and not counted by the kernel. */
    private static final String PYTHON_SENDER = """
            import socket, sys, time
            dst, port, size, secs, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((dst, port))
            buf = bytes(size); send = s.send; n = 0; end = time.monotonic() + secs
            while n < limit and time.monotonic() < end:
                for _ in range(256):
                    try:
                        send(buf)
                    except OSError:
                        pass
                n += 256
            """;

    private static void requireAlive(Process sender, String what) throws IOException {
        if (!sender.isAlive()) {
            throw new IOException(what + " ended early with exit code " + sender.exitValue());
        }
    }

    private void stopSender(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        lab.untrack(p);
    }

    // ---------------------------------------------------------------- kernel counters

    /** A column of the Udp line of /proc/net/snmp, read from inside {@code ns}. */
    private static long udpCounter(String ns, String column) throws IOException {
        String snmp = SystemCommand.check(COMMAND_TIMEOUT, "ip", "netns", "exec", ns, "cat", "/proc/net/snmp");
        String[] names = null;
        for (String line : snmp.lines().toList()) {
            if (!line.startsWith("Udp:")) {
                continue;
            }
            String[] fields = line.substring(4).trim().split("\\s+");
            if (names == null) {
                names = fields;
                continue;
            }
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(column)) {
                    return Long.parseLong(fields[i]);
                }
            }
        }
        throw new IOException("no Udp " + column + " in /proc/net/snmp of " + ns);
    }

    /** Frames the kernel dropped sending into {@code device} (for a TAP: teacup did not read them in time). */
    private static long txDropped(String ns, String device) throws IOException {
        String dev = SystemCommand.check(COMMAND_TIMEOUT, "ip", "netns", "exec", ns, "cat", "/proc/net/dev");
        for (String line : dev.lines().toList()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(device)) {
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                return Long.parseLong(f[11]); // receive: 8 columns, then transmit bytes, packets, errs, drop
            }
        }
        throw new IOException("no " + device + " in /proc/net/dev of " + ns);
    }

    // ---------------------------------------------------------------- output and clean-up

    private static void print(UdpTapBench bench, Figures teacup, Figures kernel) {
        System.out.printf("UDP receive, %d-byte datagrams, kernel sender %s, %d s measured after %d s warm-up, %d CPUs%n",
                bench.size, bench.sender, bench.seconds, bench.warmup, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-14s %12s %12s %10s  %s%n", "receiver", "sent/s", "received/s", "Mbit/s", "dropped on the way");
        for (Figures f : List.of(teacup, kernel)) {
            System.out.printf("%-14s %12.0f %12.0f %10.1f  %s%n", f.name(), f.sentPerSecond(), f.receivedPerSecond(),
                    f.megabitsPerSecond(), f.drops());
        }
        double ratio = kernel.receivedPerSecond() == 0 ? Double.NaN : teacup.receivedPerSecond() / kernel.receivedPerSecond();
        System.out.printf("teacup/kernel received datagrams per second: %.2f%n", ratio);
        // One machine-readable line for bench/run's summary.
        System.out.printf("RESULT udp_rx teacup_pps=%.0f teacup_mbps=%.1f kernel_pps=%.0f kernel_mbps=%.1f ratio=%.3f%n",
                teacup.receivedPerSecond(), teacup.megabitsPerSecond(), kernel.receivedPerSecond(),
                kernel.megabitsPerSecond(), ratio);
    }
}
