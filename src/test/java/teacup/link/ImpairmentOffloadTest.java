package teacup.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import teacup.time.Clock;

/** Impairment over a link with offloads: large segments impaired whole, their segment size and checksum trust kept. */
class ImpairmentOffloadTest {
    private final AtomicLong now = new AtomicLong();
    private final Clock clock = now::get;
    private final OffloadingRecorder inner = new OffloadingRecorder();

    /** What went down: the frame's id and the segment size it was sent with (0: a plain send). */
    record Sent(int id, int length, int segmentSize) {}

    /** A link with segmentation offload that records what is sent and hands out queued frames with their trust. */
    static final class OffloadingRecorder implements Link {
        final List<Sent> sent = new ArrayList<>();
        final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
        final ArrayDeque<Boolean> inboundTrusted = new ArrayDeque<>();
        boolean lastTrusted;

        @Override public int mtu() { return 1500; }
        @Override public int maxFrameLength() { return 14 + 65535; }
        @Override public int segmentationOffload() { return 65535; }
        @Override public boolean receivedChecksumTrusted() { return lastTrusted; }

        @Override
        public int receive(byte[] buf, int off) {
            byte[] f = inbound.poll();
            if (f == null) {
                return 0;
            }
            lastTrusted = inboundTrusted.poll();
            System.arraycopy(f, 0, buf, off, f.length);
            return f.length;
        }

        @Override
        public void send(byte[] buf, int off, int len) {
            sent.add(new Sent(ImpairmentTest.id(Arrays.copyOfRange(buf, off, off + 4)), len, 0));
        }

        @Override
        public void sendSegmented(byte[] buf, int off, int len, int segmentSize) {
            sent.add(new Sent(ImpairmentTest.id(Arrays.copyOfRange(buf, off, off + 4)), len, segmentSize));
        }

        @Override public void await(long timeoutNanos) {}
        @Override public void wakeup() {}
        @Override public void close() {}
    }

    @Test
    void offersTheInnerLinksOffloads() {
        Impairment link = Impairment.onSend(inner, Impairment.Config.none().drop(0.5), 1, clock);
        assertEquals(65535, link.segmentationOffload());
        assertEquals(14 + 65535, link.maxFrameLength());
    }

    @Test
    void largeSegmentsKeepTheirSegmentSizeThroughDuplicationReorderAndDelay() throws Exception {
        Impairment.Config c = Impairment.Config.none().duplicateIndices(0).reorderIndices(1).reorderGap(1)
                .delay(1_000, 0).capacity(16);
        Impairment link = Impairment.onSend(inner, c, 7, clock);
        link.sendSegmented(ImpairmentTest.frame(0, 60_000), 0, 60_000, 1448);
        link.sendSegmented(ImpairmentTest.frame(1, 30_000), 0, 30_000, 1400);
        link.send(ImpairmentTest.frame(2, 1000), 0, 1000);
        assertTrue(inner.sent.isEmpty(), "all delayed");
        now.set(1_000);
        link.flushDue();
        assertEquals(List.of(new Sent(0, 60_000, 1448), new Sent(0, 60_000, 1448), new Sent(2, 1000, 0),
                new Sent(1, 30_000, 1400)), inner.sent);
    }

    @Test
    void aLargeSegmentChosenForCorruptionIsLostNotHandedOnDamaged() throws Exception {
        Impairment link = Impairment.onSend(inner, Impairment.Config.none().corruptIndices(0, 1), 3, clock);
        link.sendSegmented(ImpairmentTest.frame(0, 20_000), 0, 20_000, 1448);
        link.send(ImpairmentTest.frame(1, 1000), 0, 1000);
        link.sendSegmented(ImpairmentTest.frame(2, 20_000), 0, 20_000, 1448);
        assertEquals(List.of(1, 2), inner.sent.stream().map(Sent::id).toList(),
                "the plain frame goes on damaged (its checksum is already made), the large one is gone");
        assertEquals(2, link.sendCounters().corrupted());
    }

    @Test
    void receivedFramesKeepTheDevicesWordOnTheirChecksumUnlessCorruptedHere() throws Exception {
        Impairment.Config c = Impairment.Config.none().reorderIndices(0).reorderGap(1).corruptIndices(2).corruptFrom(4);
        Impairment link = Impairment.onReceive(inner, c, 5, clock);
        for (int id = 0; id < 4; id++) {
            inner.inbound.add(ImpairmentTest.frame(id, 3000));
            inner.inboundTrusted.add(id != 3);
        }
        byte[] buf = new byte[70_000];
        List<String> got = new ArrayList<>();
        int n;
        while ((n = link.receive(buf, 0)) > 0) {
            got.add(ImpairmentTest.id(buf) + (link.receivedChecksumTrusted() ? " trusted" : " checked"));
            assertEquals(3000, n);
        }
        assertEquals(List.of("1 trusted", "0 trusted", "2 checked", "3 checked"), got,
                "frame 0 held a frame and keeps its trust; frame 2 was corrupted here; frame 3 was never trusted");
        assertFalse(link.receivedChecksumTrusted(), "nothing received: nothing vouched for");
    }

    @Test
    void unimpairedTrafficPassesStraightThroughWithItsTrust() throws Exception {
        Impairment link = new Impairment(inner, Impairment.Config.none(), Impairment.Config.none(), 1, clock);
        link.sendSegmented(ImpairmentTest.frame(9, 40_000), 0, 40_000, 1000);
        assertEquals(List.of(new Sent(9, 40_000, 1000)), inner.sent);
        inner.inbound.add(ImpairmentTest.frame(4, 100));
        inner.inboundTrusted.add(true);
        assertEquals(100, link.receive(new byte[200], 0));
        assertTrue(link.receivedChecksumTrusted());
    }
}
