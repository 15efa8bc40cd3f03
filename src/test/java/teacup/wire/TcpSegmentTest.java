package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TcpSegmentTest {
    private static final int A = 0xc6120001; // 198.18.0.1
    private static final int B = 0xc6120002; // 198.18.0.2

    private final TcpSegment tcp = new TcpSegment();

    /** A segment at offset 3 of a larger buffer with the given options and payload. */
    private static byte[] segment(int flags, TcpOptions options, byte[] payload) {
        byte[] b = new byte[3 + TcpSegment.headerLength(options) + payload.length + 5];
        System.arraycopy(payload, 0, b, 3 + TcpSegment.headerLength(options), payload.length);
        int n = TcpSegment.write(b, 3, 40000, 80, 0xfffffff0, 0x12345678, flags, 65535, 0, options, payload.length, A, B);
        assertEquals(TcpSegment.headerLength(options) + payload.length, n);
        return b;
    }

    private static int length(byte[] b) {
        return b.length - 8;
    }

    @Test
    void writeThenWrap() {
        byte[] payload = "hello".getBytes(StandardCharsets.US_ASCII);
        TcpOptions options = new TcpOptions().timestamps(7, 9);
        byte[] b = segment(TcpSegment.PSH | TcpSegment.ACK, options, payload);
        assertEquals(Defect.NONE, tcp.wrap(b, 3, length(b), A, B));
        assertEquals(40000, tcp.sourcePort());
        assertEquals(80, tcp.destinationPort());
        assertEquals(0xfffffff0, tcp.sequence());
        assertEquals(0x12345678, tcp.acknowledgment());
        assertEquals(8, tcp.dataOffset());
        assertEquals(32, tcp.headerLength());
        assertEquals(TcpSegment.PSH | TcpSegment.ACK, tcp.flags());
        assertTrue(tcp.has(TcpSegment.ACK));
        assertFalse(tcp.has(TcpSegment.ACK | TcpSegment.SYN));
        assertEquals(65535, tcp.window());
        assertEquals(0, tcp.urgentPointer());
        assertEquals(3, tcp.offset());
        assertEquals(23, tcp.optionsOffset());
        assertEquals(12, tcp.optionsLength());
        assertEquals(35, tcp.payloadOffset());
        assertEquals(5, tcp.payloadLength());
        assertEquals(37, tcp.length());
        assertEquals(5, tcp.sequenceLength());
        assertEquals("hello", new String(b, tcp.payloadOffset(), tcp.payloadLength(), StandardCharsets.US_ASCII));
        TcpOptions parsed = new TcpOptions();
        assertEquals(Defect.NONE, tcp.options(parsed));
        assertEquals(options, parsed);
    }

    @Test
    @DisplayName("RFC 9293 3.1: header layout and control bit positions")
    void headerLayout() {
        byte[] b = new byte[20];
        TcpSegment.write(b, 0, 0x0102, 0x0304, 0x05060708, 0x090a0b0c, TcpSegment.CWR | TcpSegment.FIN, 0x0d0e, 0x0f10,
                null, 0, A, B);
        String h = HexFormat.of().formatHex(b);
        assertEquals("01020304" + "05060708" + "090a0b0c" + "5081" + "0d0e", h.substring(0, 32));
        assertEquals("0f10", h.substring(36));
        assertEquals(0x01, TcpSegment.FIN);
        assertEquals(0x02, TcpSegment.SYN);
        assertEquals(0x04, TcpSegment.RST);
        assertEquals(0x08, TcpSegment.PSH);
        assertEquals(0x10, TcpSegment.ACK);
        assertEquals(0x20, TcpSegment.URG);
        assertEquals(0x40, TcpSegment.ECE);
        assertEquals(0x80, TcpSegment.CWR);
        assertEquals(Defect.NONE, tcp.wrap(b, 0, 20, A, B));
        assertEquals(0x0f10, tcp.urgentPointer());
        assertEquals(0, tcp.optionsLength());
        assertEquals(20, TcpSegment.headerLength(null));
        assertEquals(20, TcpSegment.headerLength(new TcpOptions()));
    }

    @Test
    void synAndFinOccupySequenceSpace() {
        byte[] b = segment(TcpSegment.SYN | TcpSegment.FIN, null, new byte[3]);
        assertEquals(Defect.NONE, tcp.wrap(b, 3, length(b), A, B));
        assertEquals(5, tcp.sequenceLength());
    }

    @Test
    void tooShortIsTruncated() {
        byte[] b = segment(TcpSegment.ACK, null, new byte[0]);
        assertEquals(Defect.TRUNCATED, tcp.wrap(b, 3, 19, A, B));
        assertEquals(Defect.TRUNCATED, tcp.wrap(b, -1, 20, A, B));
        assertEquals(Defect.TRUNCATED, tcp.wrap(b, 3, b.length, A, B), "len beyond the buffer");
        assertEquals(Defect.TRUNCATED, tcp.wrap(b, Integer.MAX_VALUE, 20, A, B), "no overflow in off + len");
    }

    @Test
    @DisplayName("RFC 9293 3.1: data offset below 5 words or beyond the segment is rejected")
    void badDataOffset() {
        byte[] b = segment(TcpSegment.ACK, null, new byte[8]);
        b[3 + 12] = 0x40;
        assertEquals(Defect.BAD_DATA_OFFSET, tcp.wrap(b, 3, 28, A, B, false));
        b[3 + 12] = 0x00;
        assertEquals(Defect.BAD_DATA_OFFSET, tcp.wrap(b, 3, 28, A, B, false));
        b[3 + 12] = (byte) 0x80; // 32 bytes of header in a 28-byte segment
        assertEquals(Defect.BAD_DATA_OFFSET, tcp.wrap(b, 3, 28, A, B, false));
        b[3 + 12] = 0x70;        // 28 bytes: all options, no data; the 8 zero bytes are EOL
        assertEquals(Defect.NONE, tcp.wrap(b, 3, 28, A, B, false));
        assertEquals(0, tcp.payloadLength());
    }

    @Test
    @DisplayName("RFC 9293 MUST-3: the receiver checks the checksum over pseudo-header, header and data")
    void checksumIsChecked() {
        byte[] b = segment(TcpSegment.ACK, new TcpOptions().mss(1460), new byte[] {1, 2, 3});
        int len = length(b);
        assertEquals(Defect.NONE, tcp.wrap(b, 3, len, A, B));
        assertEquals(Defect.BAD_CHECKSUM, tcp.wrap(b, 3, len, A, 0xc6120003), "destination is in the pseudo-header");
        assertEquals(Defect.BAD_CHECKSUM, tcp.wrap(b, 3, len, B, A + 1));
        assertEquals(Defect.BAD_CHECKSUM, tcp.wrap(b, 3, len - 1, A, B), "length is in the pseudo-header");
        for (int bit = 0; bit < len * 8; bit++) {
            b[3 + bit / 8] ^= (byte) (1 << (bit % 8));
            Defect d = tcp.wrap(b, 3, len, A, B);
            assertTrue(d == Defect.BAD_CHECKSUM || d == Defect.BAD_DATA_OFFSET, "bit " + bit + ": " + d);
            b[3 + bit / 8] ^= (byte) (1 << (bit % 8));
        }
        assertEquals(Defect.NONE, tcp.wrap(b, 3, len, A, B));
    }

    @Test
    void checksumCheckCanBeSkippedForOffloadedFrames() {
        byte[] b = segment(TcpSegment.ACK, null, new byte[4]);
        b[3 + 16] ^= 0x55;
        assertEquals(Defect.BAD_CHECKSUM, tcp.wrap(b, 3, length(b), A, B));
        assertEquals(Defect.NONE, tcp.wrap(b, 3, length(b), A, B, false));
    }

    @Test
    @DisplayName("RFC 9293 MUST-7: a malformed option list rejects the segment")
    void badOptionsAreRejected() {
        byte[] b = new byte[24];
        // A 24-byte header whose option is an MSS of length 3, checksummed correctly.
        BigEndian.put8(b, 12, 0x60);
        b[20] = 2;
        b[21] = 3;
        BigEndian.put16(b, 16, Checksum.finish(Checksum.add(
                Checksum.pseudoHeader(A, B, Ipv4Packet.PROTOCOL_TCP, 24), b, 0, 24)));
        assertEquals(Defect.BAD_OPTION, tcp.wrap(b, 0, 24, A, B));
        assertEquals(Defect.BAD_OPTION, tcp.wrap(b, 0, 24, A, B, false));
    }

    @Test
    @DisplayName("RFC 9293 MUST-2: a computed checksum of zero is sent as zero (TCP has no 'no checksum')")
    void computedZeroStaysZero() {
        // Choose two payload bytes that make the sum come out to all ones.
        byte[] b = new byte[22];
        TcpSegment.write(b, 0, 1, 2, 3, 4, TcpSegment.ACK, 5, 0, null, 2, A, B);
        int c = BigEndian.u16(b, 16);
        BigEndian.put16(b, 20, c);
        TcpSegment.write(b, 0, 1, 2, 3, 4, TcpSegment.ACK, 5, 0, null, 2, A, B);
        assertEquals(0, BigEndian.u16(b, 16));
        assertEquals(Defect.NONE, tcp.wrap(b, 0, 22, A, B));
    }

    @Test
    void reservedBitsAreVisibleButNotFlags() {
        byte[] b = segment(TcpSegment.ACK, null, new byte[0]);
        b[3 + 12] |= 0x0f;
        assertEquals(Defect.NONE, tcp.wrap(b, 3, 20, A, B, false));
        assertEquals(0x0f, tcp.reservedBits());
        assertEquals(TcpSegment.ACK, tcp.flags());
        assertEquals(5, tcp.dataOffset());
    }
}
