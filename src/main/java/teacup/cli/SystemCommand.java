package teacup.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host program (ip, ping...) with a time bound and collects what it printed. */
public final class SystemCommand {

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private SystemCommand() {}

    /** Runs {@code argv}, waiting at most {@code timeout}; a program still running then is killed (exit code -1). */
    public static Result run(Duration timeout, String... argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread a = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread b = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
            a.join(2000);
            b.join(2000);
            return new Result(done ? p.exitValue() : -1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted running " + argv[0]);
        }
    }

    /** Runs {@code argv} and throws an IOException naming the command and its error output unless it exits 0. */
    public static String check(Duration timeout, String... argv) throws IOException {
        Result r = run(timeout, argv);
        if (!r.ok()) {
            String why = r.stderr().isBlank() ? "exit code " + r.exitCode() : r.stderr().strip().lines().findFirst().orElse("");
            throw new IOException(String.join(" ", List.of(argv)) + ": " + why);
        }
        return r.stdout();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process went away; keep what we have
        }
    }

    /** True when this process runs as root (uid 0). */
    public static boolean isRoot() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
