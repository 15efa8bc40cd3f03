package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.FrameSink;
import teacup.ip.IpLayer;
import teacup.stats.Statistics;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/** The MSS a TcpLayer announces and uses, against the MTU of its interface (RFC 9293 SHLD-6, MUST-16; RFC 1122 3.3.3). */
class LinkMssTest {
    static final long US_MAC = TcpLayerFixture.US_MAC;
    static final long PEER_MAC = TcpLayerFixture.PEER_MAC;
    static final int US = TcpLayerFixture.US;
    static final int PEER = TcpLayerFixture.PEER;
    static final long NOW = 1_000_000_000L;

    final List<byte[]> frames = new ArrayList<>();
    IpLayer ip;
    TcpLayer tcp;

    /** A TCP layer on an interface of {@code mtu}, whose link offloads segments of {@code offload} bytes (0: none). */
    void stack(int mtu, int offload) {
        FrameSink sink = new FrameSink() {
            @Override
            public void send(byte[] b, int off, int len) {
                frames.add(Arrays.copyOfRange(b, off, off + len));
            }

            @Override
            public int segmentationOffload() {
                return offload;
            }
        };
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(mtu, sink, new Statistics());
        ip = layers.ip();
        tcp = layers.tcp();
        frames.clear();
    }

    /** The MSS option of the one TCP segment sent since the last call. */
    int announcedMss() {
        TcpSegment s = new TcpSegment();
        TcpOptions o = new TcpOptions();
        List<Integer> found = new ArrayList<>();
        for (byte[] f : frames) {
            if (BigEndian.u16(f, 12) != EthernetFrame.TYPE_IPV4 || (f[23] & 0xff) != Ipv4Packet.PROTOCOL_TCP) {
                continue;
            }
            assertEquals(Defect.NONE, s.wrap(f, 34, BigEndian.u16(f, 16) - 20, BigEndian.i32(f, 26), BigEndian.i32(f, 30)));
            assertEquals(Defect.NONE, s.options(o));
            assertTrue(o.hasMss(), "a SYN carries an MSS option");
            found.add(o.mss());
        }
        frames.clear();
        assertEquals(1, found.size(), "one SYN sent: " + found);
        return found.getFirst();
    }

    int connect(TcpSettings settings) throws Exception {
        tcp.connect(NOW, PEER, 80, settings, null);
        return announcedMss();
    }

    /** A SYN from the peer, announcing MSS 1460, to a listener with {@code settings}; the MSS of our SYN-ACK. */
    TcpConnection accept(TcpSettings settings) {
        tcp.listen(80, 4, settings);
        TcpOptions options = new TcpOptions().mss(1460);
        int header = TcpSegment.headerLength(options);
        byte[] b = new byte[14 + 20 + header];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        int len = TcpSegment.write(b, 34, 40000, 80, 1000, 0, TcpSegment.SYN, 65535, 0, options, 0, PEER, US);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, PEER, US);
        ip.receive(NOW, b, 0, b.length);
        return tcp.find(PEER, 40000, 80);
    }

    @Test
    @DisplayName("RFC 9293 SHLD-6, MUST-67: on a 1280-byte MTU interface the SYN announces MSS 1240 (MTU less 20 + 20 header bytes)")
    void connectAnnouncesMtuLessHeaders() throws Exception {
        stack(1280, 0);
        assertEquals(1240, connect(TcpSettings.defaults()));
    }

    @Test
    @DisplayName("RFC 9293 SHLD-6, MUST-16: a listener on a 1280-byte MTU announces 1240 and sends at most 1240 to a peer offering 1460")
    void acceptAnnouncesAndUsesMtuLessHeaders() {
        stack(1280, 0);
        TcpConnection c = accept(TcpSettings.defaults());
        assertEquals(1240, announcedMss());
        assertEquals(1240, c.negotiated().sendMss(), "sendMss = min(peer's 1460, our effective 1240)");
    }

    @Test
    @DisplayName("RFC 1122 3.3.3 (MTU): a configured MSS above MTU - 40 is lowered for the connection; one below it stays")
    void configuredMssIsBoundedNotRaised() throws Exception {
        stack(1500, 0);
        assertEquals(1460, connect(TcpSettings.defaults().withMss(9000)));
        assertEquals(1000, connect(TcpSettings.defaults().withMss(1000)));
        assertEquals(1460, connect(TcpSettings.defaults()));
    }

    @Test
    @DisplayName("RFC 9293 SHLD-6: on an offload link the MTU, not the 64 KB offload segment, bounds the MSS (--mtu 1280)")
    void offloadLinkStillFollowsTheMtu() throws Exception {
        stack(1280, 65536);
        assertTrue(ip.segmentationOffload() > 60_000, "the link offloads");
        assertEquals(1240, connect(TcpSettings.defaults().withMss(65000)));
        TcpConnection c = accept(TcpSettings.defaults());
        assertEquals(1240, announcedMss());
        assertEquals(1240, c.negotiated().sendMss());
    }
}
