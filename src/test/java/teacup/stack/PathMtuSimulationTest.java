package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;

/**
 * Two stacks on 1500-byte links with a router between them whose next hop takes 1280 bytes
 * ({@link NarrowPath}): path MTU discovery by ICMP (RFC 1191) and, with ICMP filtered, by the
 * connection's own segments (RFC 4821). Each transfer goes both ways at once and must arrive
 * byte-exact.
 */
class PathMtuSimulationTest {
    private static final long MS = 1_000_000L;
    private static final int PATH_MTU = 1280;
    private static final int PORT = 5000;
    private static final int SIZE = 2_000_000;

    /** What one run left: the two connections, the two paths, and the simulation. */
    private record Run(Simulation sim, TcpConnection client, TcpConnection server, List<NarrowPath> paths) {}

    private static Run transfer(boolean icmp) {
        List<NarrowPath> paths = new ArrayList<>();
        Simulation sim = new Simulation(11, null, null, false, Simulation.MTU, (own, other) -> {
            NarrowPath p = new NarrowPath(own, other, PATH_MTU, icmp);
            paths.add(p);
            return p;
        });
        TcpSettings settings = TcpSettings.defaults();
        TcpListener listener = sim.b.tcp().listen(PORT, 4, settings);
        TcpConnection client;
        try {
            client = sim.a.tcp().connect(sim.now(), Simulation.B_IP.bits(), PORT, settings, null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        sim.runFor(10 * MS);
        TcpConnection server = listener.poll();
        assertNotNull(server, sim::toString);
        byte[] up = pattern(SIZE, 31);
        byte[] down = pattern(SIZE, 17);
        byte[] gotUp = new byte[SIZE];
        byte[] gotDown = new byte[SIZE];
        int[] progress = new int[4]; // written up, read up, written down, read down
        for (int turn = 0; (progress[1] < SIZE || progress[3] < SIZE) && turn < 100_000; turn++) {
            move(sim, sim.a, client, up, sim.b, server, gotUp, progress, 0);
            move(sim, sim.b, server, down, sim.a, client, gotDown, progress, 2);
            sim.runFor(MS);
        }
        assertEquals(SIZE, progress[1], () -> "A to B: " + sim);
        assertEquals(SIZE, progress[3], () -> "B to A: " + sim);
        assertArrayEquals(up, gotUp, "A to B byte-exact");
        assertArrayEquals(down, gotDown, "B to A byte-exact");
        return new Run(sim, client, server, paths);
    }

    private static void move(Simulation sim, NetStack from, TcpConnection sender, byte[] data, NetStack to,
                             TcpConnection receiver, byte[] got, int[] progress, int at) {
        if (progress[at] < data.length) {
            progress[at] += sender.sendBuffer().write(data, progress[at], data.length - progress[at]);
            from.tcp().flush(sim.now(), sender);
        }
        int n;
        while ((n = receiver.receiveBuffer().read(got, progress[at + 1], got.length - progress[at + 1])) > 0) {
            progress[at + 1] += n;
            to.tcp().windowOpened(sim.now(), receiver);
        }
    }

    private static byte[] pattern(int size, int step) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * step);
        }
        return b;
    }

    private static long count(NetStack stack, Counter c) {
        return stack.statistics().getOrDefault(c, 0L);
    }

    @Test
    @DisplayName("RFC 1191, RFC 9293 MUST-16: fragmentation needed lowers the path MTU, the MSS follows, what was lost goes again at once; 2 MB both ways")
    void icmpLowersThePathMtu() {
        Run r = transfer(true);
        for (NetStack s : List.of(r.sim.a, r.sim.b)) {
            assertEquals(1L, count(s, Counter.PMTU_LOWERED), "one lowering per end: the rest of the flight's errors lower nothing");
            assertEquals(0L, count(s, Counter.TCP_PMTU_BLACK_HOLES));
            assertEquals(PATH_MTU, s.ip().pathMtu(s == r.sim.a ? Simulation.B_IP.bits() : Simulation.A_IP.bits(), r.sim.now()));
        }
        for (TcpConnection c : List.of(r.client, r.server)) {
            // 1280 less 40 of headers less 12 of timestamps.
            assertEquals(1228, ConnectionStatus.of(c).segmentSize(), c::toString);
            // RFC 1191 6.5: resent at once, not after a timeout, and not taken for congestion.
            assertEquals(0L, c.counters().retransmissionTimeouts(), c::toString);
            assertEquals(0L, c.counters().recoveryEpisodes(), c::toString);
        }
        assertTrue(r.paths.get(0).dropped() > 0, "the first full-size segments were too big for the path");
    }

    @Test
    @DisplayName("RFC 4821: with ICMP filtered, R1 = 3 timeouts in a row of full-size segments (RFC 4821 7.7 full stop) mean a black hole; the MSS falls to the base, probes raise it to the path's, and a lost probe is not congestion")
    void blackHoleIsFoundAndTheSearchRecoversThePathMtu() {
        Run r = transfer(false);
        for (NetStack s : List.of(r.sim.a, r.sim.b)) {
            assertEquals(0L, count(s, Counter.PMTU_LOWERED), "no ICMP came");
            assertEquals(1L, count(s, Counter.TCP_PMTU_BLACK_HOLES));
            assertTrue(count(s, Counter.TCP_PMTU_PROBES_SUCCEEDED) > 0, "probes raised the MSS");
            assertTrue(count(s, Counter.TCP_PMTU_PROBES_FAILED) > 0, "probes above the path were lost");
        }
        for (TcpConnection c : List.of(r.client, r.server)) {
            // The search ends within 8 bytes of the path's 1240-byte MSS (less 12 bytes of timestamps per segment).
            int size = ConnectionStatus.of(c).segmentSize();
            assertTrue(size >= 1228 - 8 && size <= 1228, () -> "segment size " + size + " " + c);
            assertEquals(3L, c.counters().retransmissionTimeouts(), () -> "the three that found the hole, no more: " + c);
            assertEquals(0L, c.counters().recoveryEpisodes(), () -> "lost probes start no fast recovery: " + c);
        }
        System.out.println("RFC 4821 black hole, simulated: A sent " + r.client.counters().pathMtuProbes() + " probes, "
                + r.client.counters().pathMtuProbesSucceeded() + " acknowledged, ending at " + ConnectionStatus.of(r.client).segmentSize()
                + " bytes a segment");
    }
}
