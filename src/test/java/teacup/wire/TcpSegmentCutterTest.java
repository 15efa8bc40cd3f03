package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TcpSegmentCutterTest {
    private static final int A = 0xc6120001; // 198.18.0.1
    private static final int B = 0xc6120002; // 198.18.0.2
    private static final long MAC_A = 0x02_00_00_00_00_01L;
    private static final long MAC_B = 0x02_00_00_00_00_02L;
    private static final int HEADERS = 14 + 20;
    private static final int TOS = 0x02; // ECT(0): copied to every piece

    private final TcpSegmentCutter cutter = new TcpSegmentCutter();

    private static byte[] data(int n, long seed) {
        byte[] d = new byte[n];
        new SplittableRandom(seed).nextBytes(d);
        return d;
    }

    /**
     * A frame as the stack builds it: the TCP checksum complete for one segment the link sends as
     * it is, or holding only the pseudo-header sum for a large one the link cuts ({@code complete}).
     */
    private static byte[] frame(int id, int seq, int flags, int urgent, TcpOptions options, byte[] d, int from, int n,
                                boolean complete) {
        int tcpHeader = TcpSegment.headerLength(options);
        byte[] f = new byte[HEADERS + tcpHeader + n];
        System.arraycopy(d, from, f, HEADERS + tcpHeader, n);
        EthernetFrame.write(f, 0, MAC_B, MAC_A, EthernetFrame.TYPE_IPV4);
        TcpSegment.write(f, HEADERS, 40000, 80, seq, 0x12345678, flags, 501, urgent, options, n, A, B, complete);
        Ipv4Packet.write(f, 14, tcpHeader + n, id, Ipv4Packet.FLAG_DONT_FRAGMENT, 64, TOS, Ipv4Packet.PROTOCOL_TCP, A, B);
        return f;
    }

    private byte[][] cut(byte[] large, int segmentSize) {
        assertEquals(Defect.NONE, cutter.start(large, 0, large.length, segmentSize));
        byte[][] pieces = new byte[cutter.pieces()][];
        byte[] out = new byte[3 + cutter.longestPiece()];
        for (int i = 0; i < pieces.length; i++) {
            assertTrue(cutter.hasNext());
            int n = cutter.next(out, 3);
            pieces[i] = Arrays.copyOfRange(out, 3, 3 + n);
        }
        assertFalse(cutter.hasNext());
        return pieces;
    }

    @Test
    void piecesAreTheSegmentsTheSenderWouldHaveSentOneByOne() {
        int mss = 1448;
        byte[] d = data(30 * mss + 123, 1);
        TcpOptions ts = new TcpOptions().timestamps(0x01020304, 0x0a0b0c0d);
        int flags = TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN;
        byte[] large = frame(0xfff0, 0xfffff000, flags, 0, ts, d, 0, d.length, false);
        byte[][] pieces = cut(large, mss);
        assertEquals(31, pieces.length);
        for (int i = 0; i < pieces.length; i++) {
            int n = Math.min(mss, d.length - i * mss);
            int f = i == pieces.length - 1 ? flags : TcpSegment.ACK;
            // The identification wraps past 65535; the sequence number past 2^32.
            byte[] expected = frame((0xfff0 + i) & 0xffff, 0xfffff000 + i * mss, f, 0, ts, d, i * mss, n, true);
            assertArrayEquals(expected, pieces[i], "piece " + i);
        }
    }

    @Test
    void everyPieceChecksAsAGoodSegment() {
        byte[] d = data(10_000, 2);
        byte[] large = frame(7, 1000, TcpSegment.ACK, 0, new TcpOptions().timestamps(1, 2), d, 0, d.length, false);
        Ipv4Packet ip = new Ipv4Packet();
        TcpSegment tcp = new TcpSegment();
        int seq = 1000;
        for (byte[] p : cut(large, 1400)) {
            assertEquals(Defect.NONE, ip.wrap(p, 14, p.length - 14));
            assertEquals(0xffff, Checksum.fold(Checksum.add(0, p, 14, 20)), "IPv4 header checksum");
            assertEquals(Defect.NONE, tcp.wrap(p, 34, ip.payloadLength(), A, B), "TCP checksum");
            assertEquals(seq, tcp.sequence());
            seq += tcp.payloadLength();
        }
        assertEquals(11_000, seq);
    }

    @Test
    void cwrGoesOnlyOnTheFirstPiece() {
        byte[] d = data(3000, 3);
        byte[][] pieces = cut(frame(1, 0, TcpSegment.ACK | TcpSegment.CWR | TcpSegment.ECE, 0, null, d, 0, d.length, false),
                1000);
        assertEquals(TcpSegment.ACK | TcpSegment.CWR | TcpSegment.ECE, pieces[0][HEADERS + 13] & 0xff);
        assertEquals(TcpSegment.ACK | TcpSegment.ECE, pieces[1][HEADERS + 13] & 0xff);
        assertEquals(TcpSegment.ACK | TcpSegment.ECE, pieces[2][HEADERS + 13] & 0xff);
    }

    @Test
    void urgentPointerIsRelativeToEachPiece() {
        byte[] d = data(3000, 4);
        int flags = TcpSegment.ACK | TcpSegment.URG;
        byte[][] pieces = cut(frame(1, 0, flags, 1500, null, d, 0, d.length, false), 1000);
        assertArrayEquals(frame(1, 0, flags, 1500, null, d, 0, 1000, true), pieces[0]);
        assertArrayEquals(frame(2, 1000, flags, 500, null, d, 1000, 1000, true), pieces[1]);
        assertArrayEquals(frame(3, 2000, TcpSegment.ACK, 0, null, d, 2000, 1000, true), pieces[2]);
    }

    @Test
    void aSegmentNoLongerThanOnePieceComesOutWholeWithItsChecksumDone() {
        byte[] d = data(500, 5);
        TcpOptions ts = new TcpOptions().timestamps(9, 9);
        byte[][] pieces = cut(frame(3, 5, TcpSegment.ACK | TcpSegment.PSH, 0, ts, d, 0, d.length, false), 1448);
        assertEquals(1, pieces.length);
        assertArrayEquals(frame(3, 5, TcpSegment.ACK | TcpSegment.PSH, 0, ts, d, 0, d.length, true), pieces[0]);
    }

    @Test
    void oneCutterCutsFrameAfterFrame() {
        byte[] d = data(5000, 6);
        byte[] first = frame(1, 0, TcpSegment.ACK, 0, null, d, 0, 5000, false);
        byte[] second = frame(9, 5000, TcpSegment.ACK | TcpSegment.PSH, 0, null, d, 0, 2000, false);
        assertEquals(4, cut(first, 1448).length);
        byte[][] again = cut(second, 1448);
        assertEquals(2, again.length);
        assertArrayEquals(frame(10, 6448, TcpSegment.ACK | TcpSegment.PSH, 0, null, d, 1448, 552, true), again[1]);
    }

    @Test
    void rejectsWhatIsNotALargeTcpIpv4FrameAsAValue() {
        byte[] d = data(4000, 7);
        byte[] good = frame(1, 0, TcpSegment.ACK, 0, null, d, 0, d.length, false);
        assertEquals(Defect.BAD_FIELD, cutter.start(good, 0, good.length, 0), "segment size 0");
        assertEquals(Defect.BAD_FIELD, cutter.start(good, 0, good.length, -5), "negative segment size");
        assertEquals(Defect.TRUNCATED, cutter.start(good, 0, 40, 1000), "shorter than the headers");
        assertEquals(Defect.TRUNCATED, cutter.start(good, 10, good.length, 1000), "past the buffer");
        assertEquals(Defect.TRUNCATED, cutter.start(good, -1, 100, 1000), "negative offset");
        assertEquals(Defect.BAD_LENGTH, cutter.start(good, 0, good.length - 1, 1000), "total length is not the frame's");

        assertEquals(Defect.UNSUPPORTED, cutter.start(with(good, 12, 0x86), 0, good.length, 1000), "IPv6 ethertype");
        assertEquals(Defect.BAD_VERSION, cutter.start(with(good, 14, 0x65), 0, good.length, 1000), "version 6");
        assertEquals(Defect.BAD_HEADER_LENGTH, cutter.start(with(good, 14, 0x44), 0, good.length, 1000), "IHL 4");
        assertEquals(Defect.BAD_HEADER_LENGTH, cutter.start(with(good, 14, 0x4f), 0, 14 + 60 + 10, 1000),
                "IHL beyond the frame");
        assertEquals(Defect.UNSUPPORTED, cutter.start(with(good, 14 + 9, 17), 0, good.length, 1000), "UDP");
        assertEquals(Defect.UNSUPPORTED, cutter.start(with(good, 14 + 6, 0x60), 0, good.length, 1000), "a fragment");
        assertEquals(Defect.BAD_DATA_OFFSET, cutter.start(with(good, HEADERS + 12, 0x40), 0, good.length, 1000),
                "data offset 4");
        byte[] shortFrame = frame(1, 0, TcpSegment.ACK, 0, null, d, 0, 10, false);
        assertEquals(Defect.BAD_DATA_OFFSET, cutter.start(with(shortFrame, HEADERS + 12, 0xf0), 0, shortFrame.length, 1000),
                "TCP header beyond the frame");
        assertEquals(Defect.BAD_FIELD, cutter.start(with(good, HEADERS + 13, TcpSegment.SYN | TcpSegment.ACK), 0,
                good.length, 1000), "a SYN");
        assertEquals(Defect.BAD_FIELD, cutter.start(with(good, HEADERS + 13, TcpSegment.RST), 0, good.length, 1000), "a RST");
        assertEquals(Defect.TRUNCATED, cutter.start(null, 0, 0, 1000));

        assertFalse(cutter.hasNext(), "nothing left to cut after a defect");
        assertEquals(0, cutter.pieces());
        assertThrows(IllegalStateException.class, () -> cutter.next(new byte[2000], 0));
    }

    @Test
    void aDefectAfterAGoodFrameLeavesNothingOfIt() {
        byte[] d = data(4000, 8);
        byte[] good = frame(1, 0, TcpSegment.ACK, 0, null, d, 0, d.length, false);
        assertEquals(Defect.NONE, cutter.start(good, 0, good.length, 1000));
        assertEquals(Defect.BAD_FIELD, cutter.start(good, 0, good.length, 0));
        assertFalse(cutter.hasNext());
    }

    @Test
    void cutsToTheSegmentsAnMtuHoldsBesideTheFramesHeaders() {
        byte[] d = data(5000, 9);
        TcpOptions ts = new TcpOptions().timestamps(1, 2);
        byte[] large = frame(1, 0, TcpSegment.ACK, 0, ts, d, 0, d.length, true);
        assertEquals(Defect.NONE, cutter.startForMtu(large, 0, large.length, 1500));
        assertEquals(1448, cutter.segmentSize(), "1500 less 20 of IPv4 and 32 of TCP with timestamps");
        assertEquals(4, cutter.pieces());
        assertEquals(14 + 1500, cutter.longestPiece());
        assertEquals(Defect.BAD_FIELD, cutter.startForMtu(large, 0, large.length, 52), "no room for data");
        assertEquals(0, cutter.segmentSize());
        assertEquals(Defect.TRUNCATED, cutter.startForMtu(large, 0, 20, 1500));
    }

    @Test
    void tellsWhetherTheLargeFramesOwnChecksumIsComplete() {
        byte[] d = data(5000, 10);
        byte[] complete = frame(1, 0, TcpSegment.ACK, 0, null, d, 0, d.length, true);
        assertEquals(Defect.NONE, cutter.startForMtu(complete, 0, complete.length, 1500));
        assertTrue(cutter.checksumComplete());
        byte[] damaged = with(complete, 3000, complete[3000] ^ 0x10);
        assertEquals(Defect.NONE, cutter.startForMtu(damaged, 0, damaged.length, 1500));
        assertFalse(cutter.checksumComplete());
        byte[] partial = frame(1, 0, TcpSegment.ACK, 0, null, d, 0, d.length, false);
        assertEquals(Defect.NONE, cutter.start(partial, 0, partial.length, 1448));
        assertFalse(cutter.checksumComplete(), "only the pseudo-header sum");
    }

    private static byte[] with(byte[] f, int at, int value) {
        byte[] copy = f.clone();
        copy[at] = (byte) value;
        return copy;
    }
}
