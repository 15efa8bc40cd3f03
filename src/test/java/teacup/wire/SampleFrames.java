package teacup.wire;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Whole Ethernet frames built with the emitters, one of each kind, for fuzzing and pcap tests. */
public final class SampleFrames {
    public static final long MAC_A = 0x02_00_00_00_00_01L;
    public static final long MAC_B = 0x02_00_00_00_00_02L;
    public static final int IP_A = 0xc6120001; // 198.18.0.1
    public static final int IP_B = 0xc6120002; // 198.18.0.2

    private SampleFrames() {}

    public static byte[] arpRequest() {
        byte[] f = new byte[14 + ArpPacket.LENGTH];
        EthernetFrame.write(f, 0, MacAddress.BROADCAST_BITS, MAC_A, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REQUEST, MAC_A, IP_A, 0, IP_B).write(f, 14);
        return f;
    }

    public static byte[] arpReply() {
        byte[] f = new byte[14 + ArpPacket.LENGTH];
        EthernetFrame.write(f, 0, MAC_A, MAC_B, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REPLY, MAC_B, IP_B, MAC_A, IP_A).write(f, 14);
        return f;
    }

    public static byte[] icmpEcho(int type, int sequence) {
        byte[] data = "teacup ping data".getBytes(StandardCharsets.US_ASCII);
        byte[] f = new byte[14 + 20 + 8 + data.length];
        System.arraycopy(data, 0, f, 14 + 20 + 8, data.length);
        int icmp = IcmpMessage.write(f, 34, type, 0, IcmpMessage.echoRest(0x7ea, sequence), data.length);
        boolean request = type == IcmpMessage.TYPE_ECHO_REQUEST;
        Ipv4Packet.write(f, 14, icmp, sequence, Ipv4Packet.FLAG_DONT_FRAGMENT, 64, Ipv4Packet.PROTOCOL_ICMP,
                request ? IP_A : IP_B, request ? IP_B : IP_A);
        EthernetFrame.write(f, 0, request ? MAC_B : MAC_A, request ? MAC_A : MAC_B, EthernetFrame.TYPE_IPV4);
        return f;
    }

    /** A DNS-looking query for example.com to port 53. */
    public static byte[] udpDns() {
        byte[] query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
        byte[] f = new byte[14 + 20 + 8 + query.length];
        System.arraycopy(query, 0, f, 42, query.length);
        int udp = UdpDatagram.write(f, 34, 40000, 53, query.length, IP_A, IP_B);
        Ipv4Packet.write(f, 14, udp, 99, 0, 64, Ipv4Packet.PROTOCOL_UDP, IP_A, IP_B);
        EthernetFrame.write(f, 0, MAC_B, MAC_A, EthernetFrame.TYPE_IPV4);
        return f;
    }

    /** A SYN with every option teacup knows, or a data segment with timestamps and three SACK blocks (the most that fit with them). */
    public static byte[] tcp(boolean syn) {
        TcpOptions o = syn
                ? new TcpOptions().mss(1460).sackPermitted(true).timestamps(1000, 0).windowScale(7)
                : new TcpOptions().timestamps(2000, 1000).addSackBlock(0x20001000, 0x20002000).addSackBlock(0x20003000, 0x20004000).addSackBlock(0x20005000, 0x20005500);
        byte[] payload = syn ? new byte[0] : "data".getBytes(StandardCharsets.US_ASCII);
        int h = TcpSegment.headerLength(o);
        byte[] f = new byte[14 + 20 + h + payload.length];
        System.arraycopy(payload, 0, f, 34 + h, payload.length);
        int seg = TcpSegment.write(f, 34, 40001, 80, 0x10000000, syn ? 0 : 0x20000000,
                syn ? TcpSegment.SYN : TcpSegment.ACK | TcpSegment.PSH, 64240, 0, o, payload.length, IP_A, IP_B);
        Ipv4Packet.write(f, 14, seg, 100, Ipv4Packet.FLAG_DONT_FRAGMENT, 64, Ipv4Packet.PROTOCOL_TCP, IP_A, IP_B);
        EthernetFrame.write(f, 0, MAC_B, MAC_A, EthernetFrame.TYPE_IPV4);
        return f;
    }

    public static List<byte[]> all() {
        return List.of(arpRequest(), arpReply(), icmpEcho(IcmpMessage.TYPE_ECHO_REQUEST, 1),
                icmpEcho(IcmpMessage.TYPE_ECHO_REPLY, 1), udpDns(), tcp(true), tcp(false));
    }
}
