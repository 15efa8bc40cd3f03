package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.ip.Frames.PEER;
import static teacup.ip.Frames.PEER_MAC;
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
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;

/** IPv4 options on receipt: checked rather than skipped, source routes not taken by a host that does not forward. */
class IpOptionsTest {
    static final long NOW = 1_000_000_000L;

    final List<byte[]> sent = new ArrayList<>();
    final Statistics stats = new Statistics();
    final List<Integer> delivered = new ArrayList<>();
    IpLayer ip;

    @BeforeEach
    void setUp() {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, new Ipv4Address(PEER), 1500);
        ip = new IpLayer(iface, (b, off, len) -> sent.add(Arrays.copyOfRange(b, off, off + len)), stats, new SplittableRandom(7));
        ip.register(Ipv4Packet.PROTOCOL_UDP, (now, source, destination, b, off, len) -> {
            delivered.add(len);
            return Counter.UDP_DELIVERED;
        });
        byte[] arp = Frames.arpRequestFromPeer(US); // the peer is known: an ICMP answer goes at once
        ip.receive(0, arp, 0, arp.length);
        sent.clear();
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN),
                stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED), "frames in = accepted + dropped");
    }

    /** A UDP-protocol datagram from the peer to {@code destination} with {@code options} (padded to four octets) and 4 bytes of payload. */
    static byte[] withOptions(int destination, int... options) {
        int optionLength = (options.length + 3) & ~3;
        int header = 20 + optionLength;
        byte[] b = new byte[14 + header + 4];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.write(b, 14, header - 20 + 4, 1, 0, 64, Ipv4Packet.PROTOCOL_UDP, PEER, destination);
        BigEndian.put8(b, 14, 0x40 | header / 4);
        for (int i = 0; i < options.length; i++) {
            b[34 + i] = (byte) options[i];
        }
        BigEndian.put16(b, 14 + 10, 0);
        BigEndian.put16(b, 14 + 10, Checksum.compute(b, 14, header));
        return b;
    }

    void receive(byte[] frame) {
        ip.receive(NOW, frame, 0, frame.length);
    }

    @Test
    @DisplayName("RFC 1122 3.2.1.8 (unknown options), RFC 9293 MUST-50: unknown options are ignored and the datagram reaches its transport; record route, timestamp and no-operation are tolerated")
    void unknownAndHarmlessOptionsAreIgnored() {
        receive(withOptions(US, 0x9e, 4, 0xaa, 0xbb,           // unknown, skipped by its length
                Ipv4Packet.OPTION_NOP,
                Ipv4Packet.OPTION_RECORD_ROUTE, 7, 4, 0, 0, 0, 0, // record route with room for one address
                Ipv4Packet.OPTION_TIMESTAMP, 8, 5, 0, 0, 0, 0, 0, // timestamps only
                Ipv4Packet.OPTION_END));
        assertEquals(List.of(4), delivered, "the datagram reached its transport");
        assertEquals(0, stats.get(Counter.DROP_IPV4_BAD_OPTIONS));
        assertTrue(sent.isEmpty());
    }

    @Test
    @DisplayName("RFC 1122 3.2.2.5: a malformed option drops the datagram, counted, and a parameter problem points at the octet")
    void malformedOptionsAreAnsweredWithParameterProblem() {
        receive(withOptions(US, 0x9e, 0));                               // length 0
        receive(withOptions(US, Ipv4Packet.OPTION_NOP, 0x9e, 9, 0));     // beyond the header
        receive(withOptions(US, Ipv4Packet.OPTION_RECORD_ROUTE, 7, 3, 0, 0, 0, 0)); // pointer below 4
        receive(withOptions(US, Ipv4Packet.OPTION_NOP, Ipv4Packet.OPTION_NOP, Ipv4Packet.OPTION_NOP, 0x9e)); // no length octet
        assertEquals(List.of(), delivered);
        assertEquals(4, stats.get(Counter.DROP_IPV4_BAD_OPTIONS));
        assertEquals(4, sent.size(), "one parameter problem for each");
        int[] pointers = {21, 22, 22, 24};
        for (int i = 0; i < 4; i++) {
            byte[] f = sent.get(i);
            int icmp = 14 + 20;
            assertEquals(Ipv4Packet.PROTOCOL_ICMP, f[14 + 9]);
            assertEquals(IcmpMessage.TYPE_PARAMETER_PROBLEM, f[icmp] & 0xff);
            assertEquals(0, f[icmp + 1]);
            assertEquals(pointers[i], f[icmp + 4] & 0xff, "the pointer names the octet at fault");
        }
    }

    @Test
    @DisplayName("RFC 1122 3.2.2.5: a malformed option in a datagram to a broadcast is dropped without a parameter problem")
    void noParameterProblemToBroadcast() {
        receive(withOptions(Ipv4Address.parse("198.18.0.255").bits(), 0x9e, 0));
        assertEquals(1, stats.get(Counter.DROP_IPV4_BAD_OPTIONS));
        assertTrue(sent.isEmpty(), "nothing answers a broadcast");
    }

    @Test
    @DisplayName("RFC 1122 3.3.5: a host that does not forward takes no datagram with an unfinished source route; a finished one is delivered")
    void unfinishedSourceRouteIsNotDelivered() {
        int hop = Ipv4Address.parse("198.18.0.9").bits();
        // Loose and strict routes with one address left to visit (pointer 4 of length 7).
        receive(withOptions(US, Ipv4Packet.OPTION_LOOSE_SOURCE_ROUTE, 7, 4, hop >>> 24, hop >>> 16 & 0xff, hop >>> 8 & 0xff, hop & 0xff));
        receive(withOptions(US, Ipv4Packet.OPTION_STRICT_SOURCE_ROUTE, 7, 4, 198, 18, 0, 9));
        assertEquals(List.of(), delivered);
        assertEquals(2, stats.get(Counter.DROP_IPV4_SOURCE_ROUTED));
        assertTrue(sent.isEmpty(), "dropped quietly, as Linux does");
        // The route is done (pointer 8 past length 7): we are its last hop.
        receive(withOptions(US, Ipv4Packet.OPTION_LOOSE_SOURCE_ROUTE, 7, 8, 198, 18, 0, 9));
        assertEquals(List.of(4), delivered);
        // Two source routes in one header are malformed.
        receive(withOptions(US, Ipv4Packet.OPTION_LOOSE_SOURCE_ROUTE, 3, 4, Ipv4Packet.OPTION_STRICT_SOURCE_ROUTE, 3, 4));
        assertEquals(1, stats.get(Counter.DROP_IPV4_BAD_OPTIONS));
    }

    @Test
    @DisplayName("RFC 1122 3.2.1.8 (unknown options): 20 000 headers of random options (seeded) end in a counter each, never an exception")
    void randomOptionsNeverThrow() {
        SplittableRandom random = new SplittableRandom(1122);
        for (int i = 0; i < 20_000; i++) {
            int[] options = new int[1 + random.nextInt(40)];
            for (int k = 0; k < options.length; k++) {
                // Mostly the interesting kinds and small lengths, so the walk goes deep.
                options[k] = random.nextInt(4) == 0 ? random.nextInt(256)
                        : new int[] {0, 1, 7, 68, 131, 137, 3, 4, 8}[random.nextInt(9)];
            }
            receive(withOptions(US, options));
            sent.clear();
        }
        assertEquals(20_000, stats.get(Counter.UDP_DELIVERED) + stats.get(Counter.DROP_IPV4_BAD_OPTIONS)
                + stats.get(Counter.DROP_IPV4_SOURCE_ROUTED));
        assertTrue(stats.get(Counter.DROP_IPV4_BAD_OPTIONS) > 0 && stats.get(Counter.UDP_DELIVERED) > 0);
    }
}
