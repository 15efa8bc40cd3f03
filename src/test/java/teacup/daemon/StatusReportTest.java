package teacup.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.Interface;
import teacup.stack.StackStatus;
import teacup.stats.Counter;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.ListenerStatus;
import teacup.tcp.TcpConnection.State;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/** The text of {@code teacup status}: what each line says and that the table lines up. */
class StatusReportTest {
    private static final long MS = 1_000_000L;
    private static final int US = Ipv4Address.parse("198.18.0.2").bits();
    private static final int PEER = Ipv4Address.parse("198.18.0.1").bits();
    private static final Interface IFACE = new Interface(MacAddress.parse("02:74:63:00:00:02"),
            Ipv4Address.parse("198.18.0.2"), 24, Ipv4Address.parse("198.18.0.1"), 1500);

    private static ConnectionStatus established() {
        return new ConnectionStatus(US, 5000, PEER, 43210, State.ESTABLISHED, 10 * MS, 2_500_000, 210 * MS, true,
                "newreno", 14480, 20000, 1448, 2896, 65535, 4000, 17, 1_234_567L, 5_000_000_000L, 3, false, 1, 2, 4, 0);
    }

    private static ConnectionStatus closing() {
        return new ConnectionStatus(US, 49152, PEER, 80, State.FIN_WAIT_2, 0, 0, 1000 * MS, false,
                "cubic", 14600, Integer.MAX_VALUE, 1460, 0, 29200, 0, 0, 0, 512, 0, true, 0, 0, 0, 0);
    }

    private static StackStatus status() {
        Map<Counter, Long> counters = new EnumMap<>(Counter.class);
        counters.put(Counter.ICMP_ECHO_ANSWERED, 5L);
        counters.put(Counter.TCP_PASSIVE_OPENS, 1L);
        return new StackStatus(IFACE, List.of(established(), closing()), List.of(new ListenerStatus(5000, 128, 1, 2)), counters);
    }

    @Test
    @DisplayName("a connection's line shows state, both ends, RTT, RTO, cwnd in bytes and segments, queues, exact byte totals, RTOs, recoveries and retransmissions")
    void connectionLine() {
        String report = StatusReport.format(status());
        String line = report.lines().filter(l -> l.contains("ESTABLISHED")).findFirst().orElseThrow(() -> new AssertionError(report));
        List<String> fields = List.of(line.strip().split(" {1,}"));
        assertEquals(List.of("ESTABLISHED", "198.18.0.2:5000", "198.18.0.1:43210", "10.0/2.5", "210.0", "14480", "(10", "seg)",
                "20000", "2896", "4000", "17", "1234567", "(1.2", "MiB)", "5000000000", "(4.7", "GiB)", "1", "2", "3"), fields, report);
    }

    @Test
    @DisplayName("no RTT sample, no ssthresh yet and an orphaned connection are shown as such")
    void closingLine() {
        String report = StatusReport.format(status());
        String line = report.lines().filter(l -> l.contains("FIN-WAIT-2")).findFirst().orElseThrow(() -> new AssertionError(report));
        assertTrue(line.matches(".*198\\.18\\.0\\.1:80 +- +1000\\.0 +14600 \\(10 seg\\) +- +0 +0 +0 +0 +512 +0 +0 +0 +closed by the application"),
                line);
    }

    @Test
    @DisplayName("the connection count says how many are orphans, as the stack's orphan limit counts them")
    void orphanCount() {
        String report = StatusReport.format(status());
        assertTrue(report.contains("TCP connections: 2 (1 orphaned)\n"), report);
    }

    @Test
    @DisplayName("header, columns that line up, listeners and counters")
    void wholeReport() {
        String report = StatusReport.format(status());
        List<String> lines = report.lines().toList();
        assertEquals("teacup: " + IFACE, lines.get(0));
        assertEquals("TCP connections: 2 (1 orphaned)", lines.get(1));
        String header = lines.get(2);
        assertTrue(header.strip().startsWith("State"), header);
        // Each column starts at the same place on every line: the peer column, for one.
        int peer = header.indexOf("Peer");
        assertEquals(peer, lines.get(3).indexOf("198.18.0.1:43210"), report);
        assertEquals(peer, lines.get(4).indexOf("198.18.0.1:80"), report);
        // Numbers line up on the right.
        assertEquals(header.indexOf("RTT ms") + "RTT ms".length(), lines.get(3).indexOf("10.0/2.5") + "10.0/2.5".length(), report);
        assertEquals(header.indexOf("Retrans") + "Retrans".length(), lines.get(3).length(), report);
        assertEquals("TCP listeners: 1", lines.get(5));
        assertEquals("  port 5000  backlog 128  half-open 1  waiting for accept 2", lines.get(6));
        assertEquals("Counters:", lines.get(7));
        assertTrue(lines.get(8).matches(" +1  TCP connections opened by a peer's SYN"), report);
        assertTrue(lines.get(9).matches(" +5  ICMP echo requests answered"), report);
        assertEquals(10, lines.size(), report);
    }

    @Test
    @DisplayName("an idle stack says it has nothing")
    void emptyStack() {
        String report = StatusReport.format(new StackStatus(IFACE, List.of(), List.of(), Map.of()));
        assertEquals("teacup: " + IFACE + "\nTCP connections: 0\nTCP listeners: 0\nCounters:\n  (all zero)\n", report);
    }

    @Test
    @DisplayName("byte totals stay exact, with binary units from 10 KiB up to exabytes")
    void byteTotals() {
        assertEquals("0", StatusReport.bytes(0));
        assertEquals("10239", StatusReport.bytes(10239));
        assertEquals("10240 (10.0 KiB)", StatusReport.bytes(10240));
        assertEquals("3298534883328 (3.0 TiB)", StatusReport.bytes(3L << 40));
        assertEquals("9223372036854775807 (8.0 EiB)", StatusReport.bytes(Long.MAX_VALUE));
    }
}
