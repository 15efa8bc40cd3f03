package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * ICMP errors and ARP failures as TCP hears of them: an IP and a TCP layer fed hand-built frames,
 * simulated time. Not under the segment oracle: what these tests prove is what TCP stops sending.
 */
class IcmpErrorTest {
    static final long MS = 1_000_000L;
    static final int US = TcpLayerTest.US;
    static final int PEER = TcpLayerTest.PEER;
    /** On our link, but nobody there answers ARP. */
    static final int SILENT = Ipv4Address.parse("198.18.0.99").bits();
    static final int ROUTER = Ipv4Address.parse("198.18.0.254").bits();

    final List<byte[]> frames = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;
    TcpLayer tcp;
    long now = 1_000 * MS;

    @BeforeEach
    void setUp() {
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500,
                (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats);
        ip = layers.ip();
        tcp = layers.tcp();
        frames.clear();
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN), stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED),
                "frames in = accepted + dropped");
    }

    /** The last TCP packet we sent (its IPv4 header first), as an ICMP error would quote it. */
    byte[] lastTcpPacket() {
        for (int i = frames.size() - 1; i >= 0; i--) {
            byte[] f = frames.get(i);
            if (BigEndian.u16(f, 12) == EthernetFrame.TYPE_IPV4 && (f[23] & 0xff) == Ipv4Packet.PROTOCOL_TCP) {
                return Arrays.copyOfRange(f, 14, f.length);
            }
        }
        throw new AssertionError("no TCP packet sent");
    }

    /** An ICMP error from {@code from} quoting the IPv4 header and first 8 bytes of {@code packet}. */
    static byte[] icmpError(int from, int type, int code, byte[] packet) {
        return icmpError(from, type, code, 0, packet);
    }

    /** As {@link #icmpError(int, int, int, byte[])}, with {@code rest} as the second word (the next-hop MTU of code 4). */
    static byte[] icmpError(int from, int type, int code, int rest, byte[] packet) {
        int quoted = Math.min(packet.length, 28);
        byte[] b = new byte[14 + 20 + 8 + quoted];
        EthernetFrame.write(b, 0, TcpLayerTest.US_MAC, TcpLayerTest.PEER_MAC, EthernetFrame.TYPE_IPV4);
        System.arraycopy(packet, 0, b, 42, quoted);
        int len = IcmpMessage.write(b, 34, type, code, rest, quoted);
        Ipv4Packet.write(b, 14, len, 9, 0, 64, Ipv4Packet.PROTOCOL_ICMP, from, US);
        return b;
    }

    void receive(byte[] frame) {
        ip.receive(now, frame, 0, frame.length);
    }

    TcpConnection connect(int remote) throws Exception {
        return tcp.connect(now, remote, 80, TcpSettings.defaults(), null);
    }

    /**
     * Runs both layers' timers until {@code c} closes or {@code limit} passes, the peer answering
     * every ARP request for it (nobody answers for {@link #SILENT}); returns how long that took.
     */
    long runUntilClosed(TcpConnection c, long limit) {
        long start = now;
        while (c.state() != State.CLOSED && now - start < limit) {
            now = Math.max(now + 1, Math.min(ip.nextDeadline(), tcp.nextDeadline()));
            ip.poll(now);
            tcp.poll(now);
            boolean asked = frames.stream().anyMatch(f -> BigEndian.u16(f, 12) == EthernetFrame.TYPE_ARP
                    && BigEndian.i32(f, 38) == PEER);
            frames.clear();
            if (asked) {
                byte[] arp = new byte[60];
                int n = EthernetFrame.write(arp, 0, TcpLayerTest.US_MAC, TcpLayerTest.PEER_MAC, EthernetFrame.TYPE_ARP);
                new ArpPacket(ArpPacket.REPLY, TcpLayerTest.PEER_MAC, PEER, TcpLayerTest.US_MAC, US).write(arp, n);
                receive(arp);
            }
        }
        return now - start;
    }

    /** Our connection to the peer, established, with 100 bytes sent and not yet acknowledged. */
    TcpConnection establishedWithDataInFlight() throws Exception {
        TcpConnection c = connect(PEER);
        byte[] syn = lastTcpPacket();
        int iss = BigEndian.i32(syn, 24);
        receive(TcpLayerTest.segment(80, c.localPort(), 5000, SeqNum.add(iss, 1), TcpSegment.SYN | TcpSegment.ACK,
                new byte[0]));
        assertEquals(State.ESTABLISHED, c.state());
        c.sendBuffer().write(new byte[100], 0, 100);
        tcp.flush(now, c);
        return c;
    }

    @Nested
    class SynSent {
        @ParameterizedTest(name = "code {0}")
        @ValueSource(ints = {2, 3})
        @DisplayName("RFC 9293 MUST-54, SHLD-26, RFC 1122 3.2.2 (demux): protocol or port unreachable for our SYN refuses the connect at once")
        void portUnreachableRefuses(int code) throws Exception {
            TcpConnection c = connect(PEER);
            receive(icmpError(PEER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, code, lastTcpPacket()));
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.REFUSED, c.ending(), "the socket says Connection refused");
            assertEquals(1, stats.get(Counter.ICMP_ERROR_DELIVERED));
            assertEquals(0, tcp.connectionCount());
        }

        @ParameterizedTest(name = "code {0}")
        @ValueSource(ints = {0, 1, 5, 6, 7, 9, 10, 13})
        @DisplayName("RFC 5461 4: net, host and administratively prohibited unreachables end SYN-SENT as unreachable")
        void unreachableEndsSynSent(int code) throws Exception {
            TcpConnection c = connect(PEER);
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, code, lastTcpPacket()));
            assertEquals(Ending.UNREACHABLE, c.ending(), "the socket says No route to host");
        }

        @Test
        @DisplayName("RFC 5927 4.1: an error quoting a sequence number not in flight is dropped and counted")
        void staleSequenceDropped() throws Exception {
            TcpConnection c = connect(PEER);
            byte[] packet = lastTcpPacket();
            BigEndian.put32(packet, 24, BigEndian.i32(packet, 24) + 1000);
            receive(icmpError(PEER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, 3, packet));
            assertEquals(State.SYN_SENT, c.state());
            assertEquals(1, stats.get(Counter.DROP_ICMP_ERROR_STALE));
        }

        @Test
        @DisplayName("RFC 1122 3.2.2 (demux): an error for no connection, or quoting a datagram we did not send, is dropped and counted")
        void unmatchedDropped() throws Exception {
            TcpConnection c = connect(PEER);
            byte[] packet = lastTcpPacket();
            byte[] otherPort = packet.clone();
            BigEndian.put16(otherPort, 20, 1234);
            receive(icmpError(PEER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, 3, otherPort));
            byte[] otherSource = packet.clone();
            BigEndian.put32(otherSource, 12, Ipv4Address.parse("198.18.0.7").bits());
            receive(icmpError(PEER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, 3, otherSource));
            assertEquals(State.SYN_SENT, c.state());
            assertEquals(1, stats.get(Counter.DROP_ICMP_ERROR_UNMATCHED));
            assertEquals(1, stats.get(Counter.DROP_ICMP_ERROR_NOT_OURS));
        }

        @Test
        @DisplayName("RFC 1191 5: fragmentation needed for our SYN, smaller than any plateau, lowers nothing and ends nothing")
        void fragmentationNeededForSynChangesNothing() throws Exception {
            TcpConnection c = connect(PEER);
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_FRAGMENTATION_NEEDED,
                    lastTcpPacket()));
            assertEquals(State.SYN_SENT, c.state());
            assertEquals(1, stats.get(Counter.PMTU_NOT_LOWERED));
            assertEquals(1500, ip.pathMtu(PEER, now));
        }

        @Test
        @DisplayName("RFC 9293 SHLD-25, MUST-56 (time exceeded): a time exceeded for our SYN is soft; the connect that then times out says unreachable")
        void softErrorReportedOnTimeout() throws Exception {
            TcpConnection c = connect(PEER);
            receive(icmpError(ROUTER, IcmpMessage.TYPE_TIME_EXCEEDED, IcmpMessage.CODE_TTL_EXCEEDED, lastTcpPacket()));
            assertEquals(State.SYN_SENT, c.state(), "soft: the SYN goes on");
            runUntilClosed(c, 600_000 * MS);
            assertEquals(Ending.UNREACHABLE, c.ending(), "the last soft error, not a bare time-out");
        }

        @Test
        @DisplayName("RFC 9293 MUST-22: a connect that times out with no ICMP error heard still says timed out")
        void plainTimeout() throws Exception {
            TcpConnection c = connect(PEER);
            runUntilClosed(c, 600_000 * MS);
            assertEquals(Ending.TIMED_OUT, c.ending());
        }
    }

    @Nested
    class Synchronized {
        @ParameterizedTest(name = "type {0}")
        @ValueSource(ints = {0, 1, 2, 3, 5, 13, 1100, 1101, 1200})
        @DisplayName("RFC 9293 MUST-56 (unreachable, time exceeded, parameter problem), RFC 1122 3.2.2.1 (to transport), RFC 5927 4.1: no ICMP error aborts an established connection (codes 0, 1, 5, time exceeded, parameter problem; the hard codes taken as soft)")
        void nothingAborts(int typeAndCode) throws Exception {
            int type = typeAndCode >= 1100 ? typeAndCode / 100 : IcmpMessage.TYPE_DESTINATION_UNREACHABLE;
            int code = typeAndCode >= 1100 ? typeAndCode % 100 : typeAndCode;
            TcpConnection c = establishedWithDataInFlight();
            receive(icmpError(ROUTER, type, code, lastTcpPacket()));
            assertEquals(1, stats.get(Counter.ICMP_ERROR_DELIVERED), "taken: it quotes data in flight");
            assertEquals(State.ESTABLISHED, c.state());
        }

        @Test
        @DisplayName("RFC 9293 MUST-55, RFC 6633: a source quench is discarded silently: not delivered, no answer, no slower sending")
        void sourceQuenchIgnored() throws Exception {
            TcpConnection c = establishedWithDataInFlight();
            int cwnd = c.congestion().cwnd();
            byte[] quoted = lastTcpPacket();
            frames.clear();
            receive(icmpError(ROUTER, 4, 0, quoted));
            assertEquals(1, stats.get(Counter.DROP_ICMP_UNHANDLED));
            assertEquals(0, stats.get(Counter.ICMP_ERROR_DELIVERED));
            assertEquals(List.of(), frames, "nothing sent in answer");
            assertEquals(State.ESTABLISHED, c.state());
            assertEquals(cwnd, c.congestion().cwnd(), "the congestion window is not cut");
        }

        @Test
        @DisplayName("RFC 9293 SHLD-25, SHLD-26, MUST-47: a soft error is remembered and reported when the connection then times out (R2)")
        void softErrorReportedAtR2() throws Exception {
            TcpConnection c = establishedWithDataInFlight();
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, 1, lastTcpPacket()));
            runUntilClosed(c, 3_600_000 * MS);
            assertEquals(Ending.UNREACHABLE, c.ending());
        }

        @Test
        @DisplayName("RFC 5927 4.1: once everything is acknowledged an error quotes nothing in flight and is dropped")
        void nothingInFlight() throws Exception {
            TcpConnection c = connect(PEER);
            byte[] syn = lastTcpPacket();
            receive(TcpLayerTest.segment(80, c.localPort(), 5000, SeqNum.add(BigEndian.i32(syn, 24), 1),
                    TcpSegment.SYN | TcpSegment.ACK, new byte[0]));
            receive(icmpError(PEER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, 3, syn));
            assertEquals(1, stats.get(Counter.DROP_ICMP_ERROR_STALE));
            assertEquals(State.ESTABLISHED, c.state());
        }
    }

    @Nested
    class PathMtu {
        /** The first TCP packet we sent after {@code from} frames, or fail. */
        byte[] tcpPacketAfter(int from) {
            for (int i = from; i < frames.size(); i++) {
                byte[] f = frames.get(i);
                if (BigEndian.u16(f, 12) == EthernetFrame.TYPE_IPV4 && (f[23] & 0xff) == Ipv4Packet.PROTOCOL_TCP) {
                    return Arrays.copyOfRange(f, 14, f.length);
                }
            }
            throw new AssertionError("no TCP packet sent");
        }

        @Test
        @DisplayName("RFC 1191 6.5, RFC 1122 4.2.3.9: fragmentation needed quoting a segment in flight lowers the path MTU; what was in flight goes again at once at the new size, DF set")
        void lowersAndResends() throws Exception {
            TcpConnection c = establishedWithDataInFlight();
            byte[] first = lastTcpPacket();
            int firstSeq = BigEndian.i32(first, 24);
            int sent = frames.size();
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_FRAGMENTATION_NEEDED, 120, first));
            assertEquals(1, stats.get(Counter.PMTU_LOWERED));
            assertEquals(120, ip.pathMtu(PEER, now));
            byte[] again = tcpPacketAfter(sent);
            assertEquals(firstSeq, BigEndian.i32(again, 24), "SND.UNA again, without waiting for the RTO");
            assertEquals(120, BigEndian.u16(again, 2), "cut to the path MTU: 120 less 40 of headers");
            assertTrue((BigEndian.u16(again, 6) & Ipv4Packet.FLAG_DONT_FRAGMENT) != 0, "DF set: the path is still watched");
            assertEquals(80, ConnectionStatus.of(c).segmentSize());
            assertEquals(0L, c.counters().retransmissionTimeouts());
        }

        @Test
        @DisplayName("RFC 5927 4.1, RFC 1191 3: fragmentation needed quoting nothing in flight, or naming an MTU that is not smaller, lowers nothing")
        void onlyValidatedAndSmallerLowers() throws Exception {
            TcpConnection c = establishedWithDataInFlight();
            byte[] packet = lastTcpPacket();
            byte[] stale = packet.clone();
            BigEndian.put32(stale, 24, BigEndian.i32(stale, 24) + 5000);
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_FRAGMENTATION_NEEDED, 500, stale));
            assertEquals(1, stats.get(Counter.DROP_ICMP_ERROR_STALE));
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_FRAGMENTATION_NEEDED, 1400, packet));
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_FRAGMENTATION_NEEDED, 60, packet));
            assertEquals(2, stats.get(Counter.PMTU_NOT_LOWERED), "one not below the 140-byte packet, one under 68");
            assertEquals(0, stats.get(Counter.PMTU_LOWERED));
            assertEquals(1500, ip.pathMtu(PEER, now));
            assertEquals(State.ESTABLISHED, c.state());
        }

        @Test
        @DisplayName("RFC 1191 5: a new connection to a destination whose path MTU is known starts with segments that fit it")
        void newConnectionStartsAtThePathMtu() throws Exception {
            TcpConnection c = establishedWithDataInFlight();
            receive(icmpError(ROUTER, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_FRAGMENTATION_NEEDED, 120,
                    lastTcpPacket()));
            tcp.abort(now, c);
            frames.clear();
            TcpConnection next = establishedWithDataInFlight();
            assertEquals(80, ConnectionStatus.of(next).segmentSize());
            for (byte[] f : frames) {
                assertTrue(f.length <= 14 + 120, "every frame within the path MTU");
            }
        }
    }

    @Nested
    class SilentNeighbour {
        @Test
        @DisplayName("RFC 1122 2.3.2.2: a next hop that never answers ARP ends a connect after the ARP retries (about 3 s), as unreachable")
        void arpFailureEndsConnect() throws Exception {
            TcpConnection c = connect(SILENT);
            long took = runUntilClosed(c, 60_000 * MS);
            assertEquals(Ending.UNREACHABLE, c.ending());
            assertTrue(took >= 2_900 * MS && took <= 3_100 * MS, "ended after " + took / MS + " ms");
            assertTrue(stats.get(Counter.OUT_ARP_FAILED) >= 1, "the held SYNs were dropped");
            assertEquals(0, tcp.connectionCount());
        }
    }

    @Nested
    class Opening {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"255.255.255.255", "198.18.0.255", "224.0.0.1", "239.1.2.3", "240.0.0.1", "0.0.0.0"})
        @DisplayName("RFC 9293 MUST-46 (broadcast, invalid): an OPEN to a broadcast, multicast or reserved address is refused, and nothing is sent")
        void broadcastOpenRefused(String address) {
            ConnectException e = assertThrows(ConnectException.class, () -> connect(Ipv4Address.parse(address).bits()));
            assertTrue(e.getMessage().startsWith("Network is unreachable"), e.getMessage());
            assertEquals(List.of(), frames);
            assertEquals(0, tcp.connectionCount());
        }
    }
}
