package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.ip.Frames.PEER;
import static teacup.ip.Frames.US;
import static teacup.ip.Frames.US_MAC;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.Defect;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpSegment;
import teacup.wire.UdpDatagram;

/** IPv4's part in segmentation and checksum offload: large TCP segments out, trusted checksums in. */
class SegmentationOffloadTest {
    private static final int MSS = 1448;

    private final List<byte[]> plain = new ArrayList<>();
    private final List<byte[]> segmented = new ArrayList<>();
    private final List<Integer> segmentSizes = new ArrayList<>();
    private final Statistics stats = new Statistics();
    private int offload = 65535;

    private final FrameSink sink = new FrameSink() {
        @Override
        public void send(byte[] b, int off, int len) {
            plain.add(Arrays.copyOfRange(b, off, off + len));
        }

        @Override
        public int segmentationOffload() {
            return offload;
        }

        @Override
        public void sendSegmented(byte[] b, int off, int len, int segmentSize) {
            segmented.add(Arrays.copyOfRange(b, off, off + len));
            segmentSizes.add(segmentSize);
        }
    };

    private IpLayer layer() {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, new Ipv4Address(PEER), 1500);
        return new IpLayer(iface, sink, stats, new SplittableRandom(7));
    }

    /** A TCP segment of {@code data} bytes at the payload offset, its checksum left as the pseudo-header sum. */
    private static int largeSegment(byte[] frame, int data) {
        for (int i = 0; i < data; i++) {
            frame[IpLayer.PAYLOAD_OFFSET + 20 + i] = (byte) (i * 31 + 7);
        }
        return TcpSegment.write(frame, IpLayer.PAYLOAD_OFFSET, 40000, 80, 1000, 2000, TcpSegment.ACK, 512, 0, null, data,
                US, PEER, false);
    }

    @Test
    @DisplayName("a TCP segment above the MTU goes whole to the link, Don't Fragment set, with the segment size")
    void largeSegmentGoesWhole() {
        IpLayer ip = layer();
        ip.receive(0, Frames.arpRequestFromPeer(US), 0, Frames.arpRequestFromPeer(US).length);
        plain.clear();
        assertEquals(65535 - 20, ip.segmentationOffload());
        byte[] frame = ip.txBuffer();
        int n = largeSegment(frame, 40 * MSS);

        assertTrue(ip.send(0, PEER, Ipv4Packet.PROTOCOL_TCP, frame, n, MSS));

        assertEquals(List.of(), plain, "nothing went as plain frames or fragments");
        assertEquals(1, segmented.size());
        assertEquals(List.of(MSS), segmentSizes);
        byte[] sent = segmented.getFirst();
        Ipv4Packet p = new Ipv4Packet();
        assertEquals(Defect.NONE, p.wrap(sent, 14, sent.length - 14));
        assertEquals(20 + n, p.totalLength());
        assertEquals(Ipv4Packet.FLAG_DONT_FRAGMENT, BigEndian.u16(sent, 14 + 6));
    }

    @Test
    @DisplayName("before ARP has resolved the peer, a large segment is fragmented with its checksum finished here")
    void unresolvedPeerGetsFinishedChecksum() {
        IpLayer ip = layer();
        byte[] frame = ip.txBuffer();
        int n = largeSegment(frame, 2 * MSS);
        byte[] expected = Arrays.copyOfRange(frame, IpLayer.PAYLOAD_OFFSET, IpLayer.PAYLOAD_OFFSET + n);
        Checksum.finishInPlace(expected, 0, n, 16);

        assertTrue(ip.send(0, PEER, Ipv4Packet.PROTOCOL_TCP, frame, n, MSS));

        assertEquals(List.of(), segmented);
        // What went (or waits for ARP) carries a checksum that verifies: check the copy we finished the same way.
        assertEquals(Defect.NONE, new TcpSegment().wrap(expected, 0, n, US, PEER));
        assertEquals(BigEndian.u16(expected, 16), BigEndian.u16(frame, IpLayer.PAYLOAD_OFFSET + 16));
    }

    @Test
    @DisplayName("a link without the offload gets no large segment: IPv4 says so with a zero")
    void noOffloadNoLargeSegments() {
        offload = 0;
        assertEquals(0, layer().segmentationOffload());
    }

    @Test
    @DisplayName("a datagram with an unfinished checksum is taken only when the link vouched for it")
    void trustedChecksumSkipsVerification() {
        IpLayer ip = layer();
        List<Boolean> accepted = new ArrayList<>();
        UdpDatagram view = new UdpDatagram();
        ip.register(Ipv4Packet.PROTOCOL_UDP, (now, source, destination, b, off, len) -> {
            accepted.add(view.wrap(b, off, len, source, destination, !ip.checksumTrusted()) == Defect.NONE);
            return Counter.UDP_DELIVERED;
        });
        byte[] frame = Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5000, 53, new byte[] {1, 2, 3, 4}), 1, 0);
        BigEndian.put16(frame, 14 + 20 + 6, 0x1234); // as if left for a device: not the right sum

        ip.receive(0, frame, 0, frame.length, false);
        ip.receive(0, frame, 0, frame.length, true);
        ip.receive(0, frame, 0, frame.length);

        assertEquals(List.of(false, true, false), accepted);
        assertEquals(false, ip.checksumTrusted(), "trust lasts only while the frame is handled");
    }
}
