package teacup.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import teacup.stack.StackStatus;
import teacup.stats.Statistics;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.ListenerStatus;
import teacup.tcp.TcpConnection;

/**
 * The text {@code teacup status} and SIGUSR1 print: a table of TCP connections in the manner
 * of {@code ss -tin} (one line each), the listeners, then the stack's counters. Byte totals are
 * exact, with a human-readable size beside them, so a script can compare them and a person can
 * read them.
 */
public final class StatusReport {
    private static final String[] HEADER = {"State", "Local", "Peer", "RTT ms", "RTO ms", "cwnd", "ssthresh",
            "In-flight", "Send-Q", "Recv-Q", "Sent", "Received", "RTOs", "Recoveries", "Retrans", ""};
    /** Columns that hold text and line up on the left; the numbers line up on the right. */
    private static final int LEFT_ALIGNED = 3;

    private StatusReport() {}

    /** The whole report, ending with a newline. */
    public static String format(StackStatus status) {
        StringBuilder sb = new StringBuilder();
        List<ConnectionStatus> connections = status.connections();
        List<ListenerStatus> listeners = status.listeners();
        sb.append("teacup: ").append(status.iface()).append('\n');
        sb.append("TCP connections: ").append(connections.size());
        // Orphans as the stack's limit counts them (--max-orphans): closed by the application, not yet in TIME-WAIT.
        long orphans = connections.stream().filter(c -> c.orphaned() && c.state() != TcpConnection.State.TIME_WAIT).count();
        sb.append(orphans > 0 ? " (" + orphans + " orphaned)\n" : "\n");
        if (!connections.isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(HEADER);
            for (ConnectionStatus c : connections) {
                rows.add(row(c));
            }
            table(sb, rows);
        }
        sb.append("TCP listeners: ").append(listeners.size()).append('\n');
        for (ListenerStatus l : listeners) {
            sb.append(String.format(Locale.ROOT, "  port %d  backlog %d  half-open %d  waiting for accept %d%n",
                    l.port(), l.backlog(), l.halfOpen(), l.ready()));
        }
        sb.append("Counters:\n");
        String counters = Statistics.format(status.counters());
        sb.append(counters.isEmpty() ? "  (all zero)\n" : counters);
        return sb.toString();
    }

    private static String[] row(ConnectionStatus c) {
        String rtt = c.rttSampled() ? millis(c.srtt()) + "/" + millis(c.rttvar()) : "-";
        long segments = (c.cwnd() + (long) c.segmentSize() - 1) / c.segmentSize();
        String ssthresh = c.ssthresh() >= Integer.MAX_VALUE / 2 ? "-" : Integer.toString(c.ssthresh());
        return new String[] {
            ConnectionStatus.stateName(c.state()), c.local(), c.remote(), rtt, millis(c.rto()),
            c.cwnd() + " (" + segments + " seg)", ssthresh,
            Integer.toString(c.inFlight()), Integer.toString(c.sendQueue()), Integer.toString(c.receiveQueue()),
            bytes(c.bytesSent()), bytes(c.bytesReceived()), Long.toString(c.retransmissionTimeouts()),
            Long.toString(c.recoveryEpisodes()), Long.toString(c.segmentsRetransmitted()),
            c.orphaned() ? "closed by the application" : "",
        };
    }

    /** Nanoseconds as milliseconds with one decimal. */
    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    /** An exact count, and from 10 KiB on its size in binary units beside it: {@code 1234567 (1.2 MiB)}. */
    static String bytes(long n) {
        if (n < 10 * 1024) {
            return Long.toString(n);
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = n / 1024.0;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%d (%.1f %s)", n, value, units[unit]);
    }

    private static void table(StringBuilder sb, List<String[]> rows) {
        int columns = HEADER.length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(" ");
            for (int i = 0; i < columns; i++) {
                if (width[i] == 0) {
                    continue;
                }
                line.append(' ');
                String pad = " ".repeat(width[i] - r[i].length());
                if (i < LEFT_ALIGNED || i == columns - 1) {
                    line.append(r[i]).append(pad);
                } else {
                    line.append(pad).append(r[i]);
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
