package teacup.drill;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import teacup.link.Link;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The script's remote host, on whatever link faces teacup (one end of a VirtualWire in-process,
 * an AF_PACKET socket on the kernel side of a TAP live): it answers ARP for its address itself,
 * writes the segments and ICMP messages a script injects, and keeps every TCP segment and ICMP
 * message teacup sends, with its time, for the script's outbound lines. Both modes share it, so
 * what a script puts on the wire is byte for byte the same in each.
 */
final class RemoteHost {
    static final MacAddress REMOTE_MAC = MacAddress.parse("02:00:00:00:d1:02");
    /** The original datagram an ICMP error quotes: its IPv4 header and the first 8 bytes of TCP (RFC 792). */
    private static final int QUOTED_TCP_BYTES = 8;

    /** An ICMP message teacup sent: type, code, and when. */
    record CapturedIcmp(long atNanos, int type, int code) {
    }

    private final Link link;
    private final LongSupplier clock;
    private final int mtu;
    final int localIp;
    final int remoteIp;
    private final long localMac;
    private final byte[] rx;
    private final byte[] tx;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final Deque<CapturedSegment> captured = new ArrayDeque<>();
    private final Deque<CapturedIcmp> capturedIcmp = new ArrayDeque<>();
    private int identification;

    RemoteHost(Link link, LongSupplier clock, int mtu, int localIp, int remoteIp, MacAddress localMac) {
        this.link = link;
        this.clock = clock;
        this.mtu = mtu;
        this.localIp = localIp;
        this.remoteIp = remoteIp;
        this.localMac = localMac.bits();
        this.rx = new byte[mtu + 64];
        this.tx = new byte[mtu + 64];
    }

    /** Segments teacup sent that no outbound line has taken yet, oldest first. */
    Deque<CapturedSegment> captured() {
        return captured;
    }

    /** ICMP messages teacup sent that no outbound line has taken yet, oldest first. */
    Deque<CapturedIcmp> capturedIcmp() {
        return capturedIcmp;
    }

    /** Reads what teacup sent: answers ARP for the remote address, keeps TCP and ICMP, ignores the rest. */
    void drain() throws IOException {
        int n;
        while ((n = link.receive(rx, 0)) > 0) {
            if (ethernet.wrap(rx, 0, n) != Defect.NONE) {
                continue;
            }
            if (ethernet.etherType() == EthernetFrame.TYPE_ARP) {
                answerArp(ethernet.payloadOffset(), ethernet.payloadLength());
            } else if (ethernet.etherType() == EthernetFrame.TYPE_IPV4) {
                keep(ethernet.payloadOffset(), ethernet.payloadLength());
            }
        }
    }

    private void answerArp(int off, int len) throws IOException {
        if (!ArpPacket.check(rx, off, len).ok()) {
            return;
        }
        ArpPacket a = ArpPacket.read(rx, off);
        if (a.operation() == ArpPacket.REQUEST && a.targetIp() == remoteIp) {
            int h = EthernetFrame.write(tx, 0, a.senderMac(), REMOTE_MAC.bits(), EthernetFrame.TYPE_ARP);
            int l = new ArpPacket(ArpPacket.REPLY, REMOTE_MAC.bits(), remoteIp, a.senderMac(), a.senderIp()).write(tx, h);
            link.send(tx, 0, h + l);
        }
    }

    /**
     * Asks teacup who has its own address, as a host about to talk to it would; teacup answers and,
     * as RFC 826's merge step says, learns the remote host's address from the request, so live runs
     * do not begin with an ARP round trip through the kernel that the script knows nothing of.
     */
    void introduce() throws IOException {
        int h = EthernetFrame.write(tx, 0, 0xffff_ffff_ffffL, REMOTE_MAC.bits(), EthernetFrame.TYPE_ARP);
        int l = new ArpPacket(ArpPacket.REQUEST, REMOTE_MAC.bits(), remoteIp, 0, localIp).write(tx, h);
        link.send(tx, 0, h + l);
    }

    private void keep(int off, int len) {
        if (!ip.wrap(rx, off, len).ok() || ip.destination() != remoteIp || ip.source() != localIp) {
            return;
        }
        long now = clock.getAsLong();
        if (ip.protocol() == Ipv4Packet.PROTOCOL_ICMP && ip.payloadLength() >= IcmpMessage.HEADER_LENGTH) {
            capturedIcmp.add(new CapturedIcmp(now, rx[ip.payloadOffset()] & 0xff, rx[ip.payloadOffset() + 1] & 0xff));
            return;
        }
        if (ip.protocol() != Ipv4Packet.PROTOCOL_TCP) {
            return;
        }
        Defect d = tcp.wrap(rx, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination());
        if (!d.ok()) {
            throw new ScriptFailed("teacup sent a TCP segment that does not check (" + d + ") at " + now + " ns");
        }
        captured.add(new CapturedSegment(now, tcp.sourcePort(), tcp.destinationPort(), tcp.sequence(), tcp.acknowledgment(),
                tcp.flags(), tcp.window(), tcp.payloadLength(),
                CapturedSegment.decodeOptions(rx, tcp.optionsOffset(), tcp.optionsLength()), tcp.urgentPointer()));
    }

    /** Sends one TCP segment from the remote host to teacup, now; {@code options} as encoded bytes (may be empty). */
    void inject(int sourcePort, int destinationPort, int seq, int ack, int flags, int window, int urgent, byte[] options,
                int payload) throws IOException {
        int ipOff = EthernetFrame.HEADER_LENGTH;
        int tcpOff = ipOff + Ipv4Packet.MIN_HEADER_LENGTH;
        int optionsLength = (options.length + 3) & ~3;
        int payloadOff = tcpOff + TcpSegment.MIN_HEADER_LENGTH + optionsLength;
        if (payloadOff + payload > EthernetFrame.HEADER_LENGTH + mtu) {
            throw new ScriptSkipped("an inbound segment of " + payload + " bytes does not fit the " + mtu + "-byte MTU");
        }
        int tcpLength = writeTcp(tcpOff, sourcePort, destinationPort, seq, ack, flags, window, urgent, options, payload);
        sendIp(ipOff, tcpLength, Ipv4Packet.PROTOCOL_TCP);
    }

    /**
     * Sends teacup an ICMP error about a TCP segment it sent, as a router on the path would: the
     * quoted datagram is teacup's own IPv4 header (teacup to remote, TCP) and the first 8 bytes of
     * the TCP header, its ports and sequence number, which RFC 5927 validation checks. {@code rest}
     * is the second word of the ICMP header (the next-hop MTU in its low half for "fragmentation
     * needed").
     */
    void injectIcmpError(int type, int code, int rest, int localPort, int remotePort, int seq, int quotedLength)
            throws IOException {
        int ipOff = EthernetFrame.HEADER_LENGTH;
        int icmpOff = ipOff + Ipv4Packet.MIN_HEADER_LENGTH;
        int quoted = icmpOff + IcmpMessage.HEADER_LENGTH;
        Ipv4Packet.write(tx, quoted, TcpSegment.MIN_HEADER_LENGTH + quotedLength, 0, Ipv4Packet.FLAG_DONT_FRAGMENT, 64,
                Ipv4Packet.PROTOCOL_TCP, localIp, remoteIp);
        int t = quoted + Ipv4Packet.MIN_HEADER_LENGTH;
        BigEndian.put16(tx, t, localPort);
        BigEndian.put16(tx, t + 2, remotePort);
        BigEndian.put32(tx, t + 4, seq);
        int payload = Ipv4Packet.MIN_HEADER_LENGTH + QUOTED_TCP_BYTES;
        int length = IcmpMessage.write(tx, icmpOff, type, code, rest, payload);
        sendIp(ipOff, length, Ipv4Packet.PROTOCOL_ICMP);
    }

    private void sendIp(int ipOff, int payloadLength, int protocol) throws IOException {
        Ipv4Packet.write(tx, ipOff, payloadLength, identification++ & 0xffff, Ipv4Packet.FLAG_DONT_FRAGMENT, 64,
                protocol, remoteIp, localIp);
        EthernetFrame.write(tx, 0, localMac, REMOTE_MAC.bits(), EthernetFrame.TYPE_IPV4);
        link.send(tx, 0, ipOff + Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
    }

    /**
     * The TCP emitter takes parsed options, but a script's options are raw bytes in its own order
     * (nops where it puts them, even malformed ones), so the header goes out bare and the option
     * bytes and the payload are put behind it, with the data offset and checksum made right.
     */
    private int writeTcp(int off, int sourcePort, int destinationPort, int seq, int ack, int flags, int window, int urgent,
                         byte[] options, int payload) {
        TcpSegment.write(tx, off, sourcePort, destinationPort, seq, ack, flags, window, 0, (TcpOptions) null,
                0, remoteIp, localIp);
        int header = TcpSegment.MIN_HEADER_LENGTH + ((options.length + 3) & ~3);
        java.util.Arrays.fill(tx, off + TcpSegment.MIN_HEADER_LENGTH, off + header, (byte) 0);
        System.arraycopy(options, 0, tx, off + TcpSegment.MIN_HEADER_LENGTH, options.length);
        java.util.Arrays.fill(tx, off + header, off + header + payload, (byte) 'x');
        tx[off + 12] = (byte) ((header >>> 2) << 4);
        BigEndian.put16(tx, off + 18, urgent);
        tx[off + 16] = 0;
        tx[off + 17] = 0;
        int length = header + payload;
        long sum = Checksum.pseudoHeader(remoteIp, localIp, Ipv4Packet.PROTOCOL_TCP, length);
        int checksum = Checksum.finish(Checksum.add(sum, tx, off, length));
        tx[off + 16] = (byte) (checksum >>> 8);
        tx[off + 17] = (byte) checksum;
        return length;
    }
}
