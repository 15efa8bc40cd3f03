package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static teacup.ip.Frames.PEER;
import static teacup.ip.Frames.US;
import static teacup.ip.Frames.US_MAC;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpLayer;
import teacup.tcp.TcpSettings;
import teacup.wire.BigEndian;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpSegment;

/**
 * Which datagrams IP discards for their source, and which it never answers (RFC 1122 3.2.1.3 and
 * 3.2.2): an IP layer with TCP above it and UDP ports all closed, fed hand-built frames.
 */
class AddressRulesTest {
    static final long SECOND = 1_000_000_000L;

    final List<byte[]> sent = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;
    TcpLayer tcp;

    @BeforeEach
    void setUp() {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, new Ipv4Address(PEER), 1500);
        ip = new IpLayer(iface, (b, off, len) -> sent.add(Arrays.copyOfRange(b, off, off + len)), stats, new SplittableRandom(7));
        ip.register(Ipv4Packet.PROTOCOL_UDP, (now, source, destination, b, off, len) -> Counter.DROP_UDP_NO_SOCKET);
        tcp = new TcpLayer(ip, stats, new SplittableRandom(8));
        tcp.listen(80, 4, TcpSettings.defaults());
        receive(Frames.arpRequestFromPeer(US)); // we know the peer's MAC, so an answer would go at once
        sent.clear();
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN),
                stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED), "frames in = accepted + dropped");
    }

    void receive(byte[] frame) {
        ip.receive(0, frame, 0, frame.length);
    }

    static byte[] tcp(int source, int destination, int port, int flags) {
        byte[] t = new byte[20];
        TcpSegment.write(t, 0, 40000, port, 1000, flags == TcpSegment.SYN ? 0 : 1, flags, 65535, 0, null, 0, source, destination);
        return Frames.ipv4(source, destination, Ipv4Packet.PROTOCOL_TCP, t, 1, 0);
    }

    /** The same frame, sent to the Ethernet broadcast address. */
    static byte[] linkBroadcast(byte[] frame) {
        BigEndian.put48(frame, 0, MacAddress.BROADCAST_BITS);
        return frame;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"255.255.255.255", "198.18.0.255", "198.18.0.0", "127.0.0.1", "127.9.9.9", "0.0.0.7",
            "224.0.0.1", "239.255.0.1", "240.0.0.1", "198.18.0.2"})
    @DisplayName("RFC 1122 3.2.1.3 (bad source), RFC 1122 3.3.6 (not a source), RFC 1122 3.2.2 (non-unique source), RFC 9293 MUST-63: a datagram from an invalid source (a broadcast form, the subnet's number, loopback, multicast, reserved, our own) is discarded silently, never answered")
    void invalidSourceDiscarded(String address) {
        int source = Ipv4Address.parse(address).bits();
        receive(Frames.ipv4(source, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 1, Frames.data(8)), 1, 0));
        receive(Frames.ipv4(source, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(source, US, 5555, 9, Frames.data(8)), 2, 0));
        receive(tcp(source, US, 80, TcpSegment.SYN));
        receive(tcp(source, US, 81, TcpSegment.SYN));
        assertEquals(List.of(), sent, "no echo reply, port unreachable, SYN-ACK or RST");
        assertEquals(4, stats.get(Counter.DROP_IPV4_BAD_SOURCE));
        assertEquals(0, tcp.connectionCount());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"255.255.255.255", "198.18.0.255", "198.18.0.0"})
    @DisplayName("RFC 1122 3.3.6 (address forms): the limited, the subnet and the all-zeros subnet broadcast are each taken as broadcast: no echo reply, no port unreachable, no TCP answer")
    void broadcastFormsRecognised(String address) {
        int destination = Ipv4Address.parse(address).bits();
        receive(Frames.ipv4(PEER, destination, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 1, Frames.data(8)), 1, 0));
        receive(Frames.ipv4(PEER, destination, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, destination, 5555, 9, Frames.data(8)), 2, 0));
        receive(tcp(PEER, destination, 80, TcpSegment.SYN));
        assertEquals(List.of(), sent, "a broadcast is answered by nothing");
        assertEquals(0, stats.get(Counter.DROP_IPV4_NOT_FOR_US), "taken as ours, a broadcast");
        assertEquals(1, stats.get(Counter.DROP_ICMP_TO_BROADCAST));
        assertEquals(1, stats.get(Counter.DROP_TCP_NOT_UNICAST));
    }

    @Test
    @DisplayName("RFC 1122 3.2.1.3 (bad source): 0.0.0.0 is a valid source for UDP only (a DHCP client), never for TCP")
    void unspecifiedSourceOnlyForUdp() {
        receive(Frames.ipv4(0, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(0, US, 68, 9, Frames.data(8)), 2, 0));
        receive(tcp(0, US, 80, TcpSegment.SYN));
        assertEquals(1, stats.get(Counter.DROP_UDP_NO_SOCKET));
        assertEquals(1, stats.get(Counter.DROP_IPV4_BAD_SOURCE));
        assertEquals(List.of(), sent, "and no ICMP error goes to 0.0.0.0");
    }

    @Test
    @DisplayName("RFC 1122 3.2.2 (link broadcast), RFC 1122 2.4 (broadcasts): a datagram that came as a link-layer broadcast gets no ICMP error and no echo reply")
    void linkBroadcastNeverAnswered() {
        receive(linkBroadcast(Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(8)), 1, 0)));
        receive(linkBroadcast(Frames.ipv4(PEER, US, 99, Frames.data(8), 2, 0)));
        receive(linkBroadcast(Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 1, Frames.data(8)), 3, 0)));
        assertEquals(List.of(), sent);
        assertEquals(1, stats.get(Counter.DROP_UDP_NO_SOCKET));
        assertEquals(1, stats.get(Counter.DROP_PROTOCOL_UNKNOWN));
        assertEquals(1, stats.get(Counter.DROP_ICMP_TO_BROADCAST));
    }

    @Test
    @DisplayName("RFC 1122 3.2.2 (link broadcast), RFC 9293 3.9.2.1: a TCP segment in a link-layer broadcast gets no RST and no connection")
    void tcpInLinkBroadcastIgnored() {
        receive(linkBroadcast(tcp(PEER, US, 81, TcpSegment.SYN)));
        receive(linkBroadcast(tcp(PEER, US, 80, TcpSegment.SYN)));
        assertEquals(List.of(), sent);
        assertEquals(2, stats.get(Counter.DROP_TCP_NOT_UNICAST));
        assertEquals(0, tcp.connectionCount());
    }

    @Test
    @DisplayName("RFC 1122 3.2.2 (broadcast; audit C9): no reassembly time-exceeded for a datagram sent to a broadcast address")
    void noTimeExceededForBroadcast() {
        int broadcast = Ipv4Address.parse("198.18.0.255").bits();
        byte[][] f = Frames.fragments(PEER, broadcast, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, broadcast, 5555, 9, Frames.data(64)), 7, 32);
        receive(f[0]);
        ip.poll(120 * SECOND);
        assertEquals(1, stats.get(Counter.REASSEMBLY_TIMEOUTS));
        assertEquals(List.of(), sent);
    }

    @Test
    @DisplayName("RFC 1122 3.2.2 (link broadcast; audit C9): no reassembly time-exceeded for fragments that came as a link-layer broadcast")
    void noTimeExceededForLinkBroadcast() {
        byte[][] f = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(64)), 7, 32);
        receive(linkBroadcast(f[0]));
        ip.poll(120 * SECOND);
        assertEquals(1, stats.get(Counter.REASSEMBLY_TIMEOUTS));
        assertEquals(List.of(), sent);
    }

    @Test
    @DisplayName("RFC 1122 3.2.2 (broadcast, link broadcast): the reassembly time-exceeded still goes for a unicast datagram (the rule above is not over-broad)")
    void timeExceededForUnicast() {
        byte[][] f = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(64)), 7, 32);
        receive(f[0]);
        ip.poll(120 * SECOND);
        assertEquals(1, stats.get(Counter.ICMP_ERRORS_SENT), "time exceeded (waiting on ARP, the peer's entry has aged)");
    }
}
