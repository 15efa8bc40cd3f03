package teacup.dhcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.Interface;
import teacup.link.Impairment;
import teacup.stack.NetStack;
import teacup.stack.Simulation;
import teacup.stats.Counter;
import teacup.udp.UdpEndpoint;
import teacup.wire.Defect;
import teacup.wire.Ipv4Address;

/**
 * DHCP between two whole stacks on a simulated wire: A starts with no address and runs the
 * client; B (198.18.0.2) runs {@link FakeServer}, a few lines of DHCP server. Time is simulated,
 * so renewal, rebinding and expiry an hour apart take no wall time.
 */
class DhcpSimulationTest {
    static final long S = 1_000_000_000L;
    static final Ipv4Address LEASED = Ipv4Address.parse("198.18.0.50");
    static final int MTU = Simulation.MTU;

    /** What the fake server saw: one entry per message, with the IP destination it came to. */
    record Seen(long at, int type, int ciaddr, int destination) {}

    /** A DHCP server on B, polled by B's loop: offers LEASED, acknowledges requests, and can be told to misbehave. */
    static final class FakeServer implements NetStack.Service {
        final NetStack stack;
        final UdpEndpoint endpoint;
        final DhcpMessage in = new DhcpMessage();
        final DhcpMessage.Writer out = new DhcpMessage.Writer();
        final byte[] tx = new byte[576];
        final List<Seen> seen = new ArrayList<>();
        long leaseSeconds = 120;
        int naksLeft;
        boolean silent;

        FakeServer(NetStack stack) {
            this.stack = stack;
            this.endpoint = stack.udp().bind(DhcpClient.SERVER_PORT, 16);
            stack.addService(this);
        }

        @Override
        public void poll(long now) {
            UdpEndpoint.Datagram d;
            while ((d = endpoint.poll()) != null) {
                if (in.wrap(d.data(), 0, d.data().length) != Defect.NONE || in.op() != DhcpMessage.OP_REQUEST) {
                    continue;
                }
                seen.add(new Seen(now, in.messageType(), in.ciaddr(), d.destination()));
                if (silent) {
                    continue;
                }
                int type = switch (in.messageType()) {
                    case DhcpMessage.DISCOVER -> DhcpMessage.OFFER;
                    case DhcpMessage.REQUEST -> naksLeft-- > 0 ? DhcpMessage.NAK : DhcpMessage.ACK;
                    default -> 0;
                };
                if (type == 0) {
                    continue;
                }
                int server = stack.iface().address().bits();
                out.begin(tx, 0, DhcpMessage.OP_REPLY, in.xid(), in.chaddr())
                        .yiaddr(type == DhcpMessage.NAK ? 0 : LEASED.bits())
                        .messageType(type).addressOption(DhcpMessage.OPTION_SERVER_ID, server);
                if (type != DhcpMessage.NAK) {
                    out.addressOption(DhcpMessage.OPTION_SUBNET_MASK, 0xffffff00)
                            .addressOption(DhcpMessage.OPTION_ROUTER, server)
                            .addressOption(DhcpMessage.OPTION_DNS_SERVERS, server)
                            .secondsOption(DhcpMessage.OPTION_LEASE_TIME, leaseSeconds);
                }
                int length = out.finish();
                // RFC 2131 4.1: a client without an address gets the reply by broadcast (this server
                // cannot ARP for an address nobody holds yet); one with an address, unicast.
                int to = in.ciaddr() != 0 ? in.ciaddr() : -1;
                stack.udp().send(now, endpoint, to, DhcpClient.CLIENT_PORT, tx, 0, length);
            }
        }

        @Override
        public long nextDeadline() {
            return Long.MAX_VALUE;
        }

        List<Integer> types() {
            return seen.stream().map(Seen::type).toList();
        }
    }

    Simulation sim;
    FakeServer server;
    DhcpService dhcp;

    @BeforeEach
    void setUp() {
        sim = Simulation.clean();
        start();
    }

    void start() {
        sim.a.ip().configure(sim.now(), Interface.unconfigured(Simulation.A_MAC, MTU));
        server = new FakeServer(sim.b);
    }

    DhcpLease obtain() {
        dhcp = DhcpService.start(sim.a, sim.now(), DhcpClient.Settings.DEFAULT, new SplittableRandom(3));
        sim.runFor(S);
        DhcpLease lease = dhcp.lease();
        assertNotNull(lease, "a lease within a second on a clean wire; server saw " + server.seen + "; " + sim);
        return lease;
    }

    @Test
    @DisplayName("RFC 2131 3.1: DISCOVER, OFFER, REQUEST, ACK over two stacks; A takes the address, router and prefix, and is reachable at it")
    void obtainsLeaseAndUsesIt() throws Exception {
        assertFalse(sim.a.iface().configured());
        DhcpLease lease = obtain();

        assertEquals(List.of(DhcpMessage.DISCOVER, DhcpMessage.REQUEST), server.types());
        assertEquals(-1, server.seen.get(0).destination(), "DISCOVER to 255.255.255.255");
        assertEquals(LEASED, lease.address());
        assertEquals(new Interface(Simulation.A_MAC, LEASED, 24, Simulation.B_IP, MTU), sim.a.iface());
        assertEquals(List.of(Simulation.B_IP), lease.dnsServers());
        assertEquals(lease, dhcp.awaitLease(0));

        // B reaches A at its new address: ARP for it is answered now, the datagram delivered.
        UdpEndpoint a = sim.a.udp().bind(7, 4);
        UdpEndpoint b = sim.b.udp().bind(0, 4);
        byte[] data = "hello, leased address".getBytes();
        sim.b.udp().send(sim.now(), b, LEASED.bits(), 7, data, 0, data.length);
        sim.runFor(S);
        UdpEndpoint.Datagram d = a.poll();
        assertNotNull(d, "delivered to A at " + LEASED + ": " + sim.a.statistics());
        assertArrayEquals(data, d.data());
        assertEquals(LEASED.bits(), d.destination());
    }

    @Test
    @DisplayName("before its lease an unconfigured stack answers no ARP, announces nothing, and sends only broadcasts")
    void unconfiguredStackKeepsQuiet() {
        UdpEndpoint b = sim.b.udp().bind(0, 4);
        byte[] data = {1, 2, 3};
        // B asks by ARP for an address nobody has yet; A, holding none, must not answer.
        sim.b.udp().send(sim.now(), b, LEASED.bits(), 9999, data, 0, data.length);
        sim.runFor(5 * S);
        assertEquals(0L, sim.a.statistics().getOrDefault(Counter.ARP_REPLIES_SENT, 0L));
        assertEquals(0L, sim.a.statistics().getOrDefault(Counter.ARP_ANNOUNCEMENTS_SENT, 0L));
        assertEquals(0L, sim.a.statistics().getOrDefault(Counter.ICMP_ERRORS_SENT, 0L));
        UdpEndpoint fromA = sim.a.udp().bind(0, 4);
        assertFalse(sim.a.udp().send(sim.now(), fromA, Simulation.B_IP.bits(), 9, data, 0, data.length),
                "no unicast without an address");
        assertEquals(1L, sim.a.statistics().get(Counter.OUT_NO_ROUTE));
        assertTrue(sim.a.udp().send(sim.now(), fromA, -1, 9, data, 0, data.length), "broadcast is fine");
    }

    @Test
    @DisplayName("RFC 2131 4.4.5: renewal at T1 is a unicast REQUEST from the leased address; the ACK extends the lease")
    void renews() {
        DhcpLease first = obtain();
        sim.runUntil(first.renewAt() + S);
        Seen renewal = server.seen.get(2);
        assertEquals(DhcpMessage.REQUEST, renewal.type());
        assertEquals(LEASED.bits(), renewal.ciaddr());
        assertEquals(Simulation.B_IP.bits(), renewal.destination(), "unicast to the server");
        DhcpLease renewed = dhcp.lease();
        assertTrue(renewed.expiresAt() > first.expiresAt(), "extended: " + renewed.expiresAt() + " after " + first.expiresAt());
        assertEquals(DhcpClient.State.BOUND, dhcp.client().state());
        // And it keeps doing so: ten more lease periods, never without an address.
        for (int i = 0; i < 10; i++) {
            sim.runFor(first.leaseSeconds() * S);
            assertTrue(sim.a.iface().configured());
        }
    }

    @Test
    @DisplayName("RFC 2131 4.4.5: a silent server: rebinding broadcast at T2, then at expiry the address is dropped and discovery restarts")
    void rebindsThenExpires() {
        DhcpLease lease = obtain();
        server.silent = true;
        sim.runUntil(lease.rebindAt() + S);
        Seen rebind = server.seen.getLast();
        assertEquals(DhcpMessage.REQUEST, rebind.type());
        assertEquals(-1, rebind.destination(), "rebinding is broadcast");
        assertEquals(LEASED.bits(), rebind.ciaddr());
        assertTrue(sim.a.iface().configured(), "still bound until expiry");

        sim.runUntil(lease.expiresAt() + S);
        assertNull(dhcp.lease());
        assertFalse(sim.a.iface().configured(), "the address is given up at expiry");
        assertEquals(DhcpMessage.DISCOVER, server.seen.getLast().type());

        server.silent = false;
        sim.runFor(70 * S); // the next DISCOVER retransmission, at most 65 s away
        assertEquals(LEASED, dhcp.lease().address(), "bound again once the server answers");
        assertTrue(sim.a.iface().configured());
    }

    @Test
    @DisplayName("RFC 2131 3.1 step 5: a NAK restarts discovery, and the next round binds")
    void nakThenLease() {
        server.naksLeft = 1;
        obtain();
        assertEquals(List.of(DhcpMessage.DISCOVER, DhcpMessage.REQUEST, DhcpMessage.DISCOVER, DhcpMessage.REQUEST),
                server.types());
    }

    @Test
    @DisplayName("RFC 2131 4.1: over a wire losing 40% of frames, retransmission still gets a lease; same seed, same run")
    void lossyWire() {
        List<Object> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            sim = Simulation.impaired(77, Impairment.Config.none().drop(0.4));
            start();
            dhcp = DhcpService.start(sim.a, sim.now(), DhcpClient.Settings.DEFAULT, new SplittableRandom(3));
            sim.runFor(600 * S);
            assertNotNull(dhcp.lease(), "a lease within 10 minutes at 40% loss; server saw " + server.seen + "; " + sim);
            runs.add(Arrays.asList(server.seen.toArray()));
        }
        assertEquals(runs.get(0), runs.get(1), "replayable from the seed");
    }

    @Test
    @DisplayName("RFC 2131 4.4.6: closing the stack sends RELEASE, unicast to the server when its MAC is known")
    void releaseOnClose() throws Exception {
        obtain();
        UdpEndpoint a = sim.a.udp().bind(0, 4);
        sim.a.udp().send(sim.now(), a, Simulation.B_IP.bits(), 9, new byte[1], 0, 1); // A learns B's MAC
        sim.runFor(S);
        sim.a.close();
        sim.b.step(sim.now());
        Seen last = server.seen.getLast();
        assertEquals(DhcpMessage.RELEASE, last.type());
        assertEquals(LEASED.bits(), last.ciaddr());
        assertEquals(Simulation.B_IP.bits(), last.destination());
    }

    @Test
    @DisplayName("a stack closing before it ever ARPed the server broadcasts its RELEASE rather than lose it in the ARP queue")
    void releaseBroadcastWhenServerUnresolved() throws Exception {
        obtain();
        sim.a.close();
        sim.b.step(sim.now());
        Seen last = server.seen.getLast();
        assertEquals(DhcpMessage.RELEASE, last.type());
        assertEquals(LEASED.bits(), last.ciaddr());
        assertEquals(-1, last.destination());
    }
}
