package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VirtioNetHeaderTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    @DisplayName("a large TCP/IPv4 segment from the kernel: NEEDS_CSUM, TCPV4, 16-bit fields little-endian")
    void parsesKernelLargeSegmentHeader() {
        // flags 01, gso_type 01, hdr_len 66 (0x0042), gso_size 1448 (0x05a8), csum_start 34 (0x0022), csum_offset 16.
        byte[] b = hex("01 01 4200 a805 2200 1000");
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.flags(b, 0));
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(b, 0));
        assertFalse(VirtioNetHeader.gsoEcn(b, 0));
        assertEquals(66, VirtioNetHeader.headerLength(b, 0));
        assertEquals(1448, VirtioNetHeader.gsoSize(b, 0));
        assertEquals(34, VirtioNetHeader.checksumStart(b, 0));
        assertEquals(16, VirtioNetHeader.checksumOffset(b, 0));
        assertTrue(VirtioNetHeader.checksumTrusted(b, 0));
    }

    @Test
    @DisplayName("write gives the same bytes the kernel would read, at any offset")
    void writesGoldenBytes() {
        byte[] b = new byte[13];
        b[0] = (byte) 0xee;
        VirtioNetHeader.write(b, 3, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, 1448, 34, 16);
        assertArrayEquals(hex("ee 0000 01 01 4200 a805 2200 1000"), b);
    }

    @Test
    @DisplayName("a round trip keeps every field, the full 16 bits of each")
    void roundTrip() {
        byte[] b = new byte[VirtioNetHeader.LENGTH];
        VirtioNetHeader.write(b, 0, VirtioNetHeader.F_DATA_VALID, VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN,
                0xfffe, 0x8001, 0x1234, 0xabcd);
        assertEquals(VirtioNetHeader.F_DATA_VALID, VirtioNetHeader.flags(b, 0));
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(b, 0));
        assertTrue(VirtioNetHeader.gsoEcn(b, 0));
        assertEquals(0xfffe, VirtioNetHeader.headerLength(b, 0));
        assertEquals(0x8001, VirtioNetHeader.gsoSize(b, 0));
        assertEquals(0x1234, VirtioNetHeader.checksumStart(b, 0));
        assertEquals(0xabcd, VirtioNetHeader.checksumOffset(b, 0));
        assertTrue(VirtioNetHeader.checksumTrusted(b, 0), "DATA_VALID: the kernel checked it");
    }

    @Test
    @DisplayName("a plain header is ten zero bytes and vouches for nothing")
    void plainHeaderIsZero() {
        byte[] b = hex("ff ff ffff ffff ffff ffff");
        VirtioNetHeader.writePlain(b, 0);
        assertArrayEquals(new byte[10], b);
        assertEquals(VirtioNetHeader.GSO_NONE, VirtioNetHeader.gsoType(b, 0));
        assertFalse(VirtioNetHeader.checksumTrusted(b, 0), "a zero header: the checksum must be checked");
    }

    private static VirtioNetHeader.Verdict check(String header, int frameLength) {
        return VirtioNetHeader.check(hex(header), 0, frameLength);
    }

    @Test
    @DisplayName("check takes the headers the kernel makes: plain, DATA_VALID, NEEDS_CSUM, a large TCP/IPv4 segment")
    void checkTakesKernelHeaders() {
        assertEquals(VirtioNetHeader.Verdict.GOOD, check("00 00 0000 0000 0000 0000", 60));
        assertEquals(VirtioNetHeader.Verdict.GOOD, check("02 00 0000 0000 0000 0000", 60));
        assertEquals(VirtioNetHeader.Verdict.GOOD, check("01 00 0000 0000 2200 1000", 52), "TCP checksum field: bytes 50 and 51");
        assertEquals(VirtioNetHeader.Verdict.GOOD, check("01 01 4200 a805 2200 1000", 65_000));
    }

    @Test
    @DisplayName("check refuses a header that asks for what was not offered or points outside its frame")
    void checkRefusesBadHeaders() {
        assertEquals(VirtioNetHeader.Verdict.UNKNOWN_FLAGS, check("04 00 0000 0000 0000 0000", 60));
        assertEquals(VirtioNetHeader.Verdict.UNOFFERED_GSO, check("01 04 4200 a805 3600 1000", 65_000), "TCP/IPv6 not offered");
        assertEquals(VirtioNetHeader.Verdict.UNOFFERED_GSO, check("01 03 2a00 a805 2200 0600", 65_000), "UFO not offered");
        assertEquals(VirtioNetHeader.Verdict.UNOFFERED_GSO, check("00 80 0000 0000 0000 0000", 60), "ECN on a frame not to cut");
        assertEquals(VirtioNetHeader.Verdict.BAD_SEGMENTATION, check("01 01 4200 0000 2200 1000", 65_000), "piece size 0");
        assertEquals(VirtioNetHeader.Verdict.BAD_SEGMENTATION, check("01 01 ffff a805 2200 1000", 3000), "header past the frame");
        assertEquals(VirtioNetHeader.Verdict.BAD_CHECKSUM_PLACE, check("01 00 0000 0000 0e00 1000", 60), "starts in the IPv4 header");
        assertEquals(VirtioNetHeader.Verdict.BAD_CHECKSUM_PLACE, check("01 00 0000 0000 2200 1000", 51), "field one byte past the end");
        assertEquals(VirtioNetHeader.Verdict.BAD_CHECKSUM_PLACE, check("01 00 0000 0000 2200 ffff", 65_000));
    }
}
