package teacup.stack;

import java.io.IOException;
import teacup.link.Link;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;

/**
 * A router with a narrower next hop, seen from one end of a simulated wire: an IPv4 packet larger
 * than {@code mtu} with Don't Fragment set is dropped, and, unless ICMP is filtered, a
 * "fragmentation needed" naming {@code mtu} (RFC 1191 4) goes back to its sender, from the
 * router's own address, quoting the packet's header and 8 bytes more (RFC 792).
 */
final class NarrowPath implements Link {
    static final Ipv4Address ROUTER = Ipv4Address.parse("198.18.0.254");
    private static final long ROUTER_MAC = MacAddress.parse("02:00:00:00:00:fe").bits();

    private final Link inner;
    private final Link back;
    private final int mtu;
    private final boolean icmp;
    private final byte[] error = new byte[EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + IcmpMessage.HEADER_LENGTH + 68];
    private int dropped;

    /** {@code back}: the wire's other end, whose sends reach the end behind {@code inner}. */
    NarrowPath(Link inner, Link back, int mtu, boolean icmp) {
        this.inner = inner;
        this.back = back;
        this.mtu = mtu;
        this.icmp = icmp;
    }

    /** Packets dropped for being larger than the path takes. */
    int dropped() {
        return dropped;
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        int ip = off + EthernetFrame.HEADER_LENGTH;
        boolean tooBig = len > EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH
                && BigEndian.u16(buf, off + 12) == EthernetFrame.TYPE_IPV4 && BigEndian.u16(buf, ip + 2) > mtu;
        if (!tooBig) {
            inner.send(buf, off, len);
            return;
        }
        dropped++;
        if (!icmp || (BigEndian.u16(buf, ip + 6) & Ipv4Packet.FLAG_DONT_FRAGMENT) == 0) {
            return;
        }
        int quoted = (BigEndian.u8(buf, ip) & 0xf) * 4 + 8;
        int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        System.arraycopy(buf, ip, error, at + IcmpMessage.HEADER_LENGTH, quoted);
        int n = IcmpMessage.write(error, at, IcmpMessage.TYPE_DESTINATION_UNREACHABLE,
                IcmpMessage.CODE_FRAGMENTATION_NEEDED, mtu & 0xffff, quoted);
        Ipv4Packet.write(error, EthernetFrame.HEADER_LENGTH, n, dropped & 0xffff, 0, 64, Ipv4Packet.PROTOCOL_ICMP,
                ROUTER.bits(), BigEndian.i32(buf, ip + 12));
        EthernetFrame.write(error, 0, BigEndian.u48(buf, off + 6), ROUTER_MAC, EthernetFrame.TYPE_IPV4);
        back.send(error, 0, at + n);
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public int receive(byte[] buf, int off) throws IOException {
        return inner.receive(buf, off);
    }

    @Override
    public void await(long timeoutNanos) throws IOException {
        inner.await(timeoutNanos);
    }

    @Override
    public void wakeup() {
        inner.wakeup();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
