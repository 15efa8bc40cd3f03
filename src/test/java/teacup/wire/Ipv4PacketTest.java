package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class Ipv4PacketTest {
    /** The IPv4 header of tiniest-session frame 1: a Linux SYN from 127.0.0.1 to itself. */
    private static final String SYN_HEADER = "4500003c61bc40004006dafd7f0000017f000001";

    private final Ipv4Packet ip = new Ipv4Packet();

    private static byte[] packet(String header, int payload) {
        byte[] h = HexFormat.of().parseHex(header);
        byte[] b = new byte[h.length + payload];
        System.arraycopy(h, 0, b, 0, h.length);
        return b;
    }

    @Test
    void emitsTheCapturedHeaderByteForByte() {
        byte[] b = new byte[20];
        int n = Ipv4Packet.write(b, 0, 40, 0x61bc, Ipv4Packet.FLAG_DONT_FRAGMENT, 64, Ipv4Packet.PROTOCOL_TCP,
                0x7f000001, 0x7f000001);
        assertEquals(20, n);
        assertEquals(SYN_HEADER, HexFormat.of().formatHex(b));
    }

    @Test
    void parsesTheCapturedHeader() {
        byte[] b = packet(SYN_HEADER, 40);
        assertEquals(Defect.NONE, ip.wrap(b, 0, b.length));
        assertEquals(20, ip.headerLength());
        assertEquals(60, ip.totalLength());
        assertEquals(0, ip.typeOfService());
        assertEquals(0x61bc, ip.identification());
        assertTrue(ip.dontFragment());
        assertFalse(ip.moreFragments());
        assertEquals(0, ip.fragmentOffset());
        assertFalse(ip.isFragment());
        assertEquals(64, ip.ttl());
        assertEquals(Ipv4Packet.PROTOCOL_TCP, ip.protocol());
        assertEquals(0xdafd, ip.checksum());
        assertEquals(0x7f000001, ip.source());
        assertEquals(0x7f000001, ip.destination());
        assertEquals(20, ip.payloadOffset());
        assertEquals(40, ip.payloadLength());
    }

    @Test
    @DisplayName("RFC 791 3.1: fragment offset counts 8-byte units; MF and offset make a fragment")
    void fragmentFields() {
        byte[] b = new byte[28];
        Ipv4Packet.write(b, 0, 8, 7, Ipv4Packet.FLAG_MORE_FRAGMENTS | 1480 / 8, 64, Ipv4Packet.PROTOCOL_UDP, 1, 2);
        assertEquals(Defect.NONE, ip.wrap(b, 0, 28));
        assertTrue(ip.moreFragments());
        assertFalse(ip.dontFragment());
        assertEquals(1480, ip.fragmentOffset());
        assertTrue(ip.isFragment());

        Ipv4Packet.write(b, 0, 8, 7, 0x1fff, 64, Ipv4Packet.PROTOCOL_UDP, 1, 2);
        assertEquals(Defect.NONE, ip.wrap(b, 0, 28));
        assertFalse(ip.moreFragments());
        assertEquals(0x1fff * 8, ip.fragmentOffset(), "the last fragment: offset only");
        assertTrue(ip.isFragment());

        Ipv4Packet.write(b, 0, 8, 7, Ipv4Packet.FLAG_MORE_FRAGMENTS, 64, Ipv4Packet.PROTOCOL_UDP, 1, 2);
        assertEquals(Defect.NONE, ip.wrap(b, 0, 28));
        assertEquals(0, ip.fragmentOffset());
        assertTrue(ip.isFragment(), "the first fragment: MF only");
    }

    @Test
    @DisplayName("RFC 791 3.1: the payload starts after the options, where IHL says")
    void optionsAreSkippedByIhl() {
        // IHL 7: a record-route-like option (kind 7, length 7, pointer 4) and an end of list.
        byte[] b = new byte[28 + 3];
        BigEndian.put8(b, 0, 0x47);
        BigEndian.put16(b, 2, 31);
        BigEndian.put8(b, 8, 1);
        BigEndian.put8(b, 9, Ipv4Packet.PROTOCOL_ICMP);
        BigEndian.put32(b, 12, 0xc6120001);
        BigEndian.put32(b, 16, 0xc6120002);
        b[20] = 7;
        b[21] = 7;
        b[22] = 4;
        b[28] = 'x';
        BigEndian.put16(b, 10, Checksum.compute(b, 0, 28));
        assertEquals(Defect.NONE, ip.wrap(b, 0, b.length));
        assertEquals(28, ip.headerLength());
        assertEquals(28, ip.payloadOffset());
        assertEquals(3, ip.payloadLength());
        assertEquals('x', b[ip.payloadOffset()]);
    }

    @Test
    @DisplayName("RFC 791: Ethernet padding beyond the total length is ignored")
    void paddingIsIgnored() {
        byte[] b = new byte[46];
        Ipv4Packet.write(b, 0, 8, 1, 0, 64, Ipv4Packet.PROTOCOL_UDP, 1, 2);
        assertEquals(Defect.NONE, ip.wrap(b, 0, 46));
        assertEquals(8, ip.payloadLength());
    }

    @Test
    void defects() {
        byte[] b = packet(SYN_HEADER, 40);
        assertEquals(Defect.TRUNCATED, ip.wrap(b, 0, 19));
        assertEquals(Defect.TRUNCATED, ip.wrap(b, -1, 20));
        assertEquals(Defect.TRUNCATED, ip.wrap(b, 0, 59), "total length beyond the buffer");
        assertEquals(Defect.TRUNCATED, ip.wrap(b, 41, 20));

        byte[] v6 = b.clone();
        v6[0] = 0x65;
        assertEquals(Defect.BAD_VERSION, ip.wrap(v6, 0, 60));
        byte[] ihl4 = b.clone();
        ihl4[0] = 0x44;
        assertEquals(Defect.BAD_HEADER_LENGTH, ip.wrap(ihl4, 0, 60));
        byte[] ihl15 = b.clone();
        ihl15[0] = 0x4f;
        assertEquals(Defect.BAD_HEADER_LENGTH, ip.wrap(ihl15, 0, 40), "60-byte header in 40 bytes");
        byte[] shortTotal = b.clone();
        BigEndian.put16(shortTotal, 2, 19);
        assertEquals(Defect.BAD_LENGTH, ip.wrap(shortTotal, 0, 60));
        byte[] corrupt = b.clone();
        corrupt[8] = 63;
        assertEquals(Defect.BAD_CHECKSUM, ip.wrap(corrupt, 0, 60));
    }
}
