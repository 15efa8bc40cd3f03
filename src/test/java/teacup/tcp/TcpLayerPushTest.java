package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * {@link TcpLayer#push}: what a socket's flush asks for. Built on {@link TcpLayerTest}'s fixture
 * (hand-built frames in, segments parsed back out, simulated time) but not a subclass of it, so
 * its tests do not run twice.
 */
@DisplayName("TcpLayer.push")
class TcpLayerPushTest {
    private final TcpLayerTest t = new TcpLayerTest();

    /** An established connection from the peer's port 40000 to our port 80; the peer sent no MSS, so ours is 536. */
    private TcpConnection established() {
        t.setUp();
        TcpListener listener = t.tcp.listen(80, 4, TcpLayerTest.SETTINGS);
        t.handshake(40000, 80, 1000);
        TcpConnection c = listener.poll();
        assertEquals(TcpConnection.State.ESTABLISHED, c.state());
        t.sent();
        return c;
    }

    private static List<Integer> lengths(List<TcpLayerTest.Sent> sent) {
        return sent.stream().map(s -> s.payload().length).toList();
    }

    @Test
    @DisplayName("RFC 9293 3.7.4: a flush sends Nagle's held tail at once; plain writes still wait for the ACK")
    void pushSendsTheTail() {
        TcpConnection c = established();
        int mss = c.sendMss();
        assertTrue(2 * mss < 1500 && 1500 < 3 * mss, "1500 bytes are two full segments and a tail at MSS " + mss);
        assertEquals(1500, c.sendBuffer().write(new byte[1500], 0, 1500));

        t.tcp.flush(t.now, c);
        assertEquals(List.of(mss, mss), lengths(t.sent()), "Nagle holds the tail while the first two are unacknowledged");

        t.tcp.push(t.now, c);
        List<TcpLayerTest.Sent> tail = t.sent();
        assertEquals(List.of(1500 - 2 * mss), lengths(tail), "the flush sends the tail without waiting");
        assertTrue(tail.get(0).has(TcpSegment.PSH));
        assertFalse(c.noDelay(), "the connection's own setting is left as it was");

        // The next small write, without a flush, waits for the ACK again.
        assertEquals(10, c.sendBuffer().write(new byte[10], 0, 10));
        t.tcp.flush(t.now, c);
        assertEquals(List.of(), t.sent());
        t.receive(TcpLayerTest.segment(40000, 80, 1001, SeqNum.add(tail.get(0).seq(), tail.get(0).payload().length),
                TcpSegment.ACK, new byte[0]));
        assertEquals(List.of(10), lengths(t.sent()).stream().filter(n -> n > 0).toList());
        t.everyFrameAccountedFor();
    }
}
