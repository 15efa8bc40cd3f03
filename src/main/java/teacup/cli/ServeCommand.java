package teacup.cli;

import java.net.BindException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.socket.TeacupServerSocketFactory;
import teacup.socket.TeacupSocketOptions;
import teacup.stack.NetStack;

/**
 * {@code teacup serve}: an HTTP/1.1 static file server ({@link FileServer}) on teacup's stack.
 * It runs until SIGINT or SIGTERM (or {@code --max-time}), then stops gracefully and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the files under a directory over"
        + " HTTP/1.1 on teacup's stack (GET and HEAD, ranges, keep-alive), until SIGINT/SIGTERM.")
final class ServeCommand implements Callable<Integer> {
    /** How long the last responses may take to be acknowledged after the server stopped, before the stack goes. */
    private static final Duration DRAIN = Duration.ofSeconds(2);

    /**
     * Connections the stack may hold ready before they are accepted (nginx's default): a burst of
     * clients beyond the default 128 would otherwise lose SYNs and wait a second for their retry.
     */
    private static final int BACKLOG = 511;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "TCP port to listen on (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--root", paramLabel = "DIR", description = "directory to serve (default: the current directory)")
    Path root;

    @Option(names = "--list", description = "list directories that have no index.html (otherwise they are 404)")
    boolean list;

    @Option(names = "--idle-timeout", paramLabel = "SECS", defaultValue = "15",
            description = "close a keep-alive connection idle this long (default: ${DEFAULT-VALUE})")
    double idleTimeout;

    @Option(names = "--header-timeout", paramLabel = "SECS", defaultValue = "10",
            description = "reset a connection whose request head is not complete after SECS (default: ${DEFAULT-VALUE})")
    double headerTimeout;

    @Option(names = "--user-timeout", paramLabel = "SECS", defaultValue = "60",
            description = "give up a connection whose data has waited SECS unacknowledged, also while the client keeps its"
                    + " window closed (TCP_USER_TIMEOUT, RFC 5482; 0: never; default: ${DEFAULT-VALUE})")
    double userTimeout;

    @Option(names = "--send-memory", paramLabel = "MB", defaultValue = "64",
            description = "send buffers of all connections together grow within MB megabytes; past it a connection"
                    + " keeps the buffer it has (counted as TCP_SEND_MEMORY_LIMITED; default: ${DEFAULT-VALUE})")
    double sendMemory;

    @Option(names = "--max-time", paramLabel = "SECS", description = "stop by itself after SECS seconds")
    Double maxTime;

    @Option(names = {"-q", "--quiet"}, description = "no access log on stdout")
    boolean quiet;

    @Mixin
    LinkOptions link;

    @Mixin
    TcpLimitOptions limits;

    @Override
    public Integer call() throws Exception {
        if (port < 1 || port > 65535) {
            throw new UsageException("--port must be a number from 1 to 65535, not " + port);
        }
        Duration idle = seconds("--idle-timeout", idleTimeout);
        Duration header = seconds("--header-timeout", headerTimeout);
        Duration user = userTimeout(userTimeout);
        long memory = sendMemory(sendMemory);
        if (maxTime != null && !(maxTime > 0)) {
            throw new UsageException("--max-time must be positive");
        }
        Path dir = root != null ? root : Path.of("");
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--root " + dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
        }
        dir = dir.toRealPath();
        limits.check();

        StopSignal signal = StopSignal.install(Duration.ofSeconds(15));
        try (NetStack stack = link.startStack()) {
            limits.apply(stack);
            sendMemory(stack, memory);
            ServerSocket listener;
            try {
                listener = new TeacupServerSocketFactory(stack).createServerSocket(port, BACKLOG);
                // A client that stops reading holds its connection's buffers no longer than this (issue 12).
                listener.setOption(TeacupSocketOptions.TCP_USER_TIMEOUT, (int) user.toMillis());
            } catch (BindException e) {
                throw new CommandFailure(1, "cannot listen on port " + port + ": Address already in use");
            }
            FileServer.Settings settings = FileServer.Settings.of(dir).withListing(list).withIdleTimeout(idle)
                    .withHeaderTimeout(header);
            try (FileServer server = FileServer.start(listener, settings, quiet ? AccessLog.discard() : AccessLog.to(System.out))) {
                // One println of the whole line: a script waiting for it never sees half of it.
                System.out.println(String.format("teacup serve: serving %s at http://%s:%d/ on %s; stop with Ctrl-C or SIGTERM",
                        server.root(), stack.iface().address(), server.port(), link.describe()));
                System.out.flush();
                signal.await(maxTime);
            }
            // The server has closed every connection; give their last bytes and FINs a moment to be acknowledged.
            stack.awaitNoConnections(DRAIN);
            System.out.println("teacup serve: stopped");
            return signal.exitCode(stack);
        } finally {
            // After the stack's close: a signal's exit may end the JVM as soon as the signal is closed.
            System.out.flush();
            System.err.flush();
            signal.close();
        }
    }

    /** --send-memory MB in bytes: at least one megabyte, at most 64 GB. */
    static long sendMemory(double megabytes) {
        if (!(megabytes >= 1) || megabytes > 65_536) {
            throw new UsageException("--send-memory must be between 1 and 65536 megabytes");
        }
        return (long) (megabytes * (1 << 20));
    }

    /** The stack's send memory budget ({@link teacup.tcp.SendMemory}), set on its loop. */
    static void sendMemory(NetStack stack, long bytes) throws java.io.IOException {
        stack.call(() -> {
            stack.tcp().sendMemory().limit(bytes);
            return null;
        });
    }

    /** --user-timeout SECS: 0 for none, else at most a day. */
    static Duration userTimeout(double value) {
        if (value == 0) {
            return Duration.ZERO;
        }
        return seconds("--user-timeout", value);
    }

    private static Duration seconds(String option, double value) {
        if (!(value > 0) || value > 86_400) {
            throw new UsageException(option + " must be between 0 and 86400 seconds");
        }
        return Duration.ofMillis(Math.max(1, (long) (value * 1000)));
    }
}
