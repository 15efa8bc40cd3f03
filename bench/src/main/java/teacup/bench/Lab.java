package teacup.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import teacup.cli.SystemCommand;

/**
 * What an end-to-end benchmark made and must take down: the programs it started and the
 * network namespaces it created. {@link #cleanUp} ends the first (by their handles, never by
 * name) and deletes the second; it is safe to call twice, from a shutdown hook as well.
 */
final class Lab {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final List<Process> programs = new ArrayList<>();
    private final List<String> namespaces = new CopyOnWriteArrayList<>();

    /** {@code name} prefixes the lines it prints. */
    Lab(String name) {
        this.name = name;
    }

    void track(Process p) {
        synchronized (programs) {
            programs.add(p);
        }
    }

    void untrack(Process p) {
        synchronized (programs) {
            programs.remove(p);
        }
    }

    void addNamespace(String ns) {
        namespaces.add(ns);
    }

    /** Forgets {@code ns} (its owner deleted it); true when it was still on the list. */
    boolean removeNamespace(String ns) {
        return namespaces.remove(ns);
    }

    void cleanUp() {
        List<Process> running;
        synchronized (programs) {
            running = new ArrayList<>(programs);
            programs.clear();
        }
        for (Process p : running) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : List.copyOf(namespaces)) {
            try {
                SystemCommand.run(COMMAND_TIMEOUT, "ip", "netns", "del", ns);
            } catch (IOException e) {
                System.err.println(name + ": could not delete namespace " + ns + ": " + e.getMessage());
            }
            namespaces.remove(ns);
        }
    }

    static boolean onPath(String program) {
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
}
