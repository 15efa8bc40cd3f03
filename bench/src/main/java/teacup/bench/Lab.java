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
import teacup.host.SystemCommand;

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

    /**
     * Two new namespaces joined by a veth pair: {@code sender} holds 198.18.1.1/24 and
     * {@code receiver} 198.18.1.2/24, both up, at {@code mtu}. Both are deleted by {@link #cleanUp}.
     */
    void vethPair(String sender, String receiver, int mtu) throws IOException {
        for (String ns : List.of(sender, receiver)) {
            SystemCommand.check(COMMAND_TIMEOUT, "ip", "netns", "add", ns);
            addNamespace(ns);
            SystemCommand.check(COMMAND_TIMEOUT, "ip", "-n", ns, "link", "set", "lo", "up");
        }
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "-n", sender, "link", "add", "tcb-s", "mtu", Integer.toString(mtu),
                "type", "veth", "peer", "name", "tcb-r", "netns", receiver);
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "-n", receiver, "link", "set", "tcb-r", "mtu", Integer.toString(mtu));
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "-n", sender, "addr", "add", "198.18.1.1/24", "dev", "tcb-s");
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "-n", receiver, "addr", "add", "198.18.1.2/24", "dev", "tcb-r");
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "-n", sender, "link", "set", "tcb-s", "up");
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "-n", receiver, "link", "set", "tcb-r", "up");
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

    /** Six random hex digits, so that namespaces a run makes never meet another run's. */
    static String namespaceSuffix() {
        byte[] random = new byte[3];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
        return java.util.HexFormat.of().formatHex(random);
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
