package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.tcp.SegmentRecorder.Seg;
import teacup.tcp.TcpConnection.State;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * TCP urgent data (RFC 9293 3.8.5, RFC 6093): the pointer sent, kept and dropped, and taken on
 * receipt, over two connections wired back to back ({@link TcpConnectionTest}'s harness, not
 * under the digest oracle). Nothing sleeps.
 */
class UrgentDataTest {
    private final TcpConnectionTest pair = new TcpConnectionTest();

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The application at A writes {@code before}, then one urgent byte, and pushes. */
    private void sendUrgent(String before, char urgent) {
        byte[] b = ascii(before);
        assertEquals(b.length, pair.a.sendBuffer().write(b, 0, b.length));
        assertTrue(pair.a.sendBuffer().writeUrgent((byte) urgent));
        pair.a.push(pair.now);
    }

    /** Everything B's application can read now. */
    private String readAll(ReceiveBuffer buffer) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int i = 0; i < 10_000; i++) {
            int before = buffer.available();
            int n = buffer.read(buf, 0, buf.length);
            if (n > 0) {
                got.write(buf, 0, n);
            } else if (before == 0) {
                break;
            }
        }
        return got.toString(StandardCharsets.US_ASCII);
    }

    private List<Seg> dataFromA() {
        return pair.fromA.stream().filter(s -> s.length() > 0).toList();
    }

    @Test
    @DisplayName("RFC 9293 MUST-30, MUST-62: the segment carrying an urgent byte has URG, and its pointer names the octet after it")
    void urgentPointerNamesTheOctetAfterTheUrgentByte() {
        pair.established();
        sendUrgent("hello", '!');
        pair.exchange();
        Seg seg = dataFromA().getFirst();
        assertTrue(seg.has(TcpSegment.URG), seg.toString());
        assertEquals(6, seg.length());
        assertEquals(6, seg.urgentPointer(), "first non-urgent octet: seq + 6, just past '!' (not the last urgent octet, RFC 1122's)");
        pair.b.receiveBuffer().oobInline(true);
        assertEquals(6, pair.b.receiveBuffer().urgentPending());
        assertEquals("hello!", readAll(pair.b.receiveBuffer()), "with SO_OOBINLINE the urgent byte stays in the stream");
        assertEquals(0, pair.b.receiveBuffer().urgentPending());
        assertEquals(0, pair.b.counters().urgentPointersIgnored());
    }

    @Test
    @DisplayName("RFC 9293 MUST-62: the pointer stays on every segment from before SND.UP, retransmissions too, until SND.UNA passes it")
    void pointerKeptUntilAcknowledged() {
        pair.settings = pair.settings.withMss(1000);
        pair.established();
        int[] dropped = {0};
        pair.dropToB = s -> s.length() > 0 && dropped[0]++ == 0; // the first data segment is lost
        sendUrgent("x".repeat(2999), 'U');
        pair.exchange();
        pair.runUntil(pair.now + 5_000 * TcpConnectionTest.MS); // the loss is repaired
        List<Seg> data = dataFromA();
        assertTrue(data.size() >= 4, data.toString());
        int urgentPoint = SeqNum.add(data.getFirst().seq(), 3000);
        for (Seg s : data) {
            assertTrue(s.has(TcpSegment.URG), "every segment before SND.UP carries URG: " + s);
            assertEquals(urgentPoint, SeqNum.add(s.seq(), s.urgentPointer()), s.toString());
        }
        assertTrue(pair.a.sender.allAcknowledged());
        pair.b.receiveBuffer().oobInline(true);
        assertEquals(3000, readAll(pair.b.receiveBuffer()).length());
        pair.fromA.clear();
        byte[] more = ascii("after");
        pair.a.sendBuffer().write(more, 0, more.length);
        pair.a.push(pair.now);
        pair.exchange();
        assertFalse(dataFromA().getFirst().has(TcpSegment.URG), "SND.UNA passed SND.UP: urgent mode is over");
    }

    @Test
    @DisplayName("RFC 9293 MUST-31, MUST-33: urgent data of any length, and how much of it remains to be read")
    void urgentDataOfAnyLength() {
        pair.settings = pair.settings.withBuffers(256 * 1024, 256 * 1024);
        pair.established();
        int length = 40_000;
        byte[] body = TcpConnectionTest.pattern(length, 7);
        int written = 0;
        for (int i = 0; i < 1000 && written < length; i++) {
            written += pair.a.sendBuffer().write(body, written, length - written);
            pair.a.flush(pair.now);
            pair.exchange();
        }
        assertTrue(pair.a.sendBuffer().writeUrgent((byte) 'Z'));
        pair.a.push(pair.now);
        pair.exchange();
        pair.runUntil(pair.now + 1_000 * TcpConnectionTest.MS);
        ReceiveBuffer in = pair.b.receiveBuffer();
        assertEquals(length + 1, in.urgentPending(), "everything up to the urgent pointer is urgent data");
        byte[] buf = new byte[10_000];
        int n = in.read(buf, 0, buf.length);
        assertEquals(length + 1 - n, in.urgentPending(), "it shrinks as the application reads");
        assertEquals(length - n, readAll(in).length(), "without SO_OOBINLINE the urgent byte is dropped");
        assertEquals(0, in.urgentPending());
    }

    @Test
    @DisplayName("RFC 9293 MUST-32: the application is signalled each time the urgent pointer advances, not for a repeat")
    void signalledWhenThePointerAdvances() {
        pair.established();
        ReceiveBuffer in = pair.b.receiveBuffer();
        assertEquals(0, in.urgentSignals());
        sendUrgent("a", '1');
        pair.exchange();
        assertEquals(1, in.urgentSignals());
        Seg first = dataFromA().getFirst();
        pair.b.process(pair.now, first.inbound()); // the same segment again: the pointer does not advance
        pair.exchange();
        assertEquals(1, in.urgentSignals());
        sendUrgent("b", '2');
        pair.exchange();
        assertEquals(2, in.urgentSignals());
        // Without SO_OOBINLINE only the latest urgent byte leaves the stream: a newer pointer leaves an unread
        // older one in line, as Linux's single out-of-band byte does.
        assertEquals("a1b", readAll(in));
    }

    @Test
    @DisplayName("RFC 9293 3.8.5: without SO_OOBINLINE a read ends before the urgent byte, which is dropped, as Java on Linux does")
    void outOfBandByteDroppedWithoutOobInline() {
        pair.established();
        sendUrgent("hello", '!');
        byte[] rest = ascii("world");
        pair.a.sendBuffer().write(rest, 0, rest.length);
        pair.a.push(pair.now);
        pair.exchange();
        ReceiveBuffer in = pair.b.receiveBuffer();
        assertEquals(10, in.available(), "the urgent byte is not counted as readable");
        byte[] buf = new byte[64];
        int n = in.read(buf, 0, buf.length);
        assertEquals("hello", new String(buf, 0, n, StandardCharsets.US_ASCII), "the read ends at the urgent mark");
        n = in.read(buf, 0, buf.length);
        assertEquals("world", new String(buf, 0, n, StandardCharsets.US_ASCII));
        assertEquals(0, in.available());
    }

    @Test
    @DisplayName("RFC 9293 3.8.5: hostile urgent pointers (zero, beyond the window, with no data, behind RCV.NXT) are bounded, counted or ignored, never fatal")
    void hostileUrgentPointers() {
        pair.settings = pair.settings.withBuffers(4096, 4096);
        pair.established();
        TcpConnection b = pair.b;
        ReceiveBuffer in = b.receiveBuffer();
        in.oobInline(true);
        int seq = b.receiver.rcvNxt();
        int ack = b.sender.nxt();
        int flags = TcpSegment.ACK | TcpSegment.URG;
        byte[] data = ascii("abcd");
        // Pointer 0: names no urgent octet. The data is taken, the pointer counted and ignored.
        b.process(pair.now, SegmentRecorder.inbound(seq, ack, flags, 1000, new teacup.wire.TcpOptions(), data).urgentPointer(0));
        assertEquals(4, in.available());
        assertEquals(0, in.urgentPending());
        assertEquals(1, b.counters().urgentPointersIgnored());
        seq = SeqNum.add(seq, 4);
        // URG on a bare ACK, pointing 100 bytes ahead: urgent data announced before it arrives.
        b.process(pair.now, SegmentRecorder.inbound(seq, ack, flags, 1000).urgentPointer(100));
        assertEquals(4 + 100, in.urgentPending());
        assertEquals(1, in.urgentSignals());
        // Far beyond the 4 KB window we advertised: bounded by the 16-bit field, taken as a later urgent point.
        b.process(pair.now, SegmentRecorder.inbound(seq, ack, flags, 1000, new teacup.wire.TcpOptions(), data).urgentPointer(65_535));
        assertEquals(4 + 65_535, in.urgentPending());
        assertEquals(2, in.urgentSignals());
        seq = SeqNum.add(seq, 4);
        // A pointer behind RCV.NXT (an old segment's) does not move RCV.UP back.
        b.process(pair.now, SegmentRecorder.inbound(SeqNum.add(seq, -8), ack, flags, 1000, new teacup.wire.TcpOptions(), data)
                .urgentPointer(1));
        assertEquals(4 + 65_535, in.urgentPending());
        assertEquals(2, in.urgentSignals());
        assertEquals(State.ESTABLISHED, b.state());
        assertEquals("abcdabcd", readAll(in), "no urgent byte has arrived yet: nothing dropped");
        assertEquals(1, b.counters().urgentPointersIgnored(), "only the zero pointer was invalid");
    }

    @Test
    @DisplayName("RFC 9293 MUST-66: at a zero receive window the URG of a refused segment is still taken, and a RST at RCV.NXT still resets")
    void urgentAndResetAtZeroWindow() {
        pair.settings = pair.settings.withBuffers(1024, 4096);
        pair.established();
        TcpConnection b = pair.b;
        int seq = b.receiver.rcvNxt();
        int ack = b.sender.nxt();
        byte[] fill = new byte[1024];
        b.process(pair.now, SegmentRecorder.inbound(seq, ack, TcpSegment.ACK, 1000, new teacup.wire.TcpOptions(), fill));
        assertEquals(0, b.receiveBuffer().window(), "the window is closed");
        seq = SeqNum.add(seq, 1024);
        byte[] more = ascii("xy");
        b.process(pair.now, SegmentRecorder.inbound(seq, ack, TcpSegment.ACK | TcpSegment.URG, 1000, new teacup.wire.TcpOptions(), more)
                .urgentPointer(2));
        assertEquals(1024, b.receiveBuffer().available(), "the text was refused");
        assertEquals(1, b.receiveBuffer().urgentSignals(), "but its urgent pointer was taken");
        assertEquals(1024 + 2, b.receiveBuffer().urgentPending());
        b.process(pair.now, SegmentRecorder.inbound(seq, ack, TcpSegment.RST, 0));
        assertEquals(State.CLOSED, b.state());
        assertEquals(TcpConnection.Ending.RESET, b.ending());
    }
}
