package teacup.drill;

import java.util.List;
import teacup.drill.SystemCalls.CallResult;

/**
 * setsockopt and getsockopt for the options teacup has. An option teacup lacks makes the script
 * skipped, never passed: pretending to set it would make the script prove nothing.
 */
final class SocketOptions {
    private static final java.util.Set<String> SETTABLE = java.util.Set.of("SO_REUSEADDR", "SO_REUSEPORT", "TCP_NODELAY",
            "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_MAXSEG",
            "SO_RCVBUF", "SO_SNDBUF");

    private final DrillNetwork network;

    SocketOptions(DrillNetwork network) {
        this.network = network;
    }

    CallResult set(Descriptor d, List<Expression> a) {
        if (d == null) {
            return CallResult.error("EBADF");
        }
        String option = SystemCalls.name(a.get(2));
        if (!SETTABLE.contains(option)) {
            throw new ScriptSkipped("socket option " + option + " is not supported by teacup");
        }
        long value = a.size() > 3 ? SystemCalls.number(a.get(3)) : 0;
        switch (option) {
            case "SO_REUSEADDR", "SO_REUSEPORT" -> { } // teacup never holds a port in TIME-WAIT against a new bind
            case "TCP_NODELAY" -> {
                d.noDelay = value != 0;
                if (d.connection != null) {
                    d.connection.setNoDelay(d.noDelay);
                    network.stack().tcp().flush(network.now(), d.connection);
                }
            }
            case "SO_KEEPALIVE" -> {
                d.keepAlive = value != 0;
                if (d.connection != null) {
                    network.stack().tcp().setKeepAlive(network.now(), d.connection, d.keepAlive);
                }
            }
            case "TCP_KEEPIDLE" -> beforeOpen(d, option).keepAliveIdle(value * 1_000_000_000L);
            case "TCP_KEEPINTVL" -> beforeOpen(d, option).keepAliveInterval(value * 1_000_000_000L);
            case "TCP_KEEPCNT" -> beforeOpen(d, option).keepAliveProbes((int) value);
            case "TCP_MAXSEG" -> beforeOpen(d, option).mss((int) value);
            // teacup rounds a buffer up to a power of two (Linux doubles the value for bookkeeping), so a
            // script that needs a window of N sets N = 2^k; an accepted socket inherits the listener's. As on
            // Linux, a buffer the application sized is not autotuned
            case "SO_RCVBUF" -> beforeOpen(d, option).receiveBuffer((int) value).maxReceiveBuffer((int) value);
            case "SO_SNDBUF" -> beforeOpen(d, option).sendBuffer((int) value);
            default -> throw new ScriptSkipped("socket option " + option + " is not supported by teacup");
        }
        return CallResult.of(0);
    }

    /** Options teacup takes only in a connection's settings, so only before listen or connect. */
    private static teacup.tcp.TcpSettings.Builder beforeOpen(Descriptor d, String option) {
        if (d.connection != null || d.listener != null) {
            throw new ScriptSkipped("socket option " + option + " on an open connection is not supported by teacup");
        }
        return d.settings;
    }

    CallResult get(Descriptor d, List<Expression> a) {
        if (d == null) {
            return CallResult.error("EBADF");
        }
        String option = SystemCalls.name(a.get(2));
        String actual = switch (option) {
            case "SO_ERROR" -> soError(d);
            case "TCP_NODELAY" -> d.noDelay ? "1" : "0";
            case "SO_KEEPALIVE" -> d.keepAlive ? "1" : "0";
            case "SO_TYPE" -> "1";
            case "TCP_KEEPIDLE" -> Long.toString(settings(d).keepAliveIdle() / 1_000_000_000L);
            case "TCP_KEEPINTVL" -> Long.toString(settings(d).keepAliveInterval() / 1_000_000_000L);
            case "TCP_KEEPCNT" -> Integer.toString(settings(d).keepAliveProbes());
            // what teacup uses, not Linux's doubled bookkeeping figure
            case "SO_RCVBUF" -> Integer.toString(d.connection != null ? d.connection.receiveBuffer().capacity()
                    : settings(d).receiveBuffer());
            case "SO_SNDBUF" -> Integer.toString(d.connection != null ? d.connection.sendBuffer().capacity()
                    : settings(d).sendBuffer());
            case "TCP_MAXSEG" -> Integer.toString(d.connection != null && d.connection.state().synchronized_()
                    ? d.connection.negotiated().segmentSize() : settings(d).mss());
            default -> throw new ScriptSkipped("socket option " + option + " is not supported by teacup");
        };
        if (option.equals("SO_TYPE") && a.size() > 3 && SystemCalls.name(a.get(3)).contains("SOCK_STREAM")) {
            return CallResult.of(0);
        }
        Expression expected = a.size() > 3 ? a.get(3) : new Expression.Ellipsis();
        if (expected instanceof Expression.Sequence s && s.items().size() == 1) {
            expected = s.items().getFirst();
        }
        if (!(expected instanceof Expression.Ellipsis) && !expected.toString().equals(actual)) {
            throw new ScriptFailed("getsockopt " + option + ": expected [" + expected + "] but got [" + actual + "]");
        }
        return CallResult.of(0);
    }

    private static teacup.tcp.TcpSettings settings(Descriptor d) {
        return d.listener != null ? d.listener.settings() : d.settings.build();
    }

    /** SO_ERROR reports a connection's failure once, then 0, as Linux does. */
    private static String soError(Descriptor d) {
        if (d.connection == null || d.connection.ending() == teacup.tcp.TcpConnection.Ending.NONE
                || d.connection.ending() == teacup.tcp.TcpConnection.Ending.CLOSED_NORMALLY) {
            return "0";
        }
        if (d.pendingError == null) {
            d.pendingError = SystemCalls.errno(d.connection.ending());
            return d.pendingError;
        }
        return "0";
    }
}
