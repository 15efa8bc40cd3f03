package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReceiveBufferTest {

    static byte[] bytes(int from, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void capacityRoundsUpToPowerOfTwo() {
        assertEquals(1024, new ReceiveBuffer(1000, 4).capacity());
        assertEquals(1024, new ReceiveBuffer(1024, 4).capacity());
    }

    @Test
    void inOrderDataIsReadableAndShrinksTheWindow() {
        ReceiveBuffer r = new ReceiveBuffer(16, 4);
        assertEquals(10, r.accept(0, bytes(0, 10), 0, 10));
        assertEquals(6, r.window());
        byte[] out = new byte[20];
        assertEquals(10, r.read(out, 0, 20));
        assertEquals(16, r.window());
    }

    @Test
    @DisplayName("RFC 9293 SHLD-31: out-of-order data is kept and delivered in order once the gap fills")
    void outOfOrderHeldUntilGapFills() {
        ReceiveBuffer r = new ReceiveBuffer(64, 4);
        assertEquals(0, r.accept(10, bytes(10, 10), 0, 10));
        assertEquals(0, r.available());
        assertEquals(20, r.accept(0, bytes(0, 10), 0, 10));
        byte[] out = new byte[20];
        r.read(out, 0, 20);
        assertArrayEquals(bytes(0, 20), out);
    }

    @Test
    void dataBeyondTheWindowIsCut() {
        ReceiveBuffer r = new ReceiveBuffer(16, 4);
        assertEquals(16, r.accept(0, bytes(0, 30), 0, 30));
        assertEquals(0, r.window());
        assertEquals(0, r.accept(0, bytes(16, 5), 0, 5));
    }

    @Test
    void tooManyGapsDropsNewOutOfOrderData() {
        ReceiveBuffer r = new ReceiveBuffer(64, 2);
        r.accept(10, bytes(10, 1), 0, 1);
        r.accept(20, bytes(20, 1), 0, 1);
        assertEquals(-1, r.accept(30, bytes(30, 1), 0, 1));
    }

    /** Segments of a stream, shuffled and partly duplicated, read back whole across ring wraps. */
    @Property(tries = 200)
    void shuffledSegmentsReassembleExactly(@ForAll @IntRange(min = 1, max = 5000) int total,
                                           @ForAll @IntRange(min = 1, max = 300) int segment,
                                           @ForAll long seed) {
        Random random = new Random(seed);
        ReceiveBuffer r = new ReceiveBuffer(512, 64);
        byte[] stream = bytes(7, total);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long delivered = 0; // stream offset of the in-order point
        byte[] out = new byte[700];
        int rounds = 0;
        while (got.size() < total && rounds++ < 100_000) {
            // Offer every segment within the window, in random order, some twice.
            List<Integer> starts = new ArrayList<>();
            for (long s = delivered - delivered % segment; s < Math.min(total, delivered + r.window()); s += segment) {
                starts.add((int) s);
                if (random.nextInt(4) == 0) {
                    starts.add((int) s);
                }
            }
            Collections.shuffle(starts, random);
            for (int s : starts.subList(0, Math.min(starts.size(), starts.size() / 2 + 1))) {
                int len = Math.min(segment, total - s);
                int skip = (int) Math.max(0, delivered - s); // the sender's old bytes, trimmed as TCP does
                if (skip >= len) {
                    continue;
                }
                int advanced = r.accept((int) (s + skip - delivered), stream, s + skip, len - skip);
                if (advanced > 0) {
                    delivered += advanced;
                }
            }
            int n = r.read(out, 0, random.nextInt(out.length) + 1);
            got.write(out, 0, n);
        }
        int n;
        while ((n = r.read(out, 0, out.length)) > 0) {
            got.write(out, 0, n);
        }
        assertArrayEquals(stream, got.toByteArray());
    }

    @Test
    void concurrentProducerAndConsumerSeeEveryByteInOrder() throws Exception {
        ReceiveBuffer r = new ReceiveBuffer(256, 4);
        int total = 2_000_000;
        byte[] stream = bytes(3, total);
        Thread producer = Thread.ofPlatform().start(() -> {
            int at = 0;
            while (at < total) {
                int n = r.accept(0, stream, at, Math.min(100, total - at));
                at += Math.max(0, n);
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        byte[] got = new byte[total];
        int at = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (at < total && System.nanoTime() < deadline) {
            at += r.read(got, at, Math.min(77, total - at));
        }
        producer.join(5000);
        assertArrayEquals(stream, got);
    }
}
