package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IdleRingsTest {
    @Test
    @DisplayName("an empty receive ring goes at the second look with nothing arrived between; the next data takes one again")
    void receiveRingGoesWhenIdle() {
        ReceiveBuffer b = new ReceiveBuffer(256 * 1024, 8);
        byte[] data = new byte[100];
        assertEquals(100, b.accept(0, data, 0, 100));
        assertFalse(b.releaseIfIdle(), "unread bytes keep the ring");
        assertEquals(100, b.read(new byte[200], 0, 200));
        assertFalse(b.releaseIfIdle(), "empty for the first time: kept until the next look");
        assertTrue(b.releaseIfIdle());
        assertEquals(0, b.allocatedBytes());
        assertEquals(256 * 1024, b.window(), "the window does not shrink with the ring");
        assertEquals(100, b.accept(0, data, 0, 100));
        assertEquals(Rings.INITIAL, b.allocatedBytes());
        byte[] out = new byte[200];
        data[0] = 7;
        assertEquals(100, b.read(out, 0, 200));
    }

    @Test
    @DisplayName("data between two looks keeps the receive ring; out-of-order data keeps it too")
    void busyReceiveRingStays() {
        ReceiveBuffer b = new ReceiveBuffer(64 * 1024, 8);
        byte[] data = new byte[10];
        b.accept(0, data, 0, 10);
        b.read(new byte[10], 0, 10);
        assertFalse(b.releaseIfIdle());
        b.accept(0, data, 0, 10);
        b.read(new byte[10], 0, 10);
        assertFalse(b.releaseIfIdle(), "bytes moved since the last look");
        b.accept(100, data, 0, 10); // a hole before it
        assertFalse(b.releaseIfIdle());
        assertFalse(b.releaseIfIdle(), "an out-of-order range is held");
        assertTrue(b.allocated());
    }

    @Test
    @DisplayName("an acknowledged-empty send ring goes at the second look, its bytes back to the budget; a write takes one again")
    void sendRingGoesWhenIdle() {
        SendMemory memory = new SendMemory(1 << 20);
        SendBuffer b = new SendBuffer(256 * 1024, memory);
        byte[] data = new byte[20_000];
        assertEquals(20_000, b.write(data, 0, data.length));
        assertEquals(32 * 1024, memory.held());
        assertFalse(b.releaseIfIdle(), "unacknowledged bytes keep the ring");
        b.release(20_000);
        assertFalse(b.releaseIfIdle());
        assertTrue(b.releaseIfIdle());
        assertEquals(0, b.allocatedBytes());
        assertEquals(0, memory.held());
        assertEquals(256 * 1024, b.free());
        assertEquals(100, b.write(data, 0, 100));
        assertEquals(Rings.INITIAL, b.allocatedBytes());
        assertEquals(Rings.INITIAL, memory.held());
        byte[] out = new byte[100];
        b.copyOut(0, out, 0, 100);
    }

    @Test
    @DisplayName("a discarded send buffer is never given a ring by the sweep")
    void discardedStaysDiscarded() {
        SendBuffer b = new SendBuffer(64 * 1024, new SendMemory(1 << 20));
        b.write(new byte[10], 0, 10);
        b.release(10);
        b.discard();
        assertFalse(b.releaseIfIdle());
        assertFalse(b.releaseIfIdle());
        assertEquals(0, b.write(new byte[10], 0, 10));
    }
}
