package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import teacup.link.Impairment;
import teacup.stats.Counter;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;

/**
 * Two stacks that each receive through a {@link teacup.link.CoalescingLink}: what the other end's
 * impairment drops, reorders, duplicates and damages reaches the coalescer as from a wire, and
 * both streams must still arrive byte for byte, with every frame accounted for.
 */
class ReceiveCoalescingSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int B = Simulation.B_IP.bits();
    private static final int PORT = 5000;
    private static final long TURN = 20 * MS;
    private static final long TIME_LIMIT = 1800 * S;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 8);
    }

    /** Both ends' applications, turned until both streams are read and both FINs sent. */
    private static TcpSimulationTest.Application[] exchange(Simulation sim) throws Exception {
        TcpSettings settings = TcpSettings.defaults();
        TcpListener listener = sim.b.tcp().listen(PORT, 4, settings);
        TcpConnection client = sim.a.tcp().connect(sim.now(), B, PORT, settings, null);
        TcpSimulationTest.Application a = new TcpSimulationTest.Application("A", sim.a.tcp(), client, 11, 22);
        TcpSimulationTest.Application b = null;
        while (b == null || !a.done() || !b.done()) {
            if (sim.now() > TIME_LIMIT) {
                fail("not done within " + TIME_LIMIT / S + " s of simulated time: " + a + ", " + b + "; " + sim);
            }
            if (b == null) {
                TcpConnection accepted = listener.poll();
                if (accepted != null) {
                    b = new TcpSimulationTest.Application("B", sim.b.tcp(), accepted, 22, 11);
                }
            }
            a.turn(sim.now(), sim);
            if (b != null) {
                b.turn(sim.now(), sim);
            }
            sim.runFor(TURN);
            sim.tapA.clear();
            sim.tapB.clear();
        }
        return new TcpSimulationTest.Application[] {a, b};
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("10 MB each way through receive coalescing crosses 10% loss, 5% reordering, 2% duplication, "
            + "1% corruption and delay byte-exact, every frame counted")
    void tenMegabytesEachWayThroughCoalescers(long seed) throws Exception {
        // No jitter: frames sent in one burst arrive in one (those the impairment let through, in its order), so the
        // coalescer has runs to join, gaps, reordered and duplicated pieces and damaged ones among them.
        Impairment.Config config = Impairment.Config.none()
                .drop(0.10).reorder(0.05).duplicate(0.02).corrupt(0.01).corruptFrom(14)
                .delay(2 * MS, 0);
        Simulation sim = Simulation.coalescing(seed, config);
        TcpSimulationTest.Application[] ends = exchange(sim);
        sim.runFor(4 * TcpSettings.defaults().msl());
        ends[0].assertClosedNormally(sim);
        ends[1].assertClosedNormally(sim);
        for (NetStack stack : new NetStack[] {sim.a, sim.b}) {
            Map<Counter, Long> stats = stack.statistics();
            System.out.println("seed " + seed + ": " + stats);
            assertEquals(stats.getOrDefault(Counter.FRAMES_IN, 0L),
                    Simulation.total(stats, Counter.Kind.ACCEPTED) + Simulation.total(stats, Counter.Kind.DROPPED),
                    () -> "every frame ends in one counter: " + stats + "; " + sim);
            assertTrue(stats.getOrDefault(Counter.LINK_LARGE_FRAMES_MADE, 0L) > 0, () -> "nothing was joined: " + stats);
            assertTrue(stats.getOrDefault(Counter.DROP_TCP_MALFORMED, 0L) + stats.getOrDefault(Counter.DROP_IPV4_BAD_CHECKSUM, 0L)
                    + stats.getOrDefault(Counter.DROP_NOT_OUR_MAC, 0L) + stats.getOrDefault(Counter.DROP_ETHER_TYPE, 0L) > 0,
                    () -> "damaged frames went up alone and were caught: " + stats + "; " + sim);
        }
    }

    /** The frames each end read off the wire: those the stack saw, plus every piece beyond the first of each joined one. */
    private static long framesRead(Map<Counter, Long> stats) {
        return stats.getOrDefault(Counter.FRAMES_IN, 0L) + stats.getOrDefault(Counter.LINK_FRAMES_COALESCED, 0L)
                - stats.getOrDefault(Counter.LINK_LARGE_FRAMES_MADE, 0L);
    }

    @Test
    @DisplayName("on a clean wire, joined frames take no longer and are acknowledged at least every few of them")
    void cleanWireIsNoSlowerAndAcknowledgesJoinedFrames() throws Exception {
        Simulation plain = Simulation.clean();
        long plainStart = plain.now();
        exchange(plain);
        long plainTime = plain.now() - plainStart;

        Simulation joined = Simulation.coalescing(0, Impairment.Config.none());
        long start = joined.now();
        exchange(joined);
        long time = joined.now() - start;

        Map<Counter, Long> a = joined.a.statistics();
        Map<Counter, Long> b = joined.b.statistics();
        String report = "plain: " + plainTime / MS + " ms, A " + plain.a.statistics() + "\njoined: " + time / MS
                + " ms, A " + a + "\nB " + b;
        System.out.println("receive coalescing on a clean wire: " + report);
        assertTrue(b.getOrDefault(Counter.LINK_LARGE_FRAMES_MADE, 0L) > 0, report);
        assertTrue(time <= plainTime + plainTime / 10, "no slower (simulated time): " + report);
        // Every frame B read from A came up whole or as a piece: none lost on the way.
        assertEquals(joined.a.statistics().getOrDefault(Counter.FRAMES_OUT, 0L), framesRead(b), report);
        // A joined frame counts as two full segments for the delayed-ACK rule (RFC 9293 SHLD-19), so one goes for each.
        long acksFromB = b.getOrDefault(Counter.TCP_SEGMENTS_SENT, 0L);
        assertTrue(acksFromB >= b.get(Counter.LINK_LARGE_FRAMES_MADE) / 2, report);
    }
}
