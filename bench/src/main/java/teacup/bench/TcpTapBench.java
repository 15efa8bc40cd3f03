package teacup.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.ip.Interface;
import teacup.link.CoalescingLink;
import teacup.link.Link;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * TCP stream throughput, teacup beside the kernel, in one run (needs root and socat).
 *
 * <p>One stream of {@code --megabytes} MiB (default 1024) goes each way, bounded in time by
 * {@code --seconds} per stream, four times:
 * <ol>
 *   <li><b>kernel -> teacup (TAP)</b>: {@code socat} in a private namespace sends from /dev/zero to
 *       a teacup {@link TcpServerSocket} on a TAP; a thread in this JVM reads to the end;
 *   <li><b>kernel -> kernel (veth)</b>: the same socat sends across a veth pair between two private
 *       namespaces to a kernel {@link ServerSocketChannel} opened in the receiving namespace, read
 *       by a thread in this JVM the same way;
 *   <li><b>teacup -> kernel (TAP)</b>: a thread in this JVM writes the stream to a teacup
 *       {@link TcpSocket} connected to {@code socat -u TCP-LISTEN:... /dev/null} in the namespace;
 *   <li><b>kernel -> kernel (veth)</b>: the same writer on a kernel {@link SocketChannel} opened
 *       in the sending namespace, to the same socat in the receiving one.
 * </ol>
 * The kernel's two streams run first, then teacup's. In each direction the programs are the same
 * and only the stack at the JVM's end differs:
 * the figure compares teacup's TCP with the kernel's, not Java with C. A stream's time runs from
 * the established connection to the end: for a reader, the sender's FIN; for a writer, the
 * receiver's FIN after ours (socat closes once it has read everything). A short unmeasured
 * stream ({@code --warmup-megabytes}) goes first each time, for the JIT and the ARP cache.
 *
 * <p>Usage: {@code TcpTapBench [--megabytes N] [--seconds N] [--warmup-megabytes N] [--kernel-only]
 * [--offload off|on|both] [--gro on|off]} ({@code --kernel-only}: the veth streams alone, a baseline without
 * teacup; {@code --offload}: teacup's TAP without offloads (the default), with checksum and TCP
 * segmentation offload ({@link TapLink#open(String, int, boolean)}), or both one after the other,
 * side by side in the table; {@code --gro}: the plain TAP's frames through receive coalescing
 * ({@link CoalescingLink}, on by default as in the CLI) or each on its own; {@code --gso on|off}: whether the plain TAP takes large segments and
 * cuts them in software ({@link TapLink#softwareSegmentationByDefault}, off unless
 * {@code -Dteacup.gso=true}); {@code --drop P}: the kernel drops P% of the packets each way,
 * at random, with nftables ({@code numgen random mod 100 < P drop}) in the namespace holding the
 * TAP's kernel side and in the veth's receiving namespace, so loss recovery can be compared: over
 * a TAP with offloads, and over the veth, a dropped packet may be a whole large segment; over a
 * plain TAP it is one frame). A stream
 * that hits the time bound is cut there and counted as far as it got (marked in the output).
 * Everything it makes lives in namespaces named {@code tcup-bt*-<random>}, deleted at the end
 * (also on Ctrl-C); the only processes it ends are the socats it started, by their handles.
 */
public final class TcpTapBench {
    private static final String TAP = "tcup0";
    private static final int MTU = 1500;
    private static final int PORT_TO_JVM = 9001;
    private static final int PORT_FROM_JVM = 9002;
    private static final int CHUNK = 64 * 1024;
    private static final long MIB = 1024 * 1024;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A stream that moves nothing for this long is stuck; the run says so instead of waiting on. */
    private static final Duration STALL = Duration.ofSeconds(10);

    private final long bytes;
    /** Whether the plain TAP's frames go up through receive coalescing, as the CLI's default has them. */
    private final boolean gro;
    private final long warmupBytes;
    private final Duration limit;
    private final String suffix;
    private final Lab lab = new Lab("TcpTapBench");
    /** Packets the kernel drops each way, in percent (0: none). */
    private final int dropPercent;
    /** Whether the plain TAP cuts large segments in software. */
    private final boolean gso;

    private TcpTapBench(long bytes, long warmupBytes, Duration limit, boolean gro, int dropPercent, boolean gso) {
        this.gro = gro;
        this.bytes = bytes;
        this.warmupBytes = warmupBytes;
        this.limit = limit;
        this.dropPercent = dropPercent;
        this.gso = gso;
        this.suffix = Lab.namespaceSuffix();
    }

    /** One stream as measured: bytes moved in seconds, and whether the time bound cut it short. */
    record Stream(String name, long bytes, double seconds, boolean cut) {
        double megabytesPerSecond() {
            return bytes / seconds / 1e6;
        }

        String figure() {
            return String.format("%.1f%s", megabytesPerSecond(), cut ? " (cut)" : "");
        }
    }

    public static void main(String[] args) throws Exception {
        long megabytes = 1024;
        long warmupMegabytes = 64;
        int seconds = 30;
        boolean kernelOnly = false;
        String offload = "off";
        String gro = "on";
        int drop = 0;
        boolean gso = TapLink.softwareSegmentationByDefault();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--megabytes" -> megabytes = Long.parseLong(args[++i]);
                case "--warmup-megabytes" -> warmupMegabytes = Long.parseLong(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--kernel-only" -> kernelOnly = true;
                case "--offload" -> offload = args[++i];
                case "--gro" -> gro = args[++i];
                case "--drop" -> drop = Integer.parseInt(args[++i]);
                case "--gso" -> gso = "on".equals(args[++i]);
                default -> {
                    System.err.println("usage: TcpTapBench [--megabytes N] [--seconds N] [--warmup-megabytes N] [--kernel-only]"
                            + " [--offload off|on|both] [--gro on|off] [--gso on|off] [--drop PERCENT]");
                    System.exit(2);
                }
            }
        }
        if (!List.of("on", "off").contains(gro)) {
            System.err.println("TcpTapBench: --gro takes on or off");
            System.exit(2);
        }
        if (!List.of("off", "on", "both").contains(offload)) {
            System.err.println("TcpTapBench: --offload takes off, on or both");
            System.exit(2);
        }
        if (drop < 0 || drop > 50) {
            System.err.println("TcpTapBench: --drop takes 0..50 (percent of packets each way)");
            System.exit(2);
        }
        if (megabytes < 1 || megabytes > 65536 || warmupMegabytes < 0 || warmupMegabytes > 4096
                || seconds < 1 || seconds > 300) {
            System.err.println("TcpTapBench: megabytes 1..65536, warmup-megabytes 0..4096, seconds 1..300");
            System.exit(2);
        }
        if (!SystemCommand.isRoot()) {
            System.err.println("TcpTapBench: needs root (it makes network namespaces and a TAP device)");
            System.exit(1);
        }
        for (String program : drop > 0 ? List.of("socat", "ss", "nft") : List.of("socat", "ss")) {
            if (!Lab.onPath(program)) {
                System.err.println("TcpTapBench: needs " + program + " on the PATH");
                System.exit(1);
            }
        }
        TcpTapBench bench = new TcpTapBench(megabytes * MIB, warmupMegabytes * MIB, Duration.ofSeconds(seconds),
                gro.equals("on"), drop, gso);
        Thread cleanup = new Thread(bench.lab::cleanUp, "TcpTapBench cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Stream[] kernel = bench.kernel();
            Stream[] teacup = kernelOnly || offload.equals("on") ? null : bench.teacup(false);
            Stream[] offloaded = kernelOnly || offload.equals("off") ? null : bench.teacup(true);
            bench.print(teacup, offloaded, kernel);
        } finally {
            bench.lab.cleanUp();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    // ---------------------------------------------------------------- teacup on a TAP

    /** kernel -> teacup, then teacup -> kernel; with {@code offload}, on a TAP with checksum and segmentation offload. */
    private Stream[] teacup(boolean offload) throws IOException, InterruptedException {
        String ns = "tcup-bt-" + (offload ? "o" : "") + suffix;
        String tag = offload ? "TAP+offload" : gro ? "TAP+GRO" : "TAP";
        lab.addNamespace(ns);
        PrivateNetwork net = PrivateNetwork.create(ns, TAP, "198.18.0.1/24", MTU);
        Interface iface = new Interface(MacAddress.parse("02:74:63:00:00:02"), Ipv4Address.parse("198.18.0.2"),
                24, Ipv4Address.parse("198.18.0.1"), MTU);
        TapLink tap = net.openTap(MTU, offload, TapLink.batchByDefault(), gso);
        dropRandomly(ns, TAP);
        Link link = gro ? CoalescingLink.whereNeeded(tap) : tap;
        try (NetStack stack = new NetStack(link, iface, Clock.SYSTEM, new SplittableRandom(1)).start()) {
            Stream in = twice("kernel -> teacup (" + tag + ")", size -> {
                try (TcpServerSocket listener = TcpServerSocket.bind(stack, PORT_TO_JVM, 1)) {
                    Process sender = startSocat(ns, "-u", "-b", Integer.toString(CHUNK),
                            "OPEN:/dev/zero,readbytes=" + size, "TCP:198.18.0.2:" + PORT_TO_JVM);
                    try (TcpSocket socket = listener.accept(CONNECT_TIMEOUT)) {
                        socket.setSoTimeout(STALL);
                        return readToEnd("kernel -> teacup (" + tag + ")", socket.getInputStream(), socket::abort);
                    } finally {
                        stop(sender);
                    }
                }
            });
            if (link != tap) {
                // Read off the loop thread after the stream: a figure to see, not one to rely on to the frame.
                System.out.printf("  receive coalescing: %d frames joined into %d%n", link.framesCoalesced(), link.largeFramesMade());
            }
            Stream out = twice("teacup -> kernel (" + tag + ")", size -> {
                Process receiver = startSocat(ns, "-u", "-b", Integer.toString(CHUNK),
                        "TCP-LISTEN:" + PORT_FROM_JVM + ",bind=198.18.0.1,reuseaddr", "OPEN:/dev/null");
                try {
                    awaitTcpListener(ns, PORT_FROM_JVM);
                    try (TcpSocket socket = TcpSocket.connect(stack, Ipv4Address.parse("198.18.0.1"), PORT_FROM_JVM,
                            CONNECT_TIMEOUT)) {
                        socket.setSoTimeout(STALL);
                        return writeAll("teacup -> kernel (" + tag + ")", size, socket.getOutputStream(), socket::shutdownOutput,
                                socket.getInputStream(), socket::abort);
                    }
                } finally {
                    stop(receiver);
                }
            });
            return new Stream[] {in, out};
        } finally {
            net.close();
            lab.removeNamespace(ns);
        }
    }

    // ---------------------------------------------------------------- kernel over veth

    /** The same two streams between two namespaces joined by a veth pair. */
    private Stream[] kernel() throws IOException, InterruptedException {
        String senderNs = "tcup-bts-" + suffix;
        String receiverNs = "tcup-btr-" + suffix;
        try {
            lab.vethPair(senderNs, receiverNs, MTU);
            dropRandomly(receiverNs, "tcb-r");

            Stream in = twice("kernel -> kernel (veth)", size -> {
                ServerSocketChannel listener = NetworkNamespace.callIn(receiverNs,
                        () -> ServerSocketChannel.open().bind(new InetSocketAddress("198.18.1.2", PORT_TO_JVM), 1));
                try (listener) {
                    Process sender = startSocat(senderNs, "-u", "-b", Integer.toString(CHUNK),
                            "OPEN:/dev/zero,readbytes=" + size, "TCP:198.18.1.2:" + PORT_TO_JVM);
                    try (SocketChannel channel = acceptWithin(listener, sender)) {
                        channel.socket().setSoTimeout((int) STALL.toMillis());
                        return readToEnd("kernel -> kernel (veth)", channel.socket().getInputStream(), () -> close(channel));
                    } finally {
                        stop(sender);
                    }
                }
            });
            Stream out = twice("kernel -> kernel (veth)", size -> {
                Process receiver = startSocat(receiverNs, "-u", "-b", Integer.toString(CHUNK),
                        "TCP-LISTEN:" + PORT_FROM_JVM + ",bind=198.18.1.2,reuseaddr", "OPEN:/dev/null");
                try {
                    awaitTcpListener(receiverNs, PORT_FROM_JVM);
                    SocketChannel channel = NetworkNamespace.callIn(senderNs, () -> {
                        SocketChannel c = SocketChannel.open();
                        c.socket().connect(new InetSocketAddress("198.18.1.2", PORT_FROM_JVM), (int) CONNECT_TIMEOUT.toMillis());
                        return c;
                    });
                    try (channel) {
                        channel.socket().setSoTimeout((int) STALL.toMillis());
                        return writeAll("kernel -> kernel (veth)", size, channel.socket().getOutputStream(),
                                channel::shutdownOutput, channel.socket().getInputStream(), () -> close(channel));
                    }
                } finally {
                    stop(receiver);
                }
            });
            return new Stream[] {in, out};
        } finally {
            for (String ns : List.of(receiverNs, senderNs)) {
                if (lab.removeNamespace(ns)) {
                    SystemCommand.run(COMMAND_TIMEOUT, "ip", "netns", "del", ns);
                }
            }
        }
    }

    // ---------------------------------------------------------------- streams

    /** A warm-up stream (not measured), then the measured one. */
    private Stream twice(String name, SizedTransfer transfer) throws IOException, InterruptedException {
        if (warmupBytes > 0) {
            transfer.run(warmupBytes);
        }
        Stream s = transfer.run(bytes);
        System.err.printf("TcpTapBench: %-24s %6d MiB in %6.2f s%s%n", name, s.bytes() / MIB, s.seconds(),
                s.cut() ? " (cut at the time bound)" : "");
        return s;
    }

    @FunctionalInterface
    private interface SizedTransfer {
        Stream run(long size) throws IOException, InterruptedException;
    }

    @FunctionalInterface
    private interface Abort {
        void abort() throws IOException;
    }

    /** Reads until the sender's FIN or the time bound; the clock starts at the first read. */
    private Stream readToEnd(String name, InputStream in, Abort abort) throws IOException {
        byte[] buffer = new byte[CHUNK];
        long got = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + limit.toNanos();
        boolean cut = false;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                got += n;
                if (System.nanoTime() >= deadline) {
                    cut = true;
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new IOException(name + ": nothing arrived for " + STALL.toSeconds() + " s after " + got + " bytes", e);
        }
        long t1 = System.nanoTime();
        if (cut) {
            abort.abort();
        }
        return new Stream(name, got, (t1 - t0) / 1e9, cut);
    }

    /**
     * Writes {@code size} bytes (or as many as fit in the time bound), half-closes, and waits for
     * the receiver's FIN, which socat sends only after it has read everything.
     */
    private Stream writeAll(String name, long size, OutputStream out, Abort shutdownOutput, InputStream in, Abort abort)
            throws IOException {
        byte[] chunk = new byte[CHUNK];
        long sent = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + limit.toNanos();
        boolean cut = false;
        while (sent < size) {
            int n = (int) Math.min(chunk.length, size - sent);
            out.write(chunk, 0, n);
            sent += n;
            if (System.nanoTime() >= deadline) {
                cut = true;
                break;
            }
        }
        if (cut) {
            long t1 = System.nanoTime();
            abort.abort();
            return new Stream(name, sent, (t1 - t0) / 1e9, true);
        }
        out.flush();
        shutdownOutput.abort();
        try {
            if (in.read() != -1) {
                throw new IOException(name + ": the receiver sent data on a one-way stream");
            }
        } catch (SocketTimeoutException e) {
            throw new IOException(name + ": the receiver did not close within " + STALL.toSeconds() + " s of our FIN", e);
        }
        long t1 = System.nanoTime();
        return new Stream(name, sent, (t1 - t0) / 1e9, false);
    }

    /** Accepts the sender's connection, giving up after the connect time-out or if the sender dies first. */
    private static SocketChannel acceptWithin(ServerSocketChannel listener, Process sender) throws IOException {
        listener.configureBlocking(false);
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                SocketChannel c = listener.accept();
                if (c != null) {
                    c.configureBlocking(true);
                    return c;
                }
                if (!sender.isAlive()) {
                    throw new IOException("socat ended with exit code " + sender.exitValue() + " before connecting");
                }
                Thread.sleep(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for socat to connect");
        }
        throw new IOException("socat did not connect within " + CONNECT_TIMEOUT.toSeconds() + " s");
    }

    private static void close(SocketChannel channel) throws IOException {
        channel.close();
    }

    // ---------------------------------------------------------------- socat

    /** Starts socat in {@code ns}; {@code ip netns exec} replaces itself with it, so we hold socat itself. */
    private Process startSocat(String ns, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, "socat"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        lab.track(p);
        return p;
    }

    /** Lets a socat that is done exit on its own (briefly), else ends it. */
    private void stop(Process p) throws InterruptedException {
        if (!p.waitFor(2, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        lab.untrack(p);
    }

    /** Waits (bounded) until a TCP socket listens on {@code port} in {@code ns}. */
    private static void awaitTcpListener(String ns, int port) throws IOException, InterruptedException {
        String needle = ":" + port + " ";
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String listening = SystemCommand.check(COMMAND_TIMEOUT, "ip", "netns", "exec", ns, "ss", "-Hntl");
            if (listening.lines().anyMatch(line -> line.contains(needle))) {
                return;
            }
            Thread.sleep(10);
        }
        throw new IOException("nothing listened on TCP port " + port + " in " + ns + " within "
                + CONNECT_TIMEOUT.toSeconds() + " s");
    }

    /**
     * With {@code --drop}: the kernel in {@code ns} drops that share of the packets in from and out
     * to {@code device}, at random (nftables; the table goes with the namespace).
     */
    private void dropRandomly(String ns, String device) throws IOException {
        if (dropPercent == 0) {
            return;
        }
        String verdict = "numgen random mod 100 < " + dropPercent + " drop";
        String script = String.join("\n",
                "table inet tcup_bench_drop {",
                "  chain input { type filter hook input priority 0; policy accept; iifname \"" + device + "\" " + verdict + "; }",
                "  chain output { type filter hook output priority 0; policy accept; oifname \"" + device + "\" " + verdict + "; }",
                "}",
                "");
        File rules = File.createTempFile("tcup-bench-drop", ".nft");
        try {
            java.nio.file.Files.writeString(rules.toPath(), script);
            SystemCommand.check(COMMAND_TIMEOUT, "ip", "netns", "exec", ns, "nft", "-f", rules.getPath());
        } finally {
            rules.delete();
        }
    }

    // ---------------------------------------------------------------- output and clean-up

    private void print(Stream[] teacup, Stream[] offloaded, Stream[] kernel) {
        System.out.printf("TCP stream, %d MiB each way (each stream bounded to %d s) after a %d MiB warm-up, MTU %d, %d CPUs%s;"
                        + " plain TAP: software segmentation %s%n",
                bytes / MIB, limit.toSeconds(), warmupBytes / MIB, MTU, Runtime.getRuntime().availableProcessors(),
                dropPercent > 0 ? ", the kernel dropping " + dropPercent + "% of packets each way" : "", gso ? "on" : "off");
        System.out.printf("%-14s %22s %22s %22s %8s %8s%n", "direction", gro ? "teacup (TAP+GRO)" : "teacup (TAP)",
                "teacup (TAP+offload)",
                "kernel (veth)", "plain/k", "offl/k");
        System.out.printf("%-14s %22s %22s %22s%n", "", "MB/s  Gbit/s", "MB/s  Gbit/s", "MB/s  Gbit/s");
        String[] directions = {"kernel -> JVM", "JVM -> kernel"};
        for (int i = 0; i < 2; i++) {
            System.out.printf("%-14s %22s %22s %22s %8s %8s%n", directions[i], cell(teacup, i), cell(offloaded, i),
                    cell(kernel, i), ratio(teacup, kernel, i), ratio(offloaded, kernel, i));
        }
        if (teacup == null && offloaded == null) {
            return;
        }
        System.out.println("(kernel -> JVM: socat sends, the JVM reads from a teacup socket or a kernel socket;"
                + " JVM -> kernel: the JVM writes, socat reads. MB = 10^6 bytes, Gbit = 10^9 bits of payload.)");
        // Machine-readable lines for scripts: the first as before (the TAP without offloads), then offloads.
        if (teacup != null) {
            System.out.printf("RESULT tcp_stream" + resultSuffix() + " teacup_rx_mbs=%.1f kernel_rx_mbs=%.1f rx_ratio=%.3f"
                            + " teacup_tx_mbs=%.1f kernel_tx_mbs=%.1f tx_ratio=%.3f%n",
                    teacup[0].megabytesPerSecond(), kernel[0].megabytesPerSecond(), quotient(teacup, kernel, 0),
                    teacup[1].megabytesPerSecond(), kernel[1].megabytesPerSecond(), quotient(teacup, kernel, 1));
        }
        String lossy = dropPercent > 0 ? ", " + dropPercent + "% drop" : "";
        String[] way = {"one TCP stream" + lossy + ", kernel -> teacup", "one TCP stream" + lossy + ", teacup -> kernel"};
        for (int i = 0; i < 2; i++) {
            if (teacup != null) {
                Score.print(way[i] + (gro ? " (TAP, no offload, GRO)" : " (TAP, no offload)"), teacup[i].megabytesPerSecond(), kernel[i].megabytesPerSecond(), "MB/s",
                        "kernel over veth", "plain TAP >= 3.3 Gbit/s rx, 3.9 tx (frames)");
            }
            if (offloaded != null) {
                Score.print(way[i] + " (TAP, offload)", offloaded[i].megabytesPerSecond(), kernel[i].megabytesPerSecond(), "MB/s",
                        "kernel over veth", ">= 1.0x");
            }
        }
        if (offloaded != null) {
            System.out.printf("RESULT tcp_stream_offload" + resultSuffix() + " teacup_rx_mbs=%.1f kernel_rx_mbs=%.1f rx_ratio=%.3f"
                            + " teacup_tx_mbs=%.1f kernel_tx_mbs=%.1f tx_ratio=%.3f%n",
                    offloaded[0].megabytesPerSecond(), kernel[0].megabytesPerSecond(), quotient(offloaded, kernel, 0),
                    offloaded[1].megabytesPerSecond(), kernel[1].megabytesPerSecond(), quotient(offloaded, kernel, 1));
        }
    }

    /** Empty, or with --drop {@code _drop5}: RESULT lines under loss are not the clean path's figures. */
    private String resultSuffix() {
        return dropPercent > 0 ? "_drop" + dropPercent : "";
    }

    private static String cell(Stream[] streams, int i) {
        if (streams == null) {
            return "-";
        }
        Stream s = streams[i];
        return String.format("%.1f %7.2f%s", s.megabytesPerSecond(), s.megabytesPerSecond() * 8 / 1000, s.cut() ? " (cut)" : "");
    }

    private static double quotient(Stream[] streams, Stream[] kernel, int i) {
        return kernel[i].megabytesPerSecond() == 0 ? Double.NaN
                : streams[i].megabytesPerSecond() / kernel[i].megabytesPerSecond();
    }

    private static String ratio(Stream[] streams, Stream[] kernel, int i) {
        return streams == null ? "-" : String.format("%.2f", quotient(streams, kernel, i));
    }
}
