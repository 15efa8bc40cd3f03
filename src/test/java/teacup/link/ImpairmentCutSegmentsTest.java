package teacup.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import teacup.time.Clock;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.Defect;
import teacup.wire.TcpSegment;

/**
 * Impairment with {@link Impairment.Config#cutSegments}: a large TCP segment meets the impairments
 * as the MTU-sized segments it stands for, each with its own fate, instead of whole.
 */
class ImpairmentCutSegmentsTest {
    private static final int MSS = 1448;
    private static final int HEADERS = 14 + 20 + 32; // Ethernet, IPv4, TCP with timestamps
    private static final int A = 0xc6120001;
    private static final int B = 0xc6120002;

    private final AtomicLong now = new AtomicLong();
    private final Clock clock = now::get;
    private final Device inner = new Device();

    /** A device with segmentation offload: plain frames and large segments, each recorded. */
    static final class Device extends PcapRecorderTest.QueueLink {
        final List<byte[]> segmented = new ArrayList<>();
        final List<Boolean> incomingTrusted = new ArrayList<>();
        boolean lastTrusted;

        @Override
        public int maxFrameLength() {
            return 14 + 65535;
        }

        @Override
        public int segmentationOffload() {
            return 65535;
        }

        @Override
        public void sendSegmented(byte[] buf, int off, int len, int segmentSize) {
            segmented.add(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public int receive(byte[] buf, int off) {
            if (!incoming.isEmpty()) {
                lastTrusted = incomingTrusted.removeFirst();
            }
            return super.receive(buf, off);
        }

        @Override
        public boolean receivedChecksumTrusted() {
            return lastTrusted;
        }
    }

    private static int seq(byte[] frame) {
        return BigEndian.i32(frame, 14 + 20 + 4);
    }

    private static boolean checksumGood(byte[] frame) {
        return new TcpSegment().wrap(frame, 34, frame.length - 34, A, B) == Defect.NONE;
    }

    /** Sequence numbers of the pieces a large segment from {@code seq} with {@code pieces} full pieces holds. */
    private static List<Integer> seqs(int seq, int pieces, int... missing) {
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i < pieces; i++) {
            final int index = i;
            if (Arrays.stream(missing).noneMatch(m -> m == index)) {
                s.add(seq + i * MSS);
            }
        }
        return s;
    }

    @Test
    void droppingOnePieceLosesExactlyThatPiecesBytes() throws Exception {
        Impairment.Config c = Impairment.Config.none().dropIndices(3).cutSegments(true);
        Impairment link = Impairment.onSend(inner, c, 1, clock);
        byte[] large = SoftwareSegmentationTest.largeFrame(1, 1000, 10 * MSS, 1);
        link.sendSegmented(large, 0, large.length, MSS);
        assertTrue(inner.segmented.isEmpty(), "nothing went down whole");
        assertEquals(seqs(1000, 10, 3), inner.sent.stream().map(ImpairmentCutSegmentsTest::seq).toList());
        for (byte[] piece : inner.sent) {
            assertEquals(HEADERS + MSS, piece.length);
            assertTrue(checksumGood(piece), "each piece goes down with its checksum complete");
            int at = seq(piece) - 1000;
            assertTrue(Arrays.equals(large, HEADERS + at, HEADERS + at + MSS, piece, HEADERS, HEADERS + MSS), "piece data");
        }
        assertEquals(10, link.sendCounters().frames(), "each piece is a frame of its own");
        assertEquals(1, link.sendCounters().dropped());
    }

    @Test
    void withoutTheOptionTheSameSegmentIsDroppedWhole() throws Exception {
        Impairment link = Impairment.onSend(inner, Impairment.Config.none().dropIndices(1), 1, clock);
        byte[] first = SoftwareSegmentationTest.largeFrame(1, 1000, 10 * MSS, 1);
        byte[] second = SoftwareSegmentationTest.largeFrame(2, 1000 + 10 * MSS, 10 * MSS, 2);
        link.sendSegmented(first, 0, first.length, MSS);
        link.sendSegmented(second, 0, second.length, MSS);
        assertEquals(1, inner.segmented.size());
        assertTrue(inner.sent.isEmpty());
        assertFalse(Impairment.Config.none().cutSegments(), "whole is the default");
    }

    @Test
    void piecesAreDuplicatedReorderedAndCorruptedEachOnItsOwn() throws Exception {
        Impairment.Config c = Impairment.Config.none().duplicateIndices(0).reorderIndices(1).reorderGap(2)
                .corruptIndices(4).corruptFrom(HEADERS).cutSegments(true);
        Impairment link = Impairment.onSend(inner, c, 2, clock);
        byte[] large = SoftwareSegmentationTest.largeFrame(1, 0, 5 * MSS, 3);
        link.sendSegmented(large, 0, large.length, MSS);
        assertEquals(List.of(0, 0, 2 * MSS, 3 * MSS, MSS, 4 * MSS),
                inner.sent.stream().map(ImpairmentCutSegmentsTest::seq).toList());
        for (int i = 0; i < 5; i++) {
            assertTrue(checksumGood(inner.sent.get(i)), "piece " + i);
        }
        assertFalse(checksumGood(inner.sent.get(5)), "the corrupted piece goes on, damaged where its checksum shows it");
    }

    @Test
    void aLargeFrameReceivedIsCutIntoTheSegmentsTheMtuHolds() throws Exception {
        Impairment link = Impairment.onReceive(inner, Impairment.Config.none().dropIndices(1).cutSegments(true), 3, clock);
        byte[] large = SoftwareSegmentationTest.largeFrame(1, 5000, 4 * MSS, 4);
        // As a TAP with offloads hands it over: the checksum left for the device, which vouches for it.
        inner.incoming.add(large);
        inner.incomingTrusted.add(true);
        byte[] buf = new byte[70_000];
        List<Integer> got = new ArrayList<>();
        int n;
        while ((n = link.receive(buf, 0)) > 0) {
            byte[] frame = Arrays.copyOf(buf, n);
            assertEquals(HEADERS + MSS, n, "a 1500-byte MTU holds 1448 bytes beside these headers");
            assertTrue(checksumGood(frame), "checked by the stack, and good");
            assertFalse(link.receivedChecksumTrusted(), "a piece made here is the stack's to check");
            got.add(seq(frame));
        }
        assertEquals(seqs(5000, 4, 1), got);
    }

    @Test
    void aLargeFrameNoOneVouchedForWithABadChecksumIsNotCutClean() throws Exception {
        Impairment link = Impairment.onReceive(inner, Impairment.Config.none().cutSegments(true), 4, clock);
        byte[] large = SoftwareSegmentationTest.largeFrame(1, 0, 4 * MSS, 5);
        int tcp = 34;
        BigEndian.put16(large, tcp + 16, 0);
        BigEndian.put16(large, tcp + 16, Checksum.finish(Checksum.add(
                Checksum.pseudoHeader(A, B, 6, large.length - tcp), large, tcp, large.length - tcp)));
        large[HEADERS + 100] ^= 1; // damaged after the checksum was made: the stack must see it fail
        inner.incoming.add(large);
        inner.incomingTrusted.add(false);
        byte[] buf = new byte[70_000];
        assertEquals(large.length, link.receive(buf, 0), "passed whole, as it came");
        assertNotEquals(Defect.NONE, new TcpSegment().wrap(buf, tcp, large.length - tcp, A, B));
        assertEquals(0, link.receive(buf, 0));
    }

    @Test
    void saysSoInItsConfig() {
        assertEquals("drop frames=[3]; large segments cut",
                Impairment.Config.none().dropIndices(3).cutSegments(true).toString());
    }
}
