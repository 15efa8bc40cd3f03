package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.link.Impairment;
import teacup.stats.Counter;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.ListenerStatus;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpConnection.State;
import teacup.tcp.TcpLayer;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;

/**
 * The status snapshot a stack gives of its TCP connections ({@link NetStack#status}), checked
 * against what the test itself moved over one connection between two simulated stacks.
 */
class StackStatusTest {
    private static final long MS = 1_000_000L;
    private static final int B = Simulation.B_IP.bits();
    private static final int A = Simulation.A_IP.bits();
    private static final int PORT = 5000;
    private static final long TURN = 10 * MS;
    private static final int TURN_LIMIT = 20_000;

    /** Both directions delayed 5 ms, so round trips take 10 ms and there is something to measure. */
    private static Impairment.Config delayed() {
        return Impairment.Config.none().delay(5 * MS, 0);
    }

    /** One connection from A to B's listener, established. */
    private record Pair(Simulation sim, TcpListener listener, TcpConnection client, TcpConnection server) {}

    private static Pair open(Simulation sim) {
        TcpSettings settings = TcpSettings.defaults();
        TcpListener listener = sim.b.tcp().listen(PORT, 4, settings);
        TcpConnection client;
        try {
            client = sim.a.tcp().connect(sim.now(), B, PORT, settings, null);
        } catch (java.net.SocketException e) {
            throw new AssertionError(e);
        }
        TcpConnection server = null;
        for (int turn = 0; server == null; turn++) {
            if (turn > 100) {
                fail("not accepted: " + sim);
            }
            sim.runFor(TURN);
            server = listener.poll();
        }
        return new Pair(sim, listener, client, server);
    }

    /** Moves {@code aToB} bytes from A to B and {@code bToA} back at once, reading everything on both ends. */
    private static void transfer(Pair p, long aToB, long bToA) {
        byte[] chunk = new byte[32 * 1024];
        long[] written = new long[2];
        long[] read = new long[2];
        long[] goal = {aToB, bToA};
        TcpConnection[] from = {p.client, p.server};
        TcpLayer[] fromLayer = {p.sim.a.tcp(), p.sim.b.tcp()};
        TcpConnection[] to = {p.server, p.client};
        TcpLayer[] toLayer = {p.sim.b.tcp(), p.sim.a.tcp()};
        for (int turn = 0; read[0] < goal[0] || read[1] < goal[1]; turn++) {
            if (turn > TURN_LIMIT) {
                fail("transfer not done: read " + read[0] + " and " + read[1] + "; " + p.sim);
            }
            for (int d = 0; d < 2; d++) {
                int n = (int) Math.min(chunk.length, goal[d] - written[d]);
                if (n > 0) {
                    written[d] += from[d].sendBuffer().write(chunk, 0, n);
                    fromLayer[d].flush(p.sim.now(), from[d]);
                }
                int got;
                while ((got = to[d].receiveBuffer().read(chunk, 0, chunk.length)) > 0) {
                    read[d] += got;
                    toLayer[d].windowOpened(p.sim.now(), to[d]);
                }
            }
            p.sim.runFor(TURN);
        }
        p.sim.runFor(200 * MS); // the last ACKs, delayed ones included, arrive
    }

    private static ConnectionStatus only(NetStack stack) {
        List<ConnectionStatus> all = stack.connections();
        assertEquals(1, all.size(), all::toString);
        return all.get(0);
    }

    @Test
    @DisplayName("after a transfer each end reports ESTABLISHED, its addresses, the exact byte counts both ways, an RTT and a window")
    void countsBytesExactlyOnBothEnds() {
        Simulation sim = new Simulation(7, delayed(), delayed());
        Pair p = open(sim);
        long aToB = 1_234_567;
        long bToA = 76_543;
        transfer(p, aToB, bToA);

        ConnectionStatus a = only(sim.a);
        assertEquals(State.ESTABLISHED, a.state());
        assertEquals(A, a.localIp());
        assertEquals(B, a.remoteIp());
        assertEquals(PORT, a.remotePort());
        assertTrue(a.localPort() >= TcpLayer.EPHEMERAL_FIRST, a::toString);
        assertEquals("198.18.0.1:" + a.localPort(), a.local());
        assertEquals("198.18.0.2:5000", a.remote());
        assertEquals(aToB, a.bytesSent());
        assertEquals(bToA, a.bytesReceived());

        ConnectionStatus b = only(sim.b);
        assertEquals(State.ESTABLISHED, b.state());
        assertEquals(PORT, b.localPort());
        assertEquals(a.localPort(), b.remotePort());
        assertEquals(bToA, b.bytesSent());
        assertEquals(aToB, b.bytesReceived());

        for (ConnectionStatus s : List.of(a, b)) {
            assertTrue(s.rttSampled(), s::toString);
            // Two 5 ms delays make a 10 ms round trip; delayed ACKs may add up to 40 ms to a sample.
            assertTrue(s.srtt() >= 9 * MS && s.srtt() <= 60 * MS, () -> "srtt " + s.srtt() + " ns: " + s);
            assertTrue(s.rto() >= s.srtt(), s::toString);
            assertTrue(s.cwnd() > 0, s::toString);
            assertTrue(s.segmentSize() > 1000 && s.segmentSize() <= 1460, s::toString);
            assertEquals(0, s.inFlight(), s::toString);
            assertEquals(0, s.sendQueue(), s::toString);
            assertEquals(0, s.receiveQueue(), s::toString);
            assertTrue(s.peerWindow() > 0, s::toString);
            assertEquals(0, s.segmentsRetransmitted(), s::toString);
            assertFalse(s.orphaned(), s::toString);
            assertEquals("newreno", s.congestionControl());
        }
        assertEquals(List.of(new ListenerStatus(PORT, 4, 0, 0)), sim.b.status().listeners());
        assertEquals(List.of(), sim.a.status().listeners());
    }

    @Test
    @DisplayName("a lost segment shows as a retransmission on the sender, and the byte counts stay exact")
    void countsRetransmissions() {
        // A's frames: ARP, SYN, ACK, then data; frame 20 is a data segment in the middle of the flight.
        Simulation sim = new Simulation(3, delayed().dropIndices(20), delayed());
        Pair p = open(sim);
        transfer(p, 500_000, 0);
        ConnectionStatus a = only(sim.a);
        assertEquals(1, sim.impairmentA.sendCounters().dropped(), sim::toString);
        assertTrue(a.segmentsRetransmitted() >= 1, a::toString);
        assertEquals(500_000, a.bytesSent());
        assertEquals(500_000, only(sim.b).bytesReceived());
        assertEquals(0, only(sim.b).segmentsRetransmitted());
    }

    @Test
    @DisplayName("queues show bytes written but unacknowledged, and bytes received but unread")
    void showsQueuedBytes() {
        Simulation sim = new Simulation(5, delayed(), delayed());
        Pair p = open(sim);
        byte[] data = new byte[3000];
        assertEquals(3000, p.client.sendBuffer().write(data, 0, data.length));
        sim.a.tcp().flush(sim.now(), p.client);
        ConnectionStatus sending = only(sim.a);
        assertEquals(3000, sending.sendQueue());
        assertEquals(3000, sending.inFlight(), "two full segments and the short rest go (Nagle, Minshall's form, holds nothing back)");
        assertEquals(0, sending.bytesSent(), "nothing acknowledged yet");
        sim.runFor(200 * MS);
        assertEquals(0, only(sim.a).sendQueue());
        assertEquals(3000, only(sim.a).bytesSent());
        ConnectionStatus receiving = only(sim.b);
        assertEquals(3000, receiving.receiveQueue(), "nobody read at B");
        assertEquals(3000, receiving.bytesReceived());
    }

    @Test
    @DisplayName("closing moves the reported states through FIN-WAIT-2/CLOSE-WAIT to TIME-WAIT, and a closed connection leaves the report")
    void reportsClosingStates() {
        Simulation sim = new Simulation(11, delayed(), delayed());
        Pair p = open(sim);
        transfer(p, 10_000, 0);
        sim.a.tcp().close(sim.now(), p.client);
        sim.runFor(100 * MS);
        ConnectionStatus a = only(sim.a);
        assertEquals(State.FIN_WAIT_2, a.state());
        assertTrue(a.orphaned(), "the application let go of it");
        assertEquals(10_000, a.bytesSent());
        assertEquals(State.CLOSE_WAIT, only(sim.b).state());

        sim.b.tcp().close(sim.now(), p.server);
        sim.runFor(100 * MS);
        assertEquals(State.TIME_WAIT, only(sim.a).state());
        assertEquals(List.of(), sim.b.connections(), "B's LAST-ACK ended with A's ACK");
        assertEquals(1L, sim.b.status().counters().get(Counter.TCP_PASSIVE_OPENS));
        assertEquals(1L, sim.a.status().counters().get(Counter.TCP_ACTIVE_OPENS));
    }
}
