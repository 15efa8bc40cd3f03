package teacup.udp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stack.Simulation;
import teacup.stats.Counter;

/** UDP between two whole stacks on a clean simulated wire. */
class UdpOverWireTest {
    private static final long S = 1_000_000_000L;
    private static final int A = Simulation.A_IP.bits();
    private static final int B = Simulation.B_IP.bits();

    private Simulation sim;
    private UdpEndpoint atA;
    private UdpEndpoint atB;

    @BeforeEach
    void resolved() {
        sim = Simulation.clean();
        atA = sim.a.udp().bind(40000, 64);
        atB = sim.b.udp().bind(53, 64);
        // ARP holds only a few frames per address: resolve before sending anything fragmented.
        sim.a.ip().sendEchoRequest(sim.now(), B, 1, 1, new byte[0], 0, 0);
        sim.runFor(S);
        assertTrue(sim.a.ip().knows(B, sim.now()) && sim.b.ip().knows(A, sim.now()), sim::toString);
    }

    private static byte[] random(int size, long seed) {
        byte[] d = new byte[size];
        new SplittableRandom(seed).nextBytes(d);
        return d;
    }

    private static UdpEndpoint.Datagram take(UdpEndpoint e) {
        try {
            return e.take(0);
        } catch (InterruptedException x) {
            throw new AssertionError(x);
        }
    }

    @Test
    @DisplayName("RFC 768: datagrams cross both ways byte for byte, with ports and addresses intact")
    void bothWays() {
        for (int size : new int[] {0, 1, 7, 100, 1472}) {
            byte[] d = random(size, size);
            assertTrue(sim.a.udp().send(sim.now(), atA, B, 53, d, 0, d.length));
            sim.runFor(0);
            UdpEndpoint.Datagram got = take(atB);
            assertNotNull(got, () -> "A->B " + size + " bytes; " + sim);
            assertArrayEquals(d, got.data());
            assertEquals(A, got.source());
            assertEquals(40000, got.sourcePort());
            assertEquals(B, got.destination());

            byte[] answer = random(size, ~size);
            assertTrue(sim.b.udp().send(sim.now(), atB, got.source(), got.sourcePort(), answer, 0, answer.length));
            sim.runFor(0);
            UdpEndpoint.Datagram back = take(atA);
            assertNotNull(back, () -> "B->A " + size + " bytes; " + sim);
            assertArrayEquals(answer, back.data());
            assertEquals(53, back.sourcePort());
        }
        assertEquals(null, sim.a.statistics().get(Counter.FRAGMENTS_SENT), "1472 bytes fit a 1500-byte MTU");
    }

    @Test
    @DisplayName("RFC 791 3.2: a 30,000-byte datagram travels as 21 fragments and is reassembled byte for byte")
    void fragmented() {
        byte[] d = random(30_000, 30);
        assertTrue(sim.a.udp().send(sim.now(), atA, B, 53, d, 0, d.length));
        sim.runFor(0);
        UdpEndpoint.Datagram got = take(atB);
        assertNotNull(got, sim::toString);
        assertArrayEquals(d, got.data());
        // 30,008 bytes of UDP in 1480-byte pieces.
        assertEquals(21L, sim.a.statistics().get(Counter.FRAGMENTS_SENT));
        assertEquals(1L, sim.b.statistics().get(Counter.DATAGRAMS_REASSEMBLED));
        assertEquals(20L, sim.b.statistics().get(Counter.FRAGMENT_HELD));
        assertEquals(0, sim.b.ip().reassembliesInProgress());

        byte[] back = random(30_000, 31);
        assertTrue(sim.b.udp().send(sim.now(), atB, A, 40000, back, 0, back.length));
        sim.runFor(0);
        UdpEndpoint.Datagram echoed = take(atA);
        assertNotNull(echoed, sim::toString);
        assertArrayEquals(back, echoed.data());
    }

    @Test
    @DisplayName("RFC 1122 4.1.3.1 and 4.1.3.3: a datagram to an unbound port is answered with port unreachable, which reaches the sender's endpoint")
    void portUnreachable() {
        byte[] d = random(20, 9);
        assertTrue(sim.a.udp().send(sim.now(), atA, B, 9999, d, 0, d.length));
        sim.runFor(0);
        Map<Counter, Long> b = sim.b.statistics();
        assertEquals(1L, b.get(Counter.DROP_UDP_NO_SOCKET), sim::toString);
        assertEquals(1L, b.get(Counter.ICMP_ERRORS_SENT));
        assertEquals(1L, sim.a.statistics().get(Counter.ICMP_ERROR_DELIVERED));
        assertNull(take(atB), "nothing delivered to the bound port");
        assertNull(take(atA), "the ICMP error is not a datagram");
        assertEquals(new UdpEndpoint.Error(3, 3, B, 9999), atA.takeError(), "the endpoint holds the error for its application");
        assertNull(atA.takeError(), "taken once");
    }

    @Test
    @DisplayName("RFC 1191: fragmentation needed for a datagram of ours records the path MTU; later datagrams are fragmented to it, and the socket sees no error")
    void fragmentationNeededRecordsThePathMtu() {
        byte[] d = random(1400, 5);
        assertTrue(sim.a.udp().send(sim.now(), atA, B, 53, d, 0, d.length));
        sim.runFor(0);
        assertNotNull(take(atB), sim::toString);
        java.util.List<Simulation.Frame> sent = sim.tapA.sent();
        byte[] packet = java.util.Arrays.copyOfRange(sent.get(sent.size() - 1).bytes(), 14, 14 + 28);
        byte[] error = new byte[14 + 20 + 8 + packet.length];
        System.arraycopy(packet, 0, error, 42, packet.length);
        int n = teacup.wire.IcmpMessage.write(error, 34, 3, 4, 1000, packet.length);
        teacup.wire.Ipv4Packet.write(error, 14, n, 1, 0, 64, teacup.wire.Ipv4Packet.PROTOCOL_ICMP, B, A);
        teacup.wire.EthernetFrame.write(error, 0, Simulation.A_MAC.bits(), Simulation.B_MAC.bits(),
                teacup.wire.EthernetFrame.TYPE_IPV4);
        sim.a.ip().receive(sim.now(), error, 0, error.length);
        assertEquals(1L, sim.a.statistics().get(Counter.PMTU_LOWERED));
        assertEquals(1000, sim.a.ip().pathMtu(B, sim.now()));
        assertNull(atA.takeError(), "not the socket's error");

        assertTrue(sim.a.udp().send(sim.now(), atA, B, 53, d, 0, d.length));
        sim.runFor(0);
        UdpEndpoint.Datagram got = take(atB);
        assertNotNull(got, sim::toString);
        assertArrayEquals(d, got.data());
        assertEquals(2L, sim.a.statistics().get(Counter.FRAGMENTS_SENT), "1408 bytes of UDP in two pieces under 1000");
    }

    @Test
    @DisplayName("RFC 768: a full endpoint queue drops further datagrams and counts them")
    void queueFull() {
        UdpEndpoint small = sim.b.udp().bind(7, 2);
        for (int i = 0; i < 5; i++) {
            sim.a.udp().send(sim.now(), atA, B, 7, new byte[] {(byte) i}, 0, 1);
        }
        sim.runFor(0);
        assertEquals(2L, sim.b.statistics().get(Counter.UDP_DELIVERED));
        assertEquals(3L, sim.b.statistics().get(Counter.DROP_UDP_QUEUE_FULL));
        assertEquals(0, take(small).data()[0]);
        assertEquals(1, take(small).data()[0]);
        assertNull(take(small));
    }

    @Test
    @DisplayName("RFC 6056: port 0 picks distinct ephemeral ports in 49152..65535")
    void ephemeralPorts() {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            int p = sim.a.udp().bind(0, 1).port();
            assertTrue(p >= UdpLayer.EPHEMERAL_FIRST && p <= UdpLayer.EPHEMERAL_LAST, "port " + p);
            assertTrue(ports.add(p), "port " + p + " handed out twice");
        }
    }

    @Test
    @DisplayName("binding a used port fails; unbinding frees it and closes the endpoint")
    void bindAndUnbind() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sim.b.udp().bind(53, 4));
        assertTrue(e.getMessage().contains("53"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sim.b.udp().bind(65536, 4));
        assertThrows(IllegalArgumentException.class, () -> sim.b.udp().bind(-1, 4));
        sim.b.udp().unbind(atB);
        assertTrue(atB.isClosed());
        assertNull(take(atB), "a closed endpoint hands out nothing");
        UdpEndpoint again = sim.b.udp().bind(53, 4);
        sim.a.udp().send(sim.now(), atA, B, 53, new byte[] {42}, 0, 1);
        sim.runFor(0);
        assertEquals(42, take(again).data()[0]);
    }

    @Test
    @DisplayName("RFC 768: a payload longer than an IPv4 packet can carry is refused before anything is sent")
    void tooBig() {
        byte[] d = new byte[UdpLayer.MAX_PAYLOAD + 1];
        long before = sim.a.statistics().getOrDefault(Counter.FRAMES_OUT, 0L);
        assertThrows(IllegalArgumentException.class, () -> sim.a.udp().send(sim.now(), atA, B, 53, d, 0, d.length));
        assertEquals(before, sim.a.statistics().getOrDefault(Counter.FRAMES_OUT, 0L));
    }
}
