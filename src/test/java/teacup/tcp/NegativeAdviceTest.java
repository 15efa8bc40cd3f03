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
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.MacAddress;
import teacup.wire.TcpSegment;

/** R1: after R1 timeouts in a row a connection gives IP negative advice and the application can see it (RFC 9293 MUST-20, SHLD-9, SHLD-10). */
class NegativeAdviceTest {
    static final long S = 1_000_000_000L;

    /** What one connection sent: the flags and whether the segment carried negative advice. */
    record Sent(long at, int flags, boolean advice) { }

    @Test
    @DisplayName("RFC 9293 MUST-20 (R1), SHLD-9, SHLD-10: from R1 = 3 timeouts in a row each retransmission advises IP and is counted for the application, until R2")
    void adviceFromR1UntilR2() {
        assertEquals(3, TcpSettings.defaults().adviseRetransmissions(), "SHLD-10: R1 is at least 3 retransmissions");
        assertTrue(TcpSettings.defaults().adviseRetransmissions() < TcpSettings.defaults().maxRetransmissions(), "R1 < R2");
        List<Sent> sent = new ArrayList<>();
        long[] now = {0};
        TcpSettings settings = TcpSettings.defaults().withRetransmission(200_000_000L, 60 * S, 6);
        TcpConnection c = TcpConnection.connect(0, settings, (conn, s) -> sent.add(new Sent(now[0], s.flags(), s.negativeAdvice())),
                1, 40000, 2, 80, 1000, SegmentRecorder.TS_OFFSET);
        List<Long> warnings = new ArrayList<>();
        for (int i = 0; i < 100 && c.state() != TcpConnection.State.CLOSED; i++) {
            now[0] = c.nextDeadline();
            c.poll(now[0]);
            warnings.add(c.counters().negativeAdvice());
        }
        List<Sent> syns = sent.stream().filter(s -> (s.flags() & TcpSegment.SYN) != 0).toList();
        assertEquals(7, syns.size(), "the SYN and R2 = 6 retransmissions");
        for (int i = 0; i < syns.size(); i++) {
            assertEquals(i >= 3, syns.get(i).advice(), "retransmission " + i + " advises IP only from R1 = 3 on");
        }
        assertEquals(List.of(0L, 0L, 1L, 2L, 3L, 4L, 4L), warnings, "the application sees each timeout past R1 while the connection lives");
        assertEquals(TcpConnection.Ending.TIMED_OUT, c.ending());
    }

    @Test
    @DisplayName("RFC 9293 MUST-20 (R1), RFC 1122 3.3.1.4 (dead gateway): the advised retransmission goes to the cached MAC while IP re-validates the next hop with a unicast ARP poll (RFC 4861 7.3.3 PROBE); the answer makes it REACHABLE")
    void nextHopRevalidatedBesideTheRetransmission() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        FrameSink sink = (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len));
        Statistics stats = new Statistics();
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500, sink, stats);
        IpLayer ip = layers.ip();
        TcpLayer tcp = layers.tcp();
        frames.clear();
        long now = 0;
        tcp.connect(now, TcpLayerFixture.PEER, 80, TcpSettings.defaults(), null);
        for (int timeouts = 0; timeouts < 3; timeouts++) {
            assertEquals(0, arps(frames, false) + arps(frames, true), "no ARP for the peer before R1");
            frames.clear();
            now = tcp.nextDeadline();
            ip.poll(now);
            tcp.poll(now);
        }
        assertEquals(1, stats.get(Counter.IP_NEGATIVE_ADVICE));
        assertEquals(1, arps(frames, true), "the next hop is polled at its known MAC first (RFC 1122 2.3.2.1)");
        assertEquals(0, arps(frames, false), "no broadcast while the MAC may still be good");
        assertEquals(1, tcpFrames(frames), "the retransmission is not held back by the doubt");
        assertEquals("PROBE", ip.neighbourState(TcpLayerFixture.PEER));
        frames.clear();
        byte[] reply = new byte[60];
        int n = EthernetFrame.write(reply, 0, TcpLayerFixture.US_MAC, TcpLayerFixture.PEER_MAC, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REPLY, TcpLayerFixture.PEER_MAC, TcpLayerFixture.PEER, TcpLayerFixture.US_MAC, TcpLayerFixture.US)
                .write(reply, n);
        ip.receive(now, reply, 0, reply.length);
        assertEquals("REACHABLE", ip.neighbourState(TcpLayerFixture.PEER), "the answer at the cached MAC confirms it");
    }

    @Test
    @DisplayName("RFC 1122 3.3.1.4, RFC 4861 7.3.1: negative advice about a next hop that another transport's progress has just confirmed is outweighed and sends no ARP")
    void adviceOutweighedByAnotherTransportsProgress() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        Statistics stats = new Statistics();
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500, (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats);
        IpLayer ip = layers.ip();
        ip.confirm(10 * S, TcpLayerFixture.PEER);
        frames.clear();
        ip.negativeAdvice(10 * S + S / 2, TcpLayerFixture.PEER);
        assertEquals(0, arps(frames, true) + arps(frames, false), "confirmed half a second ago: the advice is outweighed");
        assertEquals("REACHABLE", ip.neighbourState(TcpLayerFixture.PEER));
        ip.negativeAdvice(12 * S, TcpLayerFixture.PEER);
        assertEquals(1, arps(frames, true), "two seconds after the confirmation the advice is taken: a unicast poll");
        ip.negativeAdvice(12 * S + 1, TcpLayerFixture.PEER);
        assertEquals(1, arps(frames, true) + arps(frames, false), "advice while it is being probed adds no request");
    }

    @Test
    @DisplayName("RFC 9293 MUST-20 (R1), RFC 1122 3.3.1.4 (dead gateway): advice about an off-link destination re-validates the gateway; one that never answers is forgotten and resolved afresh")
    void adviceAboutAFarHostRevalidatesTheGateway() {
        List<byte[]> frames = new ArrayList<>();
        Statistics stats = new Statistics();
        teacup.ip.Interface iface = new teacup.ip.Interface(new MacAddress(TcpLayerFixture.US_MAC),
                new teacup.wire.Ipv4Address(TcpLayerFixture.US), 24, new teacup.wire.Ipv4Address(TcpLayerFixture.PEER), 1500);
        IpLayer ip = new IpLayer(iface, (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats,
                new java.util.SplittableRandom(1));
        byte[] request = new byte[60]; // the gateway (the peer) asks for us: we learn its MAC
        int n = EthernetFrame.write(request, 0, MacAddress.BROADCAST_BITS, TcpLayerFixture.PEER_MAC, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REQUEST, TcpLayerFixture.PEER_MAC, TcpLayerFixture.PEER, 0, TcpLayerFixture.US).write(request, n);
        ip.receive(0, request, 0, request.length);
        int far = teacup.wire.Ipv4Address.parse("198.19.7.7").bits();
        frames.clear();
        ip.send(0, far, 253, ip.txBuffer(), 8);
        assertEquals(0, arps(frames, true) + arps(frames, false), "the gateway is known");
        ip.negativeAdvice(S, far);
        assertEquals(1, arps(frames, true), "the gateway is polled at its MAC");
        frames.clear();
        ip.send(S, far, 253, ip.txBuffer(), 8);
        assertEquals(1, frames.stream().filter(f -> BigEndian.u16(f, 12) == EthernetFrame.TYPE_IPV4).count(),
                "the datagram still goes, to the cached MAC");
        for (long t = 2 * S; t < 10 * S; t += S) {
            ip.poll(t);
        }
        assertTrue(arps(frames, false) >= 1, "then asked by broadcast");
        assertEquals(1, stats.get(Counter.ARP_ENTRIES_FAILED), "silent: the entry is forgotten");
        frames.clear();
        ip.send(10 * S, far, 253, ip.txBuffer(), 8);
        assertEquals(1, arps(frames, false), "the next datagram waits for a fresh resolution");
    }

    /** ARP requests for the peer among {@code frames}: {@code unicast} ones to its MAC, or broadcasts. */
    static int arps(List<byte[]> frames, boolean unicast) {
        int n = 0;
        for (byte[] f : frames) {
            // Requests for the peer only (our own announcements, RFC 5227, ask for our address).
            if (BigEndian.u16(f, 12) == EthernetFrame.TYPE_ARP && BigEndian.u16(f, 20) == ArpPacket.REQUEST
                    && BigEndian.i32(f, 38) == TcpLayerFixture.PEER) {
                long destination = BigEndian.u48(f, 0);
                n += unicast ? (destination == TcpLayerFixture.PEER_MAC ? 1 : 0) : (destination == MacAddress.BROADCAST_BITS ? 1 : 0);
            }
        }
        return n;
    }

    static int tcpFrames(List<byte[]> frames) {
        return (int) frames.stream().filter(f -> BigEndian.u16(f, 12) == EthernetFrame.TYPE_IPV4 && f[23] == 6).count();
    }
}
