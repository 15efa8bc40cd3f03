package teacup.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import teacup.host.PrivateNetwork;
import teacup.host.SystemCommand;

/**
 * The path a user sees: socat piping a stream into {@code teacup nc}, and {@code teacup nc}
 * piping what it receives into socat, each beside the same pipeline with a second socat in nc's
 * place over a veth (kernel TCP at both ends), in one run (needs root, socat and ss). Every socat
 * moves 256 KB blocks ({@code -b 262144}); {@code teacup nc} is the project's launcher
 * ({@code ./teacup}, as a user runs it, with its defaults: TAP offloads where the TAP takes them).
 *
 * <ul>
 *   <li><b>into nc</b>: {@code socat /dev/zero | teacup nc -l PORT} in a namespace with a TAP;
 *       the kernel's {@code socat TCP:teacup:PORT STDOUT | wc -c} in the same namespace reads it.
 *       Reference: {@code socat /dev/zero | socat STDIN TCP-LISTEN:PORT} in one namespace of a
 *       veth pair, read the same way from the other;
 *   <li><b>out of nc</b>: the kernel's {@code socat /dev/zero TCP:teacup:PORT} sends to
 *       {@code teacup nc -l PORT | socat STDIN STDOUT | wc -c}. Reference: {@code socat
 *       TCP-LISTEN:PORT STDOUT} in nc's place over the veth.
 * </ul>
 * nc listens in both, so the JVM's start is not in the figure: the clock runs from the start of
 * the connecting socat (once the listener said it listens) to the end of the reading pipeline, and
 * {@code wc -c}'s count must equal the bytes sent or the run fails. Each stream runs
 * {@code --rounds} times (default 3) and the median is printed. Usage: {@code NcPipeBench
 * [--megabytes N] [--rounds N] [--seconds N] [--teacup PATH]}. Namespaces are named
 * {@code tcup-bn*-<random>} and deleted at the end (also on Ctrl-C); the only processes it ends are
 * the pipelines it started and their children, by their handles.
 */
public final class NcPipeBench {
    private static final String TAP = "tcup0";
    private static final int MTU = 1500;
    private static final int PORT = 9003;
    private static final String BLOCK = "262144";
    private static final long MIB = 1024 * 1024;
    private static final long READY_SECONDS = 60;

    private final long bytes;
    private final int rounds;
    private final long limitSeconds;
    private final String teacup;
    private final Lab lab = new Lab("NcPipeBench");
    private final String suffix = Lab.namespaceSuffix();

    private NcPipeBench(long bytes, int rounds, long limitSeconds, String teacup) {
        this.bytes = bytes;
        this.rounds = rounds;
        this.limitSeconds = limitSeconds;
        this.teacup = teacup;
    }

    public static void main(String[] args) throws Exception {
        long megabytes = 1024;
        int rounds = 3;
        long seconds = 60;
        String teacup = Path.of("teacup").toAbsolutePath().toString();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--megabytes" -> megabytes = Long.parseLong(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Long.parseLong(args[++i]);
                case "--teacup" -> teacup = args[++i];
                default -> usage();
            }
        }
        if (megabytes < 1 || rounds < 1 || seconds < 1) {
            usage();
        }
        if (!Files.isExecutable(Path.of(teacup))) {
            System.err.println("NcPipeBench: no teacup launcher at " + teacup + " (run from the project's directory, or --teacup PATH)");
            System.exit(2);
        }
        for (String program : List.of("socat", "ss", "wc")) {
            if (!Lab.onPath(program)) {
                System.err.println("NcPipeBench: needs " + program + " (scripts/setup-host installs it)");
                System.exit(2);
            }
        }
        NcPipeBench bench = new NcPipeBench(megabytes * MIB, rounds, seconds, teacup);
        Runtime.getRuntime().addShutdownHook(new Thread(bench.lab::cleanUp));
        try {
            bench.run();
        } finally {
            bench.lab.cleanUp();
        }
    }

    private static void usage() {
        System.err.println("usage: NcPipeBench [--megabytes N] [--rounds N] [--seconds N] [--teacup PATH]");
        System.exit(2);
    }

    private void run() throws IOException, InterruptedException {
        String tapNs = "tcup-bn-" + suffix;
        String listenNs = "tcup-bnl-" + suffix;
        String connectNs = "tcup-bnc-" + suffix;
        lab.addNamespace(tapNs);
        try (PrivateNetwork net = PrivateNetwork.create(tapNs, TAP, "198.18.0.1/24", MTU)) {
            // The veth pair's first namespace holds 198.18.1.1 and connects; the second, 198.18.1.2, listens.
            lab.vethPair(connectNs, listenNs, MTU);
            String nc = teacup + " nc -v --tap " + TAP + " --ip 198.18.0.2/24 -l " + PORT;
            String zero = "socat -u -b " + BLOCK + " OPEN:/dev/zero,readbytes=" + bytes;
            String kernelListen = "socat -u -b " + BLOCK + " STDIN TCP-LISTEN:" + PORT + ",bind=198.18.1.2,reuseaddr";
            String kernelListenOut = "socat -u -b " + BLOCK + " TCP-LISTEN:" + PORT + ",bind=198.18.1.2,reuseaddr STDOUT";
            String pipeOut = "socat -u -b " + BLOCK + " STDIN STDOUT | wc -c";
            double[] teacupIn = new double[rounds];
            double[] kernelIn = new double[rounds];
            double[] teacupOut = new double[rounds];
            double[] kernelOut = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                // Into the listener's pipe, read by a connecting socat counted by wc.
                teacupIn[r] = stream("socat | teacup nc", tapNs, zero + " STDOUT | " + nc + " > /dev/null", true,
                        tapNs, "socat -u -b " + BLOCK + " TCP:198.18.0.2:" + PORT + " STDOUT | wc -c", false);
                kernelIn[r] = stream("socat | socat (veth)", listenNs, zero + " STDOUT | " + kernelListen, false,
                        connectNs, "socat -u -b " + BLOCK + " TCP:198.18.1.2:" + PORT + " STDOUT | wc -c", false);
                // Out of the listener into its pipe, sent by a connecting socat.
                teacupOut[r] = stream("teacup nc | socat", tapNs, nc + " < /dev/null | " + pipeOut, true,
                        tapNs, zero + " TCP:198.18.0.2:" + PORT, true);
                kernelOut[r] = stream("socat | socat (veth)", listenNs, kernelListenOut + " | " + pipeOut, false,
                        connectNs, zero + " TCP:198.18.1.2:" + PORT, true);
            }
            report(median(teacupIn), median(kernelIn), median(teacupOut), median(kernelOut));
        } finally {
            lab.removeNamespace(tapNs);
        }
    }

    /**
     * One stream: starts the listening pipeline in {@code listenNs}, waits until it listens (teacup
     * nc says so on stderr; a kernel listener shows in ss), then times the connecting pipeline in
     * {@code connectNs} to the end of whichever of the two counts the bytes with wc
     * ({@code listenerCounts}). Returns MB/s.
     */
    private double stream(String name, String listenNs, String listenPipeline, boolean teacupListens,
            String connectNs, String connectPipeline, boolean listenerCounts) throws IOException, InterruptedException {
        Process listener = start(listenNs, listenPipeline);
        try {
            CompletableFuture<String> listenerOut = async(() -> drain(listener, false));
            CompletableFuture<String> listenerErr = new CompletableFuture<>();
            awaitListening(name, listenNs, listener, teacupListens, listenerErr);
            long t0 = System.nanoTime();
            Process connector = start(connectNs, connectPipeline);
            try {
                CompletableFuture<String> connectorOut = async(() -> drain(connector, false));
                CompletableFuture<String> connectorErr = async(() -> drain(connector, true));
                Process counter = listenerCounts ? listener : connector;
                if (!counter.waitFor(limitSeconds, TimeUnit.SECONDS)) {
                    throw new IOException(name + ": not done within " + limitSeconds + " s");
                }
                long t1 = System.nanoTime();
                String counted = (listenerCounts ? listenerOut : connectorOut).join().strip();
                if (!counted.equals(Long.toString(bytes))) {
                    throw new IOException(name + ": wc counted '" + counted + "' bytes, not " + bytes + "; listener said: "
                            + listenerErr.getNow("") + "; connector said: " + connectorErr.getNow(""));
                }
                double mbs = bytes / 1e6 / ((t1 - t0) / 1e9);
                System.err.printf(Locale.ROOT, "NcPipeBench: %-22s %6d MiB in %6.2f s  %8.1f MB/s%n", name, bytes / MIB,
                        (t1 - t0) / 1e9, mbs);
                return mbs;
            } finally {
                stop(connector);
            }
        } finally {
            stop(listener);
        }
    }

    /** Waits until the listener listens: teacup nc's "listening on" line, or the port in ss. */
    private void awaitListening(String name, String ns, Process listener, boolean teacupListens,
            CompletableFuture<String> errors) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        if (teacupListens) {
            BufferedReader err = new BufferedReader(new InputStreamReader(listener.getErrorStream(), StandardCharsets.UTF_8));
            StringBuilder said = new StringBuilder();
            CompletableFuture<Boolean> ready = async(() -> {
                try {
                    String line;
                    while ((line = err.readLine()) != null) {
                        said.append(line).append('\n');
                        if (line.contains("listening on")) {
                            // Keep reading stderr, so teacup never blocks on a full pipe.
                            Thread.ofPlatform().daemon().start(() -> errors.complete(drainLines(err)));
                            return true;
                        }
                    }
                } catch (IOException e) {
                    // the listener ended: not ready
                }
                return false;
            });
            try {
                if (!ready.get(READY_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException(name + ": teacup nc ended before it listened: " + said);
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException(name + ": teacup nc did not listen within " + READY_SECONDS + " s: " + said, e);
            }
            return;
        }
        async(() -> errors.complete(drain(listener, true)));
        String needle = ":" + PORT + " ";
        while (System.nanoTime() < deadline) {
            String listening = SystemCommand.check(java.time.Duration.ofSeconds(10), "ip", "netns", "exec", ns, "ss", "-Hntl");
            if (listening.lines().anyMatch(line -> line.contains(needle))) {
                return;
            }
            if (!listener.isAlive()) {
                throw new IOException(name + ": the listener ended before it listened");
            }
            Thread.sleep(20);
        }
        throw new IOException(name + ": nothing listened on port " + PORT + " within " + READY_SECONDS + " s");
    }

    /** Runs {@code work} on a thread of its own (the common pool may have one thread, and these block). */
    private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private Process start(String ns, String pipeline) throws IOException {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "bash", "-c", "set -o pipefail; " + pipeline).start();
        lab.track(p);
        return p;
    }

    /** Ends {@code p}'s children and then {@code p}, by their handles; they may have ended already. */
    private void stop(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        lab.untrack(p);
    }

    private static String drain(Process p, boolean stderr) {
        try (var in = stderr ? p.getErrorStream() : p.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String drainLines(BufferedReader in) {
        StringBuilder b = new StringBuilder();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                b.append(line).append('\n');
            }
        } catch (IOException e) {
            // the process ended
        }
        return b.toString();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private void report(double teacupIn, double kernelIn, double teacupOut, double kernelOut) {
        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "pipeline (socat -b 262144, %d MiB, median of %d)  teacup nc MB/s  socat over veth MB/s  ratio",
                bytes / MIB, rounds));
        rows.add(String.format(Locale.ROOT, "socat | nc -> socat              %14.1f  %20.1f  %5.2f", teacupIn, kernelIn, teacupIn / kernelIn));
        rows.add(String.format(Locale.ROOT, "socat -> nc | socat              %14.1f  %20.1f  %5.2f", teacupOut, kernelOut, teacupOut / kernelOut));
        rows.forEach(System.out::println);
        Score.print("socat | teacup nc -> kernel socat", teacupIn, kernelIn, "MB/s", "socat | socat over veth", ">= 0.8x");
        Score.print("kernel socat -> teacup nc | socat", teacupOut, kernelOut, "MB/s", "socat | socat over veth", ">= 0.8x");
    }
}
