package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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

/** ARP requests for packets that must not wait ({@link IpLayer#sendIfResolved}), and how often any request goes. */
class ArpSolicitationsTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final int US = Ipv4Address.parse("198.18.0.2").bits();
    static final int NEIGHBOUR = Ipv4Address.parse("198.18.0.77").bits();

    final Statistics stats = new Statistics();
    final List<Integer> arpTargets = new ArrayList<>();
    final List<Long> arpTimes = new ArrayList<>();
    int ipFrames;
    IpLayer ip;
    long now = 1_000 * S;

    @BeforeEach
    void setUp() {
        Interface iface = new Interface(new MacAddress(0x02_00_00_00_00_02L), new Ipv4Address(US), 16, Ipv4Address.ANY, 1500);
        ip = new IpLayer(iface, (b, off, len) -> {
            if (BigEndian.u16(b, off + 12) == EthernetFrame.TYPE_ARP) {
                ArpPacket a = ArpPacket.read(b, off + EthernetFrame.HEADER_LENGTH);
                if (a.operation() == ArpPacket.REQUEST && a.targetIp() != US) {
                    arpTargets.add(a.targetIp());
                    arpTimes.add(now);
                }
            } else {
                ipFrames++;
            }
        }, stats, new SplittableRandom(1));
        ip.start(now);
    }

    boolean sendUnheld(int destination) {
        byte[] frame = ip.txBuffer();
        return ip.sendIfResolved(now, destination, Ipv4Packet.PROTOCOL_UDP, frame, 8, 0, 0, 0);
    }

    @Test
    @DisplayName("RFC 1122 2.3.2.1: ARP requests for one address go at most once a second (no ARP flood), held packets or not")
    void oncePerSecondPerAddress() {
        for (int i = 0; i < 100; i++) {
            now += 5 * MS;
            assertTrue(sendUnheld(NEIGHBOUR));
        }
        assertEquals(List.of(NEIGHBOUR), arpTargets, "100 packets in half a second, one request");
        assertEquals(100, stats.get(Counter.OUT_ARP_UNRESOLVED));
        assertEquals(0, ip.arpEntries(), "nothing held, no entry made");
        assertEquals(0, ipFrames);
        now += S;
        sendUnheld(NEIGHBOUR);
        assertEquals(2, arpTargets.size(), "a second later, another");
        // A held packet's resolution retries once a second too (three times, then again for the next packet).
        arpTargets.clear();
        arpTimes.clear();
        int other = NEIGHBOUR + 1;
        for (int i = 0; i < 50; i++) {
            ip.send(now, other, Ipv4Packet.PROTOCOL_UDP, ip.txBuffer(), 8);
            now += 100 * MS;
            ip.poll(now);
        }
        assertTrue(arpTargets.size() >= 3 && arpTargets.stream().allMatch(t -> t == other), arpTargets::toString);
        for (int i = 1; i < arpTimes.size(); i++) {
            assertTrue(arpTimes.get(i) - arpTimes.get(i - 1) >= S, () -> "requests at " + arpTimes);
        }
    }

    @Test
    @DisplayName("unheld packets to many unresolved addresses ask ARP at most 256 times a second in all, counting the rest")
    void boundedInAll() {
        for (int i = 0; i < 1000; i++) {
            now += 10_000; // 1,000 addresses (on-link in a /16) in 10 ms
            sendUnheld(Ipv4Address.parse("198.18.0.0").bits() + 3 + i);
        }
        // The bucket's burst, and what 10 ms refill (2.56 requests).
        assertTrue(arpTargets.size() <= ArpSolicitations.DEFAULT_PER_SECOND + 3, () -> "requests " + arpTargets.size());
        assertTrue(stats.get(Counter.ARP_SOLICITATIONS_LIMITED) > 0);
        assertEquals(0, ip.arpEntries());
        now += 2 * S;
        arpTargets.clear();
        sendUnheld(NEIGHBOUR + 5);
        assertEquals(1, arpTargets.size(), "the budget refills with time");
    }

    @Test
    @DisplayName("the bound on ARP requests a second is configurable: at 10 a second, 1,000 unheld packets to as many addresses ask 10 times, the rest counted")
    void boundConfigurable() {
        ip.arpSolicitationRate(10);
        assertEquals(10, ip.arpSolicitationRate());
        for (int i = 0; i < 1000; i++) {
            now += 10_000;
            sendUnheld(Ipv4Address.parse("198.18.0.0").bits() + 3 + i);
        }
        assertEquals(10, arpTargets.size(), () -> "requests " + arpTargets.size());
        assertEquals(990, stats.get(Counter.ARP_SOLICITATIONS_LIMITED));
        now += S / 5; // a fifth of a second earns two more
        sendUnheld(NEIGHBOUR + 7);
        sendUnheld(NEIGHBOUR + 8);
        sendUnheld(NEIGHBOUR + 9);
        assertEquals(12, arpTargets.size());
        assertThrows(IllegalArgumentException.class, () -> ip.arpSolicitationRate(0));
    }

    @Test
    @DisplayName("held packets to 1,000 addresses nobody holds resolve at most 256 at a time, and a known neighbour stays known")
    void pendingResolutionsBounded() {
        int known = Ipv4Address.parse("198.18.0.1").bits();
        byte[] arp = new byte[60];
        int n = EthernetFrame.write(arp, 0, MacAddress.BROADCAST_BITS, 0x02_00_00_00_00_01L, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REQUEST, 0x02_00_00_00_00_01L, known, 0, US).write(arp, n);
        ip.receive(now, arp, 0, arp.length);
        for (int i = 0; i < 1000; i++) {
            now += 10_000;
            ip.send(now, Ipv4Address.parse("198.18.4.0").bits() + i, Ipv4Packet.PROTOCOL_UDP, ip.txBuffer(), 8);
        }
        assertEquals(1 + 256, ip.arpEntries());
        assertEquals(1000 - 256, stats.get(Counter.OUT_ARP_QUEUE_FULL), "the rest counted, not held");
        assertTrue(ip.knows(known, now));
        ip.send(now, known, Ipv4Packet.PROTOCOL_UDP, ip.txBuffer(), 8);
        assertEquals(1, ipFrames, "the known neighbour is still sent to at once");
        for (int i = 0; i < 10; i++) {
            now += S / 2;
            ip.poll(now);
        }
        assertEquals(1, ip.arpEntries(), "the unanswered ones gave up");
        ip.send(now, Ipv4Address.parse("198.18.9.9").bits(), Ipv4Packet.PROTOCOL_UDP, ip.txBuffer(), 8);
        assertEquals(2, ip.arpEntries(), "and room to resolve came back");
    }
}
