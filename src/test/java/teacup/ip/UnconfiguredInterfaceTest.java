package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.ip.Frames.OTHER;
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
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;

/** An interface waiting for DHCP (no address), and what {@link IpLayer#configure} changes. */
class UnconfiguredInterfaceTest {
    static final MacAddress MAC = new MacAddress(US_MAC);

    final List<byte[]> sent = new ArrayList<>();
    final List<Integer> delivered = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;

    @BeforeEach
    void setUp() {
        ip = new IpLayer(Interface.unconfigured(MAC, 1500), (b, off, len) -> sent.add(Arrays.copyOfRange(b, off, off + len)),
                stats, new SplittableRandom(7));
        ip.register(Ipv4Packet.PROTOCOL_UDP, (now, source, destination, b, off, len) -> {
            delivered.add(destination);
            return BigEndian.u16(b, off + 2) == 68 ? Counter.UDP_DELIVERED : Counter.DROP_UDP_NO_SOCKET;
        });
        ip.start(0);
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN),
                stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED), "frames in = accepted + dropped");
    }

    void receive(byte[] frame) {
        ip.receive(1, frame, 0, frame.length);
    }

    @Test
    @DisplayName("0.0.0.0 is accepted only as the unconfigured form (prefix 0, no gateway), never from the command line")
    void onlyTheUnconfiguredFormHasNoAddress() {
        Interface u = Interface.unconfigured(MAC, 1500);
        assertFalse(u.configured());
        assertEquals(Ipv4Address.ANY, u.address());
        assertThrows(IllegalArgumentException.class, () -> new Interface(MAC, Ipv4Address.ANY, 24, Ipv4Address.ANY, 1500));
        assertThrows(IllegalArgumentException.class, () -> Interface.of(MAC, "0.0.0.0/0", Ipv4Address.ANY, 1500));
        assertTrue(Interface.of(MAC, "198.18.0.2/24", Ipv4Address.ANY, 1500).configured());
    }

    @Test
    @DisplayName("RFC 2131 4.1: without an address, UDP to any address is passed up (an offer may come to the offered address)")
    void udpToAnyAddressAccepted() {
        receive(Frames.ipv4(PEER, OTHER, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, OTHER, 67, 68, new byte[8]), 1, 0));
        assertEquals(List.of(OTHER), delivered);
        assertEquals(1, stats.get(Counter.UDP_DELIVERED));
    }

    @Test
    @DisplayName("without an address: no ICMP to a closed port, no echo answered, no ARP answered, no announcement")
    void silentWithoutAddress() {
        receive(Frames.ipv4(PEER, OTHER, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, OTHER, 5000, 9, new byte[8]), 1, 0));
        receive(Frames.ipv4(PEER, OTHER, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 1, new byte[8]), 2, 0));
        receive(Frames.arpRequestFromPeer(0));
        receive(Frames.arpRequestFromPeer(US));
        assertEquals(List.of(), sent, "nothing sent");
        assertEquals(1, stats.get(Counter.DROP_IPV4_NOT_FOR_US), "ICMP to someone else's address");
        assertEquals(Long.MAX_VALUE, ip.nextDeadline(), "no announcement due");
    }

    @Test
    @DisplayName("RFC 1122 3.3.6 (not a source): without an address only broadcasts go out, from 0.0.0.0, in ff:ff:ff:ff:ff:ff link broadcasts")
    void onlyBroadcastOut() {
        byte[] tx = ip.txBuffer();
        assertFalse(ip.send(1, PEER, Ipv4Packet.PROTOCOL_UDP, tx, 8));
        assertEquals(1, stats.get(Counter.OUT_NO_ROUTE));
        assertTrue(ip.send(1, -1, Ipv4Packet.PROTOCOL_UDP, tx, 8));
        byte[] frame = sent.getFirst();
        assertEquals(MacAddress.BROADCAST_BITS, BigEndian.u48(frame, 0));
        assertEquals(0, BigEndian.i32(frame, EthernetFrame.HEADER_LENGTH + 12), "source 0.0.0.0");
        assertEquals(-1, BigEndian.i32(frame, EthernetFrame.HEADER_LENGTH + 16));
    }

    @Test
    @DisplayName("configure: the new address is used, announced (RFC 5227 2.3) and answered for; back to unconfigured drops it")
    void configureAndBack() {
        Interface leased = new Interface(MAC, new Ipv4Address(US), 24, new Ipv4Address(PEER), 1500);
        ip.configure(5, leased);
        assertEquals(leased, ip.iface());
        assertEquals(US, ip.address());
        ip.poll(5);
        assertEquals(1, stats.get(Counter.ARP_ANNOUNCEMENTS_SENT));
        ArpPacket announcement = ArpPacket.read(sent.getLast(), EthernetFrame.HEADER_LENGTH);
        assertEquals(US, announcement.senderIp());
        receive(Frames.arpRequestFromPeer(US));
        assertEquals(1, stats.get(Counter.ARP_REQUEST_ANSWERED));

        ip.configure(6, Interface.unconfigured(MAC, 1500));
        assertEquals(0, ip.address());
        receive(Frames.arpRequestFromPeer(US));
        assertEquals(1, stats.get(Counter.ARP_REQUEST_ANSWERED), "no longer ours");
        assertThrows(IllegalArgumentException.class,
                () -> ip.configure(7, new Interface(new MacAddress(0x02_00_00_00_00_99L), new Ipv4Address(US), 24, Ipv4Address.ANY, 1500)),
                "the MAC is the link's");
    }
}
