package teacup.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;
import teacup.wire.TcpSegmentCutter;

/** A link's own segmentation: a large segment goes down as the frames the cutter makes, each through send. */
class SoftwareSegmentationTest {
    private static final int A = 0xc6120001;
    private static final int B = 0xc6120002;

    /** A large TCP/IPv4 frame as IP hands it to sendSegmented: checksum left as the pseudo-header sum. */
    static byte[] largeFrame(int id, int seq, int dataLength, long seed) {
        TcpOptions ts = new TcpOptions().timestamps(5, 6);
        int tcpHeader = TcpSegment.headerLength(ts);
        byte[] f = new byte[34 + tcpHeader + dataLength];
        byte[] d = new byte[dataLength];
        new SplittableRandom(seed).nextBytes(d);
        System.arraycopy(d, 0, f, 34 + tcpHeader, dataLength);
        EthernetFrame.write(f, 0, 0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, EthernetFrame.TYPE_IPV4);
        TcpSegment.write(f, 34, 40000, 80, seq, 1, TcpSegment.ACK | TcpSegment.PSH, 500, 0, ts, dataLength, A, B, false);
        Ipv4Packet.write(f, 14, tcpHeader + dataLength, id, Ipv4Packet.FLAG_DONT_FRAGMENT, 64, Ipv4Packet.PROTOCOL_TCP, A, B);
        return f;
    }

    @Test
    void sendsEachPieceThroughTheLinksSend() throws Exception {
        PcapRecorderTest.QueueLink device = new PcapRecorderTest.QueueLink();
        SoftwareSegmentation cut = new SoftwareSegmentation(1514);
        byte[] large = largeFrame(100, 7, 20 * 1448 + 10, 1);
        cut.send(device, large, 0, large.length, 1448);
        assertEquals(21, device.sent.size());
        TcpSegmentCutter expected = new TcpSegmentCutter();
        assertEquals(Defect.NONE, expected.start(large, 0, large.length, 1448));
        byte[] piece = new byte[1514];
        for (byte[] sent : device.sent) {
            int n = expected.next(piece, 0);
            assertArrayEquals(Arrays.copyOf(piece, n), sent);
            assertTrue(sent.length <= 1514);
        }
        assertEquals(1, cut.segments());
        assertEquals(21, cut.frames());
    }

    @Test
    void refusesWhatIsNoLargeSegmentOrWouldNotFitTheMtu() {
        PcapRecorderTest.QueueLink device = new PcapRecorderTest.QueueLink();
        SoftwareSegmentation cut = new SoftwareSegmentation(1514);
        byte[] large = largeFrame(1, 1, 10_000, 2);
        assertThrows(IllegalArgumentException.class, () -> cut.send(device, large, 0, large.length, 0));
        assertThrows(IllegalArgumentException.class, () -> cut.send(device, large, 0, large.length, 1500),
                "pieces above the MTU");
        assertThrows(IllegalArgumentException.class, () -> cut.send(device, large, 0, 40, 1448));
        assertTrue(device.sent.isEmpty());
        assertEquals(0, cut.segments());
    }
}
