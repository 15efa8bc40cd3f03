package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.tcp.SegmentRecorder.Seg;
import teacup.tcp.TcpConnection.State;

/**
 * RFC 4821 at the level of two connections back to back in memory, simulated time: A sends to B
 * over a path that silently drops segments above a size (no ICMP ever), B acknowledges what
 * arrives. Timestamps are on, so every segment carries 12 bytes of options.
 */
class PathMtuSearchTest {
    static final long MS = 1_000_000L;
    static final int SIZE = 1_000_000;

    final ArrayDeque<Seg> toB = new ArrayDeque<>();
    final ArrayDeque<Seg> toA = new ArrayDeque<>();
    final List<Seg> fromA = new ArrayList<>();
    final TcpSettings settings = TcpSettings.defaults();
    Predicate<Seg> dropToB = s -> false;
    TcpConnection a;
    TcpConnection b;
    long now;

    final SegmentOutput outA = new SegmentRecorder("A", () -> now, s -> {
        fromA.add(s);
        if (!dropToB.test(s)) {
            toB.add(s);
        }
    });
    final SegmentOutput outB = new SegmentRecorder("B", () -> now, toA::add);

    void exchange() {
        for (int i = 0; i < 100_000 && !(toA.isEmpty() && toB.isEmpty()); i++) {
            Seg s = toB.poll();
            if (s != null) {
                if (b == null) {
                    b = TcpConnection.accept(now, settings, outB, 2, 80, 1, 40000, 5000, SegmentRecorder.TS_OFFSET, s.inbound());
                } else {
                    b.process(now, s.inbound());
                }
            }
            s = toA.poll();
            if (s != null) {
                a.process(now, s.inbound());
            }
        }
    }

    /** A connects to B, writes {@code data}; B reads it; time moves by timers or 1 ms steps; bounded. */
    byte[] transfer(byte[] data) {
        a = TcpConnection.connect(now, settings, outA, 1, 40000, 2, 80, 1000, SegmentRecorder.TS_OFFSET);
        exchange();
        assertEquals(State.ESTABLISHED, a.state());
        return pump(data);
    }

    /** On the connection there is, A writes {@code data} and B reads it. */
    byte[] pump(byte[] data) {
        byte[] got = new byte[data.length];
        int written = 0;
        int read = 0;
        for (int turn = 0; read < data.length && turn < 200_000; turn++) {
            if (written < data.length) {
                written += a.sendBuffer().write(data, written, data.length - written);
                a.flush(now);
            }
            exchange();
            int n;
            while ((n = b.receiveBuffer().read(got, read, data.length - read)) > 0) {
                read += n;
                b.windowOpened(now);
            }
            exchange();
            now = Math.min(Math.min(a.nextDeadline(), b.nextDeadline()), now + MS);
            a.poll(now);
            b.poll(now);
        }
        assertEquals(data.length, read, a::toString);
        return got;
    }

    static byte[] pattern(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 31 + (i >>> 8));
        }
        return d;
    }

    @Test
    @DisplayName("RFC 4821 7.7: after R1 = 3 timeouts in a row of full-size segments and no ICMP (the full-stop timeout), what goes again goes at the base MSS (984 less options), and the probes find the path's size")
    void blackHoleThenSearch() {
        int pathPayload = 1200 - 12; // a path MSS of 1200, less the timestamps option
        dropToB = s -> s.length() > pathPayload;
        byte[] data = pattern(SIZE);
        assertArrayEquals(data, transfer(data));

        assertEquals(3, a.counters().retransmissionTimeouts(), "the three that showed the black hole");
        assertEquals(1, a.counters().pathMtuBlackHoles());
        assertEquals(0, a.counters().recoveryEpisodes(), "the lost probes were not taken for congestion");
        Seg firstSmall = fromA.stream().filter(s -> s.length() > 0 && s.length() <= pathPayload).findFirst().orElseThrow();
        assertEquals(PathMtuSearch.BASE_MSS - 12, firstSmall.length(), "the base MSS, less the options");
        assertEquals(1001, firstSmall.seq(), "the first byte, which the full-size segments never got across");
        assertTrue(a.counters().pathMtuProbesSucceeded() > 0 && a.counters().pathMtuProbesFailed() > 0, a::toString);
        int size = ConnectionStatus.of(a).segmentSize();
        assertTrue(size <= pathPayload && size >= pathPayload - PathMtuSearch.DONE_WITHIN, () -> "ended at " + size);
    }

    @Test
    @DisplayName("RFC 4821 7.7: a black hole declared for an outage that then heals is searched back up to the peer's MSS")
    void falseAlarmHeals() {
        long[] healAt = {Long.MAX_VALUE};
        dropToB = s -> {
            if (s.length() > 0 && healAt[0] == Long.MAX_VALUE) {
                healAt[0] = now + 1500 * MS; // past three timeouts of 200, 400 and 800 ms
            }
            return s.length() > 0 && now < healAt[0];
        };
        byte[] data = pattern(SIZE);
        assertArrayEquals(data, transfer(data));
        assertEquals(1, a.counters().pathMtuBlackHoles());
        int size = ConnectionStatus.of(a).segmentSize();
        assertTrue(size >= 1448 - PathMtuSearch.DONE_WITHIN && size <= 1448, () -> "ended at " + size);
    }

    @Test
    @DisplayName("RFC 4821 7.7: two timeouts in a row (an outage or a queue that overflowed) are no black hole: the MSS stays the peer's")
    void twoTimeoutsAreNoBlackHole() {
        long[] healAt = {Long.MAX_VALUE};
        dropToB = s -> {
            if (s.length() > 0 && healAt[0] == Long.MAX_VALUE) {
                healAt[0] = now + 500 * MS; // past timeouts of 200 and 400 ms: the second retransmission gets through
            }
            return s.length() > 0 && now < healAt[0];
        };
        byte[] data = pattern(SIZE);
        assertArrayEquals(data, transfer(data));
        assertEquals(2, a.counters().retransmissionTimeouts(), a::toString);
        assertEquals(0, a.counters().pathMtuBlackHoles());
        assertEquals(1448, ConnectionStatus.of(a).segmentSize(), "never lowered");
    }

    @Test
    @DisplayName("RFC 1191 6.3, RFC 4821 7.7: ten minutes after ICMP lowered the path MTU, probes search upward again and find a path that grew")
    void searchesUpwardAfterTenMinutes() {
        byte[] data = pattern(SIZE);
        a = TcpConnection.connect(now, settings, outA, 1, 40000, 2, 80, 1000, SegmentRecorder.TS_OFFSET);
        exchange();
        a.pathMtu(now, 1000);
        assertArrayEquals(data, pump(data));
        assertEquals(1000 - 40 - 12, ConnectionStatus.of(a).segmentSize(), "ICMP's word stands for ten minutes");
        assertEquals(0, a.counters().pathMtuProbes());
        now += PathMtuSearch.SEARCH_AGAIN_AFTER;
        assertArrayEquals(data, pump(data));
        assertTrue(a.counters().pathMtuProbesSucceeded() > 0, a::toString);
        int size = ConnectionStatus.of(a).segmentSize();
        assertTrue(size >= 1448 - PathMtuSearch.DONE_WITHIN && size <= 1448, () -> "ended at " + size);
    }

    @Test
    @DisplayName("RFC 4821: segments no larger than the base are never taken for a black hole, however many timeouts")
    void smallSegmentsNeverABlackHole() {
        dropToB = s -> s.length() > 0 && s.seq() == 1001 && a.counters().retransmissionTimeouts() < 3;
        byte[] data = pattern(900);
        assertArrayEquals(data, transfer(data));
        assertEquals(3, a.counters().retransmissionTimeouts());
        assertEquals(0, a.counters().pathMtuBlackHoles());
    }
}
