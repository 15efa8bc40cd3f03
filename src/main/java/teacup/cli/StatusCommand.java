package teacup.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import teacup.curl.CurlExit;
import teacup.daemon.DaemonControl;

/**
 * {@code teacup status}: asks a running {@code teacup daemon} over its control socket for its
 * connections and counters, and prints them. Exit 7 (curl's "failed to connect") when no daemon
 * answers.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the TCP connections, listeners and counters of a running teacup daemon.")
final class StatusCommand implements Callable<Integer> {
    /** curl's "failed to connect". */
    static final int EXIT_NO_DAEMON = CurlExit.COULD_NOT_CONNECT;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--control", paramLabel = "PATH", description = "the daemon's control socket (default: $"
            + DaemonControl.ENVIRONMENT + ", else /run/teacup/daemon.sock as root, else $XDG_RUNTIME_DIR/teacup/daemon.sock"
            + " or /tmp/teacup-UID/daemon.sock)")
    Path control;

    @Override
    public Integer call() throws Exception {
        Path path = DaemonControl.resolve(control);
        String answer;
        try {
            answer = DaemonControl.request(path, DaemonControl.STATUS, TIMEOUT);
        } catch (DaemonControl.NoDaemonException e) {
            throw new CommandFailure(EXIT_NO_DAEMON, e.getMessage());
        }
        if (answer.startsWith("error:") || answer.isEmpty()) {
            String why = answer.isEmpty() ? "closed the connection without an answer" : answer.lines().findFirst().orElse("");
            throw new CommandFailure(1, "the daemon at " + path + ": " + why);
        }
        System.out.print(answer);
        System.out.flush();
        return 0;
    }
}
