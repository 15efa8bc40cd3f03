package teacup.tcp;

import java.util.SplittableRandom;
import teacup.ip.FrameSink;
import teacup.ip.Interface;
import teacup.ip.IpLayer;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * The set-up the TcpLayer tests share: an IP layer on 198.18.0.2/24 (us) whose frames go to the
 * test's sink, a TCP layer on it, and the peer 198.18.0.1 already known by its ARP request, so
 * nothing waits on ARP. Seeds are fixed, so runs repeat.
 */
final class TcpLayerFixture {
    static final long US_MAC = 0x02_00_00_00_00_02L;
    static final long PEER_MAC = 0x02_00_00_00_00_01L;
    static final int US = Ipv4Address.parse("198.18.0.2").bits();
    static final int PEER = Ipv4Address.parse("198.18.0.1").bits();

    record Layers(IpLayer ip, TcpLayer tcp) { }

    private TcpLayerFixture() {
    }

    /** The layers on an interface of {@code mtu}; frames sent before this returns (the ARP reply) reach {@code sink} too. */
    static Layers start(int mtu, FrameSink sink, Statistics stats) {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, Ipv4Address.ANY, mtu);
        IpLayer ip = new IpLayer(iface, sink, stats, new SplittableRandom(3));
        TcpLayer tcp = new TcpLayer(ip, stats, new SplittableRandom(4));
        ip.start(0);
        byte[] arp = new byte[60];
        int n = EthernetFrame.write(arp, 0, MacAddress.BROADCAST_BITS, PEER_MAC, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REQUEST, PEER_MAC, PEER, 0, US).write(arp, n);
        ip.receive(0, arp, 0, arp.length);
        return new Layers(ip, tcp);
    }
}
