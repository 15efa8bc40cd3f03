package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.ip.IpLayer;
import teacup.link.Impairment;
import teacup.stats.Counter;
import teacup.udp.UdpEndpoint;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;

/** Two whole stacks over a VirtualWire, driven in simulated time; nothing here sleeps. */
class StackSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int A = Simulation.A_IP.bits();
    private static final int B = Simulation.B_IP.bits();

    /** An echo reply as the listener saw it. */
    record Reply(int source, int sequence, long at, byte[] data) {}

    private static List<Reply> listen(NetStack stack, int identifier) {
        List<Reply> replies = new ArrayList<>();
        stack.ip().registerEcho(identifier, (now, source, sequence, ttl, b, off, len) ->
                replies.add(new Reply(source, sequence, now, Arrays.copyOfRange(b, off, off + len))));
        return replies;
    }

    /** ARP frames a tap saw: each as the parsed packet and the time. */
    private static List<Map.Entry<Long, ArpPacket>> arp(List<Simulation.Frame> frames) {
        List<Map.Entry<Long, ArpPacket>> out = new ArrayList<>();
        for (Simulation.Frame f : frames) {
            if (f.bytes().length >= 14 + ArpPacket.LENGTH && BigEndian.u16(f.bytes(), 12) == EthernetFrame.TYPE_ARP) {
                out.add(Map.entry(f.at(), ArpPacket.read(f.bytes(), 14)));
            }
        }
        return out;
    }

    @Nested
    class Ping {
        private static final long ONE_WAY = 3 * MS;
        private final Impairment.Config delayOnly = Impairment.Config.none().delay(ONE_WAY, 0);
        private final Simulation sim = new Simulation(7, delayOnly, delayOnly);

        @Test
        @DisplayName("RFC 826: the first ping resolves B's address; the echo waits one ARP round trip")
        void arpResolvesThenPing() {
            sim.runFor(5 * S); // past both stacks' announcements
            sim.tapA.clear();
            List<Reply> replies = listen(sim.a, 0x1234);
            byte[] data = "teacup ping".getBytes();
            long sentAt = sim.now();
            assertTrue(sim.a.ip().sendEchoRequest(sentAt, B, 0x1234, 1, data, 0, data.length), sim::toString);
            sim.runFor(100 * MS);

            assertEquals(1, replies.size(), sim::toString);
            // Request and reply of ARP, then request and reply of the echo: four one-way delays.
            assertEquals(4 * ONE_WAY, replies.get(0).at() - sentAt, sim::toString);
            assertEquals(B, replies.get(0).source());
            assertArrayEquals(data, replies.get(0).data());
            assertTrue(sim.a.ip().knows(B, sim.now()), "A learned B from the reply");
            assertTrue(sim.b.ip().knows(A, sim.now()), "B learned A from the request addressed to it");
            var requests = arp(sim.tapA.sent()).stream().filter(e -> e.getValue().operation() == ArpPacket.REQUEST).toList();
            assertEquals(1, requests.size(), "one ARP request, answered at once");
            assertEquals(B, requests.get(0).getValue().targetIp());
            assertEquals(1, sim.a.statistics().get(Counter.ARP_REQUESTS_SENT));
            assertEquals(1, sim.b.statistics().get(Counter.ARP_REQUEST_ANSWERED));
            assertEquals(1, sim.b.statistics().get(Counter.ICMP_ECHO_ANSWERED));
        }

        @Test
        @DisplayName("RFC 1122 3.2.2.6 (echo server, echo reply): once resolved, the echo RTT is exactly the simulated wire delay both ways")
        void rttIsTheWireDelay() {
            List<Reply> replies = listen(sim.a, 7);
            byte[] data = new byte[56];
            new SplittableRandom(3).nextBytes(data);
            sim.a.ip().sendEchoRequest(sim.now(), B, 7, 0, data, 0, data.length);
            sim.runFor(S);
            assertEquals(1, replies.size(), sim::toString);
            for (int seq = 1; seq <= 5; seq++) {
                long sentAt = sim.now();
                sim.a.ip().sendEchoRequest(sentAt, B, 7, seq, data, 0, data.length);
                sim.runFor(S);
                Reply r = replies.get(seq);
                assertEquals(seq, r.sequence());
                assertEquals(2 * ONE_WAY, r.at() - sentAt, () -> "RTT of ping " + r.sequence() + "; " + sim);
                assertArrayEquals(data, r.data(), "the reply carries the request's data");
            }
        }

        @Test
        @DisplayName("RFC 1122 3.2.2.6 (echo server, echo reply): a ping on a clean wire is answered at the instant it is sent")
        void cleanWireHasZeroRtt() {
            Simulation clean = Simulation.clean();
            List<Reply> replies = listen(clean.a, 9);
            clean.runFor(10 * MS);
            long sentAt = clean.now();
            clean.a.ip().sendEchoRequest(sentAt, B, 9, 1, new byte[8], 0, 8);
            clean.runFor(0);
            assertEquals(1, replies.size(), clean::toString);
            assertEquals(sentAt, replies.get(0).at());
        }
    }

    @Nested
    class Timers {
        @Test
        @DisplayName("RFC 5227 2.3: two announcements, at t=0 and t=2 s, seen by the peer at those instants")
        void announcements() {
            Simulation sim = Simulation.clean();
            sim.runUntil(10 * S);
            List<Long> fromA = arp(sim.tapB.received()).stream()
                    .filter(e -> e.getValue().senderIp() == A && e.getValue().targetIp() == A)
                    .map(Map.Entry::getKey).toList();
            assertEquals(List.of(0L, 2 * S), fromA, sim::toString);
            List<Long> sentByB = arp(sim.tapB.sent()).stream()
                    .filter(e -> e.getValue().senderIp() == B && e.getValue().targetIp() == B)
                    .map(Map.Entry::getKey).toList();
            assertEquals(List.of(0L, 2 * S), sentByB);
            assertEquals(2, sim.a.statistics().get(Counter.ARP_ANNOUNCEMENTS_SENT));
            // A announcement is not addressed to us and teaches only known senders (RFC 826 merge).
            assertEquals(Long.MAX_VALUE, sim.a.nextDeadline(), "nothing left to do once announced");
        }

        @Test
        @DisplayName("time jumps from deadline to deadline: 10 simulated seconds take a handful of steps")
        void jumpsToDeadlines() {
            Simulation sim = Simulation.clean();
            sim.runUntil(10 * S);
            assertTrue(sim.steps() < 50, () -> "steps: " + sim.steps());
        }

        @Test
        @DisplayName("a task handed to execute() runs on the next step, and makes nextDeadline due at once")
        void executeRunsOnStep() {
            Simulation sim = Simulation.clean();
            sim.runFor(3 * S);
            List<Long> ran = new ArrayList<>();
            sim.a.execute(() -> ran.add(sim.now()));
            assertEquals(Long.MIN_VALUE, sim.a.nextDeadline());
            assertTrue(ran.isEmpty());
            sim.runFor(0);
            assertEquals(List.of(3 * S), ran);
        }
    }

    @Nested
    class ArpFailure {
        @ParameterizedTest(name = "peer {0}")
        @ValueSource(strings = {"wire end closed", "drops everything"})
        @DisplayName("RFC 1122 2.3.2.1 (floods): ARP gives up after 3 requests a second apart; held packets count as OUT_ARP_FAILED")
        void givesUp(String how) {
            Simulation sim = how.equals("wire end closed")
                    ? Simulation.clean()
                    : new Simulation(11, Impairment.Config.none().drop(1.0), null);
            sim.runFor(5 * S);
            if (how.equals("wire end closed")) {
                sim.wire.b().close();
            }
            sim.tapA.clear();
            long t0 = sim.now();
            UdpEndpoint e = sim.a.udp().bind(4000, 16);
            assertTrue(sim.a.udp().send(t0, e, B, 9, new byte[10], 0, 10), "held while resolving");
            assertTrue(sim.a.udp().send(t0, e, B, 9, new byte[20], 0, 20), "held while resolving");
            sim.runUntil(t0 + 3 * S - 1);
            assertEquals(null, sim.a.statistics().get(Counter.OUT_ARP_FAILED), "not yet abandoned");
            sim.runUntil(t0 + 3 * S);
            assertEquals(2L, sim.a.statistics().get(Counter.OUT_ARP_FAILED), sim::toString);
            List<Long> requests = arp(sim.tapA.sent()).stream()
                    .filter(x -> x.getValue().operation() == ArpPacket.REQUEST && x.getValue().targetIp() == B)
                    .map(Map.Entry::getKey).toList();
            assertEquals(List.of(t0, t0 + S, t0 + 2 * S), requests, sim::toString);
            assertEquals(3L, sim.a.statistics().get(Counter.ARP_REQUESTS_SENT));
            sim.runFor(60 * S);
            assertEquals(3L, sim.a.statistics().get(Counter.ARP_REQUESTS_SENT), "no more requests after giving up");
            assertTrue(!sim.a.ip().knows(B, sim.now()));
        }
    }

    @Nested
    class Impaired {
        static final Impairment.Config HOSTILE = Impairment.Config.none()
                .drop(0.10).reorder(0.05, 2).duplicate(0.02).corrupt(0.01).delay(2 * MS, 3 * MS);
        static final int DATAGRAMS = 200;
        static final int PORT = 5000;

        static LongStream seeds() {
            return LongStream.rangeClosed(1001, 1020);
        }

        /** What one run produced, for checking and for comparing two runs of the same seed. */
        record Outcome(Map<String, Object> fingerprint, List<Integer> deliveredAtB, List<Integer> echoedToA) {}

        private static Outcome run(long seed) {
            Simulation sim = Simulation.impaired(seed, HOSTILE);
            try {
                return run(sim);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("replay with seed " + seed + " (" + sim + "): " + e.getMessage(), e);
            }
        }

        private static Outcome run(Simulation sim) {
            SplittableRandom random = new SplittableRandom(sim.seed);
            UdpEndpoint atA = sim.a.udp().bind(0, 4096);
            UdpEndpoint atB = sim.b.udp().bind(PORT, 4096);

            // Resolve first: ARP holds only a few frames per address, and its packets may be lost.
            for (int attempt = 0; attempt < 10 && !sim.a.ip().knows(B, sim.now()); attempt++) {
                sim.a.ip().sendEchoRequest(sim.now(), B, 1, attempt, new byte[0], 0, 0);
                sim.runFor(4 * S);
            }
            assertTrue(sim.a.ip().knows(B, sim.now()), "A resolved B");

            byte[][] sent = new byte[DATAGRAMS][];
            List<Integer> deliveredAtB = new ArrayList<>();
            List<Integer> echoedToA = new ArrayList<>();
            for (int i = 0; i < DATAGRAMS; i++) {
                // A third of the datagrams exceed the MTU and travel as 2 to 4 fragments.
                int size = random.nextInt(3) == 0 ? 1473 + random.nextInt(4000) : 4 + random.nextInt(1469);
                byte[] d = new byte[size];
                random.nextBytes(d);
                BigEndian.put32(d, 0, i);
                sent[i] = d;
                sim.a.udp().send(sim.now(), atA, B, PORT, d, 0, d.length);
                sim.runFor(MS);
                drain(sim, atB, sent, deliveredAtB, true);
                drain(sim, atA, sent, echoedToA, false);
            }
            sim.runFor(S);
            sim.flushImpairments();
            drain(sim, atB, sent, deliveredAtB, true);
            sim.runFor(S);
            drain(sim, atA, sent, echoedToA, false);
            sim.runFor(31 * S);

            for (NetStack s : List.of(sim.a, sim.b)) {
                Map<Counter, Long> stats = s.statistics();
                long in = stats.getOrDefault(Counter.FRAMES_IN, 0L);
                assertEquals(in, Simulation.total(stats, Counter.Kind.ACCEPTED) + Simulation.total(stats, Counter.Kind.DROPPED),
                        () -> "every frame received ends in one outcome counter: " + stats);
                assertEquals(0, s.ip().reassembliesInProgress(), "reassembly drained after 31 s");
                assertEquals(null, stats.get(Counter.DROP_UDP_QUEUE_FULL));
            }
            // Loss is 10% a frame, a little more for fragmented datagrams: far fewer than half go missing.
            assertTrue(deliveredAtB.size() >= DATAGRAMS / 2, () -> "delivered only " + deliveredAtB.size());
            assertTrue(echoedToA.size() >= DATAGRAMS / 4, () -> "echoed only " + echoedToA.size());
            return new Outcome(sim.fingerprint(), deliveredAtB, echoedToA);
        }

        /** Takes every waiting datagram, checks it is byte for byte one that was sent, and echoes it if asked. */
        private static void drain(Simulation sim, UdpEndpoint from, byte[][] sent, List<Integer> got, boolean echo) {
            try {
                UdpEndpoint.Datagram d;
                while ((d = from.take(0)) != null) {
                    byte[] data = d.data();
                    assertTrue(data.length >= 4, "shorter than any datagram sent: " + data.length);
                    int index = BigEndian.i32(data, 0);
                    if (index < 0 || index >= sent.length || sent[index] == null || !Arrays.equals(sent[index], data)) {
                        fail("datagram of " + data.length + " bytes claiming index " + index + " matches nothing sent");
                    }
                    got.add(index);
                    if (echo) {
                        NetStack b = sim.b;
                        b.udp().send(sim.now(), from, d.source(), d.sourcePort(), data, 0, data.length);
                    }
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        @ParameterizedTest(name = "seed {0}")
        @MethodSource("seeds")
        @DisplayName("RFC 768 + RFC 791: loss, reordering, duplication, corruption and jitter lose datagrams but never "
                + "damage one; every frame is counted; reassembly drains; the same seed replays exactly")
        void survivesImpairment(long seed) {
            Outcome first = run(seed);
            Outcome second = run(seed);
            assertEquals(first, second, "seed " + seed + " replays to the same counters and deliveries");
        }
    }

    @Test
    @DisplayName("RFC 791 3.2: an IPv4 packet of maximum size crosses the wire in fragments and is reassembled")
    void maximumSizePacket() {
        Simulation sim = Simulation.clean();
        UdpEndpoint atB = sim.b.udp().bind(6000, 4);
        UdpEndpoint atA = sim.a.udp().bind(6001, 4);
        sim.a.ip().sendEchoRequest(0, B, 1, 1, new byte[0], 0, 0);
        sim.runFor(S);
        byte[] d = new byte[teacup.udp.UdpLayer.MAX_PAYLOAD];
        new SplittableRandom(5).nextBytes(d);
        assertTrue(sim.a.udp().send(sim.now(), atA, B, 6000, d, 0, d.length));
        sim.runFor(0);
        try {
            UdpEndpoint.Datagram got = atB.take(0);
            assertTrue(got != null, sim::toString);
            assertArrayEquals(d, got.data());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals((IpLayer.MAX_PAYLOAD + 1479) / 1480, sim.a.statistics().get(Counter.FRAGMENTS_SENT).intValue());
    }
}
