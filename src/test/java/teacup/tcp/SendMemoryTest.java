package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The stack-wide send memory budget as the send buffers see it: growth within it, a refusal that
 * leaves the ring as it is (and says so through {@link SendBuffer#free}, so a writer waits rather
 * than spins), every connection's first ring granted whatever is spent, and bytes given back on
 * discard; and the ring's bound by the peer's window.
 */
@DisplayName("SendMemory: the stack's budget of send-ring bytes")
class SendMemoryTest {
    private static final int CAPACITY = 256 * 1024;

    private static int fill(SendBuffer b) {
        int total = 0;
        byte[] chunk = new byte[8192];
        for (int n; (n = b.write(chunk, 0, chunk.length)) > 0; ) {
            total += n;
        }
        return total;
    }

    @Test
    @DisplayName("rings grow within the budget; past it a ring stays, free() is what it has left, the refusal is counted")
    void budgetBites() {
        SendMemory memory = new SendMemory(96 * 1024);
        SendBuffer a = new SendBuffer(CAPACITY, memory);
        SendBuffer b = new SendBuffer(CAPACITY, memory);
        fill(a);
        assertEquals(64 * 1024, a.allocatedBytes(), "a grows to 64 KB; 128 KB would pass 96 KB");
        assertEquals(64 * 1024, a.queued());
        assertEquals(0, a.free(), "full as far as the budget lets it be: a writer waits");
        assertTrue(memory.takeRefusals() > 0);
        assertEquals(32 * 1024, fill(b), "b takes what is left");
        assertEquals(96 * 1024, memory.held());
        SendBuffer c = new SendBuffer(CAPACITY, memory);
        assertEquals(Rings.INITIAL, fill(c), "a new connection's first ring is granted though the budget is spent");
        assertEquals(96 * 1024 + Rings.INITIAL, memory.held());

        a.release(64 * 1024); // acknowledged: room in a's ring again, and only there
        assertEquals(64 * 1024, a.free());
        a.discard(); // the connection is over: its ring goes back
        assertEquals(0, a.free(), "a discarded buffer takes nothing");
        assertEquals(0, a.write(new byte[10], 0, 10));
        assertEquals(32 * 1024 + Rings.INITIAL, memory.held());
        b.release(32 * 1024);
        fill(b);
        assertEquals(64 * 1024, b.allocatedBytes(), "b grows into what a gave back");
        b.discard();
        c.discard();
        assertEquals(0, memory.held(), "every byte given back");
    }

    @Test
    @DisplayName("under pressure the budget is shared: no ring grows past its share, a ring above it moves into one of the share's size once its bytes fit, and grows again when the pressure is gone")
    void fairShareUnderPressure() {
        int limit = 1 << 20;
        SendMemory memory = new SendMemory(limit);
        SendBuffer first = new SendBuffer(limit, memory);
        byte[] pattern = new byte[limit];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 7 + (i >>> 9));
        }
        assertEquals(limit, first.write(pattern, 0, limit), "alone, it may take the whole budget");
        assertEquals(Integer.MAX_VALUE, new SendMemory(limit).fairCeiling(), "no pressure, no ceiling");
        java.util.List<SendBuffer> others = new java.util.ArrayList<>();
        for (int i = 0; i < 15; i++) {
            SendBuffer b = new SendBuffer(limit, memory);
            fill(b);
            assertEquals(Rings.INITIAL, b.allocatedBytes(), "the budget is spent: only a first ring");
            others.add(b);
        }
        assertEquals(64 * 1024, memory.fairCeiling(), "1 MiB over 16 rings");
        first.release(limit - 10_000); // acknowledged but for 10,000 bytes
        assertEquals(64 * 1024 - 10_000, first.write(pattern, 0, 100_000), "a ring above its share takes no more than the share");
        assertEquals(64 * 1024, first.allocatedBytes(), "and moved into a ring of the share's size");
        byte[] out = new byte[10_000];
        first.copyOut(0, out, 0, out.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(pattern, limit - 10_000, limit), out, "the bytes in flight moved with it");
        assertEquals(0, first.free());
        for (SendBuffer b : others) {
            fill(b); // the first to grow finds no pressure and takes half the budget; the rest are held to their share
        }
        for (SendBuffer b : others) {
            b.release(b.queued() - 1_000);
            fill(b); // acknowledged: the big one moves down to its share, the others grow into what it gave back
        }
        for (SendBuffer b : others) {
            assertEquals(64 * 1024, b.allocatedBytes(), "each of the others holds its share, and no more");
        }
        assertTrue(memory.held() <= limit, "within the budget: " + memory.held());
        assertEquals(16, memory.rings());
        others.forEach(SendBuffer::discard);
        assertEquals(1, memory.rings());
        first.release(64 * 1024);
        fill(first);
        assertEquals(limit, first.allocatedBytes(), "alone again: it grows past the share, to the whole budget");
    }

    @Test
    @DisplayName("a ring grows to twice the largest window the peer offered, at least 16 KB, never past the capacity")
    void ringFollowsThePeersWindow() {
        SendBuffer b = new SendBuffer(CAPACITY);
        b.peerWindow(1000);
        assertEquals(SendBuffer.WINDOW_FLOOR, fill(b));
        assertEquals(SendBuffer.WINDOW_FLOOR, b.allocatedBytes());
        assertEquals(0, b.free());
        b.peerWindow(40_000); // the peer offered more: the ring may grow to 128 KB (80,000 rounded up)
        b.release(1);
        fill(b);
        assertEquals(128 * 1024, b.allocatedBytes());
        b.peerWindow(1 << 20);
        b.release(1);
        fill(b);
        assertEquals(CAPACITY, b.allocatedBytes());
    }

    @Test
    @DisplayName("a writer held by the peer's window, not the capacity, is counted (TCP_SEND_RING_WINDOW_BOUND); one held by the capacity is not")
    void windowBoundCounted() {
        SendMemory memory = new SendMemory(1 << 30);
        SendBuffer b = new SendBuffer(CAPACITY, memory);
        b.peerWindow(1000);
        fill(b);
        assertEquals(0, b.write(new byte[1], 0, 1), "the ring is full at twice the window's floor");
        assertTrue(memory.takeHeldToWindow() > 0, "the window's bound bit");
        assertEquals(0, memory.takeHeldToWindow(), "taken once");
        b.peerWindow(1 << 20);
        b.release(1);
        fill(b);
        b.write(new byte[1], 0, 1);
        assertEquals(0, memory.takeHeldToWindow(), "at the capacity it is the buffer's size, not the window, that holds");
    }
}
