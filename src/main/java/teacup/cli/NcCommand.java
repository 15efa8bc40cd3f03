package teacup.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import teacup.curl.CurlExit;
import teacup.ip.Interface;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/**
 * {@code teacup nc}: netcat on teacup's stack. It connects (or with {@code -l} accepts one
 * connection), copies stdin to the connection and the connection to stdout, half-closes when
 * stdin ends, and exits when both directions are done. {@code -k} keeps accepting and serves
 * connections at once, each on a virtual thread; {@code --echo} returns what each connection
 * sends instead of using stdin and stdout.
 */
@Command(name = "nc", mixinStandardHelpOptions = true, description = "netcat on teacup's stack: connect to HOST PORT,"
        + " or listen on PORT with -l; copy stdin to the connection and the connection to stdout.")
final class NcCommand implements Callable<Integer> {
    private static final int CHUNK = 16 * 1024;
    /** How long an ending connection may take to get its last bytes and FIN acknowledged. */
    private static final Duration LINGER = Duration.ofSeconds(10);

    @Option(names = "-l", description = "listen on PORT and accept a connection instead of connecting")
    boolean listen;

    @Option(names = "-k", description = "with -l: keep accepting after the first connection, serving them concurrently")
    boolean keepOpen;

    @Option(names = "--echo", description = "send back what each connection sends, instead of using stdin and stdout")
    boolean echo;

    @Option(names = "-w", paramLabel = "SECS", defaultValue = "30",
            description = "give up connecting after SECS seconds (exit 28; default: ${DEFAULT-VALUE})")
    double connectTimeout;

    @Option(names = "-v", description = "say on stderr where it listens and which connections come and go")
    boolean verbose;

    @Mixin
    LinkOptions link;

    @Mixin
    TcpLimitOptions limits;

    @Parameters(arity = "1..2", paramLabel = "[HOST] PORT",
            description = "connect: HOST PORT (HOST an IPv4 address); -l: [ADDRESS] PORT to listen on")
    List<String> operands;

    @Override
    public Integer call() throws Exception {
        if (keepOpen && !listen) {
            throw new UsageException("-k needs -l (it keeps a listener accepting)");
        }
        if (!(connectTimeout > 0) || connectTimeout > 86_400) {
            throw new UsageException("-w must be between 0 and 86400 seconds");
        }
        if (operands.size() > 2) {
            throw new UsageException("too many operands: " + String.join(" ", operands) + " (give [HOST] PORT)");
        }
        if (!listen && operands.size() < 2) {
            throw new UsageException("missing PORT: give HOST PORT to connect, or -l PORT to listen");
        }
        String hostText = operands.size() == 2 ? operands.get(0) : null;
        int port = port(operands.get(operands.size() - 1));
        limits.check();
        Interface iface = link.iface();
        Ipv4Address host = null;
        if (hostText != null) {
            try {
                host = Ipv4Address.parse(hostText);
            } catch (IllegalArgumentException e) {
                // nc takes addresses only, for now (teacup curl resolves names through teacup's own DNS);
                // asking the kernel's resolver would send the query out of the host's network.
                throw new CommandFailure(listen ? Main.EXIT_USAGE : CurlExit.COULD_NOT_RESOLVE,
                        "Could not resolve host: " + hostText + " (give an IPv4 address)");
            }
            if (listen && iface.configured() && !host.equals(Ipv4Address.ANY) && !host.equals(iface.address())) {
                throw new UsageException("cannot listen on " + host + ": teacup's address is " + iface.address());
            }
        }
        try (NetStack stack = link.startStack()) {
            limits.apply(stack);
            return listen ? serve(stack, port) : connect(stack, host, port);
        } finally {
            System.out.flush();
        }
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("PORT must be a number from 1 to 65535, not '" + text + "'");
    }

    // ---------------------------------------------------------------- connecting

    private int connect(NetStack stack, Ipv4Address host, int port) throws IOException, InterruptedException {
        Duration timeout = Duration.ofMillis(Math.max(1, (long) (connectTimeout * 1000)));
        String target = host + " port " + port;
        TcpSocket socket;
        try {
            socket = TcpSocket.connect(stack, host, port, timeout);
        } catch (ConnectException e) {
            throw new CommandFailure(CurlExit.COULD_NOT_CONNECT, "Failed to connect to " + target + ": Connection refused");
        } catch (NoRouteToHostException e) {
            throw new CommandFailure(CurlExit.COULD_NOT_CONNECT, "Failed to connect to " + target + ": No route to host");
        } catch (SocketTimeoutException e) {
            throw new CommandFailure(CurlExit.TIMEOUT, "Failed to connect to " + target + ": Connection timed out after "
                    + timeout.toMillis() + " ms");
        }
        if (verbose) {
            System.err.println("teacup nc: " + link.linkPath());
            System.err.println("teacup nc: connected to " + target + " from port " + socket.localPort());
        }
        return converse(socket, target);
    }

    // ---------------------------------------------------------------- listening

    private int serve(NetStack stack, int port) throws IOException, InterruptedException {
        TcpServerSocket server;
        try {
            server = TcpServerSocket.bind(stack, port, TcpServerSocket.DEFAULT_BACKLOG);
        } catch (BindException e) {
            throw new CommandFailure(1, "cannot listen on port " + port + ": Address already in use");
        }
        if (verbose) {
            System.err.println("teacup nc: " + link.linkPath());
            System.err.println("teacup nc: listening on " + stack.iface().address() + " port " + server.localPort());
        }
        if (!keepOpen) {
            TcpSocket socket;
            try (server) {
                // netcat stops listening once it has its one connection.
                socket = server.accept();
            }
            String peer = peer(socket);
            if (verbose) {
                System.err.println("teacup nc: connection from " + peer);
            }
            return converse(socket, peer);
        }
        try (server) {
            Set<TcpSocket> open = ConcurrentHashMap.newKeySet();
            StdinBroadcast broadcast = echo ? null : new StdinBroadcast(open);
            if (broadcast != null) {
                Thread.ofPlatform().daemon().name("teacup-nc-stdin").start(broadcast);
            }
            // Runs until the process is stopped (SIGINT/SIGTERM), like nc -lk.
            while (true) {
                TcpSocket socket = server.accept();
                Thread.ofVirtual().name("teacup-nc-" + socket.remotePort()).start(() -> serveOne(socket, open, broadcast));
            }
        }
    }

    /** One of -k's connections: echoed, or copied to stdout while stdin is broadcast to it. */
    private void serveOne(TcpSocket socket, Set<TcpSocket> open, StdinBroadcast broadcast) {
        String peer = peer(socket);
        if (verbose) {
            System.err.println("teacup nc: connection from " + peer);
        }
        try {
            if (echo) {
                echo(socket);
            } else {
                open.add(socket);
                if (broadcast.ended()) {
                    socket.shutdownOutput();
                }
                copy(socket.getInputStream(), System.out);
                open.remove(socket);
            }
            // The stack outlives this connection (-k runs until stopped), so close need not wait.
            socket.close();
        } catch (IOException e) {
            socket.abort();
            System.err.println("teacup: connection from " + peer + ": " + e.getMessage());
        } finally {
            open.remove(socket);
            if (verbose) {
                System.err.println("teacup nc: connection from " + peer + " closed");
            }
        }
    }

    /** Reads stdin once and sends each chunk to every connection open at that moment; half-closes them all at its end. */
    private final class StdinBroadcast implements Runnable {
        private final Set<TcpSocket> open;
        private volatile boolean ended;

        StdinBroadcast(Set<TcpSocket> open) {
            this.open = open;
        }

        boolean ended() {
            return ended;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[CHUNK];
            try {
                int n;
                while ((n = System.in.read(buffer)) >= 0) {
                    for (TcpSocket s : open) {
                        try {
                            OutputStream out = s.getOutputStream();
                            out.write(buffer, 0, n);
                            out.flush();
                        } catch (IOException e) {
                            open.remove(s); // that connection failed; its own thread reports it
                        }
                    }
                }
            } catch (IOException e) {
                System.err.println("teacup: reading stdin: " + e.getMessage());
            }
            ended = true;
            for (TcpSocket s : open) {
                try {
                    s.shutdownOutput();
                } catch (IOException e) {
                    // the connection's own thread sees the failure
                }
            }
        }
    }

    // ---------------------------------------------------------------- one conversation

    /** Copies both ways (or echoes) until both directions are done; 0 on a clean end. */
    private int converse(TcpSocket socket, String peer) throws InterruptedException {
        try {
            if (echo) {
                echo(socket);
            } else {
                IOException[] sendFailure = new IOException[1];
                // A platform daemon thread: a read of stdin cannot be interrupted, and must not keep the JVM up.
                Thread sender = Thread.ofPlatform().daemon().name("teacup-nc-stdin").start(() -> {
                    try {
                        copy(System.in, socket.getOutputStream());
                        socket.shutdownOutput();
                    } catch (IOException e) {
                        sendFailure[0] = e;
                    }
                });
                copy(socket.getInputStream(), System.out);
                sender.join();
                if (sendFailure[0] != null) {
                    throw sendFailure[0];
                }
            }
            linger(socket);
            socket.close();
            return 0;
        } catch (IOException e) {
            socket.abort();
            throw new CommandFailure(1, "connection with " + peer + ": " + e.getMessage());
        }
    }

    private static void echo(TcpSocket socket) throws IOException {
        copy(socket.getInputStream(), socket.getOutputStream());
        socket.shutdownOutput();
    }

    /** Copies until end of stream, flushing each chunk so that interactive use sees it at once. */
    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (out == System.out) {
                synchronized (System.out) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } else {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }

    /**
     * Waits (bounded), after the output was shut down and before close, until what was written
     * and the FIN are acknowledged: the process is about to stop the stack, and unsent bytes would
     * die with it. The wait comes before close because a closed socket hears no more of its
     * connection's state. FIN-WAIT-2 already means the peer has everything (RFC 9293 3.6).
     */
    private static void linger(TcpSocket socket) throws IOException {
        socket.awaitOutputDone(LINGER);
    }

    private static String peer(TcpSocket socket) {
        return socket.remoteAddress() + " port " + socket.remotePort();
    }
}
