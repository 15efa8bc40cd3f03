package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NewRenoTest {
    static final int SMSS = 1460;
    static final long MS = 1_000_000L;

    /** A bulk sender: one window of full segments acknowledged one by one across one RTT; returns the new time. */
    static long ackOneWindow(CongestionControl cc, long now, long rtt) {
        int segments = Math.max(1, cc.cwnd() / cc.smss());
        for (int i = 0; i < segments; i++) {
            now += rtt / segments;
            cc.onAck(now, cc.smss(), cc.cwnd() - cc.smss(), rtt);
        }
        return now;
    }

    /** Brings a fresh controller to congestion avoidance at {@code segments} SMSS by an RTO and slow start. */
    static NewReno inAvoidanceAt(int segments) {
        NewReno cc = new NewReno(SMSS);
        cc.onRetransmissionTimeout(0, 2 * segments * SMSS);
        while (cc.inSlowStart()) {
            cc.onAck(0, SMSS, cc.cwnd(), 0);
        }
        assertEquals(segments * SMSS, cc.cwnd());
        return cc;
    }

    @Test
    @DisplayName("RFC 6928 2: IW = min(10*SMSS, max(2*SMSS, 14600))")
    void initialWindow() {
        assertEquals(14_600, CongestionControl.initialWindow(1460));
        assertEquals(5_360, CongestionControl.initialWindow(536));
        assertEquals(18_000, CongestionControl.initialWindow(9000));
        assertEquals(14_600, new NewReno(1460).cwnd());
        assertEquals(5_360, new NewReno(536).cwnd());
    }

    @Test
    @DisplayName("RFC 5681 3.1: ssthresh starts arbitrarily high, so the connection starts in slow start")
    void initialState() {
        NewReno cc = new NewReno(SMSS);
        assertEquals(Integer.MAX_VALUE, cc.ssthresh());
        assertTrue(cc.inSlowStart());
        assertFalse(cc.inRecovery());
        assertEquals(SMSS, cc.smss());
    }

    @Test
    @DisplayName("RFC 5681 3.1: slow start grows cwnd by at most SMSS per ACK (RFC 3465 L = 1)")
    void slowStartPerAck() {
        NewReno cc = new NewReno(SMSS);
        int start = cc.cwnd();
        cc.onAck(0, 500, start, 0);
        assertEquals(start + 500, cc.cwnd());
        cc.onAck(0, 5 * SMSS, start, 0); // a stretch ACK earns one SMSS, not five
        assertEquals(start + 500 + SMSS, cc.cwnd());
        cc.onAck(0, 0, start, 0);
        assertEquals(start + 500 + SMSS, cc.cwnd());
    }

    @Test
    @DisplayName("RFC 5681 3.1: slow start doubles cwnd each RTT when every segment is ACKed")
    void slowStartDoubles() {
        NewReno cc = new NewReno(SMSS);
        long now = 0;
        for (int round = 0; round < 5; round++) {
            int before = cc.cwnd();
            now = ackOneWindow(cc, now, 50 * MS);
            assertEquals(2 * before, cc.cwnd(), "round " + round);
        }
        assertEquals(32 * 14_600, cc.cwnd());
    }

    @Test
    @DisplayName("RFC 5681 3.1: slow start stops at ssthresh and congestion avoidance takes over")
    void switchAtSsthresh() {
        NewReno cc = new NewReno(SMSS);
        cc.onRetransmissionTimeout(0, 20 * SMSS);
        assertEquals(10 * SMSS, cc.ssthresh());
        for (int expected = 2; expected <= 10; expected++) {
            assertTrue(cc.inSlowStart());
            cc.onAck(0, SMSS, cc.cwnd(), 0);
            assertEquals(expected * SMSS, cc.cwnd());
        }
        assertFalse(cc.inSlowStart());
        cc.onAck(0, SMSS, cc.cwnd(), 0);
        assertEquals(10 * SMSS, cc.cwnd(), "one ACK in congestion avoidance does not add a whole SMSS");
    }

    @Test
    @DisplayName("RFC 5681 3.1: congestion avoidance adds about one SMSS per RTT")
    void avoidanceOneSegmentPerRtt() {
        NewReno cc = inAvoidanceAt(10);
        for (int i = 0; i < 9; i++) {
            cc.onAck(0, SMSS, cc.cwnd() - SMSS, 0);
        }
        assertEquals(10 * SMSS, cc.cwnd(), "less than a window acknowledged");
        cc.onAck(0, SMSS, cc.cwnd() - SMSS, 0);
        assertEquals(11 * SMSS, cc.cwnd(), "a whole window acknowledged");
        long now = 0;
        for (int rtt = 0; rtt < 20; rtt++) {
            now = ackOneWindow(cc, now, 40 * MS);
        }
        assertEquals(31 * SMSS, cc.cwnd());
    }

    @Test
    @DisplayName("RFC 5681 3.1: with delayed ACKs (two segments per ACK) congestion avoidance still adds one SMSS per RTT")
    void avoidanceWithDelayedAcks() {
        NewReno cc = inAvoidanceAt(20);
        for (int rtt = 0; rtt < 10; rtt++) {
            int acks = cc.cwnd() / (2 * SMSS);
            for (int i = 0; i < acks; i++) {
                cc.onAck(0, 2 * SMSS, cc.cwnd() - 2 * SMSS, 0);
            }
        }
        assertEquals(30 * SMSS, cc.cwnd(), 3 * SMSS);
    }

    @Test
    @DisplayName("RFC 7661 4.3: an application-limited sender does not grow cwnd")
    void applicationLimited() {
        NewReno cc = new NewReno(SMSS);
        int start = cc.cwnd();
        for (int i = 0; i < 100; i++) {
            cc.onAck(i, SMSS, 0, 0); // one segment at a time in a ten-segment window
        }
        assertEquals(start, cc.cwnd());
    }

    @Test
    @DisplayName("RFC 5681 3.2 step 2-3: fast retransmit sets ssthresh = max(FlightSize/2, 2*SMSS), cwnd = ssthresh + 3*SMSS")
    void enterRecovery() {
        NewReno cc = new NewReno(SMSS);
        cc.onEnterRecovery(0, 20 * SMSS);
        assertTrue(cc.inRecovery());
        assertEquals(10 * SMSS, cc.ssthresh());
        assertEquals(13 * SMSS, cc.cwnd());

        NewReno small = new NewReno(SMSS);
        small.onEnterRecovery(0, 3 * SMSS);
        assertEquals(2 * SMSS, small.ssthresh(), "floor of two segments");
        assertEquals(5 * SMSS, small.cwnd());
    }

    @Test
    @DisplayName("RFC 5681 3.2 step 4: each further duplicate ACK inflates cwnd by SMSS")
    void inflation() {
        NewReno cc = new NewReno(SMSS);
        cc.onEnterRecovery(0, 20 * SMSS);
        for (int i = 1; i <= 5; i++) {
            cc.onDuplicateAckInRecovery();
            assertEquals((13 + i) * SMSS, cc.cwnd());
        }
        NewReno outside = new NewReno(SMSS);
        outside.onDuplicateAckInRecovery();
        assertEquals(14_600, outside.cwnd(), "no inflation outside recovery");
    }

    @Test
    @DisplayName("RFC 6582 3.2 step 2: a second third-duplicate-ACK within recovery does not reduce again")
    void noSecondReduction() {
        NewReno cc = new NewReno(SMSS);
        cc.onEnterRecovery(0, 20 * SMSS);
        cc.onEnterRecovery(1, 13 * SMSS);
        assertEquals(10 * SMSS, cc.ssthresh());
        assertEquals(13 * SMSS, cc.cwnd());
    }

    @Test
    @DisplayName("RFC 6582 3.2 step 5: a partial ACK deflates cwnd by the bytes acked and adds back SMSS if >= SMSS acked")
    void partialAck() {
        NewReno cc = new NewReno(SMSS);
        cc.onEnterRecovery(0, 20 * SMSS);
        cc.onDuplicateAckInRecovery();
        cc.onDuplicateAckInRecovery(); // 15 SMSS
        cc.onPartialAck(4 * SMSS);
        assertEquals(12 * SMSS, cc.cwnd());
        cc.onPartialAck(1000); // less than an SMSS: no add-back
        assertEquals(12 * SMSS - 1000, cc.cwnd());
        assertTrue(cc.inRecovery());
        cc.onPartialAck(100 * SMSS);
        assertEquals(SMSS, cc.cwnd(), "never below one SMSS");
    }

    @Test
    @DisplayName("RFC 6582 3.2 step 3: a full ACK ends recovery with cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)")
    void exitRecovery() {
        NewReno cc = new NewReno(SMSS);
        cc.onEnterRecovery(0, 20 * SMSS);
        cc.onExitRecovery(1, 15 * SMSS);
        assertFalse(cc.inRecovery());
        assertEquals(10 * SMSS, cc.cwnd(), "limited by ssthresh");
        assertFalse(cc.inSlowStart());

        NewReno low = new NewReno(SMSS);
        low.onEnterRecovery(0, 20 * SMSS);
        low.onExitRecovery(1, 4 * SMSS);
        assertEquals(5 * SMSS, low.cwnd(), "FlightSize + SMSS: no burst");

        NewReno empty = new NewReno(SMSS);
        empty.onEnterRecovery(0, 20 * SMSS);
        empty.onExitRecovery(1, 0);
        assertEquals(2 * SMSS, empty.cwnd(), "max(FlightSize, SMSS) + SMSS");
    }

    @Test
    @DisplayName("RFC 5681 3.2: new ACKs during recovery do not grow cwnd; growth resumes after it")
    void noGrowthInRecovery() {
        NewReno cc = new NewReno(SMSS);
        cc.onEnterRecovery(0, 20 * SMSS);
        cc.onAck(0, SMSS, 13 * SMSS, 0);
        assertEquals(13 * SMSS, cc.cwnd());
        cc.onExitRecovery(0, 20 * SMSS);
        for (int i = 0; i < 10; i++) {
            cc.onAck(0, SMSS, cc.cwnd(), 0);
        }
        assertEquals(11 * SMSS, cc.cwnd());
    }

    @Test
    @DisplayName("RFC 5681 3.1, RFC 9293 MUST-19: an RTO collapses cwnd to the loss window of one SMSS and halves the flight into ssthresh")
    void retransmissionTimeout() {
        NewReno cc = new NewReno(SMSS);
        cc.onEnterRecovery(0, 40 * SMSS);
        cc.onRetransmissionTimeout(1, 30 * SMSS);
        assertEquals(SMSS, cc.cwnd());
        assertEquals(15 * SMSS, cc.ssthresh());
        assertFalse(cc.inRecovery(), "a timeout ends fast recovery");
        assertTrue(cc.inSlowStart());

        NewReno tiny = new NewReno(SMSS);
        tiny.onRetransmissionTimeout(0, SMSS);
        assertEquals(2 * SMSS, tiny.ssthresh());
    }

    @Test
    @DisplayName("RFC 5681 3.1: ssthresh is held constant when the retransmitted segment times out again")
    void repeatedTimeoutKeepsSsthresh() {
        NewReno cc = new NewReno(SMSS);
        cc.onRetransmissionTimeout(0, 30 * SMSS);
        cc.onRetransmissionTimeout(1, SMSS);
        cc.onRetransmissionTimeout(2, SMSS);
        assertEquals(15 * SMSS, cc.ssthresh());
        assertEquals(SMSS, cc.cwnd());
        cc.onAck(3, SMSS, 0, 0); // new data acknowledged: the next timeout is a new loss
        cc.onRetransmissionTimeout(4, 6 * SMSS);
        assertEquals(3 * SMSS, cc.ssthresh());
    }

    @Test
    @DisplayName("RFC 5681 4.1: after an idle period cwnd restarts at min(IW, cwnd)")
    void idleRestart() {
        NewReno cc = inAvoidanceAt(30);
        int ssthresh = cc.ssthresh();
        cc.onIdleRestart(1000 * MS);
        assertEquals(14_600, cc.cwnd());
        assertEquals(ssthresh, cc.ssthresh());
        assertTrue(cc.inSlowStart());

        NewReno small = new NewReno(SMSS);
        small.onRetransmissionTimeout(0, 20 * SMSS);
        small.onIdleRestart(1000 * MS);
        assertEquals(SMSS, small.cwnd(), "a window below IW is kept");
    }

    @Test
    @DisplayName("RFC 3042 2: limited transmit lets the first two duplicate ACKs each send one segment beyond cwnd")
    void limitedTransmit() {
        NewReno cc = new NewReno(SMSS);
        int cwnd = cc.cwnd();
        assertEquals(0, cc.sendAllowance(cwnd, 0));
        assertEquals(SMSS, cc.sendAllowance(cwnd, 1));
        assertEquals(SMSS, cc.sendAllowance(cwnd + SMSS, 2));
        assertEquals(0, cc.sendAllowance(cwnd + 2 * SMSS, 2));
        assertEquals(2 * SMSS, cc.sendAllowance(cwnd, 5), "never more than two extra segments");
        assertEquals(cwnd - 1000, cc.sendAllowance(1000, 0));
        assertEquals(cwnd, cc.cwnd(), "limited transmit does not change cwnd");
        cc.onEnterRecovery(0, cwnd);
        assertEquals(0, cc.sendAllowance(cc.cwnd(), 2), "not during recovery");
    }

    @Test
    @DisplayName("MSS change: before data the initial window follows the new SMSS, afterwards the window keeps its segment count")
    void mssChange() {
        NewReno fresh = new NewReno(536);
        fresh.setMss(1460);
        assertEquals(14_600, fresh.cwnd());
        assertEquals(1460, fresh.smss());

        NewReno cc = inAvoidanceAt(20);
        cc.setMss(1000);
        assertEquals(20 * 1000, cc.cwnd());
        assertEquals(20 * 1000, cc.ssthresh());
        assertThrows(IllegalArgumentException.class, () -> cc.setMss(0));
        assertThrows(IllegalArgumentException.class, () -> new NewReno(70_000));
    }

    @Test
    @DisplayName("cwnd never exceeds the 1 GiB window-scaling limit")
    void maxWindow() {
        NewReno cc = new NewReno(65_535);
        for (int i = 0; i < 40_000; i++) {
            cc.onAck(i, 65_535, cc.cwnd(), 0);
        }
        assertEquals(CongestionControl.MAX_WINDOW, cc.cwnd());
        cc.onDuplicateAckInRecovery();
        cc.onEnterRecovery(0, Integer.MAX_VALUE);
        cc.onDuplicateAckInRecovery();
        assertTrue(cc.cwnd() <= CongestionControl.MAX_WINDOW);
        assertTrue(cc.ssthresh() <= CongestionControl.MAX_WINDOW);
    }

    // ---- random event sequences, shared with CubicTest ----

    record Event(int kind, int bytes, int flight, long dt, long rtt) {}

    static Arbitrary<List<Event>> eventSequences() {
        Arbitrary<Event> event = Combinators.combine(
                        Arbitraries.integers().between(0, 8),
                        Arbitraries.oneOf(Arbitraries.integers().between(-10, 3 * 65_535),
                                Arbitraries.integers().between(Integer.MIN_VALUE, Integer.MAX_VALUE)),
                        Arbitraries.oneOf(Arbitraries.integers().between(-10, 200 * 65_535),
                                Arbitraries.integers().between(Integer.MIN_VALUE, Integer.MAX_VALUE)),
                        Arbitraries.longs().between(0, 10_000 * MS),
                        Arbitraries.longs().between(-1, 5_000 * MS))
                .as(Event::new);
        return event.list().ofMaxSize(300);
    }

    /** Applies the events and checks the invariants after each one. */
    static void replay(CongestionControl cc, List<Event> events, int mss) {
        long now = 0;
        boolean ssthreshSet = false;
        for (Event e : events) {
            now += e.dt();
            switch (e.kind()) {
                case 0, 1, 2 -> cc.onAck(now, e.bytes(), e.flight(), e.rtt());
                case 3 -> cc.onEnterRecovery(now, e.flight());
                case 4 -> cc.onDuplicateAckInRecovery();
                case 5 -> cc.onPartialAck(e.bytes());
                case 6 -> cc.onExitRecovery(now, e.flight());
                case 7 -> cc.onRetransmissionTimeout(now, e.flight());
                default -> cc.onIdleRestart(now);
            }
            ssthreshSet |= e.kind() == 3 || e.kind() == 7;
            assertTrue(cc.cwnd() >= mss && cc.cwnd() <= CongestionControl.MAX_WINDOW, cc + " after " + e);
            if (ssthreshSet) {
                assertTrue(cc.ssthresh() >= 2 * mss && cc.ssthresh() <= CongestionControl.MAX_WINDOW,
                        cc + " after " + e);
            } else {
                assertEquals(Integer.MAX_VALUE, cc.ssthresh());
            }
            assertTrue(cc.sendAllowance(e.flight(), e.kind()) >= 0);
        }
    }

    @Provide
    Arbitrary<List<Event>> events() {
        return eventSequences();
    }

    @Property(tries = 500)
    @Label("Any sequence of ACKs, losses and timeouts keeps cwnd in [SMSS, 1 GiB] and ssthresh >= 2*SMSS, and never throws")
    void invariants(@ForAll("events") List<Event> events,
            @ForAll @IntRange(min = 1, max = 65_535) int mss) {
        replay(new NewReno(mss), events, mss);
    }
}
