package teacup.dhcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import teacup.wire.Defect;
import teacup.wire.Ipv4Address;

/**
 * The client's RFC 2131 steps with simulated time: what it sends, when, and to whom, and what
 * lease it reports. Nothing sleeps; time is the {@code at} of each call.
 */
class DhcpClientTest {
    static final long S = 1_000_000_000L;
    static final long MAC = 0x02_00_00_00_00_aaL;
    static final int SERVER = ip("198.18.0.1");
    static final int OTHER_SERVER = ip("198.18.0.9");
    static final int OFFERED = ip("198.18.0.50");
    static final int DNS2 = ip("198.18.0.53");
    static final long LEASE = 3600;

    static int ip(String text) {
        return Ipv4Address.parse(text).bits();
    }

    /** One message the client sent. */
    record Sent(long at, int destination, byte[] bytes) {
        DhcpMessage message() {
            DhcpMessage m = new DhcpMessage();
            assertEquals(Defect.NONE, m.wrap(bytes, 0, bytes.length), "the client's own message parses");
            return m;
        }
    }

    final Deque<Sent> sent = new ArrayDeque<>();
    final List<DhcpLease> bound = new ArrayList<>();
    int unbound;
    DhcpClient client = client(DhcpClient.Settings.DEFAULT);

    DhcpClient client(DhcpClient.Settings settings) {
        return new DhcpClient(MAC, settings, new SplittableRandom(42), new DhcpClient.Output() {
            @Override
            public void send(long now, int destination, byte[] b, int off, int len) {
                sent.add(new Sent(now, destination, Arrays.copyOfRange(b, off, off + len)));
            }

            @Override
            public void bound(long now, DhcpLease lease) {
                bound.add(lease);
            }

            @Override
            public void unbound(long now) {
                unbound++;
            }
        });
    }

    // ---------------------------------------------------------------- helpers

    /** Polls at {@code at} and returns the one message sent, checking its type. */
    DhcpMessage expect(long at, int type) {
        client.poll(at);
        return next(type);
    }

    DhcpMessage next(int type) {
        Sent s = sent.poll();
        assertNotNull(s, "expected a " + type + " message");
        DhcpMessage m = s.message();
        assertEquals(type, m.messageType());
        assertTrue(sent.isEmpty(), "one message at a time: " + sent);
        lastDestination = s.destination();
        return m;
    }

    int lastDestination;
    int lastXid;

    void expectNothing(long at) {
        client.poll(at);
        assertTrue(sent.isEmpty(), "nothing sent at " + at + " ns: " + sent);
    }

    static byte[] reply(int type, int xid, long chaddr, Consumer<DhcpMessage.Writer> options) {
        byte[] b = new byte[576];
        DhcpMessage.Writer w = new DhcpMessage.Writer().begin(b, 0, DhcpMessage.OP_REPLY, xid, chaddr)
                .yiaddr(type == DhcpMessage.NAK ? 0 : OFFERED).messageType(type);
        options.accept(w);
        return Arrays.copyOf(b, w.finish());
    }

    /** A reply from SERVER with a /24 mask, SERVER as router and DNS, and a one-hour lease. */
    static byte[] reply(int type, int xid) {
        return reply(type, xid, MAC, w -> {
            w.addressOption(DhcpMessage.OPTION_SERVER_ID, SERVER);
            if (type != DhcpMessage.NAK) {
                w.addressOption(DhcpMessage.OPTION_SUBNET_MASK, 0xffffff00)
                        .addressOption(DhcpMessage.OPTION_ROUTER, SERVER)
                        .addressOption(DhcpMessage.OPTION_DNS_SERVERS, SERVER, DNS2)
                        .secondsOption(DhcpMessage.OPTION_LEASE_TIME, LEASE);
            }
        });
    }

    DhcpClient.Outcome receive(long at, byte[] message) {
        return client.receive(at, message, 0, message.length);
    }

    /** Runs discover and offer; returns the REQUEST sent at {@code at}. */
    DhcpMessage requesting(long at) {
        client.start(at);
        DhcpMessage discover = expect(at, DhcpMessage.DISCOVER);
        assertEquals(DhcpClient.Outcome.USED, receive(at, reply(DhcpMessage.OFFER, discover.xid())));
        return next(DhcpMessage.REQUEST);
    }

    /** A client bound at time {@code at} (its REQUEST and ACK both at {@code at}). */
    DhcpLease bound(long at) {
        DhcpMessage request = requesting(at);
        lastXid = request.xid();
        assertEquals(DhcpClient.Outcome.USED, receive(at, reply(DhcpMessage.ACK, request.xid())));
        assertEquals(DhcpClient.State.BOUND, client.state());
        return bound.getLast();
    }

    // ---------------------------------------------------------------- INIT and SELECTING

    @Nested
    class Selecting {
        @Test
        @DisplayName("RFC 2131 4.4.1: DHCPDISCOVER broadcast at once, ciaddr 0, our MAC in chaddr, a random xid, a parameter list")
        void discoverIsBroadcast() {
            client.start(5 * S);
            DhcpMessage d = expect(5 * S, DhcpMessage.DISCOVER);
            assertEquals(-1, lastDestination, "to 255.255.255.255");
            assertEquals(DhcpMessage.OP_REQUEST, d.op());
            assertEquals(DhcpMessage.HTYPE_ETHERNET, d.htype());
            assertEquals(6, d.hlen());
            assertEquals(MAC, d.chaddr());
            assertEquals(0, d.ciaddr());
            assertEquals(0, d.secs());
            assertFalse(d.has(DhcpMessage.OPTION_SERVER_ID), "RFC 2131 table 5: MUST NOT in DISCOVER");
            assertTrue(d.length() >= DhcpMessage.MIN_LENGTH, "RFC 1542: at least 300 bytes");
            int at = d.optionOffset(DhcpMessage.OPTION_PARAMETER_REQUEST_LIST);
            byte[] list = Arrays.copyOfRange(d.buffer(), at, at + d.optionLength(DhcpMessage.OPTION_PARAMETER_REQUEST_LIST));
            for (int code : new int[] {1, 3, 6, 51}) {
                assertTrue(contains(list, code), "asks for option " + code);
            }
            assertEquals(DhcpClient.State.SELECTING, client.state());
        }

        @Test
        @DisplayName("RFC 2131 4.1: DISCOVER retransmitted after 4, 8, 16, 32, 64, 64 s, each within a second, same xid, secs counting")
        void discoverBackoff() {
            client.start(0);
            int xid = expect(0, DhcpMessage.DISCOVER).xid();
            long last = 0;
            for (long base : new long[] {4, 8, 16, 32, 64, 64}) {
                expectNothing(last + (base - 1) * S - 1);
                long due = client.nextDeadline();
                assertTrue(due >= last + (base - 1) * S && due <= last + (base + 1) * S,
                        "retransmission " + (due - last) + " ns after the last, want " + base + " s +- 1 s");
                DhcpMessage again = expect(due, DhcpMessage.DISCOVER);
                assertEquals(xid, again.xid());
                assertEquals(due / S, again.secs());
                last = due;
            }
        }

        @Test
        @DisplayName("RFC 2131 4.4.1: the first DISCOVER may wait a random initial delay")
        void initialDelay() {
            client = client(new DhcpClient.Settings(10 * S, 4));
            client.start(0);
            long due = client.nextDeadline();
            assertTrue(due >= 0 && due <= 10 * S, "delay " + due);
            if (due > 0) {
                expectNothing(due - 1);
            }
            expect(due, DhcpMessage.DISCOVER);
        }

        @Test
        @DisplayName("RFC 2131 4.4.1: an OFFER with another xid or for another MAC is discarded")
        void foreignOffersDiscarded() {
            client.start(0);
            int xid = expect(0, DhcpMessage.DISCOVER).xid();
            assertEquals(DhcpClient.Outcome.NOT_OURS, receive(S, reply(DhcpMessage.OFFER, xid + 1)));
            assertEquals(DhcpClient.Outcome.NOT_OURS, receive(S, reply(DhcpMessage.OFFER, xid, MAC + 1,
                    w -> w.addressOption(DhcpMessage.OPTION_SERVER_ID, SERVER))));
            assertEquals(DhcpClient.Outcome.IGNORED, receive(S, reply(DhcpMessage.ACK, xid)), "an ACK while selecting");
            assertEquals(DhcpClient.Outcome.IGNORED, receive(S, reply(DhcpMessage.OFFER, xid, MAC, w -> { })),
                    "RFC 2131 table 3: an offer without a server identifier");
            assertEquals(DhcpClient.Outcome.MALFORMED, receive(S, new byte[100]));
            assertTrue(sent.isEmpty());
            assertEquals(DhcpClient.State.SELECTING, client.state());
        }

        @Test
        @DisplayName("RFC 2131 3.1 step 3: the first OFFER is taken: REQUEST broadcast with its xid, server id and requested address")
        void offerAnsweredWithRequest() {
            DhcpMessage r = requesting(2 * S);
            assertEquals(-1, lastDestination, "broadcast, so other servers learn their offers were declined");
            assertEquals(OFFERED, r.address(DhcpMessage.OPTION_REQUESTED_ADDRESS));
            assertEquals(SERVER, r.address(DhcpMessage.OPTION_SERVER_ID));
            assertEquals(0, r.ciaddr(), "RFC 2131 4.3.2: ciaddr 0 in SELECTING");
            assertTrue(r.has(DhcpMessage.OPTION_PARAMETER_REQUEST_LIST), "RFC 2131 4.4.1: the same list in every message");
            assertEquals(DhcpClient.State.REQUESTING, client.state());
            assertEquals(1, client.offersTaken());
        }
    }

    // ---------------------------------------------------------------- REQUESTING

    @Nested
    class Requesting {
        @Test
        @DisplayName("RFC 2131 4.4.1: the ACK binds: address, prefix, router, DNS servers and lease times from the request's time")
        void ackBinds() {
            DhcpMessage request = requesting(10 * S);
            assertEquals(DhcpClient.Outcome.USED, receive(11 * S, reply(DhcpMessage.ACK, request.xid())));
            assertEquals(DhcpClient.State.BOUND, client.state());
            DhcpLease lease = bound.getFirst();
            assertEquals(new Ipv4Address(OFFERED), lease.address());
            assertEquals(24, lease.prefixLength());
            assertEquals(new Ipv4Address(SERVER), lease.router());
            assertEquals(List.of(new Ipv4Address(SERVER), new Ipv4Address(DNS2)), lease.dnsServers());
            assertEquals(new Ipv4Address(SERVER), lease.server());
            assertEquals(LEASE, lease.leaseSeconds());
            assertEquals(10 * S, lease.obtainedAt());
            assertEquals(10 * S + LEASE * S / 2, lease.renewAt(), "RFC 2131 4.4.5: T1 defaults to half the lease");
            assertEquals(10 * S + LEASE * S * 7 / 8, lease.rebindAt(), "T2 defaults to 7/8 of the lease");
            assertEquals(10 * S + LEASE * S, lease.expiresAt());
            assertEquals(lease, client.lease());
            assertEquals(lease.renewAt(), client.nextDeadline());
        }

        @Test
        @DisplayName("RFC 2131 3.1 step 5: a NAK sends the client back to INIT: a new DISCOVER with a new xid")
        void nakRestarts() {
            DhcpMessage request = requesting(0);
            assertEquals(DhcpClient.Outcome.USED, receive(S, reply(DhcpMessage.NAK, request.xid())));
            assertEquals(DhcpClient.State.INIT, client.state());
            DhcpMessage d = expect(S, DhcpMessage.DISCOVER);
            assertNotEquals(request.xid(), d.xid());
            assertTrue(bound.isEmpty());
        }

        @Test
        @DisplayName("RFC 2131 4.4.1: replies from a server other than the one chosen are ignored")
        void otherServersIgnored() {
            DhcpMessage request = requesting(0);
            byte[] ack = reply(DhcpMessage.ACK, request.xid(), MAC, w -> w
                    .addressOption(DhcpMessage.OPTION_SERVER_ID, OTHER_SERVER)
                    .secondsOption(DhcpMessage.OPTION_LEASE_TIME, LEASE));
            assertEquals(DhcpClient.Outcome.IGNORED, receive(S, ack));
            assertEquals(DhcpClient.State.REQUESTING, client.state());
        }

        @Test
        @DisplayName("RFC 2131 table 3: an ACK without a lease time is not a lease")
        void ackWithoutLeaseTimeIgnored() {
            DhcpMessage request = requesting(0);
            byte[] ack = reply(DhcpMessage.ACK, request.xid(), MAC, w -> w.addressOption(DhcpMessage.OPTION_SERVER_ID, SERVER));
            assertEquals(DhcpClient.Outcome.IGNORED, receive(S, ack));
            assertTrue(bound.isEmpty());
        }

        @Test
        @DisplayName("RFC 2131 4.1 and 3.1 step 5: REQUEST retransmitted with backoff; after four unanswered, back to DISCOVER")
        void unansweredRequestRestarts() {
            DhcpMessage first = requesting(0);
            long last = 0;
            for (int i = 0; i < 3; i++) {
                long due = client.nextDeadline();
                long base = 4L << i;
                assertTrue(due - last >= (base - 1) * S && due - last <= (base + 1) * S, "retransmission " + i + " at " + due);
                expectNothing(due - 1);
                assertEquals(first.xid(), expect(due, DhcpMessage.REQUEST).xid());
                last = due;
            }
            DhcpMessage d = expect(client.nextDeadline(), DhcpMessage.DISCOVER);
            assertNotEquals(first.xid(), d.xid());
            assertEquals(DhcpClient.State.SELECTING, client.state());
        }
    }

    // ---------------------------------------------------------------- BOUND, RENEWING, REBINDING

    @Nested
    class Renewal {
        @Test
        @DisplayName("RFC 2131 4.4.5: nothing before T1; at T1 a REQUEST unicast to the server with ciaddr, no server id, no requested address")
        void renewAtT1() {
            DhcpLease lease = bound(0);
            expectNothing(lease.renewAt() - 1);
            DhcpMessage r = expect(lease.renewAt(), DhcpMessage.REQUEST);
            assertEquals(SERVER, lastDestination);
            assertEquals(OFFERED, r.ciaddr());
            assertFalse(r.has(DhcpMessage.OPTION_SERVER_ID), "RFC 2131 table 5: MUST NOT after BOUND");
            assertFalse(r.has(DhcpMessage.OPTION_REQUESTED_ADDRESS), "RFC 2131 table 5: MUST NOT in RENEWING");
            assertEquals(DhcpClient.State.RENEWING, client.state());
        }

        @Test
        @DisplayName("RFC 2131 4.4.5: an ACK while renewing extends the lease from the renewal request's time")
        void renewalAckExtends() {
            DhcpLease lease = bound(0);
            DhcpMessage r = expect(lease.renewAt(), DhcpMessage.REQUEST);
            assertEquals(DhcpClient.Outcome.USED, receive(lease.renewAt() + S, reply(DhcpMessage.ACK, r.xid())));
            assertEquals(DhcpClient.State.BOUND, client.state());
            DhcpLease renewed = bound.getLast();
            assertEquals(2, bound.size());
            assertEquals(lease.renewAt() + LEASE * S, renewed.expiresAt());
            assertEquals(lease.renewAt() + LEASE * S / 2, renewed.renewAt());
            assertEquals(0, unbound);
        }

        @Test
        @DisplayName("RFC 2131 4.4.5: renewal retransmitted after half the time to T2, at least 60 s")
        void renewalRetransmission() {
            DhcpLease lease = bound(0);
            expect(lease.renewAt(), DhcpMessage.REQUEST);
            long half = (lease.rebindAt() - lease.renewAt()) / 2;
            expectNothing(lease.renewAt() + half - 1);
            expect(lease.renewAt() + half, DhcpMessage.REQUEST);
            assertEquals(SERVER, lastDestination);
            long now = lease.renewAt() + half;
            // Near T2 the 60 s floor rules: the next retry would fall after T2, so T2 comes first.
            while (client.nextDeadline() < lease.rebindAt()) {
                long due = client.nextDeadline();
                assertTrue(due - now >= 60 * S, "at least 60 s between renewals, got " + (due - now));
                expect(due, DhcpMessage.REQUEST);
                now = due;
            }
            assertEquals(lease.rebindAt(), client.nextDeadline());
        }

        @Test
        @DisplayName("RFC 2131 4.4.5: at T2 the client rebinds: REQUEST broadcast, ciaddr set, a new xid")
        void rebindAtT2() {
            DhcpLease lease = bound(0);
            DhcpMessage renew = expect(lease.renewAt(), DhcpMessage.REQUEST);
            sent.clear();
            client.poll(lease.rebindAt() - 1);
            sent.clear(); // renewal retries
            DhcpMessage r = expect(lease.rebindAt(), DhcpMessage.REQUEST);
            assertEquals(-1, lastDestination);
            assertEquals(OFFERED, r.ciaddr());
            assertNotEquals(renew.xid(), r.xid());
            assertEquals(DhcpClient.State.REBINDING, client.state());
            assertEquals(DhcpClient.Outcome.NOT_OURS, receive(lease.rebindAt(), reply(DhcpMessage.ACK, renew.xid())),
                    "a late answer to the renewal's transaction");
            // Any server may answer a rebinding request.
            byte[] ack = reply(DhcpMessage.ACK, r.xid(), MAC, w -> w
                    .addressOption(DhcpMessage.OPTION_SERVER_ID, OTHER_SERVER)
                    .addressOption(DhcpMessage.OPTION_SUBNET_MASK, 0xffffff00)
                    .secondsOption(DhcpMessage.OPTION_LEASE_TIME, LEASE));
            assertEquals(DhcpClient.Outcome.USED, receive(lease.rebindAt() + S, ack));
            assertEquals(new Ipv4Address(OTHER_SERVER), client.lease().server(), "later renewals go to the new server");
            assertEquals(DhcpClient.State.BOUND, client.state());
        }

        @Test
        @DisplayName("RFC 2131 4.4.5: at expiry without an ACK the address is given up and discovery starts again")
        void expiry() {
            DhcpLease lease = bound(0);
            int requests = 0;
            for (long due = client.nextDeadline(); due < lease.expiresAt(); due = client.nextDeadline()) {
                client.poll(due);
                requests++;
                assertTrue(requests < 20, "a bounded number of renewals and rebinds");
            }
            assertEquals(requests, sent.size());
            sent.clear();
            expectNothing(lease.expiresAt() - 1);
            assertEquals(lease.expiresAt(), client.nextDeadline());
            DhcpMessage d = expect(lease.expiresAt(), DhcpMessage.DISCOVER);
            assertEquals(1, unbound);
            assertNull(client.lease());
            assertEquals(0, d.ciaddr());
            assertEquals(DhcpClient.State.SELECTING, client.state());
        }

        @Test
        @DisplayName("a poll long after expiry goes straight to discovery (no renewals sent for a dead lease)")
        void latePoll() {
            DhcpLease lease = bound(0);
            expect(lease.expiresAt() + 5 * S, DhcpMessage.DISCOVER);
            assertEquals(1, unbound);
        }

        @Test
        @DisplayName("RFC 2131 4.4.5: a NAK while renewing ends the lease at once and restarts")
        void nakWhileRenewing() {
            DhcpLease lease = bound(0);
            DhcpMessage r = expect(lease.renewAt(), DhcpMessage.REQUEST);
            assertEquals(DhcpClient.Outcome.USED, receive(lease.renewAt(), reply(DhcpMessage.NAK, r.xid())));
            assertEquals(1, unbound);
            expect(lease.renewAt(), DhcpMessage.DISCOVER);
        }

        @Test
        @DisplayName("RFC 2131 figure 5: BOUND discards offers, ACKs and NAKs")
        void boundDiscards() {
            bound(0);
            // Replays carrying the exchange's own xid: none may change the lease.
            for (int type : new int[] {DhcpMessage.OFFER, DhcpMessage.ACK, DhcpMessage.NAK}) {
                assertEquals(DhcpClient.Outcome.IGNORED, receive(S, reply(type, lastXid)));
            }
            assertEquals(DhcpClient.State.BOUND, client.state());
            assertEquals(0, unbound);
            assertEquals(1, bound.size());
            assertTrue(sent.isEmpty());
        }
    }

    // ---------------------------------------------------------------- lease contents

    @Nested
    class LeaseContents {
        DhcpLease ackWith(Consumer<DhcpMessage.Writer> options) {
            DhcpMessage request = requesting(0);
            byte[] ack = reply(DhcpMessage.ACK, request.xid(), MAC, w -> {
                w.addressOption(DhcpMessage.OPTION_SERVER_ID, SERVER);
                options.accept(w);
            });
            assertEquals(DhcpClient.Outcome.USED, receive(0, ack));
            return bound.getLast();
        }

        @Test
        @DisplayName("RFC 2132 9.11, 9.12: the server's T1 and T2 are used when in order")
        void serverTimes() {
            DhcpLease l = ackWith(w -> w.secondsOption(DhcpMessage.OPTION_LEASE_TIME, 1000)
                    .secondsOption(DhcpMessage.OPTION_RENEWAL_TIME, 100).secondsOption(DhcpMessage.OPTION_REBINDING_TIME, 200));
            assertEquals(100 * S, l.renewAt());
            assertEquals(200 * S, l.rebindAt());
            assertEquals(1000 * S, l.expiresAt());
        }

        @Test
        @DisplayName("T1 after T2 or T2 after the lease are replaced by the defaults")
        void timesOutOfOrder() {
            DhcpLease l = ackWith(w -> w.secondsOption(DhcpMessage.OPTION_LEASE_TIME, 1000)
                    .secondsOption(DhcpMessage.OPTION_RENEWAL_TIME, 900).secondsOption(DhcpMessage.OPTION_REBINDING_TIME, 5000));
            assertEquals(875 * S, l.rebindAt());
            assertEquals(500 * S, l.renewAt());
        }

        @Test
        @DisplayName("RFC 2131 3.3: a lease of 0xffffffff seconds never needs renewing")
        void infiniteLease() {
            DhcpLease l = ackWith(w -> w.secondsOption(DhcpMessage.OPTION_LEASE_TIME, DhcpLease.INFINITE));
            assertTrue(l.infinite());
            assertEquals(Long.MAX_VALUE, client.nextDeadline());
        }

        @Test
        @DisplayName("a router off the subnet is skipped for the next one; no mask means the classful default; bad DNS entries dropped")
        void sanitised() {
            DhcpLease l = ackWith(w -> w.secondsOption(DhcpMessage.OPTION_LEASE_TIME, 60)
                    .addressOption(DhcpMessage.OPTION_ROUTER, ip("10.0.0.1"), ip("198.18.0.254"))
                    .addressOption(DhcpMessage.OPTION_DNS_SERVERS, 0, ip("224.0.0.1"), DNS2));
            assertEquals(24, l.prefixLength(), "198.18.0.50 is class C");
            assertEquals(new Ipv4Address(ip("198.18.0.254")), l.router());
            assertEquals(List.of(new Ipv4Address(DNS2)), l.dnsServers());
            // The interface the lease configures is valid.
            assertEquals(new Ipv4Address(OFFERED), l.toInterface(new teacup.wire.MacAddress(MAC), 1500).address());
        }

        @Test
        @DisplayName("a mask with holes is not a prefix; no router on the subnet means none")
        void badMask() {
            DhcpLease l = ackWith(w -> w.secondsOption(DhcpMessage.OPTION_LEASE_TIME, 60)
                    .addressOption(DhcpMessage.OPTION_SUBNET_MASK, 0xff00ff00)
                    .addressOption(DhcpMessage.OPTION_ROUTER, ip("10.0.0.1")));
            assertEquals(24, l.prefixLength());
            assertEquals(Ipv4Address.ANY, l.router());
        }
    }

    // ---------------------------------------------------------------- release

    @Nested
    class Release {
        @Test
        @DisplayName("RFC 2131 4.4.6: RELEASE unicast to the server with ciaddr and server id; then silence")
        void release() {
            DhcpLease lease = bound(0);
            client.release(10 * S);
            DhcpMessage r = next(DhcpMessage.RELEASE);
            assertEquals(SERVER, lastDestination);
            assertEquals(OFFERED, r.ciaddr());
            assertEquals(SERVER, r.address(DhcpMessage.OPTION_SERVER_ID));
            assertFalse(r.has(DhcpMessage.OPTION_REQUESTED_ADDRESS), "RFC 2131 table 5: MUST NOT in RELEASE");
            assertFalse(r.has(DhcpMessage.OPTION_PARAMETER_REQUEST_LIST), "RFC 2131 table 5: MUST NOT in RELEASE");
            assertEquals(1, unbound);
            assertEquals(DhcpClient.State.RELEASED, client.state());
            assertEquals(Long.MAX_VALUE, client.nextDeadline());
            expectNothing(lease.expiresAt() * 2);
        }

        @Test
        @DisplayName("stopping without a lease sends nothing")
        void releaseWithoutLease() {
            client.start(0);
            expect(0, DhcpMessage.DISCOVER);
            client.release(S);
            assertTrue(sent.isEmpty());
            assertEquals(0, unbound);
            expectNothing(100 * S);
        }
    }

    @Test
    @DisplayName("the same seed gives the same messages at the same times")
    void deterministic() {
        List<String> first = run();
        List<String> second = run();
        assertEquals(first, second);
    }

    private List<String> run() {
        sent.clear();
        client = client(DhcpClient.Settings.DEFAULT);
        client.start(0);
        List<String> log = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long due = client.nextDeadline();
            client.poll(due);
            Sent s = sent.poll();
            log.add(s.at() + ":" + Arrays.hashCode(s.bytes()));
        }
        return log;
    }

    private static boolean contains(byte[] list, int code) {
        for (byte b : list) {
            if ((b & 0xff) == code) {
                return true;
            }
        }
        return false;
    }

}
