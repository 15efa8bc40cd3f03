package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.FrameSink;
import teacup.ip.IpLayer;
import teacup.stats.Statistics;
import teacup.udp.UdpEndpoint;
import teacup.udp.UdpLayer;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/** The TTL and TOS of the datagrams a connection or UDP endpoint sends (RFC 1122 3.2.1.6, 3.2.1.7; RFC 9293 MUST-48, MUST-49). */
class IpHeaderFieldsTest {
    static final long NOW = 1_000_000_000L;

    final List<byte[]> frames = new ArrayList<>();
    IpLayer ip;
    TcpLayer tcp;

    IpHeaderFieldsTest() {
        FrameSink sink = (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len));
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500, sink, new Statistics());
        ip = layers.ip();
        tcp = layers.tcp();
        frames.clear();
    }

    /** The IPv4 datagrams sent since the last call, as [TOS, TTL, protocol]. */
    List<int[]> sent() {
        List<int[]> out = new ArrayList<>();
        for (byte[] f : frames) {
            if (BigEndian.u16(f, 12) == EthernetFrame.TYPE_IPV4) {
                out.add(new int[] {f[15] & 0xff, f[22] & 0xff, f[23] & 0xff});
            }
        }
        frames.clear();
        return out;
    }

    void assertAll(List<int[]> datagrams, int tos, int ttl) {
        assertFalse(datagrams.isEmpty(), "something was sent");
        for (int[] d : datagrams) {
            assertEquals(tos, d[0], "TOS");
            assertEquals(ttl, d[1], "TTL");
        }
    }

    /** A SYN from the peer to port 80, itself sent with TTL {@code ttl}. */
    TcpConnection synFromPeer(int ttl) {
        TcpOptions options = new TcpOptions().mss(1460);
        byte[] b = new byte[14 + 20 + TcpSegment.headerLength(options)];
        EthernetFrame.write(b, 0, TcpLayerFixture.US_MAC, TcpLayerFixture.PEER_MAC, EthernetFrame.TYPE_IPV4);
        int len = TcpSegment.write(b, 34, 40000, 80, 1000, 0, TcpSegment.SYN, 65535, 0, options, 0,
                TcpLayerFixture.PEER, TcpLayerFixture.US);
        Ipv4Packet.write(b, 14, len, 1, 0, ttl, Ipv4Packet.PROTOCOL_TCP, TcpLayerFixture.PEER, TcpLayerFixture.US);
        ip.receive(NOW, b, 0, b.length);
        return tcp.find(TcpLayerFixture.PEER, 40000, 80);
    }

    @Test
    @DisplayName("RFC 9293 MUST-48, MUST-49: by default a connection's datagrams carry TOS 0 and TTL 64; its settings choose others")
    void settingsChooseTosAndTtl() throws Exception {
        tcp.connect(NOW, TcpLayerFixture.PEER, 80, TcpSettings.defaults(), null);
        assertAll(sent(), 0, 64);
        tcp.connect(NOW, TcpLayerFixture.PEER, 81, TcpSettings.defaults().withIpHeader(7, 0xb8), null);
        assertAll(sent(), 0xb8, 7);
    }

    @Test
    @DisplayName("RFC 1122 3.2.1.6 (set TOS), RFC 9293 SHLD-21, SHLD-22: a listener's TOS marks its SYN-ACKs, the accepted connection inherits it, and the application changes it mid-connection; IP sends it unchanged")
    void acceptedConnectionInheritsAndChangesTos() {
        tcp.listen(80, 4, TcpSettings.defaults().withIpHeader(9, 0x20));
        TcpConnection c = synFromPeer(64);
        assertNotNull(c);
        assertAll(sent(), 0x20, 9);
        IpHeader.of(c).trafficClass(0x10);
        tcp.abort(NOW, c); // the reset goes with the new value
        assertAll(sent(), 0x10, 9);
        assertThrows(IllegalArgumentException.class, () -> IpHeader.of(c).trafficClass(256));
    }

    @Test
    @DisplayName("RFC 1122 3.2.1.7 (transport TTL, TTL 0): the transport sets the TTL, the fixed default is configurable, TTL 0 is never sent, TTL 1 is received")
    void ttlSetConfigurableNeverZero() throws Exception {
        tcp.listen(80, 4, TcpSettings.defaults());
        TcpConnection c = synFromPeer(1); // a datagram with TTL 1 for us is taken, not discarded
        assertNotNull(c, "a SYN with TTL 1 reached the listener");
        assertAll(sent(), 0, 64);
        IpHeader.of(c).ttl(200);
        tcp.abort(NOW, c);
        assertAll(sent(), 0, 200);
        ip.defaultTtl(33);
        tcp.connect(NOW, TcpLayerFixture.PEER, 82, TcpSettings.defaults().withIpHeader(0, 0), null);
        assertAll(sent(), 0, 33); // 0 asks for the IP layer's default, never TTL 0 on the wire
        assertThrows(IllegalArgumentException.class, () -> ip.defaultTtl(0));
        assertThrows(IllegalArgumentException.class, () -> TcpSettings.defaults().withIpHeader(256, 0));
    }

    @Test
    @DisplayName("RFC 1122 3.2.1.6 (set TOS), RFC 1122 3.2.1.7 (transport TTL): a UDP endpoint's TOS and TTL go on its datagrams")
    void udpEndpointTosAndTtl() {
        UdpLayer udp = new UdpLayer(ip, new SplittableRandom(5));
        UdpEndpoint e = udp.bind(5353, 4);
        byte[] data = {1, 2, 3};
        assertTrue(udp.send(NOW, e, TcpLayerFixture.PEER, 53, data, 0, 3));
        assertAll(sent(), 0, 64);
        e.trafficClass(0x2e << 2);
        e.ttl(5);
        assertTrue(udp.send(NOW, e, TcpLayerFixture.PEER, 53, data, 0, 3));
        List<int[]> d = sent();
        assertAll(d, 0xb8, 5);
        assertEquals(Ipv4Packet.PROTOCOL_UDP, d.getFirst()[2]);
    }
}
