package teacup.drill;

import java.util.List;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;

/**
 * poll(2) for a script: the events a descriptor is ready for, worked out from teacup's
 * connection as Linux's tcp_poll does (readable on data, end of file or a pending connection;
 * writable when the send buffer has room in a synchronized state; POLLRDHUP on the peer's FIN,
 * POLLHUP when both directions are shut or the connection is gone, POLLERR on a failure), and the
 * {@code [{fd=4, events=POLLIN, revents=POLLIN}]} list a script writes.
 */
final class PollEvents {
    static final int POLLIN = 0x1;
    static final int POLLPRI = 0x2;
    static final int POLLOUT = 0x4;
    static final int POLLERR = 0x8;
    static final int POLLHUP = 0x10;
    static final int POLLNVAL = 0x20;
    static final int POLLRDNORM = 0x40;
    static final int POLLWRNORM = 0x100;
    static final int POLLRDHUP = 0x2000;
    /** What poll reports whether asked for or not. */
    private static final int ALWAYS = POLLERR | POLLHUP | POLLNVAL;

    /** One {@code {fd=..., events=..., revents=...}} of the list; revents null when the script leaves it out. */
    record Entry(int fd, int events, Integer revents) {
    }

    private PollEvents() {
    }

    static List<Entry> entries(Expression list) {
        if (!(list instanceof Expression.Sequence s)) {
            throw new ScriptSkipped("poll takes a list of pollfd structures, not " + list);
        }
        return s.items().stream().map(PollEvents::entry).toList();
    }

    private static Entry entry(Expression e) {
        if (!(e instanceof Expression.Structure s) || s.field("fd") == null || s.field("events") == null) {
            throw new ScriptSkipped("a pollfd is {fd=N, events=...[, revents=...]}, not " + e);
        }
        Expression revents = s.field("revents");
        return new Entry((int) SystemCalls.number(s.field("fd")), mask(s.field("events")),
                revents == null ? null : mask(revents));
    }

    /** {@code POLLIN|POLLOUT}, a number, or 0. */
    static int mask(Expression e) {
        List<Expression> terms = e instanceof Expression.Or or ? or.terms() : List.of(e);
        int m = 0;
        for (Expression t : terms) {
            m |= t instanceof Expression.Number n ? (int) n.value() : bit(SystemCalls.name(t));
        }
        return m;
    }

    private static int bit(String name) {
        return switch (name) {
            case "POLLIN" -> POLLIN;
            case "POLLPRI" -> POLLPRI;
            case "POLLOUT" -> POLLOUT;
            case "POLLERR" -> POLLERR;
            case "POLLHUP" -> POLLHUP;
            case "POLLNVAL" -> POLLNVAL;
            case "POLLRDNORM" -> POLLRDNORM;
            case "POLLWRNORM" -> POLLWRNORM;
            case "POLLRDHUP" -> POLLRDHUP;
            default -> throw new ScriptSkipped("poll event " + name + " is not supported");
        };
    }

    static String names(int mask) {
        if (mask == 0) {
            return "0";
        }
        StringBuilder b = new StringBuilder();
        String[] names = {"POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL", "POLLRDNORM", "POLLWRNORM",
            "POLLRDHUP"};
        int[] bits = {POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLWRNORM, POLLRDHUP};
        for (int i = 0; i < bits.length; i++) {
            if ((mask & bits[i]) != 0) {
                b.append(b.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return b.toString();
    }

    /** The events {@code d} (null: not open) is ready for, of those asked for and the ones always reported. */
    static int ready(Descriptor d, int asked) {
        return readyAll(d) & (asked | ALWAYS);
    }

    private static int readyAll(Descriptor d) {
        if (d == null) {
            return POLLNVAL;
        }
        if (d.listener != null) {
            return d.listener.readyCount() > 0 ? POLLIN | POLLRDNORM : 0;
        }
        TcpConnection c = d.connection;
        if (c == null) {
            return POLLOUT | POLLHUP; // a socket never connected is "closed" to Linux
        }
        Ending ending = c.ending();
        boolean failed = ending == Ending.RESET || ending == Ending.REFUSED || ending == Ending.TIMED_OUT
                || ending == Ending.UNREACHABLE;
        int m = 0;
        boolean peerDone = c.peerFinished() || failed || c.state() == State.CLOSED;
        boolean weDone = failed || c.state() == State.CLOSED || switch (c.state()) {
            case FIN_WAIT_1, FIN_WAIT_2, CLOSING, TIME_WAIT, LAST_ACK -> true;
            default -> false;
        };
        if (failed) {
            m |= POLLERR;
        }
        if (peerDone && weDone) {
            m |= POLLHUP;
        }
        if (peerDone) {
            m |= POLLIN | POLLRDNORM | POLLRDHUP;
        }
        if (c.receiveBuffer().available() > 0) {
            m |= POLLIN | POLLRDNORM;
        }
        boolean synchronizedState = c.state() != State.SYN_SENT && c.state() != State.SYN_RECEIVED;
        if (synchronizedState && (weDone || c.sendBuffer().free() > 0)) {
            m |= POLLOUT | POLLWRNORM; // Linux: a shut send side is writable (the write then fails with EPIPE)
        }
        return m;
    }
}
