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
    @DisplayName("RFC 9293 3.7.4: a flush sends what Nagle holds at once; plain writes still wait for the ACK")
    void pushSendsTheTail() {
        TcpConnection c = established();
        assertEquals(100, c.sendBuffer().write(new byte[100], 0, 100));
        t.tcp.flush(t.now, c);
        List<TcpLayerTest.Sent> first = t.sent();
        assertEquals(List.of(100), lengths(first), "with nothing in flight a short segment goes at once");

        assertEquals(200, c.sendBuffer().write(new byte[200], 0, 200));
        t.tcp.flush(t.now, c);
        assertEquals(List.of(), t.sent(), "Nagle holds a short segment while a short one is unacknowledged");

        t.tcp.push(t.now, c);
        List<TcpLayerTest.Sent> held = t.sent();
        assertEquals(List.of(200), lengths(held), "the push sends it without waiting");
        assertTrue(held.get(0).has(TcpSegment.PSH));
        assertFalse(c.sender.noDelay(), "the connection's own setting is left as it was");

        // The next small write, without a push, waits for the ACK again.
        assertEquals(10, c.sendBuffer().write(new byte[10], 0, 10));
        t.tcp.flush(t.now, c);
        assertEquals(List.of(), t.sent());
        t.receive(TcpLayerTest.segment(40000, 80, 1001, SeqNum.add(held.get(0).seq(), held.get(0).payload().length),
                TcpSegment.ACK, new byte[0]));
        assertEquals(List.of(10), lengths(t.sent()).stream().filter(n -> n > 0).toList());
        t.everyFrameAccountedFor();
    }
}
