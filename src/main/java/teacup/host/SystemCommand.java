package teacup.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        // Output goes to files, read after the program ends: reading pipes can lose the last
        // lines a program writes as it exits, if the reader and the exit race.
        Path out = Files.createTempFile("teacup-cmd", ".out");
        Path err = Files.createTempFile("teacup-cmd", ".err");
        try {
            Process p = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!done) {
                    p.destroyForcibly();
                    p.waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted running " + argv[0]);
            }
            return new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
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

    /** True when this process runs as root (uid 0). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
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
