package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import teacup.ip.Interface;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * A peer that sends anything at all: well-formed TCP segments with random flags, sequence and
 * acknowledgment numbers, windows, options and payloads, aimed at a listener and at an
 * established connection. Nothing may throw, every frame must end in one counter, and the
 * connection table stays within the listener's backlog.
 */
class HostileSegmentsTest {
    static final long MS = 1_000_000L;
    static final long US_MAC = 0x02_00_00_00_00_02L;
    static final long PEER_MAC = 0x02_00_00_00_00_01L;
    static final int US = Ipv4Address.parse("198.18.0.2").bits();
    static final int PEER = Ipv4Address.parse("198.18.0.1").bits();

    @Property(tries = 60)
    @Label("Random segments from a hostile peer never throw, stay bounded, and leave every frame counted")
    void hostilePeer(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> out = new ArrayList<>();
        Statistics stats = new Statistics();
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, Ipv4Address.ANY, 1500);
        IpLayer ip = new IpLayer(iface, (b, off, len) -> {
            SegmentDigest.frame("L", -1, b, off, len);
            out.add(Arrays.copyOfRange(b, off, off + len));
        }, stats, new SplittableRandom(seed + 1));
        TcpLayer tcp = new TcpLayer(ip, stats, new SplittableRandom(seed + 2));
        ip.start(0);
        byte[] arp = new byte[60];
        int n = EthernetFrame.write(arp, 0, -1L & 0xffff_ffff_ffffL, PEER_MAC, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REQUEST, PEER_MAC, PEER, 0, US).write(arp, n);
        ip.receive(0, arp, 0, arp.length);
        TcpSettings settings = TcpSettings.defaults().withBuffers(8192, 8192);
        TcpListener listener = tcp.listen(80, 8, settings);

        // One honest connection first: handshake from port 40000.
        long now = MS;
        out.clear();
        ip.receive(now, frame(40000, 80, 1000, 0, TcpSegment.SYN, new TcpOptions().mss(1460), new byte[0]), 0,
                frame(40000, 80, 1000, 0, TcpSegment.SYN, new TcpOptions().mss(1460), new byte[0]).length);
        int ourIss = lastSentSeq(out);
        byte[] ack = frame(40000, 80, 1001, SeqNum.add(ourIss, 1), TcpSegment.ACK, null, new byte[0]);
        ip.receive(now, ack, 0, ack.length);
        TcpConnection honest = listener.poll();
        assertNotNull(honest, "the honest connection was accepted");

        int[] ports = {40000, 40001, 80, 81, 0, 65535};
        for (int i = 0; i < 3000; i++) {
            now += random.nextInt(50) * MS;
            int flags = random.nextInt(64);
            int seq = random.nextBoolean() ? SeqNum.add(1001, random.nextInt(-70_000, 70_000)) : random.nextInt();
            int ackNo = random.nextBoolean() ? SeqNum.add(ourIss, random.nextInt(-70_000, 70_000)) : random.nextInt();
            TcpOptions options = null;
            if (random.nextInt(3) == 0) {
                options = new TcpOptions();
                if (random.nextBoolean()) {
                    options.mss(random.nextInt(0, 65536));
                }
                if (random.nextBoolean()) {
                    options.windowScale(random.nextInt(0, 15));
                }
                if (random.nextBoolean()) {
                    options.timestamps(random.nextInt(), random.nextInt());
                }
                if (random.nextBoolean()) {
                    options.sackPermitted(true);
                }
                if (random.nextBoolean() && !options.hasTimestamps()) {
                    options.addSackBlock(SeqNum.add(ourIss, random.nextInt(-9000, 9000)), SeqNum.add(ourIss, random.nextInt(-9000, 9000)));
                }
            }
            byte[] payload = new byte[random.nextInt(4) == 0 ? random.nextInt(0, 1400) : 0];
            int source = ports[random.nextInt(2)];
            int destination = ports[2 + random.nextInt(ports.length - 2)];
            if (destination == 0 || source == 0) {
                destination = 80;
            }
            byte[] f = frame(source, destination, seq, ackNo, flags, options, payload);
            ip.receive(now, f, 0, f.length);
            if (random.nextInt(10) == 0) {
                tcp.poll(now);
            }
            assertTrue(tcp.connectionCount() <= 1 + 8 + 1, "the table stays within the honest connection, the backlog and one more");
        }
        assertEquals(stats.get(Counter.FRAMES_IN), stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED),
                "every frame ends in exactly one counter");
        tcp.poll(now + 3_600_000 * MS);
        assertTrue(tcp.connectionCount() <= 1 + 8 + 1);
    }

    static int lastSentSeq(List<byte[]> frames) {
        byte[] f = frames.getLast();
        int source = teacup.wire.BigEndian.i32(f, 26);
        int destination = teacup.wire.BigEndian.i32(f, 30);
        TcpSegment s = new TcpSegment();
        s.wrap(f, 34, teacup.wire.BigEndian.u16(f, 16) - 20, source, destination);
        return s.sequence();
    }

    static byte[] frame(int sourcePort, int destinationPort, int seq, int ack, int flags, TcpOptions options, byte[] payload) {
        int header = TcpSegment.headerLength(options);
        byte[] b = new byte[14 + 20 + header + payload.length];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        System.arraycopy(payload, 0, b, 34 + header, payload.length);
        int len = TcpSegment.write(b, 34, sourcePort, destinationPort, seq, ack, flags, 65535, 0, options, payload.length, PEER, US);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, PEER, US);
        return b;
    }
}
