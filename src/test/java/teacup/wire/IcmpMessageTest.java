package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IcmpMessageTest {
    private final IcmpMessage icmp = new IcmpMessage();

    @Test
    @DisplayName("RFC 792: echo request with identifier, sequence and checksum over the data")
    void echoRequest() {
        byte[] b = new byte[8 + 4];
        b[8] = 'p';
        b[9] = 'i';
        b[10] = 'n';
        b[11] = 'g';
        assertEquals(12, IcmpMessage.write(b, 0, IcmpMessage.TYPE_ECHO_REQUEST, 0, IcmpMessage.echoRest(0x1234, 1), 4));
        // 0800 + 1234 + 0001 + 7069 + 6e67 = 0xf905 -> complement 0x06fa
        assertEquals("080006fa1234000170696e67", HexFormat.of().formatHex(b));
        assertEquals(Defect.NONE, icmp.wrap(b, 0, 12));
        assertEquals(IcmpMessage.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x06fa, icmp.checksum());
        assertEquals(0x1234, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertEquals(12, icmp.length());
        assertEquals(8, icmp.payloadOffset());
        assertEquals(4, icmp.payloadLength());
        assertEquals(b, icmp.buffer());
    }

    @Test
    @DisplayName("RFC 1191: next-hop MTU of fragmentation needed")
    void fragmentationNeeded() {
        byte[] b = new byte[8 + 28];
        IcmpMessage.write(b, 0, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_FRAGMENTATION_NEEDED, 1400, 28);
        assertEquals(Defect.NONE, icmp.wrap(b, 0, b.length));
        assertEquals(1400, icmp.nextHopMtu());
        assertEquals(IcmpMessage.CODE_FRAGMENTATION_NEEDED, icmp.code());
    }

    @Test
    void defects() {
        byte[] b = new byte[12];
        IcmpMessage.write(b, 0, IcmpMessage.TYPE_ECHO_REPLY, 0, IcmpMessage.echoRest(-1, -1), 4);
        assertEquals(Defect.NONE, icmp.wrap(b, 0, 12));
        assertEquals(0xffff, icmp.identifier(), "echoRest keeps 16 bits of each");
        assertEquals(Defect.TRUNCATED, icmp.wrap(b, 0, 7));
        assertEquals(Defect.TRUNCATED, icmp.wrap(b, 5, 8));
        assertEquals(Defect.TRUNCATED, icmp.wrap(b, -1, 8));
        b[11] ^= 1;
        assertEquals(Defect.BAD_CHECKSUM, icmp.wrap(b, 0, 12));
        b[11] ^= 1;
        assertEquals(Defect.NONE, icmp.wrap(b, 0, 11), "an odd length sums its last byte with a zero pad; here it was zero");
        b[10] ^= 1;
        assertEquals(Defect.BAD_CHECKSUM, icmp.wrap(b, 0, 11));
    }
}
