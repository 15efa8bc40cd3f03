package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SendBufferTest {

    @Test
    void writesUntilFullAndReleasesMakeRoom() {
        SendBuffer s = new SendBuffer(16);
        assertEquals(16, s.write(ReceiveBufferTest.bytes(0, 20), 0, 20));
        assertEquals(0, s.free());
        assertEquals(0, s.write(new byte[1], 0, 1));
        s.release(6);
        assertEquals(6, s.free());
        assertEquals(10, s.queued());
    }

    @Test
    void copyOutReadsAnyQueuedRangeAcrossTheWrap() {
        SendBuffer s = new SendBuffer(16);
        s.write(ReceiveBufferTest.bytes(0, 12), 0, 12);
        s.release(10);
        s.write(ReceiveBufferTest.bytes(12, 12), 0, 12); // wraps
        byte[] out = new byte[14];
        s.copyOut(0, out, 0, 14);
        assertArrayEquals(ReceiveBufferTest.bytes(10, 14), out);
        byte[] again = new byte[5];
        s.copyOut(7, again, 0, 5); // a retransmission from the middle
        assertArrayEquals(ReceiveBufferTest.bytes(17, 5), again);
    }

    @Test
    void rangesBeyondWhatIsQueuedAreRefused() {
        SendBuffer s = new SendBuffer(16);
        s.write(new byte[4], 0, 4);
        assertThrows(IndexOutOfBoundsException.class, () -> s.copyOut(2, new byte[4], 0, 4));
        assertThrows(IllegalArgumentException.class, () -> s.release(5));
    }

    @Test
    void concurrentWriterAndSenderMoveEveryByteInOrder() throws Exception {
        SendBuffer s = new SendBuffer(512);
        int total = 2_000_000;
        byte[] stream = ReceiveBufferTest.bytes(5, total);
        Thread writer = Thread.ofPlatform().start(() -> {
            int at = 0;
            while (at < total) {
                at += s.write(stream, at, Math.min(300, total - at));
            }
        });
        byte[] got = new byte[total];
        int at = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (at < total && System.nanoTime() < deadline) {
            int n = Math.min(s.queued(), 123);
            s.copyOut(0, got, at, n);
            s.release(n);
            at += n;
        }
        writer.join(5000);
        assertArrayEquals(stream, got);
    }
}
