package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import teacup.tcp.SegmentRecorder.Seg;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * A bulk sender with SACK facing loss, the test as its receiver: which segments go again, and
 * when, as the receiver's ACKs and SACK blocks report holes. Time is simulated; nothing sleeps.
 * Sequence numbers below are written as offsets from the first data byte, in segments of
 * {@link #MSS} bytes ({@code seg(3)} is the start of the fourth segment).
 */
class LossRecoveryTest {
    static final long MS = 1_000_000L;
    static final int LOCAL_IP = 0xC6120002;
    static final int REMOTE_IP = 0xC6120001;
    static final int ISS = 10_000;
    static final int PEER_ISS = 50_000;
    static final int MSS = 1000;
    static final int WINDOW = 65535;

    final List<Seg> sent = new ArrayList<>();
    long now;
    final SegmentOutput output = new SegmentRecorder("c", () -> now, s -> {
        if (s.length() > 0) {
            sent.add(s);
        }
    });
    TcpSettings settings = TcpSettings.defaults().withTimestamps(false).withWindowScale(-1).withSack(true);
    TcpConnection c;

    /** Sequence number of the start of data segment {@code i} (0-based). */
    static int seg(int i) {
        return ISS + 1 + i * MSS;
    }

    void established() {
        c = TcpConnection.connect(now, settings, output, LOCAL_IP, 40000, REMOTE_IP, 80, ISS, SegmentRecorder.TS_OFFSET);
        now += MS; // a first RTT sample of 1 ms
        c.process(now, SegmentRecorder.inbound(PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, WINDOW,
                new TcpOptions().mss(MSS).sackPermitted(true), new byte[0]));
        sent.clear();
    }

    void write(int bytes) {
        assertEquals(bytes, c.sendBuffer().write(new byte[bytes], 0, bytes));
        c.flush(now);
    }

    /** An ACK from the receiver with SACK blocks given as pairs of segment indices [from, to). */
    void ack(int ack, int... blocks) {
        TcpOptions o = new TcpOptions();
        for (int i = 0; i < blocks.length; i += 2) {
            o.addSackBlock(seg(blocks[i]), seg(blocks[i + 1]));
        }
        c.process(now, SegmentRecorder.inbound(PEER_ISS + 1, ack, TcpSegment.ACK, WINDOW, o, new byte[0]));
    }

    /** How often the segment starting at {@code seq} was sent since the list was last cleared. */
    long times(int seq) {
        return sent.stream().filter(s -> s.seq() == seq).count();
    }

    void runUntil(long t) {
        for (int i = 0; i < 10_000 && c.nextDeadline() <= t; i++) {
            now = Math.max(now, c.nextDeadline());
            c.poll(now);
        }
        now = Math.max(now, t);
    }

    @Test
    @DisplayName("RFC 6675 5.1 / RFC 6582 3.2: once SND.UNA reaches the recovery point, the next loss starts a new recovery "
            + "at once, even when it is the very first segment after that point")
    void newRecoveryRightAtTheRecoveryPoint() {
        established();
        write(60 * MSS);
        int firstFlight = ConnectionStatus.of(c).inFlight() / MSS; // the initial window
        ack(seg(0), 1, 4); // segment 0 lost: three segments SACKed above it
        assertTrue(c.congestion().inRecovery());
        assertEquals(1, times(seg(0)) - 1, "fast retransmit of segment 0");
        int recoveryPoint = seg(firstFlight);
        // Everything up to the recovery point arrives; the first segment after it was lost.
        now += MS;
        ack(recoveryPoint);
        assertFalse(c.congestion().inRecovery(), "a full ACK ends recovery");
        sent.clear();
        int next = firstFlight;
        ack(recoveryPoint, next + 1, next + 2);
        ack(recoveryPoint, next + 1, next + 3);
        ack(recoveryPoint, next + 1, next + 4);
        assertTrue(c.congestion().inRecovery(), "the third duplicate ACK starts a second recovery");
        assertEquals(1, times(recoveryPoint), "the lost segment goes again at once, not at the RTO: " + sent);
        assertEquals(2, c.counters().recoveryEpisodes());
        assertEquals(0, c.counters().retransmissionTimeouts());
    }

    /** One past the highest sequence number sent so far. */
    int highestSent() {
        int max = seg(0);
        for (Seg x : sent) {
            if (x.seq() + x.length() - max > 0) {
                max = x.seq() + x.length();
            }
        }
        return max;
    }

    /** Segment index of sequence number {@code seq} (a segment boundary). */
    static int index(int seq) {
        return (seq - seg(0)) / MSS;
    }

    /** Enters recovery with segments 1 and 4 of the first ten lost; segment 1 then 4 are retransmitted. */
    void recoveryWithTwoHoles() {
        established();
        write(40 * MSS);
        assertEquals(10, ConnectionStatus.of(c).inFlight() / MSS, "the initial window");
        ack(seg(1)); // 0 arrived
        ack(seg(1), 2, 4, 5, 6); // 1 and 4 missing; three segments SACKed: recovery
        assertTrue(c.congestion().inRecovery());
        assertEquals(2, times(seg(1)), "the first hole at once");
        ack(seg(1), 2, 4, 5, 7);
        assertEquals(2, times(seg(4)), "the second hole on the next duplicate ACK");
    }

    @Test
    @DisplayName("RFC 8985 6.2: a lost retransmission of any hole is sent again once data sent after it is SACKed "
            + "and the reordering window has passed, not at the RTO and not while it may still arrive")
    void lostRetransmissionOfALaterHole() {
        recoveryWithTwoHoles();
        // Segment 1's retransmission arrives: a partial ACK up to the second hole, whose retransmission is on its way.
        now += MS / 2;
        ack(seg(4), 5, 8);
        assertEquals(2, times(seg(4)), "no second copy of a retransmission that may still arrive: " + sent);
        // Data sent after segment 4 went again arrives; segment 4 does not.
        int highest = highestSent();
        int resent = sent.lastIndexOf(sent.stream().filter(x -> x.seq() == seg(4)).reduce((a, b) -> b).orElseThrow());
        assertTrue(sent.subList(resent + 1, sent.size()).stream().anyMatch(x -> x.seq() + x.length() == highest),
                () -> "new data went out after segment 4 went again: " + sent);
        ack(seg(4), 5, index(highest));
        assertEquals(2, times(seg(4)), "within the reordering window it may just be late");
        now += 2 * MS;
        ack(seg(4), 5, index(highest));
        assertEquals(3, times(seg(4)), "lost: it goes a third time, well before the RTO: " + sent);
        assertEquals(0, c.counters().retransmissionTimeouts());
    }

    @Test
    @DisplayName("RFC 8985 6.3: with no further ACK, the reordering timer sends a lost retransmission again")
    void reorderingTimerResendsWithoutAnAck() {
        recoveryWithTwoHoles();
        now += MS / 2;
        ack(seg(4), 5, index(highestSent())); // everything after segment 4's retransmission arrived but 4 itself
        assertEquals(2, times(seg(4)));
        long deadline = c.nextDeadline();
        assertTrue(deadline < now + 5 * MS, "a timer within the reordering window, not the RTO");
        runUntil(deadline);
        assertEquals(3, times(seg(4)), "sent again on the timer: " + sent);
        assertEquals(0, c.counters().retransmissionTimeouts());
    }

    @Test
    @DisplayName("RFC 8985 7 (extended to recovery): when recovery hears nothing more, a probe resends the last "
            + "segment long before the RTO")
    void probeInRecovery() {
        recoveryWithTwoHoles();
        int last = highestSent() - MSS;
        long before = times(last);
        long rtoAt = now + c.rtt().rto();
        runUntil(now + 20 * MS); // the ACKs for the retransmissions are lost: silence
        assertTrue(c.congestion().inRecovery());
        assertEquals(before + 1, times(last), "the last segment went again as a probe: " + sent);
        assertTrue(now < rtoAt);
        assertEquals(0, c.counters().retransmissionTimeouts());
        assertEquals(1, c.counters().tailLossProbes());
    }

    @Test
    @DisplayName("RFC 8985 7.3 / RFC 5681 4.2: the tail loss probe resends the last segment even with new data "
            + "waiting, since a receiver answers a duplicate at once but may delay its ACK for new in-order data")
    void probeResendsTheLastSegment() {
        established();
        write(40 * MSS); // more than the initial window: new data is waiting
        int last = highestSent() - MSS;
        long pto = c.nextDeadline();
        assertTrue(pto < now + c.rtt().rto());
        runUntil(pto);
        assertEquals(2, times(last), "the last segment again: " + sent);
        assertEquals(last + MSS, highestSent(), "no new data beyond it");
    }

    @Test
    @DisplayName("RFC 6675 5.1: the first timeout keeps the SACK scoreboard, so going back resends only the holes")
    void firstTimeoutKeepsTheScoreboard() {
        established();
        write(6 * MSS);
        ack(seg(0), 3, 5); // segments 3 and 4 SACKed; 0, 1, 2 and 5 missing (too little for recovery)
        assertFalse(c.congestion().inRecovery());
        runUntil(now + c.rtt().rto() + 50 * MS); // the probe, then the RTO
        assertEquals(1, c.counters().retransmissionTimeouts());
        sent.clear();
        ack(seg(1)); // the ACK for the retransmitted segment 0 carries no SACK blocks (it was lost, say)
        ack(seg(2));
        ack(seg(3));
        assertEquals(0, times(seg(3)), "SACKed before the timeout: not sent again: " + sent);
        assertEquals(0, times(seg(4)), "SACKed before the timeout: not sent again: " + sent);
    }

    @Test
    @DisplayName("RFC 8985 7.2: the probe timeout is two smoothed round trips, not a fixed 10 ms, on a sub-millisecond path")
    void probeTimeoutFollowsTheRoundTrip() {
        established();
        now += 300_000L;
        write(20 * MSS);
        ack(seg(2)); // an RTT sample of 0.3 ms on top of the handshake's 1 ms
        long srtt = c.rtt().srtt();
        assertTrue(srtt < MS, "srtt " + srtt);
        long pto = c.nextDeadline() - now;
        assertEquals(2 * MS, pto, "2*SRTT is below the 2 ms floor, so the floor: " + pto);
        assertTrue(pto < 10 * MS);
    }

    @Test
    @DisplayName("RFC 3708: a late D-SACK for data resent before this episode began does not undo the episode")
    void staleDuplicateSackDoesNotUndo() {
        established();
        write(60 * MSS);
        int firstFlight = ConnectionStatus.of(c).inFlight() / MSS;
        ack(seg(0), 1, 4); // episode one: segment 0 lost
        assertEquals(2, times(seg(0)));
        now += MS;
        ack(seg(firstFlight)); // full ACK: episode one is over
        int next = firstFlight;
        ack(seg(next), next + 1, next + 2); // episode two: the first segment after the old recovery point lost
        ack(seg(next), next + 1, next + 3);
        ack(seg(next), next + 1, next + 4);
        assertTrue(c.congestion().inRecovery());
        assertEquals(2, c.counters().recoveryEpisodes());
        // The peer now reports the first episode's retransmission of segment 0 as a duplicate (it got the original
        // late): a D-SACK, but for data resent before this episode began.
        ack(seg(next), 0, 1, next + 1, next + 3);
        assertEquals(0, c.counters().spuriousRecoveries(), "the current episode is not undone by an old duplicate");
        assertTrue(c.congestion().inRecovery());
    }

    @Test
    @DisplayName("RFC 3708 / RFC 6675: after a spurious recovery raised the duplicate threshold, a timeout with three "
            + "segments SACKed above the hole sets it back to three")
    void timeoutResetsARaisedReorderingThreshold() {
        established();
        write(10 * MSS);
        ack(seg(1));
        for (int i = 0; i < 3; i++) {
            ack(seg(1), 2, 3 + i); // segment 1 "missing": it was only late
        }
        assertTrue(c.congestion().inRecovery());
        int all = highestSent();
        ack(all); // everything, the late original included
        ack(all, 1, 2); // the D-SACK for our retransmission: the recovery was spurious
        assertEquals(1, c.counters().spuriousRecoveries());
        assertEquals(6, c.recovery.reorderThreshold());
        write(20 * MSS);
        int hole = index(all);
        assertTrue(index(highestSent()) > hole + 5, "enough went out: " + sent);
        ack(all, hole + 1, hole + 5); // four segments SACKed above a hole: fewer than the raised threshold of six
        assertFalse(c.congestion().inRecovery());
        runUntil(now + c.rtt().rto() + 50 * MS);
        assertEquals(1, c.counters().retransmissionTimeouts());
        assertEquals(3, c.recovery.reorderThreshold(), "the evidence for reordering was wrong: back to three");
    }
}
