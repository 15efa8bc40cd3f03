package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The connection buffers' rings start at {@link Rings#INITIAL} bytes and double with need up to
 * the capacity, keeping every byte in place, also while the other side of the buffer works on
 * another thread.
 */
@DisplayName("Ring growth in SendBuffer and ReceiveBuffer")
class RingGrowthTest {
    private static final int CAPACITY = 256 * 1024;

    /** The byte at stream position {@code p} of the test streams. */
    private static byte at(long p) {
        return (byte) (p * 31 + (p >>> 8));
    }

    private static byte[] stream(long from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = at(from + i);
        }
        return b;
    }

    private static boolean powerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }

    @Test
    @DisplayName("a send buffer's ring starts small and grows to what is queued, bytes kept across the wrap")
    void sendBufferGrows() {
        SendBuffer b = new SendBuffer(CAPACITY);
        assertEquals(0, b.allocatedBytes());
        assertEquals(100, b.write(stream(0, 100), 0, 100));
        assertEquals(Rings.INITIAL, b.allocatedBytes(), "a request's worth of data takes the initial ring");
        SplittableRandom r = new SplittableRandom(1);
        long written = 100;
        long released = 0;
        for (int i = 0; i < 20_000; i++) {
            int n = r.nextInt(1, 9000);
            int took = b.write(stream(written, n), 0, n);
            written += took;
            assertTrue(powerOfTwo(b.allocatedBytes()) && b.allocatedBytes() <= CAPACITY, "ring " + b.allocatedBytes());
            assertTrue(b.allocatedBytes() >= b.queued());
            int queued = b.queued();
            int off = queued == 0 ? 0 : r.nextInt(queued);
            int len = Math.min(queued - off, 3000);
            byte[] out = new byte[len];
            b.copyOut(off, out, 0, len);
            assertArrayEquals(stream(released + off, len), out, "bytes at " + (released + off));
            int release = r.nextInt(queued + 1);
            // Keep the queue long now and then so the ring has to grow all the way.
            if (i % 1000 < 100) {
                release = Math.min(release, 100);
            }
            b.release(release);
            released += release;
        }
        assertEquals(CAPACITY, b.allocatedBytes(), "the ring reached the capacity when the queue did");
    }

    @Test
    @DisplayName("a receive buffer's ring grows for in-order and out-of-order data; both survive the copy")
    void receiveBufferGrows() {
        ReceiveBuffer b = new ReceiveBuffer(CAPACITY, 16);
        assertEquals(0, b.allocatedBytes());
        assertEquals(10, b.accept(0, stream(0, 10), 0, 10));
        assertEquals(Rings.INITIAL, b.allocatedBytes());
        // A range far past the ring's end, then the gap before it: the ring must grow with the range in it.
        assertEquals(0, b.accept(50_000, stream(50_010, 1000), 0, 1000));
        assertTrue(b.allocatedBytes() >= 51_010, "ring " + b.allocatedBytes());
        assertEquals(51_000, b.accept(0, stream(10, 50_000), 0, 50_000));
        byte[] out = new byte[51_010];
        assertEquals(51_010, b.read(out, 0, out.length));
        assertArrayEquals(stream(0, 51_010), out);

        SplittableRandom r = new SplittableRandom(2);
        long expected = 51_010;
        long read = 51_010;
        for (int i = 0; i < 20_000; i++) {
            int window = b.window();
            if (window > 0) {
                int offset = r.nextInt(4) == 0 ? r.nextInt(Math.min(window, 20_000)) : 0;
                int n = Math.min(r.nextInt(1, 3000), window - offset);
                b.accept(offset, stream(expected + offset, n), 0, n);
                expected = read + b.available();
            }
            assertTrue(powerOfTwo(b.allocatedBytes()) && b.allocatedBytes() <= CAPACITY, "ring " + b.allocatedBytes());
            int want = r.nextInt(8000);
            byte[] got = new byte[want];
            int n = b.read(got, 0, want);
            byte[] part = new byte[n];
            System.arraycopy(got, 0, part, 0, n);
            assertArrayEquals(stream(read, n), part, "bytes at " + read);
            read += n;
        }
    }

    @Test
    @DisplayName("a writer thread and a sender thread agree on every byte while the send ring grows under them")
    void sendBufferGrowsUnderConcurrentUse() throws Exception {
        for (int round = 0; round < 40; round++) {
            SendBuffer b = new SendBuffer(CAPACITY);
            long total = 600_000;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = Thread.ofPlatform().start(() -> {
                long written = 0;
                SplittableRandom r = new SplittableRandom(3);
                while (written < total) {
                    int n = (int) Math.min(r.nextInt(1, 20_000), total - written);
                    written += b.write(stream(written, n), 0, n);
                }
            });
            long released = 0;
            long deadline = System.nanoTime() + 20_000_000_000L;
            try {
                while (released < total && System.nanoTime() < deadline) {
                    int queued = b.queued();
                    if (queued == 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                    int len = Math.min(queued, 1460);
                    byte[] out = new byte[len];
                    b.copyOut(0, out, 0, len);
                    assertArrayEquals(stream(released, len), out, "bytes at " + released);
                    b.release(len);
                    released += len;
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                writer.join(20_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("round " + round, failure.get());
            }
            assertEquals(total, released, "round " + round);
        }
    }

    @Test
    @DisplayName("the loop filling and a reader thread draining agree on every byte while the receive ring grows")
    void receiveBufferGrowsUnderConcurrentUse() throws Exception {
        for (int round = 0; round < 40; round++) {
            ReceiveBuffer b = new ReceiveBuffer(CAPACITY, 16);
            long total = 600_000;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                long read = 0;
                byte[] got = new byte[9000];
                long deadline = System.nanoTime() + 20_000_000_000L;
                try {
                    while (read < total && System.nanoTime() < deadline) {
                        int n = b.read(got, 0, got.length);
                        for (int i = 0; i < n; i++) {
                            if (got[i] != at(read + i)) {
                                throw new AssertionError("byte " + (read + i) + " differs");
                            }
                        }
                        read += n;
                    }
                    if (read < total) {
                        throw new AssertionError("read " + read + " of " + total);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            long expected = 0;
            SplittableRandom r = new SplittableRandom(4);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (expected < total && System.nanoTime() < deadline && failure.get() == null) {
                int window = b.window();
                if (window == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                // Now and then a segment arrives early, then the one before it.
                int n = (int) Math.min(Math.min(r.nextInt(1, 1461), window), total - expected);
                if (r.nextInt(8) == 0 && n * 2L <= window && expected + 2L * n <= total) {
                    b.accept(n, stream(expected + n, n), 0, n);
                    b.accept(0, stream(expected, n), 0, n);
                    expected += 2L * n;
                } else {
                    b.accept(0, stream(expected, n), 0, n);
                    expected += n;
                }
            }
            reader.join(20_000);
            if (failure.get() != null) {
                throw new AssertionError("round " + round, failure.get());
            }
            assertEquals(total, expected, "round " + round);
        }
    }
}
