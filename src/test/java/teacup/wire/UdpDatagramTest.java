package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class UdpDatagramTest {
    private static final int A = 0xc6120001;
    private static final int B = 0xc6120002;

    private final UdpDatagram udp = new UdpDatagram();

    @Test
    void writeThenWrap() {
        byte[] b = new byte[8 + 3 + 2];
        b[8] = 'a';
        b[9] = 'b';
        b[10] = 'c';
        assertEquals(11, UdpDatagram.write(b, 0, 5353, 53, 3, A, B));
        assertEquals(Defect.NONE, udp.wrap(b, 0, 13, A, B), "IP payload longer than the UDP length is fine");
        assertEquals(5353, udp.sourcePort());
        assertEquals(53, udp.destinationPort());
        assertEquals(11, udp.length());
        assertEquals(8, udp.payloadOffset());
        assertEquals(3, udp.payloadLength());
        assertEquals(b, udp.buffer());
        // Pseudo-header + header + data, by hand:
        long sum = 0xc612 + 0x0001 + 0xc612 + 0x0002 + 17 + 11 + 5353 + 53 + 11 + 0x6162 + 0x6300;
        assertEquals(Checksum.finish(sum), udp.checksum());
    }

    @Test
    @DisplayName("RFC 768: a zero checksum field means none was sent, and is accepted")
    void zeroChecksumIsAccepted() {
        byte[] b = new byte[12];
        UdpDatagram.write(b, 0, 1, 2, 4, A, B);
        b[11] = 9; // corrupt the data, then say "no checksum"
        BigEndian.put16(b, 6, 0);
        assertEquals(Defect.NONE, udp.wrap(b, 0, 12, A, B));
        assertEquals(0, udp.checksum());
    }

    @Test
    @DisplayName("RFC 768: a computed checksum of zero is sent as all ones")
    void computedZeroIsSentAsAllOnes() {
        byte[] b = new byte[10];
        UdpDatagram.write(b, 0, 1, 2, 2, A, B);
        // Two data bytes equal to the first checksum make the sum all ones, so the checksum zero.
        BigEndian.put16(b, 8, BigEndian.u16(b, 6));
        UdpDatagram.write(b, 0, 1, 2, 2, A, B);
        assertEquals(0xffff, BigEndian.u16(b, 6));
        assertEquals(Defect.NONE, udp.wrap(b, 0, 10, A, B));
        assertEquals("00010002000affff", HexFormat.of().formatHex(b, 0, 8));
    }

    @Test
    void defects() {
        byte[] b = new byte[12];
        UdpDatagram.write(b, 0, 1, 2, 4, A, B);
        assertEquals(Defect.TRUNCATED, udp.wrap(b, 0, 7, A, B));
        assertEquals(Defect.TRUNCATED, udp.wrap(b, 0, 11, A, B), "length field beyond the IP payload");
        assertEquals(Defect.TRUNCATED, udp.wrap(b, 5, 8, A, B));
        assertEquals(Defect.TRUNCATED, udp.wrap(b, -1, 8, A, B));
        assertEquals(Defect.BAD_CHECKSUM, udp.wrap(b, 0, 12, A, A), "pseudo-header covers the addresses");
        byte[] shortLength = b.clone();
        BigEndian.put16(shortLength, 4, 7);
        assertEquals(Defect.BAD_LENGTH, udp.wrap(shortLength, 0, 12, A, B));
        b[10] ^= 0x40;
        assertEquals(Defect.BAD_CHECKSUM, udp.wrap(b, 0, 12, A, B));
    }
}
