package teacup.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A private network namespace for one interop test, named {@code tcup-t-<random>}, with the
 * processes the test starts in it. Closing kills those processes (by their own handles, never
 * by name) and deletes the namespace, which removes every interface inside it.
 */
public final class ScratchNamespace implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 10;

    private final String name;
    private final List<Process> started = new ArrayList<>();

    private ScratchNamespace(String name) {
        this.name = name;
    }

    /** Whether this process runs as root (effective uid 0), which interop tests need. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length > 1 && ids[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    public static ScratchNamespace create() throws IOException {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        String name = "tcup-t-" + HexFormat.of().formatHex(random);
        run(List.of("ip", "netns", "add", name));
        return new ScratchNamespace(name);
    }

    public String name() {
        return name;
    }

    /** Runs {@code ip -n NAME args...}; returns its output, or throws with it on failure. */
    public String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return run(command);
    }

    /** Starts {@code command} inside the namespace; its output goes to the returned process's stream. */
    public Process start(String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        started.add(process);
        return process;
    }

    @Override
    public void close() throws IOException {
        for (Process process : started) {
            process.destroyForcibly();
        }
        for (Process process : started) {
            try {
                process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        run(List.of("ip", "netns", "del", name));
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": still running after "
                        + COMMAND_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output.trim());
        }
        return output;
    }
}
