package teacup.interop;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;
import teacup.ip.Interface;
import teacup.link.Impairment;
import teacup.link.Link;
import teacup.link.TapLink;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * One interop test's private world: a fresh network namespace holding TAP {@value #TAP} whose
 * kernel side is {@value #KERNEL}/24, optionally a teacup stack at {@value #TEACUP} on it, and
 * the kernel-side programs the test started. {@link #close()} ends those programs (by their own
 * handles), stops the stack and deletes the namespace, in that order, whatever failed before.
 */
final class TapNetwork implements AutoCloseable {
    static final String TAP = "tcup0";
    static final String KERNEL = "198.18.0.1";
    static final String TEACUP = "198.18.0.2";
    static final Ipv4Address KERNEL_ADDRESS = Ipv4Address.parse(KERNEL);
    static final Ipv4Address TEACUP_ADDRESS = Ipv4Address.parse(TEACUP);
    static final MacAddress TEACUP_MAC = MacAddress.parse("02:74:63:00:00:02");
    static final int MTU = 1500;

    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final PrivateNetwork net;
    private final List<Process> started = new ArrayList<>();
    private final List<Path> outputFiles = new ArrayList<>();
    private TapLink tap;
    private Impairment impairment;
    private NetStack stack;
    private boolean nftTable;

    private TapNetwork(PrivateNetwork net) {
        this.net = net;
    }

    // ---------------------------------------------------------------- requirements

    /** Skips the calling test (or class, from @BeforeAll) unless we run as root. */
    static void requireRoot(String why) {
        assumeTrue(SystemCommand.isRoot(), "needs root: " + why);
    }

    /**
     * Skips unless every program is on the PATH. On CI (environment variable CI set) the
     * programs are installed on purpose, so a missing one fails instead of hiding the tests.
     */
    static void requirePrograms(String... programs) {
        for (String program : programs) {
            if (!onPath(program)) {
                String why = "needs the program '" + program + "' on the PATH";
                if (System.getenv("CI") != null) {
                    fail(why + " (CI is set, so it should have been installed)");
                }
                assumeTrue(false, why);
            }
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- set-up

    /** A new namespace {@code tcup-i-<random hex>} with the TAP and the kernel's address; no stack yet. */
    static TapNetwork create() throws IOException {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        String name = "tcup-i-" + HexFormat.of().formatHex(random);
        return new TapNetwork(PrivateNetwork.create(name, TAP, KERNEL + "/24", MTU));
    }

    /** Attaches to the TAP from inside the namespace; the caller then starts a stack on it (or not). */
    TapLink openTap() throws IOException {
        return openTap(false);
    }

    /** As {@link #openTap()}; with {@code offload}, checksum and TCP segmentation offload on the TAP. */
    TapLink openTap(boolean offload) throws IOException {
        tap = net.openTap(MTU, offload);
        return tap;
    }

    /** A plain TAP (no offloads) that takes large segments and cuts them itself (software segmentation). */
    TapLink openTapCutting() throws IOException {
        tap = net.openTap(MTU, false, TapLink.batchByDefault(), true);
        return tap;
    }

    /** As {@link #openTap(boolean)}, with io_uring batching on or off (see {@link TapLink#open(String, int, boolean, boolean)}). */
    TapLink openTap(boolean offload, boolean batch) throws IOException {
        tap = net.openTap(MTU, offload, batch);
        return tap;
    }

    /** Starts a teacup stack at {@value #TEACUP} (gateway: the kernel) on {@code link}, seeded. */
    NetStack startStack(Link link, long seed) {
        Interface iface = new Interface(TEACUP_MAC, TEACUP_ADDRESS, 24, KERNEL_ADDRESS, MTU);
        stack = new NetStack(link, iface, Clock.SYSTEM, new SplittableRandom(seed)).start();
        return stack;
    }

    /** {@link #openTap} then {@link #startStack} on the bare TAP. */
    NetStack startStack(long seed) throws IOException {
        return startStack(openTap(), seed);
    }

    /**
     * {@link #openTap}, wraps it in an {@link Impairment} (frames teacup sends impaired by
     * {@code send}, frames it receives by {@code receive}, on the system clock, seeded with
     * {@code seed}), and starts the stack on that.
     */
    NetStack startStack(Impairment.Config send, Impairment.Config receive, long seed) throws IOException {
        impairment = new Impairment(openTap(), send, receive, seed, Clock.SYSTEM);
        return startStack(impairment, seed);
    }

    /** The impairment teacup's link goes through (null when the stack runs on the bare TAP). */
    Impairment impairment() {
        return impairment;
    }

    String namespace() {
        return net.namespace();
    }

    NetStack stack() {
        return stack;
    }

    /** The TAP as teacup holds it (null before {@link #openTap}). */
    TapLink tap() {
        return tap;
    }

    // ---------------------------------------------------------------- kernel-side programs

    /** Runs {@code ip -n NAMESPACE args...}, throwing with its error output when it fails. */
    String ip(String... args) throws IOException {
        return net.ip(args);
    }

    /** Runs {@code program} inside the namespace with stdin from /dev/null, bounded by {@code timeout}. */
    SystemCommand.Result run(Duration timeout, String... program) throws IOException {
        return SystemCommand.run(timeout, net.exec(program));
    }

    /**
     * Runs {@code program} inside the namespace with {@code input} on its stdin, bounded by
     * {@code timeout} (killed after it: exit code -1).
     */
    SystemCommand.Result run(Duration timeout, byte[] input, String... program) throws IOException {
        Process p = new ProcessBuilder(net.exec(program)).start();
        started.add(p);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread a = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread b = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        } catch (IOException e) {
            // the program stopped reading early; its exit code and output tell why
        }
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            a.join(2000);
            b.join(2000);
            return new SystemCommand.Result(done ? p.exitValue() : -1,
                    out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted running " + program[0]);
        }
    }

    /**
     * A program running in the background. Its stdout and stderr go to files rather than pipes:
     * read from a pipe, the last lines a program prints as it exits were sometimes lost (the
     * JDK closes a pipe it thinks drained when the process ends), and those lines are what a
     * test wants to see.
     */
    static final class Background {
        final Process process;
        private final Path out;
        private final Path err;

        Background(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        byte[] stdout() {
            return read(out);
        }

        String stdoutText() {
            return new String(stdout(), StandardCharsets.UTF_8);
        }

        String stderrText() {
            return new String(read(err), StandardCharsets.UTF_8);
        }

        private static byte[] read(Path file) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                return new byte[0];
            }
        }

        /** Sends SIGTERM and waits up to {@code timeout}; true when it ended in time. */
        boolean terminate(Duration timeout) throws InterruptedException {
            process.destroy();
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Starts {@code program} inside the namespace in the background; {@link #close} kills it if still running. */
    Background start(String... program) throws IOException {
        return startProcess(net.exec(program));
    }

    /** Starts {@code argv} as it is (not wrapped in ip netns exec); {@link #close} kills it if still running. */
    Background startProcess(String... argv) throws IOException {
        Path out = Files.createTempFile("teacup-interop-", ".out");
        Path err = Files.createTempFile("teacup-interop-", ".err");
        outputFiles.add(out);
        outputFiles.add(err);
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        started.add(p);
        return new Background(p, out, err);
    }

    /** Waits (bounded) until a UDP socket listens on {@code port} inside the namespace. */
    void awaitUdpListener(int port, Duration timeout) throws IOException, InterruptedException {
        String needle = ":" + port + " ";
        String last = "";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            last = run(Duration.ofSeconds(5), "ss", "-Hnul").stdout();
            for (String line : last.lines().toList()) {
                if (line.contains(needle)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        fail("nothing listened on UDP port " + port + " within " + timeout.toMillis() + " ms; ss -nul said:\n" + last);
    }

    /** Waits (bounded) until a TCP socket listens on {@code port} inside the namespace. */
    void awaitTcpListener(int port, Duration timeout) throws IOException, InterruptedException {
        String needle = ":" + port + " ";
        String last = "";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            last = run(Duration.ofSeconds(5), "ss", "-Hntl").stdout();
            for (String line : last.lines().toList()) {
                if (line.contains(needle)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        fail("nothing listened on TCP port " + port + " within " + timeout.toMillis() + " ms; ss -ntl said:\n" + last);
    }

    // ---------------------------------------------------------------- kernel-side loss (nftables)

    /** The one nftables table this fixture adds to the namespace; nothing else there is touched. */
    static final String NFT_TABLE = "teacup_interop";

    /**
     * Makes the kernel drop {@code percent}% of the packets it receives from the TAP and, drawn
     * separately, of those it sends into it ({@code numgen random}: this kernel has no netem).
     * Replaces any drop set before.
     */
    void dropRandomly(int percent) throws IOException {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent 0..100, got " + percent);
        }
        replaceDropTable("numgen random mod 100 < " + percent + " drop");
    }

    /** Makes the kernel drop every packet to and from the TAP: to teacup, the peer has vanished. */
    void dropEverything() throws IOException {
        replaceDropTable("drop");
    }

    /** Removes the drop table (if any): packets flow again. */
    void stopDropping() throws IOException {
        if (nftTable) {
            SystemCommand.Result r = run(Duration.ofSeconds(10), "nft", "delete", "table", "inet", NFT_TABLE);
            if (!r.ok()) {
                throw new IOException("nft delete table inet " + NFT_TABLE + ": " + r.stderr().strip());
            }
            nftTable = false;
        }
    }

    private void replaceDropTable(String verdict) throws IOException {
        // One script, applied atomically by nft -f: the table is created empty (or kept), flushed and
        // filled, so a rule set never holds the old and the new drop at once.
        String script = String.join("\n",
                "table inet " + NFT_TABLE + " {}",
                "flush table inet " + NFT_TABLE,
                "table inet " + NFT_TABLE + " {",
                "  chain input { type filter hook input priority 0; policy accept; iifname \"" + TAP + "\" " + verdict + "; }",
                "  chain output { type filter hook output priority 0; policy accept; oifname \"" + TAP + "\" " + verdict + "; }",
                "}",
                "");
        SystemCommand.Result r = run(Duration.ofSeconds(10), script.getBytes(StandardCharsets.US_ASCII), "nft", "-f", "-");
        if (!r.ok()) {
            throw new IOException("nft -f - (table " + NFT_TABLE + "): exit " + r.exitCode() + ": " + r.stderr().strip());
        }
        nftTable = true;
    }

    // ---------------------------------------------------------------- counters and waiting

    /** The stack's counters (zero for any it has not touched). */
    Map<Counter, Long> counters() {
        return stack.statistics();
    }

    static long get(Map<Counter, Long> counters, Counter c) {
        return counters.getOrDefault(c, 0L);
    }

    static long total(Map<Counter, Long> counters, Counter.Kind kind) {
        long sum = 0;
        for (Map.Entry<Counter, Long> e : counters.entrySet()) {
            if (e.getKey().kind() == kind) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Polls {@code condition} every few milliseconds until it holds or {@code timeout} passes. */
    static boolean waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(5);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // the process went away; keep what we have
        }
    }

    // ---------------------------------------------------------------- tear-down

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Process p : started) {
            p.destroyForcibly();
        }
        for (Process p : started) {
            try {
                p.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Path file : outputFiles) {
            Files.deleteIfExists(file);
        }
        try {
            stopDropping();
        } catch (IOException e) {
            failure = e;
        }
        try {
            if (stack != null) {
                stack.close();
            } else if (tap != null) {
                tap.close();
            }
        } catch (IOException e) {
            failure = e;
        }
        try {
            net.close();
        } catch (IOException e) {
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
