package teacup.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VirtualWireTest {

    private static final long LONG_WAIT = TimeUnit.SECONDS.toNanos(10);

    /** A frame whose every byte depends on its id and position, so any mix-up shows. */
    private static byte[] frame(int id, int len) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) {
            f[i] = (byte) (id * 31 + i * 7 + (i >>> 8));
        }
        return f;
    }

    private static byte[] receive(Link link) throws Exception {
        byte[] buf = new byte[link.maxFrameLength() + 8];
        int n = link.receive(buf, 3);
        return n == 0 ? null : Arrays.copyOfRange(buf, 3, 3 + n);
    }

    @Test
    void deliversByteExactAndInOrderInBothDirections() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        for (int i = 0; i < 50; i++) {
            byte[] f = frame(i, 1 + i * 29);
            byte[] padded = new byte[f.length + 10];
            System.arraycopy(f, 0, padded, 5, f.length);
            wire.a().send(padded, 5, f.length);
            wire.b().send(frame(1000 + i, 60 + i), 0, 60 + i);
        }
        for (int i = 0; i < 50; i++) {
            assertArrayEquals(frame(i, 1 + i * 29), receive(wire.b()), "a->b frame " + i);
            assertArrayEquals(frame(1000 + i, 60 + i), receive(wire.a()), "b->a frame " + i);
        }
        assertEquals(0, wire.a().receive(new byte[1514], 0));
        assertEquals(0, wire.b().receive(new byte[1514], 0));
        assertEquals(50, wire.a().framesSent());
        assertEquals(50, wire.a().framesDelivered());
        assertEquals(50, wire.b().framesReceived());
        assertEquals(0, wire.a().dropped());
        assertSame(wire.b(), wire.a().peer());
    }

    @Test
    void copiesOnSendSoTheSenderMayReuseItsBuffer() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        byte[] buf = frame(1, 100);
        wire.a().send(buf, 0, 100);
        Arrays.fill(buf, (byte) 0);
        wire.a().send(buf, 0, 100);
        assertArrayEquals(frame(1, 100), receive(wire.b()));
        assertArrayEquals(new byte[100], receive(wire.b()));
    }

    @Test
    void fullQueueDropsAndCountsLikeANic() throws Exception {
        VirtualWire wire = new VirtualWire(1500, 3);
        for (int i = 0; i < 5; i++) {
            wire.a().send(frame(i, 64), 0, 64);
        }
        assertEquals(5, wire.a().framesSent());
        assertEquals(3, wire.a().framesDelivered());
        assertEquals(2, wire.a().droppedFull());
        assertEquals(3, wire.b().queued());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(frame(i, 64), receive(wire.b()), "the first three arrive, the last two were dropped");
        }
        assertEquals(null, receive(wire.b()));
        // Room again once drained; the ring wraps round correctly.
        for (int round = 0; round < 10; round++) {
            wire.a().send(frame(100 + round, 70), 0, 70);
            wire.a().send(frame(200 + round, 80), 0, 80);
            assertArrayEquals(frame(100 + round, 70), receive(wire.b()));
            assertArrayEquals(frame(200 + round, 80), receive(wire.b()));
        }
        assertEquals(2, wire.a().droppedFull());
    }

    @Test
    void framesLongerThanMtuPlusEthernetHeaderAreDroppedAndCounted() throws Exception {
        VirtualWire wire = VirtualWire.pair(100);
        assertEquals(114, wire.a().maxFrameLength());
        wire.a().send(frame(1, 114), 0, 114);
        wire.a().send(frame(2, 115), 0, 115);
        wire.a().send(new byte[0], 0, 0);
        assertEquals(1, wire.a().droppedOversize());
        assertEquals(1, wire.a().droppedEmpty());
        assertEquals(1, wire.a().framesDelivered());
        assertArrayEquals(frame(1, 114), receive(wire.b()));
        assertEquals(null, receive(wire.b()));
    }

    @Test
    void shortRuntFramesStillPassSoParsersCanBeTestedOnThem() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        wire.a().send(new byte[] {42}, 0, 1);
        assertArrayEquals(new byte[] {42}, receive(wire.b()));
    }

    @Test
    void aReceiveBufferTooSmallThrowsAndKeepsTheFrame() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        wire.a().send(frame(5, 200), 0, 200);
        assertThrows(IndexOutOfBoundsException.class, () -> wire.b().receive(new byte[100], 0));
        assertArrayEquals(frame(5, 200), receive(wire.b()));
    }

    @Test
    void awaitReturnsAtOnceWhenAFrameIsWaiting() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        wire.a().send(frame(1, 60), 0, 60);
        long start = System.nanoTime();
        wire.b().await(LONG_WAIT);
        assertTrue(System.nanoTime() - start < LONG_WAIT / 2);
    }

    @Test
    void awaitReturnsAfterItsTimeoutWhenNothingComes() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        long start = System.nanoTime();
        wire.b().await(TimeUnit.MILLISECONDS.toNanos(30));
        long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(30), "returned early after " + elapsed + " ns");
        wire.b().await(0);
    }

    @Test
    void awaitReturnsWhenAnotherThreadCallsWakeup() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        Thread waker = Thread.ofPlatform().start(() -> {
            sleepBriefly();
            wire.b().wakeup();
        });
        long start = System.nanoTime();
        wire.b().await(-1); // unbounded: only the wakeup can end it
        assertTrue(System.nanoTime() - start < LONG_WAIT);
        waker.join();
    }

    @Test
    void aWakeupBeforeAwaitMakesTheNextAwaitReturnAndIsThenConsumed() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        wire.a().wakeup();
        long start = System.nanoTime();
        wire.a().await(LONG_WAIT);
        assertTrue(System.nanoTime() - start < LONG_WAIT / 2);
        start = System.nanoTime();
        wire.a().await(TimeUnit.MILLISECONDS.toNanos(20));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20), "the wakeup was used up");
    }

    @Test
    void awaitReturnsWhenAFrameArrivesFromAnotherThread() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        Thread sender = Thread.ofPlatform().start(() -> {
            sleepBriefly();
            wire.a().send(frame(9, 99), 0, 99);
        });
        long start = System.nanoTime();
        wire.b().await(LONG_WAIT);
        assertTrue(System.nanoTime() - start < LONG_WAIT / 2);
        sender.join();
        assertArrayEquals(frame(9, 99), receive(wire.b()));
    }

    @Test
    void closingAnEndWakesItsAwaitEmptiesItAndDropsWhatIsSentToIt() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        wire.a().send(frame(1, 60), 0, 60);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loop = Thread.ofPlatform().start(() -> {
            try {
                wire.a().await(0);
                waiting.countDown();
                wire.a().await(-1);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        assertTrue(waiting.await(5, TimeUnit.SECONDS));
        wire.a().close();
        loop.join(TimeUnit.SECONDS.toMillis(5));
        assertTrue(!loop.isAlive(), "await on a closed end must return");
        assertEquals(null, failure.get());

        assertTrue(wire.a().isClosed());
        wire.a().await(-1); // returns at once on a closed end
        wire.b().send(frame(2, 60), 0, 60);
        assertEquals(1, wire.b().droppedClosed());
        assertEquals(0, wire.a().receive(new byte[1514], 0));
        wire.a().send(frame(3, 60), 0, 60);
        assertEquals(1, wire.a().droppedClosed(), "a closed end sends nothing");
        assertArrayEquals(frame(1, 60), receive(wire.b()), "the frame a sent before closing is still at b");
        assertEquals(null, receive(wire.b()), "the one a sent after closing is not");
        wire.a().close(); // twice is harmless
    }

    @Test
    void framesWaitingAtAnEndAreDiscardedWhenItCloses() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        wire.a().send(frame(1, 60), 0, 60);
        wire.b().close();
        assertEquals(0, wire.b().receive(new byte[1514], 0));
        assertEquals(0, wire.b().queued());
    }

    @Test
    void twoThreadsExchangeFramesConcurrentlyWithoutLossOrMixUp() throws Exception {
        int count = 20_000;
        VirtualWire wire = new VirtualWire(1500, count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread ta = Thread.ofPlatform().start(() -> exchange(wire.a(), 0, 1_000_000, count, failure));
        Thread tb = Thread.ofPlatform().start(() -> exchange(wire.b(), 1_000_000, 0, count, failure));
        ta.join(TimeUnit.SECONDS.toMillis(60));
        tb.join(TimeUnit.SECONDS.toMillis(60));
        assertEquals(null, failure.get());
        assertEquals(count, wire.a().framesReceived());
        assertEquals(count, wire.b().framesReceived());
        assertEquals(0, wire.a().dropped() + wire.b().dropped());
    }

    /** A little event loop: sends its frames, interleaved with receiving and checking the peer's. */
    private static void exchange(Link link, int sendBase, int receiveBase, int count, AtomicReference<Throwable> failure) {
        try {
            byte[] buf = new byte[link.maxFrameLength()];
            int sent = 0;
            int received = 0;
            while (received < count) {
                if (sent < count) {
                    int len = 1 + (sent * 13) % 1500;
                    link.send(frame(sendBase + sent, len), 0, len);
                    sent++;
                }
                int n = link.receive(buf, 0);
                if (n > 0) {
                    int len = 1 + (received * 13) % 1500;
                    assertArrayEquals(frame(receiveBase + received, len), Arrays.copyOf(buf, n), "frame " + received);
                    received++;
                } else if (sent == count) {
                    link.await(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    @Test
    void rejectsNonsenseSizes() {
        assertThrows(IllegalArgumentException.class, () -> new VirtualWire(0));
        assertThrows(IllegalArgumentException.class, () -> new VirtualWire(1500, 0));
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
