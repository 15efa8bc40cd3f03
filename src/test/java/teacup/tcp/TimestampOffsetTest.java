package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.Interface;
import teacup.ip.IpLayer;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/** Our TSvals as a TcpLayer sends them (RFC 7323 5.4 and 7): per four-tuple, monotonic across incarnations, no uptime. */
class TimestampOffsetTest {
    static final long MS = 1_000_000L;
    static final long US_MAC = 0x02_00_00_00_00_02L;
    static final long PEER_MAC = 0x02_00_00_00_00_01L;
    static final int US = Ipv4Address.parse("198.18.0.2").bits();
    static final int PEER = Ipv4Address.parse("198.18.0.1").bits();

    final List<byte[]> frames = new ArrayList<>();
    IpLayer ip;
    TcpLayer tcp;

    void stack(long seed) {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, Ipv4Address.ANY, 1500);
        Statistics stats = new Statistics();
        ip = new IpLayer(iface, (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats, new SplittableRandom(3));
        tcp = new TcpLayer(ip, stats, new SplittableRandom(seed));
        ip.start(0);
        byte[] arp = new byte[60];
        int n = EthernetFrame.write(arp, 0, -1L & 0xffff_ffff_ffffL, PEER_MAC, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REQUEST, PEER_MAC, PEER, 0, US).write(arp, n);
        ip.receive(0, arp, 0, arp.length);
        tcp.listen(80, 8, TcpSettings.defaults());
        frames.clear();
    }

    /** A SYN with timestamps from the peer's {@code port} to our listener at {@code now}; the TSval of our SYN-ACK. */
    int synAckTsVal(long now, int port) {
        TcpOptions options = new TcpOptions().mss(1460).timestamps(7, 0);
        byte[] b = new byte[14 + 20 + TcpSegment.headerLength(options)];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        int len = TcpSegment.write(b, 34, port, 80, 1000, 0, TcpSegment.SYN, 65535, 0, options, 0, PEER, US);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, PEER, US);
        ip.receive(now, b, 0, b.length);
        assertEquals(1, frames.size(), "one SYN-ACK");
        byte[] f = frames.removeFirst();
        TcpSegment s = new TcpSegment();
        TcpOptions o = new TcpOptions();
        assertEquals(Defect.NONE, s.wrap(f, 34, BigEndian.u16(f, 16) - 20, US, PEER));
        assertEquals(Defect.NONE, s.options(o));
        assertTrue(s.has(TcpSegment.SYN | TcpSegment.ACK) && o.hasTimestamps());
        return o.tsVal();
    }

    @Test
    @DisplayName("RFC 7323 5.4, RFC 6191: a new incarnation of a four-tuple goes on from its TSvals: 5 s later, 5000 higher")
    void monotonicAcrossIncarnations() {
        stack(4);
        long t1 = 1_000 * MS;
        int first = synAckTsVal(t1, 40000);
        TcpConnection c = tcp.find(PEER, 40000, 80);
        assertNotNull(c);
        tcp.abort(t1, c);
        frames.clear();
        long t2 = t1 + 5_000 * MS;
        int second = synAckTsVal(t2, 40000);
        assertEquals(5_000, second - first, "same offset: the TSvals move only with the clock");
    }

    @Test
    @DisplayName("RFC 7323 7: other four-tuples at the same instant get unrelated TSvals, and none is the uptime")
    void perTupleAndNoUptime() {
        stack(4);
        long now = 12_345 * MS;
        int a = synAckTsVal(now, 40000);
        int b = synAckTsVal(now, 40001);
        assertNotEquals(a, b, "per-tuple offsets");
        assertNotEquals(12_345, a, "TSval is not the clock");
        assertNotEquals(12_345, b);
        stack(5);
        assertNotEquals(a, synAckTsVal(now, 40000), "another stack's key, another offset for the same tuple");
    }
}
