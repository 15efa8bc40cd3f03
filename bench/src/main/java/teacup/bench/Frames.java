package teacup.bench;

import teacup.wire.ArpPacket;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;
import teacup.wire.UdpDatagram;

/** Well-formed frames from a peer to teacup, built once per benchmark trial with teacup's own emitters. */
final class Frames {
    static final MacAddress TEACUP_MAC = MacAddress.parse("02:74:63:00:00:02");
    static final MacAddress PEER_MAC = MacAddress.parse("02:74:63:00:00:01");
    static final Ipv4Address TEACUP = Ipv4Address.parse("198.18.0.2");
    static final Ipv4Address PEER = Ipv4Address.parse("198.18.0.1");
    static final int MTU = 1500;
    /** The largest UDP payload that fits one 1500-byte IPv4 packet. */
    static final int FULL_UDP_PAYLOAD = MTU - Ipv4Packet.MIN_HEADER_LENGTH - UdpDatagram.HEADER_LENGTH;

    private static final int IP = EthernetFrame.HEADER_LENGTH;
    private static final int TRANSPORT = IP + Ipv4Packet.MIN_HEADER_LENGTH;

    private Frames() {}

    /** An Ethernet frame carrying one UDP datagram of {@code payload} patterned bytes to {@code port}. */
    static byte[] udp(int port, int payload) {
        byte[] b = new byte[TRANSPORT + UdpDatagram.HEADER_LENGTH + payload];
        fill(b, TRANSPORT + UdpDatagram.HEADER_LENGTH, payload);
        int length = UdpDatagram.write(b, TRANSPORT, 40000, port, payload, PEER.bits(), TEACUP.bits());
        ipAndEthernet(b, Ipv4Packet.PROTOCOL_UDP, length);
        return b;
    }

    /** An Ethernet frame carrying an ICMP echo request with {@code payload} bytes of data. */
    static byte[] echoRequest(int payload) {
        byte[] b = new byte[TRANSPORT + IcmpMessage.HEADER_LENGTH + payload];
        fill(b, TRANSPORT + IcmpMessage.HEADER_LENGTH, payload);
        int length = IcmpMessage.write(b, TRANSPORT, IcmpMessage.TYPE_ECHO_REQUEST, 0,
                IcmpMessage.echoRest(0x7463, 1), payload);
        ipAndEthernet(b, Ipv4Packet.PROTOCOL_ICMP, length);
        return b;
    }

    /** An Ethernet frame carrying one TCP segment of {@code payload} patterned bytes at {@code seq}, with timestamps. */
    static byte[] tcp(int port, int seq, int payload) {
        TcpOptions ts = new TcpOptions().timestamps(1000, 2000);
        int header = TcpSegment.headerLength(ts);
        byte[] b = new byte[TRANSPORT + header + payload];
        fill(b, TRANSPORT + header, payload);
        int length = TcpSegment.write(b, TRANSPORT, 40000, port, seq, 1, TcpSegment.ACK, 1000, 0, ts, payload,
                PEER.bits(), TEACUP.bits());
        ipAndEthernet(b, Ipv4Packet.PROTOCOL_TCP, length);
        return b;
    }

    /** An ARP request from the peer for teacup's address, which teaches teacup the peer's MAC. */
    static byte[] arpRequest() {
        byte[] b = new byte[IP + ArpPacket.LENGTH];
        new ArpPacket(ArpPacket.REQUEST, PEER_MAC.bits(), PEER.bits(), 0, TEACUP.bits()).write(b, IP);
        EthernetFrame.write(b, 0, MacAddress.BROADCAST_BITS, PEER_MAC.bits(), EthernetFrame.TYPE_ARP);
        return b;
    }

    private static void ipAndEthernet(byte[] b, int protocol, int payloadLength) {
        Ipv4Packet.write(b, IP, payloadLength, 0x1234, Ipv4Packet.FLAG_DONT_FRAGMENT, 64, protocol,
                PEER.bits(), TEACUP.bits());
        EthernetFrame.write(b, 0, TEACUP_MAC.bits(), PEER_MAC.bits(), EthernetFrame.TYPE_IPV4);
    }

    static void fill(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            b[off + i] = (byte) (i * 31 + 7);
        }
    }
}
