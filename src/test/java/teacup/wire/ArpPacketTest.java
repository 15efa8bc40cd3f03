package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ArpPacketTest {
    private static final long MAC = 0x02_00_00_aa_bb_ccL;
    private static final int ME = 0xc6120001;
    private static final int YOU = 0xc6120002;
    /** An Ethernet/IPv4 request: who has 198.18.0.2, tell 198.18.0.1. */
    private static final String REQUEST = "0001" + "0800" + "06" + "04" + "0001" + "020000aabbcc" + "c6120001"
            + "000000000000" + "c6120002";

    @Test
    @DisplayName("RFC 826: request layout")
    void writesARequest() {
        byte[] b = new byte[28];
        assertEquals(28, new ArpPacket(ArpPacket.REQUEST, MAC, ME, 0, YOU).write(b, 0));
        assertEquals(REQUEST, HexFormat.of().formatHex(b));
    }

    @Test
    void readsWhatItWrote() {
        byte[] b = new byte[40];
        ArpPacket reply = new ArpPacket(ArpPacket.REPLY, 0x0a0b0c0d0e0fL, YOU, MAC, ME);
        reply.write(b, 5);
        assertEquals(Defect.NONE, ArpPacket.check(b, 5, 28));
        assertEquals(reply, ArpPacket.read(b, 5));
    }

    @Test
    void rejectsOtherHardwareAndOperations() {
        byte[] b = HexFormat.of().parseHex(REQUEST);
        assertEquals(Defect.NONE, ArpPacket.check(b, 0, 28));
        assertEquals(Defect.TRUNCATED, ArpPacket.check(b, 0, 27));
        assertEquals(Defect.TRUNCATED, ArpPacket.check(b, 1, 28));
        assertEquals(Defect.TRUNCATED, ArpPacket.check(b, -1, 28));
        int[][] changes = {{1, 6}, {2, 0x86}, {4, 8}, {5, 16}, {7, 3}, {7, 0}};
        for (int[] c : changes) {
            byte[] bad = b.clone();
            bad[c[0]] = (byte) c[1];
            assertEquals(Defect.UNSUPPORTED, ArpPacket.check(bad, 0, 28), "byte " + c[0] + " = " + c[1]);
        }
    }

    @Test
    void describesItself() {
        assertEquals("ARP request who-has 198.18.0.2 tell 198.18.0.1",
                new ArpPacket(ArpPacket.REQUEST, MAC, ME, 0, YOU).toString());
        assertEquals("ARP reply 198.18.0.1 is-at 02:00:00:aa:bb:cc",
                new ArpPacket(ArpPacket.REPLY, MAC, ME, 0, YOU).toString());
    }
}
