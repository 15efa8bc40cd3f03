package teacup.daemon;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import teacup.stack.NetStack;

/**
 * The daemon's control channel: a Unix-domain socket on which {@code teacup status} asks for
 * the {@link StatusReport}. One request per connection: the client sends a line naming a
 * command ({@code status}), the daemon writes its answer and closes. An unknown command gets
 * one line starting {@code error:}.
 *
 * <p>Only the owner may connect (the socket is mode 0600 in a directory only the owner can
 * write), since the report shows every connection's addresses. A socket file left by a daemon
 * that died is replaced; one a live daemon answers on is not, so two daemons never share a path.
 */
public final class DaemonControl implements AutoCloseable {
    /** Where a daemon run as root listens unless told otherwise. */
    public static final Path ROOT_PATH = Path.of("/run/teacup/daemon.sock");
    /** Environment variable naming the control socket for both the daemon and {@code teacup status}. */
    public static final String ENVIRONMENT = "TEACUP_CONTROL";
    public static final String STATUS = "status";

    /** The longest command line a client may send; anything longer is not a command we know. */
    private static final int MAX_REQUEST = 256;
    /** A client not done by then (silent, or not reading its answer) is dropped, so it holds nothing for long. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    /** Clients served at once; more are turned away (each costs two virtual threads). */
    private static final int MAX_CLIENTS = 16;
    /** S_IFMT and S_IFSOCK from stat(2): what kind of file the path is. */
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private final Path path;
    /** The socket file's identity (device and inode): close removes the file only if it is still ours. */
    private final Object fileKey;
    private final ServerSocketChannel server;
    private final Supplier<String> report;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private final Thread acceptor;
    private volatile boolean closed;
    /** The directory did not exist before us: close removes it again when it is empty. */
    private boolean madeDirectory;

    private DaemonControl(Path path, Object fileKey, ServerSocketChannel server, Supplier<String> report) {
        this.path = path;
        this.fileKey = fileKey;
        this.server = server;
        this.report = report;
        this.acceptor = Thread.ofVirtual().name("teacup-control").unstarted(this::acceptLoop);
    }

    /** Serves {@code stack}'s status on {@code socketPath}. */
    public static DaemonControl start(NetStack stack, Path socketPath) throws IOException {
        return start(() -> StatusReport.format(stack.status()), socketPath);
    }

    /**
     * Serves {@code report} (called once per status request, on the client's thread) on
     * {@code socketPath}, creating its directory (mode 0700) when missing. Throws an IOException
     * with a one-line reason when a daemon already answers there, or the path is not a socket.
     */
    public static DaemonControl start(Supplier<String> report, Path socketPath) throws IOException {
        Path path = socketPath.toAbsolutePath();
        boolean madeDirectory = prepareDirectory(path.getParent(), "rwx------");
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & FILE_TYPE_MASK) != SOCKET_TYPE) {
                throw new IOException(path + " exists and is not a socket; remove it or choose another --control path");
            }
            if (answers(path)) {
                throw new IOException("another teacup daemon is running (it answers on " + path + ")");
            }
            Files.delete(path); // left by a daemon that died without cleaning up
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Object fileKey;
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            // Between bind and here the socket has the umask's mode; the private directory covers that moment.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            fileKey = fileKey(path);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + path + ": " + reason(e), e);
        }
        DaemonControl control = new DaemonControl(path, fileKey, server, report);
        control.madeDirectory = madeDirectory;
        control.acceptor.start();
        return control;
    }

    /**
     * What {@code teacup daemon} does for status, once its stack is up: serves the control socket
     * ({@code option}, or the default from {@link #resolve}) and prints the report on SIGUSR1,
     * saying both on stdout. Returns the channel to close on exit, or null when there is none:
     * when the default path is held by another live daemon, this one warns and runs without
     * (two daemons on two TAPs are fine; only the socket cannot be shared). A path given with
     * --control or ${@value #ENVIRONMENT} that a live daemon holds is an error.
     */
    public static DaemonControl attach(NetStack stack, Path option, PrintStream out, PrintStream err) throws IOException {
        Supplier<String> report = () -> StatusReport.format(stack.status());
        Path path = resolve(option);
        boolean explicit = option != null || System.getenv(ENVIRONMENT) != null && !System.getenv(ENVIRONMENT).isBlank();
        DaemonControl control = null;
        if (!explicit && Files.exists(path, LinkOption.NOFOLLOW_LINKS) && answers(path)) {
            err.println("teacup daemon: another daemon answers on " + path + "; this one has no control socket (give --control PATH)");
        } else {
            control = start(report, path);
        }
        List<String> ways = new ArrayList<>();
        if (control != null) {
            ways.add("teacup status --control " + path);
        }
        if (printOnSignal("USR1", report, out)) {
            ways.add("kill -USR1 " + ProcessHandle.current().pid());
        } else {
            err.println("teacup daemon: this JVM does not let teacup handle SIGUSR1; use teacup status");
        }
        if (!ways.isEmpty()) {
            out.println("teacup daemon: status with " + String.join(" or ", ways));
        }
        return control;
    }

    public Path path() {
        return path;
    }

    /** Stops serving and removes the socket file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        server.close();
        acceptor.interrupt();
        // Someone may have removed our file and another daemon bound the path since: leave theirs alone.
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && java.util.Objects.equals(fileKey(path), fileKey)) {
            Files.deleteIfExists(path);
        }
        if (madeDirectory) {
            try {
                Files.deleteIfExists(path.getParent());
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                // another daemon's socket, or something else, is in it now
            }
        }
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    // ---------------------------------------------------------------- where the socket lives

    /**
     * The control socket: {@code option} when given, else {@value #ENVIRONMENT}, else
     * {@link #ROOT_PATH} for root, else {@code $XDG_RUNTIME_DIR/teacup/daemon.sock}, else
     * {@code /tmp/teacup-UID/daemon.sock}.
     */
    public static Path resolve(Path option, Map<String, String> environment, int uid) {
        if (option != null) {
            return option;
        }
        String fromEnvironment = environment.get(ENVIRONMENT);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Path.of(fromEnvironment);
        }
        if (uid == 0) {
            return ROOT_PATH;
        }
        String runtime = environment.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank() && Path.of(runtime).isAbsolute()) {
            return Path.of(runtime, "teacup", "daemon.sock");
        }
        return Path.of("/tmp", "teacup-" + uid, "daemon.sock");
    }

    /** {@link #resolve} for this process. */
    public static Path resolve(Path option) {
        return resolve(option, System.getenv(), uid());
    }

    /** This process's user id (-1 when /proc does not say). */
    static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Creates {@code dir} when missing (returning true): /run/teacup readable by all (mode 0755, like other
     * daemons' run directories), any other with {@code mode}. An existing directory must belong
     * to us or root; one in /tmp that someone else made could be theirs to watch or replace.
     */
    private static boolean prepareDirectory(Path dir, String mode) throws IOException {
        if (dir == null) {
            return false;
        }
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(
                        dir.equals(ROOT_PATH.getParent()) ? "rwxr-xr-x" : mode));
            } catch (IOException e) {
                throw new IOException("cannot create " + dir + ": " + reason(e), e);
            }
            return true;
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid");
        int me = uid();
        if (owner != me && owner != 0 && me != -1) {
            throw new IOException(dir + " belongs to another user (uid " + owner + "); choose another --control path");
        }
        return false;
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    // ---------------------------------------------------------------- server side

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue; // one failed accept (a client gone at once) does not end the service
            }
            if (!clients.tryAcquire()) {
                closeQuietly(client);
                continue;
            }
            Thread handler = Thread.ofVirtual().name("teacup-control-client").start(() -> {
                try {
                    serve(client);
                } finally {
                    closeQuietly(client);
                    clients.release();
                }
            });
            // The channel has no read timeout of its own: a watchdog closes it if the client says nothing.
            Thread.ofVirtual().start(() -> {
                try {
                    if (!handler.join(CLIENT_TIMEOUT)) {
                        closeQuietly(client);
                    }
                } catch (InterruptedException e) {
                    closeQuietly(client);
                }
            });
        }
    }

    private void serve(SocketChannel client) {
        String command;
        try {
            command = readLine(client);
        } catch (IOException e) {
            return;
        }
        String answer;
        if (command.equals(STATUS)) {
            try {
                answer = report.get();
            } catch (RuntimeException e) {
                answer = "error: could not take the status: " + e.getMessage() + "\n";
            }
        } else {
            answer = "error: unknown command '" + printable(command) + "' (known: " + STATUS + ")\n";
        }
        try {
            writeAll(client, answer);
        } catch (IOException e) {
            // the client went away; nothing to tell
        }
    }

    /** The first line the client sends (without its end), at most {@value #MAX_REQUEST} bytes. */
    private static String readLine(SocketChannel client) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST);
        while (buffer.hasRemaining()) {
            int n = client.read(buffer);
            if (n < 0) {
                break;
            }
            for (int i = buffer.position() - n; i < buffer.position(); i++) {
                if (buffer.get(i) == '\n') {
                    return decode(buffer, i);
                }
            }
        }
        return decode(buffer, buffer.position());
    }

    private static String decode(ByteBuffer buffer, int end) {
        return new String(buffer.array(), 0, end, StandardCharsets.UTF_8).strip();
    }

    private static String printable(String s) {
        String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    private static void writeAll(SocketChannel channel, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    // ---------------------------------------------------------------- client side

    /** True when something accepts connections on {@code path} (a live daemon). */
    static boolean answers(Path path) {
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(path)).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Thrown by {@link #request} when nothing answers at the path. */
    public static final class NoDaemonException extends IOException {
        public NoDaemonException(Path path, Throwable cause) {
            super("no daemon at " + path + " (is teacup daemon running?)", cause);
        }
    }

    /**
     * Sends {@code command} to the daemon at {@code path} and returns its whole answer. Gives up
     * after {@code timeout}, and on an answer larger than any report (both IOExceptions); throws
     * {@link NoDaemonException} when nothing answers at the path.
     */
    public static String request(Path path, String command, Duration timeout) throws IOException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            throw new NoDaemonException(path, e);
        }
        boolean[] timedOut = {false};
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeout);
                synchronized (timedOut) {
                    timedOut[0] = true;
                }
                closeQuietly(channel);
            } catch (InterruptedException e) {
                // answered in time
            }
        });
        try (channel) {
            writeAll(channel, command + "\n");
            channel.shutdownOutput();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            while (channel.read(buffer.clear()) >= 0) {
                answer.write(buffer.array(), 0, buffer.position());
                if (answer.size() > MAX_ANSWER) {
                    throw new IOException("the daemon at " + path + " sent more than " + MAX_ANSWER + " bytes");
                }
            }
            return answer.toString(StandardCharsets.UTF_8);
        } catch (ClosedChannelException e) {
            synchronized (timedOut) {
                if (timedOut[0]) {
                    throw new IOException("the daemon at " + path + " did not answer within " + timeout.toSeconds() + " s", e);
                }
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
    }

    /** Largest answer a client takes (a report of some ten thousand connections). */
    private static final int MAX_ANSWER = 16 * 1024 * 1024;

    // ---------------------------------------------------------------- SIGUSR1

    /**
     * Prints {@code report} to {@code out} whenever the process gets {@code signal} (e.g. "USR1").
     * Returns false when the JVM will not let us handle that signal (it uses it itself, or the
     * platform lacks it). {@code sun.misc.Signal} (module jdk.unsupported) is the only way a Java
     * program can catch a signal; the report is taken on a virtual thread so the JVM's signal
     * thread never waits on the stack.
     */
    public static boolean printOnSignal(String signal, Supplier<String> report, PrintStream out) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> Thread.ofVirtual().name("teacup-sig" + signal).start(() -> {
                String text;
                try {
                    text = report.get();
                } catch (RuntimeException e) {
                    text = "teacup: could not take the status: " + e.getMessage() + "\n";
                }
                synchronized (out) {
                    out.print(text);
                    out.flush();
                }
            }));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
