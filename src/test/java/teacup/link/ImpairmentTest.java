package teacup.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.link.Impairment.Config;
import teacup.link.Impairment.Corruption;
import teacup.time.Clock;

class ImpairmentTest {

    /** Simulated time: moves only when the test says so. */
    private final AtomicLong now = new AtomicLong();
    private final Clock clock = now::get;
    private final RecordingLink inner = new RecordingLink();

    /** A link that records what is sent and hands out what the test queues. */
    static final class RecordingLink implements Link {
        final List<byte[]> sent = new ArrayList<>();
        final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
        final List<Long> awaitTimeouts = new ArrayList<>();
        boolean closed;

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public int receive(byte[] buf, int off) {
            byte[] f = inbound.poll();
            if (f == null) {
                return 0;
            }
            System.arraycopy(f, 0, buf, off, f.length);
            return f.length;
        }

        @Override
        public void send(byte[] buf, int off, int len) {
            sent.add(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void await(long timeoutNanos) {
            awaitTimeouts.add(timeoutNanos);
        }

        @Override
        public void wakeup() {}

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Frame {@code id}: the id in its first four bytes, then bytes that depend on id and position. */
    static byte[] frame(int id, int len) {
        byte[] f = new byte[len];
        f[0] = (byte) (id >>> 24);
        f[1] = (byte) (id >>> 16);
        f[2] = (byte) (id >>> 8);
        f[3] = (byte) id;
        for (int i = 4; i < len; i++) {
            f[i] = (byte) (id * 17 + i);
        }
        return f;
    }

    static int id(byte[] f) {
        return ((f[0] & 0xff) << 24) | ((f[1] & 0xff) << 16) | ((f[2] & 0xff) << 8) | (f[3] & 0xff);
    }

    static List<Integer> ids(List<byte[]> frames) {
        return frames.stream().map(ImpairmentTest::id).toList();
    }

    static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(i);
        }
        return l;
    }

    private static void sendFrames(Link link, int count, int len) throws Exception {
        for (int i = 0; i < count; i++) {
            link.send(frame(i, len), 0, len);
        }
    }

    /** Receives until the link reports nothing waiting. */
    private static List<byte[]> drain(Link link) throws Exception {
        List<byte[]> got = new ArrayList<>();
        byte[] buf = new byte[link.maxFrameLength()];
        int n;
        while ((n = link.receive(buf, 0)) > 0) {
            got.add(Arrays.copyOf(buf, n));
        }
        return got;
    }

    /** Five standard deviations of a binomial count: a seeded run far outside it means a bias. */
    private static void assertNear(double p, int trials, long observed, String what) {
        double mean = p * trials;
        double bound = 5 * Math.sqrt(trials * p * (1 - p));
        assertTrue(Math.abs(observed - mean) <= bound,
                what + ": observed " + observed + ", expected " + mean + " +- " + bound);
    }

    @Nested
    class PassThrough {
        @Test
        void withNoImpairmentFramesPassUnchangedBothWays() throws Exception {
            Impairment link = new Impairment(inner, Config.none(), Config.none(), 1, clock);
            sendFrames(link, 100, 80);
            for (int i = 0; i < 100; i++) {
                assertArrayEquals(frame(i, 80), inner.sent.get(i));
                inner.inbound.add(frame(500 + i, 90));
            }
            List<byte[]> got = drain(link);
            assertEquals(range(500, 600), ids(got));
            assertEquals(100, link.sendCounters().frames());
            assertEquals(100, link.receiveCounters().frames());
            assertEquals(Long.MAX_VALUE, link.nextDueNanos());
        }

        @Test
        void withEveryProbabilityZeroNothingChangesEvenOnTheImpairingPath() throws Exception {
            // The index far beyond the run forces frames through the full pipeline while choosing none.
            Config zero = Config.none().drop(0).duplicate(0).reorder(0).delay(1000, 1000, 0).corrupt(0)
                    .dropIndices(1_000_000_000L);
            assertFalse(zero.isNone());
            Impairment link = new Impairment(inner, zero, zero, 7, clock);
            for (int i = 0; i < 1000; i++) {
                link.send(frame(i, 64), 0, 64);
                inner.inbound.add(frame(i, 64));
            }
            assertEquals(1000, inner.sent.size());
            for (int i = 0; i < 1000; i++) {
                assertArrayEquals(frame(i, 64), inner.sent.get(i));
            }
            List<byte[]> got = drain(link);
            assertEquals(range(0, 1000), ids(got));
            for (int i = 0; i < 1000; i++) {
                assertArrayEquals(frame(i, 64), got.get(i));
            }
            for (Impairment.Counters c : List.of(link.sendCounters(), link.receiveCounters())) {
                assertEquals(1000, c.frames());
                assertEquals(0, c.dropped() + c.duplicated() + c.reordered() + c.delayed() + c.corrupted() + c.overflowed(), c.toString());
            }
            assertEquals(0, link.pendingFrames());
        }

        @Test
        void closeClosesTheInnerLinkAndDelegatesMtu() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().delay(10, 0), 1, clock);
            assertEquals(1500, link.mtu());
            assertEquals(1514, link.maxFrameLength());
            link.send(frame(1, 60), 0, 60);
            link.close();
            assertTrue(inner.closed);
            assertEquals(0, link.pendingFrames());
        }
    }

    @Nested
    class ByIndex {
        @Test
        void dropIndicesDropsExactlyThoseFramesOnSend() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().dropIndices(3, 7), 1, clock);
            sendFrames(link, 10, 60);
            assertEquals(List.of(0, 1, 2, 4, 5, 6, 8, 9), ids(inner.sent));
            assertEquals(2, link.sendCounters().dropped());
        }

        @Test
        void dropIndicesOnReceiveDropsThoseAndReceiveReadsOnPastThem() throws Exception {
            Impairment link = Impairment.onReceive(inner, Config.none().dropIndices(0, 1, 4), 1, clock);
            for (int i = 0; i < 6; i++) {
                inner.inbound.add(frame(i, 60));
            }
            byte[] buf = new byte[1514];
            int n = link.receive(buf, 0);
            assertEquals(60, n, "two dropped frames must not look like an empty link");
            assertEquals(2, id(buf));
            assertEquals(List.of(3, 5), ids(drain(link)));
            assertEquals(3, link.receiveCounters().dropped());
            assertEquals(0, link.sendCounters().frames());
        }

        @Test
        void duplicateIndicesSendsThoseTwice() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().duplicateIndices(2), 1, clock);
            sendFrames(link, 4, 60);
            assertEquals(List.of(0, 1, 2, 2, 3), ids(inner.sent));
            assertArrayEquals(inner.sent.get(2), inner.sent.get(3));
            assertEquals(1, link.sendCounters().duplicated());
        }

        @Test
        void duplicateOnReceiveHandsOutBothCopies() throws Exception {
            Impairment link = Impairment.onReceive(inner, Config.none().duplicateIndices(0, 2), 1, clock);
            for (int i = 0; i < 3; i++) {
                inner.inbound.add(frame(i, 60));
            }
            assertEquals(List.of(0, 0, 1, 2, 2), ids(drain(link)));
        }

        @Test
        void reorderIndexWithGapThreeFollowsExactlyThreeLaterFrames() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().reorderIndices(2).reorderGap(3), 1, clock);
            sendFrames(link, 10, 60);
            assertEquals(List.of(0, 1, 3, 4, 5, 2, 6, 7, 8, 9), ids(inner.sent));
            assertEquals(1, link.sendCounters().reordered());
        }

        @Test
        void reorderWithGapOneSwapsNeighbours() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().reorderIndices(0, 4), 1, clock);
            sendFrames(link, 6, 60);
            assertEquals(List.of(1, 0, 2, 3, 5, 4), ids(inner.sent));
        }

        @Test
        void aHeldFrameWaitsUntilLaterFramesComeOrFlushAll() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().reorderIndices(1), 1, clock);
            sendFrames(link, 2, 60);
            assertEquals(List.of(0), ids(inner.sent));
            assertEquals(1, link.pendingFrames());
            link.flushAll();
            assertEquals(List.of(0, 1), ids(inner.sent));
            assertEquals(0, link.pendingFrames());
        }

        @Test
        void corruptIndicesCorruptsOnlyThoseAndLeavesTheSendersBufferAlone() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().corruptIndices(1), 3, clock);
            byte[] f1 = frame(1, 100);
            link.send(frame(0, 100), 0, 100);
            link.send(f1, 0, 100);
            link.send(frame(2, 100), 0, 100);
            assertArrayEquals(frame(1, 100), f1, "the caller's buffer must not be damaged");
            assertArrayEquals(frame(0, 100), inner.sent.get(0));
            assertEquals(1, bitsDiffering(frame(1, 100), inner.sent.get(1)));
            assertArrayEquals(frame(2, 100), inner.sent.get(2));
            assertEquals(1, link.sendCounters().corrupted());
        }

        @Test
        void delayIndicesDelayOnlyThose() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().delay(1000, 0, 0.0).delayIndices(1), 1, clock);
            sendFrames(link, 3, 60);
            assertEquals(List.of(0, 2), ids(inner.sent));
            assertEquals(1000, link.nextDueNanos());
            now.set(1000);
            link.flushDue();
            assertEquals(List.of(0, 2, 1), ids(inner.sent));
            assertEquals(1, link.sendCounters().delayed());
        }
    }

    @Nested
    class Reproducibility {
        private final Config mix = Config.none().drop(0.1).duplicate(0.05).reorder(0.1, 2).delay(100, 400, 0.3).corrupt(0.05);

        private List<String> run(long seed) throws Exception {
            RecordingLink rec = new RecordingLink();
            AtomicLong t = new AtomicLong();
            Impairment link = new Impairment(rec, mix, mix, seed, t::get);
            for (int i = 0; i < 2000; i++) {
                t.addAndGet(37);
                link.send(frame(i, 120), 0, 120);
                rec.inbound.add(frame(i, 120));
                link.receive(new byte[1514], 0);
            }
            link.flushAll();
            List<String> outcome = new ArrayList<>();
            for (byte[] f : rec.sent) {
                outcome.add(Arrays.toString(f));
            }
            outcome.add(link.sendCounters().toString());
            outcome.add(link.receiveCounters().toString());
            return outcome;
        }

        @Test
        void sameSeedGivesTheSameOutcome() throws Exception {
            assertEquals(run(42), run(42));
        }

        @Test
        void differentSeedsGiveDifferentOutcomes() throws Exception {
            assertNotEquals(run(42), run(43));
        }

        @Test
        void receiveTrafficDoesNotChangeTheFateOfSentFrames() throws Exception {
            Config c = Config.none().drop(0.2);
            Impairment quiet = new Impairment(new RecordingLink(), c, c, 9, clock);
            RecordingLink busyInner = new RecordingLink();
            Impairment busy = new Impairment(busyInner, c, c, 9, clock);
            for (int i = 0; i < 500; i++) {
                busyInner.inbound.add(frame(i, 60));
            }
            drain(busy);
            sendFrames(quiet, 500, 60);
            sendFrames(busy, 500, 60);
            assertEquals(ids(((RecordingLink) quiet.inner()).sent), ids(busyInner.sent));
        }

        @Test
        void toStringCarriesTheSeedAndBothConfigsForFailureMessages() {
            Impairment link = new Impairment(inner, mix, Config.none().dropIndices(3), 1234, clock);
            String s = link.toString();
            assertTrue(s.contains("seed=1234"), s);
            assertTrue(s.contains("drop p=0.1"), s);
            assertTrue(s.contains("receive=drop frames=[3]"), s);
        }
    }

    @Nested
    class Rates {
        private static final int FRAMES = 10_000;

        @ParameterizedTest
        @ValueSource(longs = {1, 2, 3})
        void dropRateMatchesTheConfiguredProbability(long seed) throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().drop(0.1), seed, clock);
            sendFrames(link, FRAMES, 60);
            long missing = FRAMES - inner.sent.size();
            assertEquals(link.sendCounters().dropped(), missing);
            assertNear(0.1, FRAMES, missing, "dropped, " + link);
        }

        @ParameterizedTest
        @ValueSource(longs = {1, 2, 3})
        void duplicateRateMatchesTheConfiguredProbability(long seed) throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().duplicate(0.05), seed, clock);
            sendFrames(link, FRAMES, 60);
            Map<Integer, Integer> copies = new HashMap<>();
            ids(inner.sent).forEach(id -> copies.merge(id, 1, Integer::sum));
            long twice = copies.values().stream().filter(n -> n == 2).count();
            assertEquals(FRAMES, copies.size(), "nothing lost");
            assertTrue(copies.values().stream().allMatch(n -> n <= 2));
            assertEquals(link.sendCounters().duplicated(), twice);
            assertNear(0.05, FRAMES, twice, "duplicated, " + link);
        }

        @ParameterizedTest
        @ValueSource(longs = {1, 2, 3})
        void corruptRateMatchesTheConfiguredProbability(long seed) throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().corrupt(0.02), seed, clock);
            sendFrames(link, FRAMES, 60);
            long damaged = 0;
            for (int i = 0; i < FRAMES; i++) {
                if (!Arrays.equals(frame(i, 60), inner.sent.get(i))) {
                    damaged++;
                }
            }
            assertEquals(link.sendCounters().corrupted(), damaged);
            assertNear(0.02, FRAMES, damaged, "corrupted, " + link);
        }

        @ParameterizedTest
        @ValueSource(longs = {1, 2, 3})
        void reorderRateMatchesAndNothingIsLost(long seed) throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().reorder(0.05), seed, clock);
            sendFrames(link, FRAMES, 60);
            link.flushAll();
            List<Integer> order = ids(inner.sent);
            assertEquals(range(0, FRAMES), order.stream().sorted().toList(), "every frame exactly once");
            assertNotEquals(range(0, FRAMES), order, "the order must actually change");
            long overtaken = overtaken(order);
            // Only held frames are ever overtaken, and each held one is.
            assertEquals(link.sendCounters().reordered(), overtaken);
            assertNear(0.05, FRAMES, overtaken, "reordered, " + link);
        }

        @Test
        void receiveSideRatesMatchToo() throws Exception {
            Impairment link = Impairment.onReceive(inner, Config.none().drop(0.1), 5, clock);
            for (int i = 0; i < FRAMES; i++) {
                inner.inbound.add(frame(i, 60));
            }
            List<byte[]> got = drain(link);
            assertEquals(link.receiveCounters().dropped(), FRAMES - got.size());
            assertNear(0.1, FRAMES, FRAMES - got.size(), "dropped on receive, " + link);
        }
    }

    /** How many frames arrive after some frame with a higher id. */
    private static long overtaken(List<Integer> order) {
        long count = 0;
        int highest = -1;
        for (int id : order) {
            if (id < highest) {
                count++;
            }
            highest = Math.max(highest, id);
        }
        return count;
    }

    private static int bitsDiffering(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        int bits = 0;
        for (int i = 0; i < a.length; i++) {
            bits += Integer.bitCount((a[i] ^ b[i]) & 0xff);
        }
        return bits;
    }

    @Nested
    class Corrupting {
        private void check(Config config, BiPredicate<byte[], byte[]> damageIsRight) throws Exception {
            Impairment link = Impairment.onSend(inner, config, 11, clock);
            sendFrames(link, 2000, 100);
            long damaged = 0;
            for (int i = 0; i < 2000; i++) {
                byte[] sent = inner.sent.get(i);
                if (!Arrays.equals(frame(i, 100), sent)) {
                    damaged++;
                    assertTrue(damageIsRight.test(frame(i, 100), sent), "frame " + i + " with " + link);
                }
            }
            assertTrue(damaged > 0);
            assertEquals(link.sendCounters().corrupted(), damaged, "exactly the frames counted are changed");
        }

        @Test
        void bitCorruptionFlipsExactlyOneBit() throws Exception {
            check(Config.none().corrupt(0.1), (want, got) -> bitsDiffering(want, got) == 1);
        }

        @Test
        void byteCorruptionChangesExactlyOneByte() throws Exception {
            check(Config.none().corrupt(0.1).corruption(Corruption.BYTE), (want, got) -> {
                int bytes = 0;
                for (int i = 0; i < want.length; i++) {
                    bytes += want[i] != got[i] ? 1 : 0;
                }
                return bytes == 1;
            });
        }

        @Test
        void corruptFromLeavesTheEthernetHeaderIntact() throws Exception {
            check(Config.none().corrupt(0.2).corruptFrom(14),
                    (want, got) -> Arrays.equals(want, 0, 14, got, 0, 14) && bitsDiffering(want, got) == 1);
        }

        @Test
        void aFrameNoLongerThanCorruptFromIsNotCorruptedNorCounted() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().corrupt(1.0).corruptFrom(14), 1, clock);
            link.send(frame(1, 14), 0, 14);
            assertArrayEquals(frame(1, 14), inner.sent.get(0));
            assertEquals(0, link.sendCounters().corrupted());
        }

        @Test
        void receiveSideCorruptionChangesExactlyTheCountedFrames() throws Exception {
            Impairment link = Impairment.onReceive(inner, Config.none().corrupt(0.1).corruptFrom(4), 8, clock);
            for (int i = 0; i < 2000; i++) {
                inner.inbound.add(frame(i, 100));
            }
            List<byte[]> got = drain(link);
            long damaged = 0;
            for (byte[] f : got) {
                if (!Arrays.equals(frame(id(f), 100), f)) {
                    damaged++;
                }
            }
            assertEquals(2000, got.size());
            assertEquals(link.receiveCounters().corrupted(), damaged);
        }
    }

    @Nested
    class Delay {
        private static final long FIXED = 1000;
        private static final long JITTER = 500;

        @Test
        void releasesExactlyWhenDueNeverBeforeAndNextDueIsRight() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().delay(FIXED, JITTER), 21, clock);
            Map<Integer, Long> sentAt = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                now.set(i * 10L);
                sentAt.put(i, now.get());
                link.send(frame(i, 60), 0, 60);
                assertTrue(inner.sent.isEmpty(), "nothing leaves before its delay");
            }
            assertEquals(100, link.sendCounters().delayed());
            long lastDue = 0;
            boolean jittered = false;
            while (link.nextDueNanos() != Long.MAX_VALUE) {
                long due = link.nextDueNanos();
                assertTrue(due >= lastDue, "due times come in order");
                int before = inner.sent.size();
                now.set(due - 1);
                link.flushDue();
                assertEquals(before, inner.sent.size(), "nothing is released 1 ns before it is due");
                now.set(due);
                link.flushDue();
                assertTrue(inner.sent.size() > before, "what is due is released at its due time");
                assertTrue(link.nextDueNanos() > due, "everything due by now has gone");
                for (byte[] f : inner.sent.subList(before, inner.sent.size())) {
                    long delay = due - sentAt.get(id(f));
                    assertTrue(delay >= FIXED && delay <= FIXED + JITTER, "frame " + id(f) + " delayed " + delay);
                    jittered |= delay != FIXED;
                }
                lastDue = due;
            }
            assertTrue(jittered);
            assertEquals(range(0, 100), ids(inner.sent).stream().sorted().toList());
        }

        @Test
        void fixedDelayKeepsOrderAndIsReleasedByALaterSend() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().delay(FIXED, 0).dropIndices(1), 1, clock);
            link.send(frame(0, 60), 0, 60);
            assertEquals(FIXED, link.nextDueNanos());
            now.set(FIXED);
            link.send(frame(1, 60), 0, 60); // dropped, but its call releases frame 0
            assertEquals(List.of(0), ids(inner.sent));
            assertEquals(Long.MAX_VALUE, link.nextDueNanos());
        }

        @Test
        void awaitNeverWaitsPastTheNextDueTime() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().delay(FIXED, 0), 1, clock);
            now.set(500);
            link.send(frame(0, 60), 0, 60);
            link.await(-1);
            link.await(300);
            link.await(5000);
            now.set(1200);
            link.await(5000);
            assertEquals(List.of(1000L, 300L, 1000L), inner.awaitTimeouts.subList(0, 3));
            now.set(1500);
            link.await(5000);
            assertEquals(List.of(0), ids(inner.sent), "await released the due frame");
            assertEquals(5000L, inner.awaitTimeouts.getLast(), "nothing due any more: the caller's timeout");
            assertEquals(300L, inner.awaitTimeouts.get(3), "at 1200 only 300 ns remained");
        }

        @Test
        void receiveSideDelayHandsTheFrameOutOnlyWhenDue() throws Exception {
            Impairment link = Impairment.onReceive(inner, Config.none().delay(FIXED, 0), 1, clock);
            inner.inbound.add(frame(7, 60));
            byte[] buf = new byte[1514];
            assertEquals(0, link.receive(buf, 0));
            assertEquals(FIXED, link.nextDueNanos());
            now.set(FIXED - 1);
            assertEquals(0, link.receive(buf, 0));
            now.set(FIXED);
            int awaits = inner.awaitTimeouts.size();
            link.await(-1);
            assertEquals(awaits, inner.awaitTimeouts.size(), "a due inbound frame makes await return at once");
            assertEquals(60, link.receive(buf, 0));
            assertEquals(7, id(buf));
        }

        @Test
        void aFullPoolDropsAndCountsOverflow() throws Exception {
            Impairment link = Impairment.onSend(inner, Config.none().delay(FIXED, 0).capacity(2), 1, clock);
            sendFrames(link, 3, 60);
            assertEquals(1, link.sendCounters().overflowed());
            now.set(FIXED);
            link.flushDue();
            assertEquals(List.of(0, 1), ids(inner.sent));
            sendFrames(link, 2, 60);
            assertEquals(1, link.sendCounters().overflowed(), "slots come back to the pool");
        }
    }

    @Test
    void worksOverAVirtualWire() throws Exception {
        VirtualWire wire = VirtualWire.pair(1500);
        Impairment a = Impairment.onSend(wire.a(), Config.none().dropIndices(1).reorderIndices(2).duplicateIndices(4), 3, clock);
        sendFrames(a, 6, 200);
        assertEquals(List.of(0, 3, 2, 4, 4, 5), ids(drain(wire.b())));
    }

    @Nested
    class Validation {
        @Test
        void rejectsProbabilitiesOutsideZeroToOneWithClearText() {
            var e = assertThrows(IllegalArgumentException.class, () -> Config.none().drop(1.5));
            assertEquals("drop probability must be between 0 and 1, got 1.5", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Config.none().duplicate(-0.1));
            assertThrows(IllegalArgumentException.class, () -> Config.none().reorder(Double.NaN));
            assertThrows(IllegalArgumentException.class, () -> Config.none().corrupt(2));
            var d = assertThrows(IllegalArgumentException.class, () -> Config.none().delay(1, 1, 1.01));
            assertTrue(d.getMessage().startsWith("delay probability"), d.getMessage());
        }

        @Test
        void rejectsOtherNonsense() {
            assertThrows(IllegalArgumentException.class, () -> Config.none().dropIndices(-1));
            assertThrows(IllegalArgumentException.class, () -> Config.none().reorderGap(0));
            assertThrows(IllegalArgumentException.class, () -> Config.none().delay(-1, 0));
            assertThrows(IllegalArgumentException.class, () -> Config.none().delay(0, -1));
            assertThrows(IllegalArgumentException.class, () -> Config.none().corruptFrom(-1));
            assertThrows(IllegalArgumentException.class, () -> Config.none().capacity(0));
        }

        @Test
        void toStringSummarisesOnlyWhatIsOn() {
            assertEquals("none", Config.none().toString());
            String s = Config.none().drop(0.1).duplicate(0.02).reorder(0.05).delay(2_000_000, 1_000_000).corrupt(0.01)
                    .dropIndices(7, 3).toString();
            assertEquals("drop p=0.1 frames=[3, 7]; duplicate p=0.02; reorder p=0.05 gap=1; "
                    + "delay 2000000ns+0..1000000ns p=1.0; corrupt p=0.01 bit", s);
        }

        @Test
        void configsWithTheSameSettingsAreEqual() {
            assertEquals(Config.none().dropIndices(3, 7), Config.none().dropIndices(7, 3, 3));
            assertEquals(Config.none().dropIndices(3, 7).hashCode(), Config.none().dropIndices(7, 3).hashCode());
            assertNotEquals(Config.none().dropIndices(3), Config.none().dropIndices(4));
        }
    }
}
