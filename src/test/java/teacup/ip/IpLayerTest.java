package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.ip.Frames.FAR;
import static teacup.ip.Frames.OTHER;
import static teacup.ip.Frames.PEER;
import static teacup.ip.Frames.PEER_MAC;
import static teacup.ip.Frames.US;
import static teacup.ip.Frames.US_MAC;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.UdpDatagram;

class IpLayerTest {
    static final long SECOND = 1_000_000_000L;

    final List<byte[]> sent = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;

    @BeforeEach
    void setUp() {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, new Ipv4Address(PEER), 1500);
        ip = new IpLayer(iface, (b, off, len) -> sent.add(Arrays.copyOfRange(b, off, off + len)), stats, new SplittableRandom(7));
        // Like UDP with no socket bound: everything goes to a closed port.
        ip.register(Ipv4Packet.PROTOCOL_UDP, (now, source, destination, b, off, len) -> Counter.DROP_UDP_NO_SOCKET);
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN),
                stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED), "frames in = accepted + dropped");
    }

    void receive(long now, byte[] frame) {
        ip.receive(now, frame, 0, frame.length);
    }

    /** Learns the peer's MAC the usual way: it asks for ours first. */
    void peerResolvesUs() {
        receive(0, Frames.arpRequestFromPeer(US));
        sent.clear();
    }

    byte[] onlySent() {
        assertEquals(1, sent.size(), "frames sent");
        return sent.removeFirst();
    }

    static Ipv4Packet ipv4Of(byte[] frame) {
        Ipv4Packet p = new Ipv4Packet();
        assertEquals(Defect.NONE, p.wrap(frame, 14, frame.length - 14));
        return p;
    }

    static ArpPacket arpOf(byte[] frame) {
        EthernetFrame e = new EthernetFrame();
        assertEquals(Defect.NONE, e.wrap(frame, 0, frame.length));
        assertEquals(EthernetFrame.TYPE_ARP, e.etherType());
        assertEquals(Defect.NONE, ArpPacket.check(frame, 14, frame.length - 14));
        return ArpPacket.read(frame, 14);
    }

    @Nested
    class Arp {
        @Test
        @DisplayName("RFC 5227 2.3: announces its address twice, ANNOUNCE_INTERVAL apart, on start")
        void announcesOnStart() {
            ip.start(0);
            ArpPacket a = arpOf(onlySent());
            assertEquals(ArpPacket.REQUEST, a.operation());
            assertEquals(US, a.senderIp());
            assertEquals(US, a.targetIp());
            assertEquals(0, a.targetMac());
            ip.poll(SECOND);
            assertTrue(sent.isEmpty(), "nothing before the interval");
            ip.poll(2 * SECOND);
            assertEquals(US, arpOf(onlySent()).targetIp());
            ip.poll(60 * SECOND);
            assertTrue(sent.isEmpty(), "two announcements only");
        }

        @Test
        @DisplayName("RFC 826, RFC 1122 2.3.3 (RFC 894): answers a request for its address in an Ethernet frame and learns the asker")
        void answersRequest() {
            receive(0, Frames.arpRequestFromPeer(US));
            byte[] frame = onlySent();
            EthernetFrame e = new EthernetFrame();
            e.wrap(frame, 0, frame.length);
            assertEquals(PEER_MAC, e.destination());
            assertEquals(US_MAC, e.source());
            ArpPacket reply = arpOf(frame);
            assertEquals(new ArpPacket(ArpPacket.REPLY, US_MAC, US, PEER_MAC, PEER), reply);
            assertTrue(ip.knows(PEER, 0));
            assertEquals(1, stats.get(Counter.ARP_REQUEST_ANSWERED));
        }

        @Test
        void ignoresRequestForAnotherAddressAndDoesNotLearn() {
            receive(0, Frames.arpRequestFromPeer(OTHER));
            assertTrue(sent.isEmpty());
            assertFalse(ip.knows(PEER, 0));
            assertEquals(1, stats.get(Counter.DROP_ARP_NOT_FOR_US));
        }

        @Test
        void refusesArpClaimingOurAddress() {
            receive(0, Frames.arp(-1L & 0xffff_ffff_ffffL, ArpPacket.REPLY, PEER_MAC, US, 0, US));
            assertTrue(sent.isEmpty());
            assertEquals(1, stats.get(Counter.DROP_ARP_BAD_SENDER));
        }

        @Test
        @DisplayName("RFC 1122 2.4 (no ARP entry), 2.3.2.2: a datagram to an unresolved neighbour is held for ARP, not reported unreachable")
        void holdsPacketUntilResolvedThenSendsIt() {
            receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 1, Frames.data(8)), 1, 0));
            ArpPacket request = arpOf(onlySent());
            assertEquals(ArpPacket.REQUEST, request.operation());
            assertEquals(PEER, request.targetIp());
            receive(10, Frames.arpReplyFromPeer());
            byte[] reply = onlySent();
            assertEquals(PEER_MAC, BigEndian.u48(reply, 0));
            assertEquals(Ipv4Packet.PROTOCOL_ICMP, ipv4Of(reply).protocol());
        }

        @Test
        @DisplayName("RFC 1122 2.3.2.1 (flush): an entry nobody confirms is probed at its MAC, forgotten when it stays silent, and the next datagram asks again")
        void entriesExpire() {
            peerResolvesUs();
            receive(SECOND, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 1, Frames.data(8)), 1, 0));
            assertEquals(Ipv4Packet.PROTOCOL_ICMP, ipv4Of(onlySent()).protocol(), "answered at once: the MAC is known");
            List<byte[]> probes = new ArrayList<>();
            for (long t = 2 * SECOND; t <= 20 * SECOND; t += SECOND / 4) {
                ip.poll(t);
                probes.addAll(sent);
                sent.clear();
            }
            assertEquals(6, probes.size(), "three unicast probes at the cached MAC, then three broadcast");
            for (int i = 0; i < probes.size(); i++) {
                assertEquals(i < 3 ? PEER_MAC : MacAddress.BROADCAST_BITS, BigEndian.u48(probes.get(i), 0), "probe " + i);
                assertEquals(PEER, arpOf(probes.get(i)).targetIp());
            }
            assertFalse(ip.knows(PEER, 20 * SECOND), "silent: forgotten");
            receive(21 * SECOND, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 2, Frames.data(8)), 2, 0));
            byte[] frame = onlySent();
            assertEquals(MacAddress.BROADCAST_BITS, BigEndian.u48(frame, 0), "the entry is gone: resolved again first");
            assertEquals(PEER, arpOf(frame).targetIp());
        }

        @Test
        void retriesThreeTimesThenGivesUpAndCounts() {
            receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 1, Frames.data(8)), 1, 0));
            assertEquals(PEER, arpOf(onlySent()).targetIp());
            ip.poll(SECOND / 2);
            assertTrue(sent.isEmpty(), "no retry before a second");
            ip.poll(SECOND);
            assertEquals(PEER, arpOf(onlySent()).targetIp());
            ip.poll(2 * SECOND);
            assertEquals(PEER, arpOf(onlySent()).targetIp());
            ip.poll(3 * SECOND);
            assertTrue(sent.isEmpty());
            assertEquals(1, stats.get(Counter.OUT_ARP_FAILED));
            assertEquals(3, stats.get(Counter.ARP_REQUESTS_SENT));
            assertEquals(Long.MAX_VALUE, ip.nextDeadline());
        }

        @Test
        @DisplayName("RFC 1122 3.3.1.1: the mask decides: an off-link destination goes to the gateway's MAC, an on-link one is resolved itself")
        void offLinkDestinationGoesToTheGatewaysMac() {
            peerResolvesUs();
            byte[] frame = ip.txBuffer();
            byte[] payload = Frames.udp(US, FAR, 1000, 2000, Frames.data(10));
            System.arraycopy(payload, 0, frame, IpLayer.PAYLOAD_OFFSET, payload.length);
            assertTrue(ip.send(0, FAR, Ipv4Packet.PROTOCOL_UDP, frame, payload.length));
            byte[] out = onlySent();
            assertEquals(PEER_MAC, BigEndian.u48(out, 0));
            assertEquals(FAR, ipv4Of(out).destination());
        }
    }

    @Nested
    class Icmp {
        @Test
        @DisplayName("RFC 1122 3.2.2.6 (echo server): echo reply carries the request's identifier, sequence and data")
        void answersEcho() {
            peerResolvesUs();
            byte[] data = Frames.data(56);
            receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(0x1234, 7, data), 99, 0));
            byte[] out = onlySent();
            Ipv4Packet p = ipv4Of(out);
            assertEquals(US, p.source());
            assertEquals(PEER, p.destination());
            IcmpMessage m = new IcmpMessage();
            assertEquals(Defect.NONE, m.wrap(out, p.payloadOffset(), p.payloadLength()));
            assertEquals(IcmpMessage.TYPE_ECHO_REPLY, m.type());
            assertEquals(0x1234, m.identifier());
            assertEquals(7, m.sequence());
            assertArrayEquals(data, Arrays.copyOfRange(out, m.payloadOffset(), m.payloadOffset() + m.payloadLength()));
        }

        @Test
        @DisplayName("RFC 1122 3.2.2.6 (echo to broadcast): an echo request to the subnet broadcast is not answered")
        void ignoresEchoToBroadcast() {
            peerResolvesUs();
            receive(0, Frames.ipv4(PEER, Ipv4Address.parse("198.18.0.255").bits(), Ipv4Packet.PROTOCOL_ICMP,
                    Frames.echoRequest(1, 1, Frames.data(8)), 1, 0));
            assertTrue(sent.isEmpty());
            assertEquals(1, stats.get(Counter.DROP_ICMP_TO_BROADCAST));
        }

        @Test
        @DisplayName("RFC 1122 3.2.2.9, RFC 1122 3.2.2 (unknown type): the mask is configured, never learnt: an address mask request gets no reply, and a reply is not taken")
        void addressMaskIgnored() {
            peerResolvesUs();
            int prefix = ip.iface().prefixLength();
            for (int type : new int[] {17, 18}) {
                byte[] icmp = new byte[12];
                IcmpMessage.write(icmp, 0, type, 0, 0, 4);
                receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, icmp, type, 0));
            }
            assertTrue(sent.isEmpty(), "no address mask reply");
            assertEquals(2, stats.get(Counter.DROP_ICMP_UNHANDLED));
            assertEquals(prefix, ip.iface().prefixLength(), "the configured mask stays");
        }

        @Test
        void dropsEchoWithBadChecksum() {
            peerResolvesUs();
            byte[] icmp = Frames.echoRequest(1, 1, Frames.data(8));
            icmp[9] ^= 1;
            receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, icmp, 1, 0));
            assertTrue(sent.isEmpty());
            assertEquals(1, stats.get(Counter.DROP_ICMP_MALFORMED));
        }

        @Test
        @DisplayName("RFC 1122 3.2.2.6 (echo reply): an echo reply reaches the listener of its identifier; one for no listener is dropped")
        void deliversEchoRepliesToTheirListener() {
            peerResolvesUs();
            List<Integer> sequences = new ArrayList<>();
            ip.registerEcho(77, (now, source, sequence, ttl, b, off, len) -> sequences.add(sequence));
            assertTrue(ip.sendEchoRequest(0, PEER, 77, 5, Frames.data(4), 0, 4));
            byte[] request = onlySent();
            IcmpMessage m = new IcmpMessage();
            Ipv4Packet p = ipv4Of(request);
            assertEquals(Defect.NONE, m.wrap(request, p.payloadOffset(), p.payloadLength()));
            assertEquals(IcmpMessage.TYPE_ECHO_REQUEST, m.type());
            byte[] reply = Arrays.copyOfRange(request, p.payloadOffset(), p.payloadOffset() + p.payloadLength());
            IcmpMessage.write(reply, 0, IcmpMessage.TYPE_ECHO_REPLY, 0, IcmpMessage.echoRest(77, 5), reply.length - 8);
            receive(1, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, reply, 3, 0));
            IcmpMessage.write(reply, 0, IcmpMessage.TYPE_ECHO_REPLY, 0, IcmpMessage.echoRest(78, 6), reply.length - 8);
            receive(1, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, reply, 4, 0));
            assertEquals(List.of(5), sequences);
            assertEquals(1, stats.get(Counter.DROP_ICMP_UNHANDLED));
        }
    }

    @Nested
    class Identification {
        @Test
        @DisplayName("RFC 6864, RFC 7739 (issue 12: no idle-scan zombie): a peer sees its own identification counter, which traffic to others does not move")
        void perDestination() {
            peerResolvesUs();
            receive(0, Frames.arp(US_MAC, ArpPacket.REPLY, 0x02_00_00_00_00_77L, OTHER, US_MAC, US));
            sent.clear();
            int[] toPeer = new int[3];
            for (int round = 0; round < 3; round++) {
                byte[] tx = ip.txBuffer();
                assertTrue(ip.send(0, PEER, Ipv4Packet.PROTOCOL_UDP, tx, 8));
                toPeer[round] = ipv4Of(sent.removeFirst()).identification();
                for (int i = 0; i < 10; i++) { // ten datagrams to someone else in between
                    assertTrue(ip.send(0, OTHER, Ipv4Packet.PROTOCOL_UDP, ip.txBuffer(), 8));
                }
                sent.clear();
            }
            assertEquals((toPeer[0] + 1) & 0xffff, toPeer[1], "consecutive for one peer");
            assertEquals((toPeer[1] + 1) & 0xffff, toPeer[2], "whatever went to others");
        }
    }

    @Nested
    class Fragments {
        @Test
        @DisplayName("RFC 791 3.2, RFC 1122 3.2.1.4: a fragmented echo request, out of order and duplicated, is reassembled and answered in fragments")
        void reassemblesAndFragmentsReply() {
            peerResolvesUs();
            byte[] data = Frames.data(4000);
            byte[][] frags = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(9, 1, data), 4242, 1480);
            assertEquals(3, frags.length);
            receive(0, frags[2]);
            receive(0, frags[0]);
            receive(0, frags[0]);
            assertTrue(sent.isEmpty());
            assertEquals(1, ip.reassembliesInProgress());
            receive(0, frags[1]);
            assertEquals(0, ip.reassembliesInProgress());
            assertEquals(3, sent.size(), "reply in three fragments");
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            int identification = -1;
            for (int i = 0; i < 3; i++) {
                Ipv4Packet p = ipv4Of(sent.get(i));
                assertTrue(p.totalLength() <= 1500);
                assertEquals(reply.size(), p.fragmentOffset());
                assertEquals(i < 2, p.moreFragments());
                if (identification >= 0) {
                    assertEquals(identification, p.identification());
                }
                identification = p.identification();
                reply.write(sent.get(i), p.payloadOffset(), p.payloadLength());
            }
            byte[] icmp = reply.toByteArray();
            IcmpMessage m = new IcmpMessage();
            assertEquals(Defect.NONE, m.wrap(icmp, 0, icmp.length));
            assertEquals(IcmpMessage.TYPE_ECHO_REPLY, m.type());
            assertArrayEquals(data, Arrays.copyOfRange(icmp, 8, icmp.length));
            assertEquals(1, stats.get(Counter.DATAGRAMS_REASSEMBLED));
        }

        @Test
        void overlappingFragmentDiscardsTheDatagram() {
            peerResolvesUs();
            byte[] payload = Frames.echoRequest(9, 1, Frames.data(2000));
            byte[][] frags = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_ICMP, payload, 5, 1000);
            receive(0, frags[0]);
            byte[] overlap = Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Arrays.copyOfRange(payload, 496, 1496), 5,
                    Ipv4Packet.FLAG_MORE_FRAGMENTS | (496 / 8));
            receive(0, overlap);
            receive(0, frags[1]);
            receive(0, frags[2]);
            assertTrue(sent.isEmpty(), "nothing answered");
            assertEquals(1, stats.get(Counter.DROP_FRAGMENT_INVALID));
        }

        @Test
        void fragmentWithLengthNotMultipleOfEightIsInvalid() {
            receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.data(100), 5, Ipv4Packet.FLAG_MORE_FRAGMENTS));
            assertEquals(1, stats.get(Counter.DROP_FRAGMENT_INVALID));
            assertEquals(0, ip.reassembliesInProgress());
        }

        @Test
        @DisplayName("RFC 1122 3.3.2 (reassembly): an incomplete datagram is dropped after the reassembly timeout with ICMP time exceeded")
        void timesOut() {
            peerResolvesUs();
            byte[][] frags = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(9, 1, Frames.data(3000)), 6, 1480);
            receive(0, frags[0]);
            ip.poll(29 * SECOND);
            assertTrue(sent.isEmpty());
            ip.poll(30 * SECOND);
            byte[] out = onlySent();
            Ipv4Packet p = ipv4Of(out);
            IcmpMessage m = new IcmpMessage();
            assertEquals(Defect.NONE, m.wrap(out, p.payloadOffset(), p.payloadLength()));
            assertEquals(IcmpMessage.TYPE_TIME_EXCEEDED, m.type());
            assertEquals(IcmpMessage.CODE_REASSEMBLY_TIME_EXCEEDED, m.code());
            assertEquals(0, ip.reassembliesInProgress());
            assertEquals(1, stats.get(Counter.REASSEMBLY_TIMEOUTS));
        }

        @Test
        @DisplayName("RFC 1122 3.2.2 (fragment): a datagram of which only later fragments came times out with no ICMP error")
        void noTimeExceededWithoutTheFirstFragment() {
            peerResolvesUs();
            byte[][] frags = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(9, 1, Frames.data(3000)), 7, 1480);
            receive(0, frags[1]);
            receive(0, frags[2]);
            ip.poll(31 * SECOND);
            assertEquals(1, stats.get(Counter.REASSEMBLY_TIMEOUTS));
            assertTrue(sent.isEmpty(), "fragment zero never came: no time exceeded");
        }

        @Test
        @DisplayName("RFC 1122 3.2.2 (about ICMP error): an ICMP error that never finishes reassembly gets no time exceeded")
        void noTimeExceededAboutAnIcmpError() {
            peerResolvesUs();
            byte[] error = new byte[8 + 2000];
            IcmpMessage.write(error, 0, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_PORT_UNREACHABLE, 0, 2000);
            byte[][] frags = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_ICMP, error, 8, 1480);
            receive(0, frags[0]);
            ip.poll(31 * SECOND);
            assertEquals(1, stats.get(Counter.REASSEMBLY_TIMEOUTS));
            assertTrue(sent.isEmpty(), "never an error about an error");
        }

        @Test
        void reassemblyIsBoundedInDatagrams() {
            for (int id = 0; id < 200; id++) {
                receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.data(8), id, Ipv4Packet.FLAG_MORE_FRAGMENTS));
            }
            assertEquals(64, ip.reassembliesInProgress());
            assertEquals(136, stats.get(Counter.REASSEMBLIES_EVICTED));
        }

        @Test
        void aFloodOfStrayFragmentsDoesNotBlockARealDatagram() {
            peerResolvesUs();
            for (int id = 0; id < 200; id++) {
                receive(id, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.data(8), id, Ipv4Packet.FLAG_MORE_FRAGMENTS));
            }
            byte[][] frags = Frames.fragments(PEER, US, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(9, 1, Frames.data(3000)), 4242, 1480);
            for (byte[] f : frags) {
                receive(1000, f);
            }
            assertEquals(1, stats.get(Counter.ICMP_ECHO_ANSWERED), "the real datagram was reassembled and answered");
        }
    }

    @Nested
    class Ipv4Input {
        @Test
        @DisplayName("RFC 1122 3.2.1.2: a datagram whose header checksum is wrong is discarded silently")
        void dropsBadHeaderChecksum() {
            peerResolvesUs();
            byte[] f = Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 1, 2, Frames.data(4)), 1, 0);
            f[14 + 8] ^= 1; // TTL changes, checksum no longer matches
            receive(0, f);
            assertEquals(1, stats.get(Counter.DROP_IPV4_BAD_CHECKSUM));
            assertTrue(sent.isEmpty(), "no port unreachable, nothing");
        }

        @Test
        @DisplayName("RFC 1122 3.2.1.1: a datagram in an IPv4 frame whose version is not 4 is discarded silently")
        void dropsOtherVersions() {
            peerResolvesUs();
            for (int version : new int[] {0, 5, 6, 15}) {
                byte[] f = Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 1, 2, Frames.data(4)), 1, 0);
                f[14] = (byte) (version << 4 | 5);
                receive(0, f);
            }
            assertEquals(4, stats.get(Counter.DROP_IPV4_BAD_VERSION));
            assertTrue(sent.isEmpty(), "not answered");
        }

        @Test
        @DisplayName("RFC 1122 3.2.1.3 (bad destination): a datagram for another address is discarded silently; one from our own address too")
        void dropsPacketsForOtherAddressesAndFromOurOwn() {
            receive(0, Frames.ipv4(PEER, OTHER, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, OTHER, 1, 2, Frames.data(4)), 1, 0));
            receive(0, Frames.ipv4(US, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(US, US, 1, 2, Frames.data(4)), 1, 0));
            assertEquals(1, stats.get(Counter.DROP_IPV4_NOT_FOR_US));
            assertEquals(1, stats.get(Counter.DROP_IPV4_BAD_SOURCE));
            assertTrue(sent.isEmpty());
        }

        @Test
        @DisplayName("RFC 1122 4.1.3.1, RFC 1122 3.2.2.1 (generate): UDP to a closed port is answered with ICMP port unreachable quoting the datagram")
        void portUnreachable() {
            peerResolvesUs();
            byte[] in = Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(20)), 1, 0);
            receive(0, in);
            byte[] out = onlySent();
            Ipv4Packet p = ipv4Of(out);
            IcmpMessage m = new IcmpMessage();
            assertEquals(Defect.NONE, m.wrap(out, p.payloadOffset(), p.payloadLength()));
            assertEquals(IcmpMessage.TYPE_DESTINATION_UNREACHABLE, m.type());
            assertEquals(IcmpMessage.CODE_PORT_UNREACHABLE, m.code());
            assertArrayEquals(Arrays.copyOfRange(in, 14, in.length),
                    Arrays.copyOfRange(out, m.payloadOffset(), m.payloadOffset() + m.payloadLength()));
            assertEquals(1, stats.get(Counter.DROP_UDP_NO_SOCKET));
        }

        @Test
        @DisplayName("RFC 1122 3.2.2 (quoting): an error quotes the datagram's octets as received, with TOS 0, and stays within 576 bytes")
        void errorQuotesWithinBound() {
            peerResolvesUs();
            byte[] in = Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(1400)), 1, 0);
            in[14 + 1] = (byte) 0xb8; // the datagram's own TOS (EF), which the error must not copy
            BigEndian.put16(in, 14 + 10, 0);
            BigEndian.put16(in, 14 + 10, Checksum.compute(in, 14, 20));
            receive(0, in);
            byte[] out = onlySent();
            Ipv4Packet p = ipv4Of(out);
            assertEquals(576, p.totalLength(), "the error is cut at 576 bytes");
            assertEquals(0, p.typeOfService());
            IcmpMessage m = new IcmpMessage();
            assertEquals(Defect.NONE, m.wrap(out, p.payloadOffset(), p.payloadLength()));
            assertArrayEquals(Arrays.copyOfRange(in, 14, 14 + m.payloadLength()),
                    Arrays.copyOfRange(out, m.payloadOffset(), m.payloadOffset() + m.payloadLength()), "octets as received");
        }

        @Test
        @DisplayName("RFC 1122 3.2.2 (broadcast): no ICMP error about a datagram sent to a broadcast address")
        void noPortUnreachableForBroadcast() {
            peerResolvesUs();
            int broadcast = Ipv4Address.parse("198.18.0.255").bits();
            receive(0, Frames.ipv4(PEER, broadcast, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, broadcast, 5555, 9, Frames.data(20)), 1, 0));
            assertTrue(sent.isEmpty());
        }

        @Test
        @DisplayName("RFC 1122 3.2.2 (rate limit): ICMP errors are rate-limited by a token bucket that refills with time")
        void icmpErrorsAreRateLimited() {
            peerResolvesUs();
            ip.start(0);
            sent.clear();
            for (int i = 0; i < 200; i++) {
                receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(4)), i, 0));
            }
            assertEquals(50, sent.size());
            assertEquals(150, stats.get(Counter.ICMP_ERRORS_SUPPRESSED));
            sent.clear();
            receive(SECOND, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(4)), 1, 0));
            assertEquals(1, sent.size(), "tokens refill with time");
        }

        @Test
        @DisplayName("RFC 1122 3.2.2.1 (generate): a datagram for an unknown protocol is answered with protocol unreachable (code 2)")
        void unknownProtocolAnsweredWithProtocolUnreachable() {
            peerResolvesUs();
            receive(0, Frames.ipv4(PEER, US, 99, Frames.data(10), 1, 0));
            byte[] out = onlySent();
            Ipv4Packet p = ipv4Of(out);
            assertEquals(IcmpMessage.CODE_PROTOCOL_UNREACHABLE, out[p.payloadOffset() + 1]);
            assertEquals(1, stats.get(Counter.DROP_PROTOCOL_UNKNOWN));
        }

        @Test
        void deliversToRegisteredTransport() {
            List<Integer> lengths = new ArrayList<>();
            ip.register(Ipv4Packet.PROTOCOL_UDP, (now, source, destination, b, off, len) -> {
                UdpDatagram u = new UdpDatagram();
                assertEquals(Defect.NONE, u.wrap(b, off, len, source, destination));
                lengths.add(u.payloadLength());
                return Counter.UDP_DELIVERED;
            });
            receive(0, Frames.ipv4(PEER, US, Ipv4Packet.PROTOCOL_UDP, Frames.udp(PEER, US, 5555, 9, Frames.data(33)), 1, 0));
            assertEquals(List.of(33), lengths);
        }
    }
}
