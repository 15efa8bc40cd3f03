package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

class EthernetFrameTest {
    private final EthernetFrame eth = new EthernetFrame();

    @Test
    void writeThenWrap() {
        byte[] b = new byte[2 + 14 + 4];
        assertEquals(14, EthernetFrame.write(b, 2, MacAddress.BROADCAST_BITS, 0x02_00_00_aa_bb_ccL, EthernetFrame.TYPE_ARP));
        assertEquals("0000" + "ffffffffffff" + "020000aabbcc" + "0806" + "00000000", HexFormat.of().formatHex(b));
        assertEquals(Defect.NONE, eth.wrap(b, 2, 18));
        assertEquals(MacAddress.BROADCAST_BITS, eth.destination());
        assertEquals(0x02_00_00_aa_bb_ccL, eth.source());
        assertEquals(EthernetFrame.TYPE_ARP, eth.etherType());
        assertEquals(2, eth.offset());
        assertEquals(18, eth.length());
        assertEquals(16, eth.payloadOffset());
        assertEquals(4, eth.payloadLength());
        assertEquals(b, eth.buffer());
    }

    @Test
    void headerOnlyIsAccepted() {
        assertEquals(Defect.NONE, eth.wrap(new byte[14], 0, 14));
        assertEquals(0, eth.payloadLength());
    }

    @Test
    void shortFramesAreTruncated() {
        byte[] b = new byte[20];
        assertEquals(Defect.TRUNCATED, eth.wrap(b, 0, 13));
        assertEquals(Defect.TRUNCATED, eth.wrap(b, 7, 14), "len beyond the buffer");
        assertEquals(Defect.TRUNCATED, eth.wrap(b, -1, 14));
    }

    @Test
    void hugeOffsetDoesNotOverflow() {
        assertEquals(Defect.TRUNCATED, eth.wrap(new byte[20], Integer.MAX_VALUE, 14));
    }
}
