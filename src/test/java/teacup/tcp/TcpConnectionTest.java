package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.tcp.SegmentRecorder.Seg;
import teacup.tcp.TcpConnection.State;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/** Two connections wired back to back in memory, with simulated time; nothing sleeps. */
class TcpConnectionTest {
    static final long MS = 1_000_000L;
    static final int A_IP = 1;
    static final int B_IP = 2;

    final ArrayDeque<Seg> toB = new ArrayDeque<>();
    final ArrayDeque<Seg> toA = new ArrayDeque<>();
    final List<Seg> fromA = new ArrayList<>();
    final List<Seg> fromB = new ArrayList<>();
    TcpSettings settings = TcpSettings.defaults().withMsl(1000 * MS);
    Predicate<Seg> dropToB = s -> false;
    Predicate<Seg> dropToA = s -> false;
    TcpConnection a;
    TcpConnection b;
    long now;

    final SegmentOutput outA = new SegmentRecorder("A", () -> now, s -> {
        fromA.add(s);
        if (!dropToB.test(s)) {
            toB.add(s);
        }
    });
    final SegmentOutput outB = new SegmentRecorder("B", () -> now, s -> {
        fromB.add(s);
        if (!dropToA.test(s)) {
            toA.add(s);
        }
    });

    /** Delivers segments both ways until none are left (bounded). */
    void exchange() {
        for (int i = 0; i < 100_000 && !(toA.isEmpty() && toB.isEmpty()); i++) {
            Seg s = toB.poll();
            if (s != null) {
                if (b == null && s.has(TcpSegment.SYN) && !s.has(TcpSegment.ACK)) {
                    b = TcpConnection.accept(now, settings, outB, B_IP, 80, A_IP, 40000, 5000, SegmentRecorder.TS_OFFSET, s.inbound());
                } else if (b != null) {
                    b.process(now, s.inbound());
                }
            }
            s = toA.poll();
            if (s != null) {
                a.process(now, s.inbound());
            }
        }
    }

    /** Advances simulated time to {@code t}, firing timers and exchanging what they send. */
    void runUntil(long t) {
        for (int i = 0; i < 10_000; i++) {
            long next = Math.min(a.nextDeadline(), b == null ? Long.MAX_VALUE : b.nextDeadline());
            if (next > t) {
                break;
            }
            now = Math.max(now, next);
            a.poll(now);
            if (b != null) {
                b.poll(now);
            }
            exchange();
        }
        now = Math.max(now, t);
    }

    void established() {
        a = TcpConnection.connect(now, settings, outA, A_IP, 40000, B_IP, 80, 1000, SegmentRecorder.TS_OFFSET);
        exchange();
        assertEquals(State.ESTABLISHED, a.state());
        assertEquals(State.ESTABLISHED, b.state());
    }

    static byte[] pattern(int n, int salt) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 31 + salt + (i >>> 8));
        }
        return d;
    }

    /** Moves {@code data} from one side's application to the other's, pumping until all arrived or the time bound. */
    byte[] transfer(TcpConnection from, TcpConnection to, byte[] data, long untilNanos) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int written = 0;
        byte[] buf = new byte[8192];
        for (int round = 0; round < 100_000 && got.size() < data.length && now <= untilNanos; round++) {
            written += from.sendBuffer().write(data, written, data.length - written);
            from.flush(now);
            exchange();
            int n;
            while ((n = to.receiveBuffer().read(buf, 0, buf.length)) > 0) {
                got.write(buf, 0, n);
            }
            to.windowOpened(now);
            exchange();
            if (toA.isEmpty() && toB.isEmpty() && got.size() < data.length) {
                runUntil(now + 10 * MS);
            }
        }
        return got.toByteArray();
    }

    @Test
    @DisplayName("RFC 9293 3.5: three-way handshake with MSS and window scale on both SYNs")
    void handshake() {
        established();
        Seg syn = fromA.getFirst();
        assertTrue(syn.has(TcpSegment.SYN) && !syn.has(TcpSegment.ACK));
        assertEquals(1000, syn.seq());
        assertEquals(1460, syn.options().mss());
        assertEquals(7, syn.options().windowScale());
        Seg synAck = fromB.getFirst();
        assertTrue(synAck.has(TcpSegment.SYN) && synAck.has(TcpSegment.ACK));
        assertEquals(1001, synAck.ack());
        assertEquals(5000, synAck.seq());
        Seg ack = fromA.get(1);
        assertEquals(TcpSegment.ACK, ack.flags());
        assertEquals(5001, ack.ack());
        assertEquals(1460, a.negotiated().sendMss());
    }

    @Test
    @DisplayName("RFC 9293 3.7.1, MUST-15 (IPv4): without an MSS option the peer is sent at most 536-byte segments")
    void defaultMss() {
        a = TcpConnection.connect(now, settings, outA, A_IP, 40000, B_IP, 80, 1000, SegmentRecorder.TS_OFFSET);
        Seg syn = toB.poll();
        assertNotNull(syn);
        b = TcpConnection.accept(now, settings, outB, B_IP, 80, A_IP, 40000, 5000, SegmentRecorder.TS_OFFSET,
                SegmentRecorder.inbound(syn.seq(), 0, syn.flags(), syn.window()));
        exchange();
        assertEquals(536, b.negotiated().sendMss());
        byte[] data = pattern(5000, 1);
        assertArrayEquals(data, transfer(b, a, data, 10_000 * MS));
        assertTrue(fromB.stream().allMatch(s -> s.data().length <= 536));
    }

    @Test
    void bulkTransferBothWaysIsByteExact() {
        established();
        byte[] up = pattern(1_000_000, 3);
        byte[] down = pattern(300_000, 9);
        assertArrayEquals(up, transfer(a, b, up, 60_000 * MS));
        assertArrayEquals(down, transfer(b, a, down, 60_000 * MS));
        assertTrue(fromA.stream().allMatch(s -> s.data().length <= 1460), "segments within the MSS");
    }

    @Test
    @DisplayName("RFC 9293 3.6: orderly close from both sides through FIN-WAIT, CLOSE-WAIT, LAST-ACK and TIME-WAIT")
    void orderlyClose() {
        established();
        byte[] data = pattern(3000, 5);
        assertArrayEquals(data, transfer(a, b, data, 1000 * MS));
        a.close(now);
        assertEquals(State.FIN_WAIT_1, a.state());
        exchange();
        assertEquals(State.FIN_WAIT_2, a.state());
        assertEquals(State.CLOSE_WAIT, b.state());
        assertTrue(b.peerFinished());
        b.close(now);
        assertEquals(State.LAST_ACK, b.state());
        exchange();
        assertEquals(State.CLOSED, b.state());
        assertEquals(TcpConnection.Ending.CLOSED_NORMALLY, b.ending());
        assertEquals(State.TIME_WAIT, a.state());
        runUntil(now + 2 * 1000 * MS - 1);
        assertEquals(State.TIME_WAIT, a.state(), "TIME-WAIT lasts 2 MSL");
        runUntil(now + 1);
        assertEquals(State.CLOSED, a.state());
    }

    @Test
    @DisplayName("RFC 9293 3.6: simultaneous close goes through CLOSING to TIME-WAIT on both sides")
    void simultaneousClose() {
        established();
        a.close(now);
        b.close(now);
        exchange();
        assertEquals(State.TIME_WAIT, a.state());
        assertEquals(State.TIME_WAIT, b.state());
    }

    @Test
    @DisplayName("RFC 9293 3.10.7.3: a RST answering our SYN means connection refused")
    void refused() {
        a = TcpConnection.connect(now, settings, outA, A_IP, 40000, B_IP, 80, 1000, SegmentRecorder.TS_OFFSET);
        toB.clear();
        a.process(now, SegmentRecorder.inbound(0, 1001, TcpSegment.RST | TcpSegment.ACK, 0));
        assertEquals(State.CLOSED, a.state());
        assertEquals(TcpConnection.Ending.REFUSED, a.ending());
    }

    @Test
    @DisplayName("RFC 5961 3.2: a RST in the window but not at RCV.NXT gets a challenge ACK and changes nothing")
    void challengeAckForInWindowReset() {
        established();
        int before = fromB.size();
        b.process(now, SegmentRecorder.inbound(1001 + 100, 0, TcpSegment.RST, 0));
        assertEquals(State.ESTABLISHED, b.state());
        assertEquals(before + 1, fromB.size());
        assertEquals(TcpSegment.ACK, fromB.getLast().flags());
        b.process(now, SegmentRecorder.inbound(1001, 0, TcpSegment.RST, 0));
        assertEquals(TcpConnection.Ending.RESET, b.ending());
    }

    @Test
    @DisplayName("RFC 5961 4.2: a SYN on an established connection gets a challenge ACK")
    void challengeAckForSyn() {
        established();
        b.process(now, SegmentRecorder.inbound(1001, 0, TcpSegment.SYN, 1000));
        assertEquals(State.ESTABLISHED, b.state());
        assertEquals(TcpSegment.ACK, fromB.getLast().flags());
    }

    @Test
    @DisplayName("RFC 6298 5: a lost segment is sent again after the RTO, and the stream completes")
    void retransmitsLostData() {
        established();
        boolean[] dropped = {false};
        dropToB = s -> {
            if (s.data().length > 0 && !dropped[0]) {
                dropped[0] = true;
                return true;
            }
            return false;
        };
        byte[] data = pattern(20_000, 7);
        byte[] got = transfer(a, b, data, 10_000 * MS);
        assertArrayEquals(data, got);
        assertTrue(dropped[0]);
        long resentFirst = fromA.stream().filter(s -> s.seq() == 1001 && s.data().length > 0).count();
        assertEquals(2, resentFirst, "the first data segment went twice");
    }

    @Test
    @DisplayName("RFC 9293 SHLD-31: out-of-order segments are kept and delivered in order")
    void outOfOrderIsReassembled() {
        established();
        assertEquals(1460 - 12, a.negotiated().segmentSize(), "timestamps take 12 bytes of every segment");
        byte[] data = pattern(4 * a.negotiated().segmentSize(), 2);
        a.sendBuffer().write(data, 0, data.length);
        a.flush(now);
        List<Seg> segs = new ArrayList<>(toB);
        toB.clear();
        assertEquals(4, segs.size());
        for (int i : new int[] {3, 1, 2, 0}) {
            Seg s = segs.get(i);
            b.process(now, SegmentRecorder.inbound(s.seq(), s.ack(), s.flags(), s.window(), new TcpOptions(), s.data()));
        }
        byte[] got = new byte[data.length];
        assertEquals(data.length, b.receiveBuffer().read(got, 0, got.length));
        assertArrayEquals(data, got);
    }

    @Test
    @DisplayName("RFC 9293 MUST-20 (R2): after the retransmission limit the connection gives up and says it timed out")
    void givesUpAfterRetries() {
        established();
        dropToB = s -> true;
        a.sendBuffer().write(pattern(100, 1), 0, 100);
        a.flush(now);
        runUntil(now + 3_600_000 * MS);
        assertEquals(State.CLOSED, a.state());
        assertEquals(TcpConnection.Ending.TIMED_OUT, a.ending());
        long sends = fromA.stream().filter(s -> s.data().length == 100).count();
        assertEquals(1 + 1 + settings.maxRetransmissions(), sends, "the first send, one tail loss probe, then R2 retransmissions");
    }

    @Test
    @DisplayName("RFC 9293 MUST-18: Karn's algorithm, no RTT sample from a retransmitted segment")
    void karn() {
        settings = settings.withTimestamps(false); // with timestamps every ACK dates its segment (RFC 7323 4.1)
        established();
        assertTrue(a.rtt().hasSample(), "the handshake gave a sample");
        long srtt = a.rtt().srtt();
        dropToB = s -> s.data().length > 0 && fromA.stream().filter(x -> x.data().length > 0).count() == 1;
        a.sendBuffer().write(pattern(100, 1), 0, 100);
        a.flush(now);
        runUntil(now + 5000 * MS);
        assertEquals(0, ConnectionStatus.of(a).inFlight());
        assertEquals(srtt, a.rtt().srtt(), "the ACK of a retransmission did not feed the estimator");
    }
}
