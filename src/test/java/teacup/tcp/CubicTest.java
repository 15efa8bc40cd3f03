package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.tcp.NewRenoTest.MS;
import static teacup.tcp.NewRenoTest.SMSS;
import static teacup.tcp.NewRenoTest.ackOneWindow;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CubicTest {
    static final double EPS = 1e-9;

    /** Slow start up to {@code segments} SMSS, a fast retransmit with that flight, and a full ACK at {@code now}. */
    static Cubic afterLossAt(Cubic cc, int segments, long now) {
        while (cc.cwnd() < segments * SMSS) {
            cc.onAck(now, SMSS, cc.cwnd(), 0);
        }
        assertEquals(segments * SMSS, cc.cwnd());
        cc.onEnterRecovery(now, segments * SMSS);
        cc.onExitRecovery(now, segments * SMSS);
        return cc;
    }

    static double segments(CongestionControl cc) {
        return (double) cc.cwnd() / SMSS;
    }

    @Test
    @DisplayName("RFC 9438 4.6 (RFC 9293 MAY-18: an alternative congestion control): a loss sets ssthresh = 0.7 * FlightSize and remembers W_max")
    void betaOnLoss() {
        Cubic cc = new Cubic(SMSS);
        while (cc.cwnd() < 100 * SMSS) {
            cc.onAck(0, SMSS, cc.cwnd(), 0);
        }
        cc.onEnterRecovery(0, 100 * SMSS);
        assertEquals(70 * SMSS, cc.ssthresh());
        assertEquals(73 * SMSS, cc.cwnd(), "fast recovery as in RFC 5681: ssthresh + 3 SMSS");
        assertEquals(100, cc.wMax(), EPS);
        cc.onExitRecovery(1, 90 * SMSS);
        assertEquals(70 * SMSS, cc.cwnd());
        assertTrue(!cc.inSlowStart());

        Cubic odd = new Cubic(SMSS);
        odd.onEnterRecovery(0, 10_000);
        assertEquals(7_000, odd.ssthresh());
        Cubic small = new Cubic(SMSS);
        small.onEnterRecovery(0, 2 * SMSS);
        assertEquals(2 * SMSS, small.ssthresh(), "never below two segments");
    }

    @Test
    @DisplayName("RFC 9438 4.2: the window curve W_cubic(t) = C*(t-K)^3 + W_max starts at beta*W_max and reaches W_max at t = K")
    void curveShape() {
        Cubic cc = afterLossAt(new Cubic(SMSS), 100, 0);
        cc.onAck(1, SMSS, cc.cwnd() - SMSS, 100 * MS); // the first ACK in congestion avoidance starts the epoch
        assertEquals(Math.cbrt((100 - 70) / Cubic.C), cc.k(), 1e-6);
        assertEquals(0.7 * 100, cc.wCubic(0), 1e-6);
        assertEquals(100, cc.wCubic(cc.k()), 1e-9);
        assertTrue(cc.wCubic(cc.k() / 2) > (70 + 100) / 2.0, "concave before K");
        assertTrue(cc.wCubic(cc.k() * 1.5) - 100 < (cc.wCubic(cc.k() * 2) - 100) / 2, "convex after K");
    }

    @Test
    @DisplayName("RFC 9438 4.4-4.5: a bulk sender's cwnd follows W_cubic(t): concave up to W_max, then convex")
    void growthFollowsCurve() {
        // A large window, so the cubic curve stays above the Reno-friendly estimate throughout.
        long rtt = 100 * MS;
        Cubic cc = afterLossAt(new Cubic(SMSS), 1000, 0);
        long now = 0;
        double[] atSecond = new double[14];
        atSecond[0] = segments(cc);
        for (int round = 1; round <= 130; round++) {
            now = ackOneWindow(cc, now, rtt);
            double t = now / 1e9;
            assertTrue(cc.wEst() < cc.wCubic(t), "cubic region, round " + round);
            // Each RTT the window closes the gap to W_cubic(t + RTT), so it tracks W_cubic(t).
            assertEquals(cc.wCubic(t), segments(cc), 2.5, "round " + round + " t=" + t);
            if (round % 10 == 0) {
                atSecond[round / 10] = segments(cc);
            }
        }
        assertEquals(Math.cbrt((1000 - 700) / Cubic.C), cc.k(), 1e-6);
        // K is about 9.1 s: there the window sits at the old maximum.
        assertEquals(1000, atSecond[9], 2.5);
        for (int s = 1; s < 9; s++) {
            assertTrue(atSecond[s] - atSecond[s - 1] > atSecond[s + 1] - atSecond[s], "concave at " + s + " s");
        }
        for (int s = 10; s < 13; s++) {
            assertTrue(atSecond[s + 1] - atSecond[s] > atSecond[s] - atSecond[s - 1], "convex at " + s + " s");
        }
    }

    @Test
    @DisplayName("RFC 9438 4.1.2: segments_acked may be a fraction; many small ACKs grow cwnd like full-sized ones")
    void smallAcks() {
        long rtt = 100 * MS;
        Cubic cc = afterLossAt(new Cubic(SMSS), 1000, 0);
        long now = 0;
        // Ten seconds: past K, where the curve is flat and each small ACK earns a fraction of a byte.
        for (int round = 1; round <= 100; round++) {
            int acks = cc.cwnd() / (SMSS / 10);
            for (int i = 0; i < acks; i++) {
                now += rtt / acks;
                cc.onAck(now, SMSS / 10, cc.cwnd() - SMSS / 10, rtt);
            }
        }
        assertEquals(cc.wCubic(now / 1e9), segments(cc), 2.5, "fractions of a byte per ACK are carried, not dropped");
    }

    @Test
    @DisplayName("RFC 9438 4.7: fast convergence lowers W_max to cwnd*(1+beta)/2 when a loss comes below the previous W_max")
    void fastConvergence() {
        Cubic cc = afterLossAt(new Cubic(SMSS), 100, 0);
        cc.onEnterRecovery(1, 70 * SMSS); // second loss at 70 < W_max = 100
        assertEquals(70 * 0.85, cc.wMax(), 1e-9);
        assertEquals(49 * SMSS, cc.ssthresh());

        Cubic off = afterLossAt(new Cubic(SMSS, false), 100, 0);
        off.onEnterRecovery(1, 70 * SMSS);
        assertEquals(70, off.wMax(), 1e-9, "without fast convergence W_max is the window at the loss");

        Cubic above = afterLossAt(new Cubic(SMSS), 100, 0);
        long now = 0;
        while (above.cwnd() <= 110 * SMSS) {
            now = ackOneWindow(above, now, 100 * MS);
        }
        double w = segments(above);
        above.onEnterRecovery(now, above.cwnd());
        assertEquals(w, above.wMax(), 1e-9, "a loss above the old W_max records the new maximum");
    }

    @Test
    @DisplayName("RFC 9438 4.3: at small RTTs and windows the Reno-friendly estimate (alpha = 3(1-beta)/(1+beta)) dominates")
    void renoFriendly() {
        assertEquals(3 * 0.3 / 1.7, Cubic.ALPHA, 1e-12);
        long rtt = MS;
        Cubic cc = afterLossAt(new Cubic(SMSS), 20, 0); // cwnd 14, W_max = cwnd_prior = 20
        long now = 0;
        for (int round = 0; round < 10; round++) {
            now = ackOneWindow(cc, now, rtt);
        }
        double t = now / 1e9;
        assertTrue(segments(cc) > cc.wCubic(t + 0.001) + 3, "well above the cubic curve: " + cc);
        assertEquals(14 + 10 * Cubic.ALPHA, segments(cc), 0.6);
        assertEquals(cc.wEst(), segments(cc), 0.05);

        // RFC 9438 4.3: once W_est passes cwnd_prior, alpha becomes 1, Reno's one segment per RTT.
        for (int round = 0; round < 5; round++) {
            now = ackOneWindow(cc, now, rtt);
        }
        assertTrue(cc.wEst() > 20);
        double before = segments(cc);
        for (int round = 0; round < 10; round++) {
            now = ackOneWindow(cc, now, rtt);
        }
        assertEquals(10, segments(cc) - before, 1.0);
    }

    @Test
    @DisplayName("RFC 9438 4.2: growth per RTT is capped at 1.5 * cwnd however far the curve runs ahead")
    void growthCap() {
        Cubic cc = afterLossAt(new Cubic(SMSS), 100, 0);
        cc.onAck(0, SMSS, cc.cwnd(), 0);
        int before = cc.cwnd();
        ackOneWindow(cc, 1_000_000 * MS, 100 * MS); // a thousand seconds later: W_cubic is enormous
        assertTrue(cc.cwnd() <= 1.5 * before + SMSS && cc.cwnd() > before, cc.toString());
    }

    @Test
    @DisplayName("RFC 9438 4.8: a timeout collapses cwnd to 1 SMSS, sets ssthresh with beta, and the next epoch starts with K = 0")
    void timeout() {
        Cubic cc = new Cubic(SMSS);
        while (cc.cwnd() < 100 * SMSS) {
            cc.onAck(0, SMSS, cc.cwnd(), 0);
        }
        cc.onRetransmissionTimeout(0, 100 * SMSS);
        assertEquals(SMSS, cc.cwnd());
        assertEquals(70 * SMSS, cc.ssthresh());
        cc.onRetransmissionTimeout(1, SMSS);
        assertEquals(70 * SMSS, cc.ssthresh(), "RFC 5681 3.1: held constant on a repeated timeout");
        while (cc.inSlowStart()) {
            cc.onAck(2, SMSS, cc.cwnd(), 0);
        }
        assertEquals(70 * SMSS, cc.cwnd());
        cc.onAck(3, SMSS, cc.cwnd(), 100 * MS);
        assertEquals(0, cc.k(), 0);
        assertEquals(70, cc.wMax(), 1e-9, "W_max is the window at the start of congestion avoidance");
        assertEquals(70, cc.wEst(), 0.1, "W_est starts there too");
    }

    @Test
    @DisplayName("RFC 5681 3.1 / RFC 9438 4.10: CUBIC slow start doubles cwnd per RTT like Reno")
    void slowStart() {
        Cubic cc = new Cubic(SMSS);
        assertEquals(14_600, cc.cwnd());
        assertEquals(Integer.MAX_VALUE, cc.ssthresh());
        long now = 0;
        for (int round = 0; round < 4; round++) {
            int before = cc.cwnd();
            now = ackOneWindow(cc, now, 50 * MS);
            assertEquals(2 * before, cc.cwnd());
        }
    }

    @Test
    @DisplayName("RFC 5681 4.1 / RFC 9438 5.8: idle restart shrinks cwnd to IW and idle time does not count towards the curve")
    void idleRestart() {
        long rtt = 100 * MS;
        Cubic cc = afterLossAt(new Cubic(SMSS), 100, 0);
        long now = 0;
        for (int round = 0; round < 5; round++) {
            now = ackOneWindow(cc, now, rtt);
        }
        now += 100_000 * MS;
        cc.onIdleRestart(now);
        assertEquals(14_600, cc.cwnd());
        assertEquals(70 * SMSS, cc.ssthresh());
        while (cc.inSlowStart()) {
            cc.onAck(now, SMSS, cc.cwnd(), rtt);
        }
        int before = cc.cwnd();
        ackOneWindow(cc, now, rtt);
        assertTrue(cc.cwnd() - before < 3 * SMSS, "a fresh epoch, not 100 s into the old one: " + cc);
    }

    @Test
    @DisplayName("MSS change: CUBIC keeps its window and W_max in segments")
    void mssChange() {
        Cubic cc = afterLossAt(new Cubic(SMSS), 100, 0);
        cc.setMss(1000);
        assertEquals(70 * 1000, cc.cwnd());
        assertEquals(70 * 1000, cc.ssthresh());
        assertEquals(100, cc.wMax(), 1e-9);
    }

    @Provide
    Arbitrary<List<NewRenoTest.Event>> events() {
        return NewRenoTest.eventSequences();
    }

    @Property(tries = 500)
    @Label("Any sequence of ACKs, losses and timeouts keeps CUBIC's cwnd in [SMSS, 1 GiB] and ssthresh >= 2*SMSS, and never throws")
    void invariants(@ForAll("events") List<NewRenoTest.Event> events, @ForAll @IntRange(min = 1, max = 65_535) int mss,
            @ForAll boolean fastConvergence) {
        NewRenoTest.replay(new Cubic(mss, fastConvergence), events, mss);
    }
}
