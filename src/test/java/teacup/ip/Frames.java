package teacup.ip;

import java.util.Arrays;
import teacup.wire.ArpPacket;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.UdpDatagram;

/** Builds test frames with the wire emitters. */
final class Frames {
    static final long US_MAC = 0x02_00_00_00_00_02L;
    static final long PEER_MAC = 0x02_00_00_00_00_01L;
    static final int US = Ipv4Address.parse("198.18.0.2").bits();
    static final int PEER = Ipv4Address.parse("198.18.0.1").bits();
    static final int OTHER = Ipv4Address.parse("198.18.0.77").bits();
    static final int FAR = Ipv4Address.parse("198.19.5.5").bits();

    private Frames() {}

    static byte[] arp(long ethDst, int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        byte[] b = new byte[60]; // minimum Ethernet frame, padded like a real NIC does
        int n = EthernetFrame.write(b, 0, ethDst, senderMac, EthernetFrame.TYPE_ARP);
        new ArpPacket(op, senderMac, senderIp, targetMac, targetIp).write(b, n);
        return b;
    }

    static byte[] arpRequestFromPeer(int target) {
        return arp(0xffff_ffff_ffffL, ArpPacket.REQUEST, PEER_MAC, PEER, 0, target);
    }

    static byte[] arpReplyFromPeer() {
        return arp(US_MAC, ArpPacket.REPLY, PEER_MAC, PEER, US_MAC, US);
    }

    /** An IPv4 frame from the peer; {@code flagsAndOffset} is the raw field. */
    static byte[] ipv4(int source, int destination, int protocol, byte[] payload, int identification, int flagsAndOffset) {
        byte[] b = new byte[14 + 20 + payload.length];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        System.arraycopy(payload, 0, b, 34, payload.length);
        Ipv4Packet.write(b, 14, payload.length, identification, flagsAndOffset, 64, protocol, source, destination);
        return b;
    }

    static byte[] echoRequest(int identifier, int sequence, byte[] data) {
        byte[] icmp = new byte[8 + data.length];
        System.arraycopy(data, 0, icmp, 8, data.length);
        IcmpMessage.write(icmp, 0, IcmpMessage.TYPE_ECHO_REQUEST, 0, IcmpMessage.echoRest(identifier, sequence), data.length);
        return icmp;
    }

    static byte[] udp(int source, int destination, int sourcePort, int destinationPort, byte[] data) {
        byte[] u = new byte[8 + data.length];
        System.arraycopy(data, 0, u, 8, data.length);
        UdpDatagram.write(u, 0, sourcePort, destinationPort, data.length, source, destination);
        return u;
    }

    /** Splits an IPv4 payload into fragments of {@code step} bytes (a multiple of 8), as frames. */
    static byte[][] fragments(int source, int destination, int protocol, byte[] payload, int identification, int step) {
        int count = (payload.length + step - 1) / step;
        byte[][] frames = new byte[count][];
        for (int i = 0; i < count; i++) {
            int at = i * step;
            byte[] chunk = Arrays.copyOfRange(payload, at, Math.min(payload.length, at + step));
            boolean more = at + chunk.length < payload.length;
            frames[i] = ipv4(source, destination, protocol, chunk, identification,
                    (more ? Ipv4Packet.FLAG_MORE_FRAGMENTS : 0) | (at / 8));
        }
        return frames;
    }

    static byte[] data(int length) {
        byte[] d = new byte[length];
        for (int i = 0; i < length; i++) {
            d[i] = (byte) (i * 7 + 3);
        }
        return d;
    }
}
