package teacup.drill;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import teacup.drill.Expression.Name;
import teacup.drill.ScriptEvent.SystemCall;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.tcp.TcpLayer;

/**
 * The system calls a script makes, mapped straight onto teacup's loop-owned objects
 * ({@link TcpLayer}, {@link TcpConnection}) at the simulated time: the runner is the loop thread.
 * A call returns an attempt; a blocking call whose attempt gives null waits, and the engine tries
 * it again after every step of the stack until it returns.
 */
final class SystemCalls {
    /** What a call returned: a value, or -1 and an errno name. */
    record CallResult(long value, String errno) {
        static CallResult of(long value) {
            return new CallResult(value, null);
        }

        static CallResult error(String errno) {
            return new CallResult(-1, errno);
        }

        @Override
        public String toString() {
            return errno == null ? Long.toString(value) : "-1 " + errno;
        }
    }

    private static final int O_RDWR = 0x2;
    private static final int O_NONBLOCK = 0x800;

    private final DrillNetwork network;
    private final Flow flow;
    private final Map<Integer, Descriptor> descriptors = new HashMap<>();
    private int nextFd = 3;
    /** When the blocked call gives up by itself (a poll's timeout), in ns; Long.MAX_VALUE: never. */
    private long deadline = Long.MAX_VALUE;

    /** The four-tuple inbound lines use: teacup's port and the remote host's. */
    static final class Flow {
        int localPort;
        int remotePort;
        int connectPort;
    }

    SystemCalls(DrillNetwork network, Flow flow) {
        this.network = network;
        this.flow = flow;
    }

    private TcpLayer tcp() {
        return network.stack().tcp();
    }

    Supplier<CallResult> start(SystemCall call) {
        List<Expression> a = call.arguments();
        deadline = Long.MAX_VALUE;
        return switch (call.name()) {
            case "socket" -> now(socket(a));
            case "bind" -> now(bind(a));
            case "listen" -> now(listen(a));
            case "accept", "accept4" -> accept(a);
            case "connect" -> connect(a);
            case "write", "send", "sendto" -> now(write(call, a, length(call, a)));
            case "writev" -> now(write(call, a, vectorLength(call, a)));
            case "read", "recv", "recvfrom" -> read(call, a, length(call, a));
            case "readv" -> read(call, a, vectorLength(call, a));
            case "poll" -> poll(call, a);
            case "close" -> now(close(a));
            case "shutdown" -> now(shutdown(a));
            case "fcntl" -> now(fcntl(a));
            case "setsockopt" -> now(new SocketOptions(network).set(descriptor(a, 0), a));
            case "getsockopt" -> now(new SocketOptions(network).get(descriptor(a, 0), a));
            default -> throw new ScriptSkipped("system call " + call.name() + " is not mapped onto teacup");
        };
    }

    /** When the call now blocked returns by itself (ns since the start), or Long.MAX_VALUE. */
    long deadline() {
        return deadline;
    }

    private static Supplier<CallResult> now(CallResult r) {
        return () -> r;
    }

    static String name(Expression e) {
        return e instanceof Name n ? n.name() : e.toString();
    }

    static long number(Expression e) {
        if (e instanceof Expression.Number n) {
            return n.value();
        }
        if (e instanceof Expression.Sequence s && s.items().size() == 1) {
            return number(s.items().getFirst());
        }
        throw new ScriptSkipped("cannot use " + e + " as a number");
    }

    private Descriptor descriptor(List<Expression> a, int index) {
        if (a.size() <= index) {
            throw new ScriptFailed("missing file descriptor argument");
        }
        Descriptor d = descriptors.get((int) number(a.get(index)));
        return d;
    }

    private CallResult socket(List<Expression> a) {
        if (a.size() != 3) {
            throw new ScriptFailed("socket takes 3 arguments");
        }
        String family = name(a.get(0));
        if (!family.equals("AF_INET") && !family.equals("...")) {
            throw new ScriptSkipped("socket family " + family + " (only IPv4)");
        }
        if (!name(a.get(1)).equals("SOCK_STREAM")) {
            throw new ScriptSkipped("socket type " + name(a.get(1)) + " (only SOCK_STREAM)");
        }
        Descriptor d = new Descriptor(nextFd++);
        descriptors.put(d.fd, d);
        return CallResult.of(d.fd);
    }

    /** The port of a {@code {sin_port=htons(N)}} address, or {@code fallback} for {@code ...}. */
    private static int port(Expression address, int fallback) {
        if (address instanceof Expression.Structure s && s.field("sin_port") instanceof Expression.Call c
                && c.function().equals("htons") && c.arguments().size() == 1) {
            return (int) number(c.arguments().getFirst());
        }
        return fallback;
    }

    private CallResult bind(List<Expression> a) {
        Descriptor d = descriptor(a, 0);
        if (d == null) {
            return CallResult.error("EBADF");
        }
        d.port = port(a.size() > 1 ? a.get(1) : new Expression.Ellipsis(), flow.localPort);
        return CallResult.of(0);
    }

    private CallResult listen(List<Expression> a) {
        Descriptor d = descriptor(a, 0);
        if (d == null) {
            return CallResult.error("EBADF");
        }
        int port = d.port >= 0 ? d.port : flow.localPort;
        try {
            d.listener = tcp().listen(port, Math.max(1, (int) number(a.get(1))), d.settings.build());
        } catch (IllegalStateException e) {
            return CallResult.error("EADDRINUSE");
        }
        flow.localPort = port;
        return CallResult.of(0);
    }

    private Supplier<CallResult> accept(List<Expression> a) {
        Descriptor d = descriptor(a, 0);
        if (d == null || d.listener == null) {
            return now(CallResult.error(d == null ? "EBADF" : "EINVAL"));
        }
        return () -> {
            TcpConnection c = d.listener.poll();
            if (c == null) {
                return d.nonBlocking ? CallResult.error("EAGAIN") : null;
            }
            Descriptor accepted = new Descriptor(nextFd++);
            accepted.connection = c;
            accepted.noDelay = d.noDelay;
            accepted.settings = d.listener.settings().toBuilder();
            c.setNoDelay(d.noDelay);
            descriptors.put(accepted.fd, accepted);
            return CallResult.of(accepted.fd);
        };
    }

    private Supplier<CallResult> connect(List<Expression> a) {
        Descriptor d = descriptor(a, 0);
        if (d == null) {
            return now(CallResult.error("EBADF"));
        }
        if (d.connection != null) {
            return now(CallResult.error(d.connection.state() == State.ESTABLISHED ? "EISCONN" : "EALREADY"));
        }
        int port = port(a.size() > 1 ? a.get(1) : new Expression.Ellipsis(), flow.connectPort);
        try {
            d.connection = tcp().connect(network.now(), network.remote().remoteIp, port, d.settings.build(), null);
        } catch (NoRouteToHostException | ConnectException e) {
            return now(CallResult.error("ENETUNREACH")); // no route, or not a unicast address (RFC 9293 MUST-46)
        }
        d.connection.setNoDelay(d.noDelay);
        if (d.keepAlive) {
            tcp().setKeepAlive(network.now(), d.connection, true);
        }
        flow.localPort = d.connection.localPort();
        flow.remotePort = port;
        if (d.nonBlocking) {
            return now(CallResult.error("EINPROGRESS"));
        }
        return () -> {
            TcpConnection c = d.connection;
            if (c.state() == State.SYN_SENT) {
                return null;
            }
            return c.ending() == Ending.NONE ? CallResult.of(0) : CallResult.error(errno(c.ending()));
        };
    }

    static String errno(Ending ending) {
        return switch (ending) {
            case REFUSED -> "ECONNREFUSED";
            case RESET -> "ECONNRESET";
            case TIMED_OUT -> "ETIMEDOUT";
            case UNREACHABLE -> "EHOSTUNREACH";
            default -> "ENOTCONN";
        };
    }

    private TcpConnection connection(List<Expression> a) {
        Descriptor d = descriptor(a, 0);
        return d == null ? null : d.connection;
    }

    /** The length argument of read/write/send/recv/sendto/recvfrom; their flags must be ones teacup can honour. */
    private static int length(SystemCall call, List<Expression> a) {
        if (a.size() < 3) {
            throw new ScriptFailed(call.name() + " needs a length");
        }
        if (a.size() > 3 && !call.name().startsWith("read")) {
            Expression flags = a.get(3);
            if (!(flags instanceof Expression.Number n && n.value() == 0) && !(flags instanceof Expression.Ellipsis)) {
                throw new ScriptSkipped(call.name() + " flags " + flags + " are not mapped onto teacup");
            }
        }
        return (int) number(a.get(2));
    }

    /** The bytes of a readv/writev iovec list {@code [{..., 10}, {..., 20}]}, checked against its count. */
    private static int vectorLength(SystemCall call, List<Expression> a) {
        if (a.size() != 3 || !(a.get(1) instanceof Expression.Sequence vectors)) {
            throw new ScriptFailed(call.name() + " takes (fd, [{..., len}, ...], count)");
        }
        if (number(a.get(2)) != vectors.items().size()) {
            throw new ScriptFailed(call.name() + ": the count " + a.get(2) + " is not the " + vectors.items().size()
                    + " iovecs given");
        }
        int total = 0;
        for (Expression v : vectors.items()) {
            if (!(v instanceof Expression.Structure s) || s.fields().size() != 2) {
                throw new ScriptFailed(call.name() + ": an iovec is {..., length}, not " + v);
            }
            total += (int) number(s.fields().get(1).value());
        }
        return total;
    }

    private CallResult write(SystemCall call, List<Expression> a, int length) {
        TcpConnection c = connection(a);
        if (c == null) {
            return CallResult.error(descriptor(a, 0) == null ? "EBADF" : "ENOTCONN");
        }
        if (c.ending() == Ending.RESET || c.ending() == Ending.REFUSED || c.ending() == Ending.TIMED_OUT) {
            return CallResult.error(c.ending() == Ending.RESET ? "ECONNRESET" : "EPIPE");
        }
        if (c.state() == State.SYN_SENT || c.state() == State.SYN_RECEIVED) {
            return CallResult.error("EAGAIN");
        }
        int n = c.sendBuffer().write(new byte[length], 0, length);
        if (n == 0 && length > 0) {
            return CallResult.error("EAGAIN");
        }
        tcp().flush(network.now(), c);
        return CallResult.of(n);
    }

    private Supplier<CallResult> read(SystemCall call, List<Expression> a, int length) {
        Descriptor d = descriptor(a, 0);
        if (d == null || d.connection == null) {
            return now(CallResult.error(d == null ? "EBADF" : "ENOTCONN"));
        }
        return () -> {
            TcpConnection c = d.connection;
            int available = c.receiveBuffer().available();
            if (available > 0) {
                int n = c.receiveBuffer().read(new byte[Math.min(length, available)], 0, Math.min(length, available));
                tcp().windowOpened(network.now(), c);
                return CallResult.of(n);
            }
            if (c.ending() == Ending.RESET) {
                return CallResult.error("ECONNRESET");
            }
            if (c.peerFinished() || c.state() == State.CLOSED) {
                return CallResult.of(0);
            }
            return d.nonBlocking ? CallResult.error("EAGAIN") : null;
        };
    }

    /**
     * {@code poll(fds, nfds, timeout)}: returns how many descriptors are ready, at once or when one
     * becomes ready, or 0 when the timeout (ms; -1 for none) passes first. The revents the script
     * gives are checked when it returns.
     */
    private Supplier<CallResult> poll(SystemCall call, List<Expression> a) {
        if (a.size() != 3) {
            throw new ScriptFailed("poll takes (fds, nfds, timeout)");
        }
        List<PollEvents.Entry> entries = PollEvents.entries(a.get(0));
        if (number(a.get(1)) != entries.size()) {
            throw new ScriptFailed("poll: nfds " + a.get(1) + " is not the " + entries.size() + " pollfds given");
        }
        long timeout = number(a.get(2));
        deadline = timeout < 0 ? Long.MAX_VALUE : network.now() + timeout * 1_000_000L;
        long giveUp = deadline;
        return () -> {
            int ready = 0;
            for (PollEvents.Entry e : entries) {
                ready += PollEvents.ready(descriptors.get(e.fd()), e.events()) != 0 ? 1 : 0;
            }
            if (ready == 0 && network.now() < giveUp) {
                return null;
            }
            for (PollEvents.Entry e : entries) {
                int got = PollEvents.ready(descriptors.get(e.fd()), e.events());
                if (e.revents() != null && e.revents() != got) {
                    throw new ScriptFailed("poll: fd " + e.fd() + ": expected revents " + PollEvents.names(e.revents())
                            + " but got " + PollEvents.names(got));
                }
            }
            return CallResult.of(ready);
        };
    }

    private CallResult close(List<Expression> a) {
        Descriptor d = descriptor(a, 0);
        if (d == null) {
            return CallResult.error("EBADF");
        }
        descriptors.remove(d.fd);
        if (d.listener != null) {
            tcp().unlisten(network.now(), d.listener);
        }
        if (d.connection != null && d.connection.state() != State.CLOSED) {
            tcp().close(network.now(), d.connection);
        }
        return CallResult.of(0);
    }

    private CallResult shutdown(List<Expression> a) {
        TcpConnection c = connection(a);
        if (c == null) {
            return CallResult.error("ENOTCONN");
        }
        String how = name(a.get(1));
        if (how.equals("SHUT_WR") || how.equals("SHUT_RDWR")) {
            tcp().shutdownOutput(network.now(), c);
        } else if (!how.equals("SHUT_RD")) {
            throw new ScriptSkipped("shutdown how " + how);
        }
        return CallResult.of(0);
    }

    private CallResult fcntl(List<Expression> a) {
        Descriptor d = descriptor(a, 0);
        if (d == null) {
            return CallResult.error("EBADF");
        }
        String command = name(a.get(1));
        if (command.equals("F_GETFL")) {
            return CallResult.of(O_RDWR | (d.nonBlocking ? O_NONBLOCK : 0));
        }
        if (command.equals("F_SETFL") && a.size() == 3) {
            Expression flags = a.get(2);
            List<Expression> terms = flags instanceof Expression.Or or ? or.terms() : List.of(flags);
            d.nonBlocking = terms.stream().anyMatch(t -> name(t).equals("O_NONBLOCK")
                    || (t instanceof Expression.Number n && (n.value() & O_NONBLOCK) != 0));
            return CallResult.of(0);
        }
        throw new ScriptSkipped("fcntl " + command + " is not mapped onto teacup");
    }

    Map<Integer, Descriptor> descriptors() {
        return descriptors;
    }
}
