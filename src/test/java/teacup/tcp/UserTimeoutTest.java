package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.tcp.SegmentRecorder.Seg;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The user timeout (RFC 5482, Linux's TCP_USER_TIMEOUT) on one connection, in simulated time: a
 * peer that keeps its window closed and answers every zero-window probe is given up at the user
 * timeout and not before, with a reset, "timed out" and the stack's counter; without one it
 * stays (RFC 9293 MUST-37); progress restarts the clock; silence ends it there too.
 */
@DisplayName("TCP user timeout (RFC 5482)")
class UserTimeoutTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final int ISS = 10_000;
    static final int PEER_ISS = 50_000;

    final ArrayDeque<Seg> sent = new ArrayDeque<>();
    final Map<Counter, Integer> counted = new EnumMap<>(Counter.class);
    final SegmentRecorder recorder = new SegmentRecorder("c", () -> this.now, sent::add);
    final SegmentOutput output = new SegmentOutput() {
        @Override
        public void segment(TcpConnection connection, OutboundSegment segment) {
            recorder.segment(connection, segment);
        }

        @Override
        public void count(Counter counter) {
            counted.merge(counter, 1, Integer::sum);
        }
    };
    TcpConnection c;
    long now;

    /** Active open; the peer's SYN-ACK offers {@code window}; then {@code n} bytes written. */
    void establishedAndWritten(TcpSettings settings, int window, int n) {
        c = TcpConnection.connect(now, settings.withTimestamps(false).withWindowScale(-1), output, 0xC6120002, 40000,
                0xC6120001, 80, ISS, SegmentRecorder.TS_OFFSET);
        peer(ISS + 1, TcpSegment.SYN | TcpSegment.ACK, window, PEER_ISS);
        assertEquals(State.ESTABLISHED, c.state());
        assertEquals(n, c.sendBuffer().write(new byte[n], 0, n));
        c.flush(now);
    }

    void peer(int ack, int flags, int window, int seq) {
        c.process(now, SegmentRecorder.inbound(seq, ack, flags, window, new TcpOptions().mss(1000), new byte[0]));
    }

    /** The peer answers: it acknowledges {@code ack} and offers {@code window}. */
    void answer(int ack, int window) {
        peer(ack, TcpSegment.ACK, window, PEER_ISS + 1);
    }

    /** Runs the timers to {@code t}, the peer answering every probe with a closed window at {@code una}. */
    void probedUntil(long t, int una) {
        for (int i = 0; i < 10_000 && c.state() != State.CLOSED && c.nextDeadline() <= t; i++) {
            now = Math.max(now, c.nextDeadline());
            int before = sent.size();
            c.poll(now);
            if (c.state() != State.CLOSED && sent.size() > before) {
                answer(una, 0);
            }
        }
        now = Math.max(now, t);
    }

    @Test
    @DisplayName("RFC 5482: a peer that keeps its window closed and answers every probe is ended at the user timeout, not before")
    void closedWindowAnsweredEndsAtUserTimeout() {
        establishedAndWritten(TcpSettings.defaults().toBuilder().userTimeout(30 * S).build(), 0, 500);
        long start = now;
        probedUntil(start + 30 * S - 1, ISS + 1);
        assertEquals(State.ESTABLISHED, c.state(), "alive just before the user timeout");
        assertTrue(sent.stream().filter(s -> s.seq() == ISS).count() >= 5, "zero-window probes went and were answered: " + sent);
        assertEquals(null, counted.get(Counter.TCP_USER_TIMEOUTS));
        sent.clear();
        probedUntil(start + 30 * S, ISS + 1);
        assertEquals(State.CLOSED, c.state());
        assertEquals(Ending.TIMED_OUT, c.ending(), "ETIMEDOUT, as Linux reports it");
        Seg reset = sent.pollLast();
        assertNotNull(reset, "a reset tells the peer");
        assertTrue(reset.has(TcpSegment.RST), "the last segment is a reset: " + reset);
        assertEquals(1, counted.get(Counter.TCP_USER_TIMEOUTS));
    }

    @Test
    @DisplayName("RFC 9293 MUST-37: without a user timeout a closed window whose probes are answered keeps the connection")
    void withoutUserTimeoutItStays() {
        establishedAndWritten(TcpSettings.defaults(), 0, 500);
        probedUntil(now + 3600 * S, ISS + 1);
        assertEquals(State.ESTABLISHED, c.state());
        assertEquals(null, counted.get(Counter.TCP_USER_TIMEOUTS));
    }

    @Test
    @DisplayName("RFC 5482: a window shrunk to zero under data sent, probes answered, ends at the user timeout")
    void shrunkWindowUnderDataSentEndsAtUserTimeout() {
        establishedAndWritten(TcpSettings.defaults().toBuilder().userTimeout(20 * S).build(), 65535, 3000);
        answer(ISS + 1001, 0); // progress: the clock starts here, with 2000 bytes sent beyond the closed window
        long start = now;
        probedUntil(start + 20 * S - 1, ISS + 1001);
        assertEquals(State.ESTABLISHED, c.state(), "past R2's count of probes, still alive: they are answered");
        probedUntil(start + 20 * S, ISS + 1001);
        assertEquals(Ending.TIMED_OUT, c.ending());
        assertEquals(1, counted.get(Counter.TCP_USER_TIMEOUTS));
    }

    @Test
    @DisplayName("RFC 5482: an acknowledgment of new data restarts the user timeout")
    void progressRestartsTheClock() {
        establishedAndWritten(TcpSettings.defaults().toBuilder().userTimeout(10 * S).build(), 0, 3000);
        probedUntil(now + 8 * S, ISS + 1);
        answer(ISS + 1, 1000); // the window opens a little: 1000 bytes go
        assertTrue(sent.stream().anyMatch(s -> s.data().length == 1000), "data went when the window opened");
        now += 100 * MS;
        answer(ISS + 1001, 0); // and are acknowledged: progress
        long progressed = now;
        probedUntil(progressed + 10 * S - 1, ISS + 1001);
        assertEquals(State.ESTABLISHED, c.state(), "18 s after the first wait, but under 10 s since progress");
        probedUntil(progressed + 10 * S, ISS + 1001);
        assertEquals(Ending.TIMED_OUT, c.ending());
    }

    @Test
    @DisplayName("RFC 5482: a silent peer ends at the user timeout, before R2's retransmissions run out")
    void silentPeerEndsAtUserTimeout() {
        establishedAndWritten(TcpSettings.defaults().toBuilder().userTimeout(5 * S).build(), 65535, 1000);
        long start = now;
        for (int i = 0; i < 100 && c.state() != State.CLOSED; i++) {
            now = c.nextDeadline();
            c.poll(now);
        }
        assertEquals(start + 5 * S, now, "given up at the user timeout");
        assertEquals(Ending.TIMED_OUT, c.ending());
        assertEquals(1, counted.get(Counter.TCP_USER_TIMEOUTS));
    }

    @Test
    @DisplayName("RFC 5482: an idle connection with everything acknowledged never times out, and setUserTimeout changes it")
    void idleNeverTimesOut() {
        establishedAndWritten(TcpSettings.defaults(), 65535, 100);
        answer(ISS + 101, 65535);
        c.setUserTimeout(1 * S);
        assertEquals(1 * S, c.userTimeout());
        assertEquals(TcpConnection.NEVER, c.nextDeadline(), "nothing waits, so no timer");
        now += 3600 * S;
        c.poll(now);
        assertEquals(State.ESTABLISHED, c.state());
    }

    @Test
    @DisplayName("RFC 5482: an unanswered SYN ends at the user timeout (as Linux's connect); a listener's half-open connection is left to its SYN-ACK retries")
    void handshakes() {
        TcpSettings settings = TcpSettings.defaults().toBuilder().userTimeout(2 * S).build();
        c = TcpConnection.connect(now, settings, output, 0xC6120002, 40000, 0xC6120001, 80, ISS, SegmentRecorder.TS_OFFSET);
        for (int i = 0; i < 100 && c.state() != State.CLOSED; i++) {
            now = c.nextDeadline();
            c.poll(now);
        }
        assertEquals(2 * S, now, "the SYN given up at the user timeout, before its retries ran out");
        assertEquals(Ending.TIMED_OUT, c.ending());
        assertEquals(1, counted.get(Counter.TCP_USER_TIMEOUTS));

        now = 0;
        c = TcpConnection.accept(now, settings, output, 0xC6120002, 80, 0xC6120001, 40000, ISS, SegmentRecorder.TS_OFFSET,
                SegmentRecorder.inbound(PEER_ISS, 0, TcpSegment.SYN, 65535, new TcpOptions().mss(1000), new byte[0]));
        for (int i = 0; i < 100 && c.state() != State.CLOSED; i++) {
            now = c.nextDeadline();
            c.poll(now);
        }
        assertTrue(now > 30 * S, "half-open until its SYN-ACK retries ran out, not 2 s: " + now / S + " s");
        assertEquals(1, counted.get(Counter.TCP_USER_TIMEOUTS), "not counted as a user timeout");
    }
}
