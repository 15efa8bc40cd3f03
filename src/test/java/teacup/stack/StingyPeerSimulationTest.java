package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.tcp.SendBuffer;
import teacup.tcp.SendMemory;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;

/**
 * Issue 12 item 4 between two simulated stacks: peers that never read (a 1 KB receive buffer,
 * nothing taken from it) while our side has data for them. What they can pin is bounded per
 * connection (the send buffer's capacity) and in total (the stack's {@link SendMemory}, counted
 * when it refuses), and the user timeout ends them though they answer every probe.
 */
@DisplayName("stingy peers: the send memory budget and the user timeout between two stacks")
class StingyPeerSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final int PORT = 8080;
    private static final int PEERS = 8;
    private static final int SEND_BUFFER = 256 * 1024;
    /** Less than the peers' rings could grow to together (8 x 256 KB): the budget must bite. */
    private static final long BUDGET = 512 * 1024;
    private static final long USER_TIMEOUT = 30 * S;

    /** Eight peers with {@code receiveBuffer}-byte buffers they never read, accepted on B with {@link #USER_TIMEOUT}. */
    private static List<TcpConnection> stingyPeers(Simulation sim, int receiveBuffer) {
        TcpSettings server = TcpSettings.defaults().toBuilder().sendBuffer(SEND_BUFFER).userTimeout(USER_TIMEOUT).build();
        TcpListener listener = sim.b.tcp().listen(PORT, 64, server);
        TcpSettings stingy = TcpSettings.defaults().withBuffers(receiveBuffer, 4096);
        for (int i = 0; i < PEERS; i++) {
            try {
                sim.a.tcp().connect(sim.now(), Simulation.B_IP.bits(), PORT, stingy, null);
            } catch (java.net.SocketException e) {
                throw new AssertionError(e);
            }
        }
        List<TcpConnection> accepted = new ArrayList<>();
        for (int turn = 0; accepted.size() < PEERS; turn++) {
            if (turn > 1000) {
                fail("accepted " + accepted.size() + " of " + PEERS + ": " + sim);
            }
            sim.runFor(10 * MS);
            for (TcpConnection c; (c = listener.poll()) != null; ) {
                accepted.add(c);
            }
        }
        return accepted;
    }

    /** Our application writes all it can to each connection for ten seconds, as a file server with a large file would. */
    private static long[] writeAllTenSeconds(Simulation sim, List<TcpConnection> accepted) {
        // Our application writes all it can, for ten seconds, as a file server with a large file would.
        byte[] chunk = new byte[64 * 1024];
        long[] written = new long[PEERS];
        long start = sim.now();
        while (sim.now() < start + 10 * S) {
            for (int i = 0; i < PEERS; i++) {
                TcpConnection c = accepted.get(i);
                int n = c.sendBuffer().write(chunk, 0, chunk.length);
                if (n > 0) {
                    written[i] += n;
                    sim.b.tcp().flush(sim.now(), c);
                }
            }
            sim.runFor(10 * MS);
        }
        return written;
    }

    @Test
    @DisplayName("a peer that never reads, with a small window, pins a send ring of twice its window at most (16 KB here), not the buffer's 256 KB")
    void ringFollowsThePeersWindow() {
        Simulation sim = Simulation.clean();
        List<TcpConnection> accepted = stingyPeers(sim, 1024);
        long[] written = writeAllTenSeconds(sim, accepted);
        for (int i = 0; i < PEERS; i++) {
            TcpConnection c = accepted.get(i);
            assertEquals(State.ESTABLISHED, c.state());
            assertEquals(SendBuffer.WINDOW_FLOOR, c.sendBuffer().allocatedBytes(), "the ring of a peer with a 1 KB window");
            assertTrue(written[i] <= SendBuffer.WINDOW_FLOOR + 1024, "written " + written[i]);
        }
        System.out.printf("stingy peers with 1 KB windows: send rings of %d KB each, %d KB held in all%n",
                accepted.get(0).sendBuffer().allocatedBytes() / 1024, sim.b.tcp().sendMemory().held() / 1024);
        assertEquals(0, sim.b.statistics().getOrDefault(Counter.TCP_SEND_MEMORY_LIMITED, 0L), "the budget was not needed");
    }

    @Test
    @DisplayName("RFC 5482: stingy peers' send rings stay within the stack's budget (counted), then the user timeout ends them all")
    void budgetBitesThenUserTimeoutEnds() {
        Simulation sim = Simulation.clean();
        sim.b.tcp().sendMemory().limit(BUDGET);
        // 64 KB windows, never read: each ring may grow to 128 KB, eight of them past the 512 KB budget.
        List<TcpConnection> accepted = stingyPeers(sim, 64 * 1024);
        long[] written = writeAllTenSeconds(sim, accepted);
        long rings = 0;
        StringBuilder perConnection = new StringBuilder();
        for (TcpConnection c : accepted) {
            assertEquals(State.ESTABLISHED, c.state(), "the peers answer every probe");
            int ring = c.sendBuffer().allocatedBytes();
            assertTrue(ring <= SEND_BUFFER, "a ring never passes its send buffer's capacity: " + ring);
            assertTrue(c.sendBuffer().queued() <= ring);
            rings += ring;
            perConnection.append(' ').append(ring / 1024).append("K");
        }
        long held = sim.b.tcp().sendMemory().held();
        long limited = sim.b.statistics().getOrDefault(Counter.TCP_SEND_MEMORY_LIMITED, 0L);
        System.out.printf("stingy peers: %d connections, send rings%s: %d KB in all, %d KB held of a %d KB budget,"
                + " %d growths refused%n", PEERS, perConnection, rings / 1024, held / 1024, BUDGET / 1024, limited);
        assertEquals(rings, held, "the budget accounts for every ring byte");
        assertTrue(held <= BUDGET + (long) PEERS * 4096, "rings in all " + held + " beyond the budget " + BUDGET);
        assertTrue(limited > 0, "the budget bit and was counted");
        for (long w : written) {
            assertTrue(w >= 4096 && w <= SEND_BUFFER + 64 * 1024, "each connection took at least its first ring and at"
                    + " most its buffer and the peer's window: " + w);
        }

        // The peers still answer every zero-window probe; the user timeout ends them all the same.
        sim.runFor(USER_TIMEOUT);
        for (TcpConnection c : accepted) {
            assertEquals(State.CLOSED, c.state(), c.toString());
            assertEquals(Ending.TIMED_OUT, c.ending());
        }
        assertEquals(PEERS, sim.b.statistics().getOrDefault(Counter.TCP_USER_TIMEOUTS, 0L));
        assertEquals(0, sim.b.tcp().sendMemory().held(), "every ring went back to the budget");
        assertEquals(0, sim.b.tcp().connectionCount());
    }
}
