package teacup.tcp;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.Interface;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.State;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * SYN floods against a listener (RFC 4987): SYN cookies once the SYN queue is full, with what
 * they carry through the handshake; forged and stale cookies refused; half-open connections that
 * give up; and a flood of spoofed SYNs, on-link and off-link, during which a real client still
 * connects, after which nothing is left. The stack is an IP layer on 198.18.0.2/24 with the peer
 * 198.18.0.1 as gateway and known by ARP; frames are hand-built, time simulated.
 */
class SynFloodTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final long US_MAC = 0x02_00_00_00_00_02L;
    static final long PEER_MAC = 0x02_00_00_00_00_01L;
    static final int US = Ipv4Address.parse("198.18.0.2").bits();
    static final int PEER = Ipv4Address.parse("198.18.0.1").bits();
    static final TcpSettings SETTINGS = TcpSettings.defaults().withBuffers(65536, 65536);

    record Sent(int destination, int destinationPort, int seq, int ack, int flags, TcpOptions options, int window) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    final List<byte[]> frames = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;
    TcpLayer tcp;
    long now = 1_000 * S;

    @BeforeEach
    void setUp() {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, new Ipv4Address(PEER), 1500);
        ip = new IpLayer(iface, (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats, new SplittableRandom(3));
        tcp = new TcpLayer(ip, stats, new SplittableRandom(4));
        ip.start(now);
        peerArps();
        frames.clear();
    }

    /** The peer asks for our MAC, and so is known (again) for a minute. */
    void peerArps() {
        byte[] arp = new byte[60];
        int n = EthernetFrame.write(arp, 0, MacAddress.BROADCAST_BITS, PEER_MAC, EthernetFrame.TYPE_ARP);
        new ArpPacket(ArpPacket.REQUEST, PEER_MAC, PEER, 0, US).write(arp, n);
        ip.receive(now, arp, 0, arp.length);
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN), stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED),
                "frames in = accepted + dropped");
    }

    static byte[] frame(int source, int sourcePort, int seq, int ack, int flags, TcpOptions options, byte[] payload) {
        int header = TcpSegment.headerLength(options);
        byte[] b = new byte[14 + 20 + header + payload.length];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        System.arraycopy(payload, 0, b, 34 + header, payload.length);
        int len = TcpSegment.write(b, 34, sourcePort, 80, seq, ack, flags, 1000, 0, options, payload.length, source, US);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, source, US);
        return b;
    }

    void receive(int source, int sourcePort, int seq, int ack, int flags, TcpOptions options, byte[] payload) {
        byte[] f = frame(source, sourcePort, seq, ack, flags, options, payload);
        ip.receive(now, f, 0, f.length);
    }

    void syn(int source, int sourcePort, int seq, TcpOptions options) {
        receive(source, sourcePort, seq, 0, TcpSegment.SYN, options, new byte[0]);
    }

    List<Sent> sent() {
        List<Sent> out = new ArrayList<>();
        TcpSegment s = new TcpSegment();
        for (byte[] f : frames) {
            if (BigEndian.u16(f, 12) != EthernetFrame.TYPE_IPV4 || (f[23] & 0xff) != Ipv4Packet.PROTOCOL_TCP) {
                continue;
            }
            int source = BigEndian.i32(f, 26);
            int destination = BigEndian.i32(f, 30);
            assertEquals(Defect.NONE, s.wrap(f, 34, BigEndian.u16(f, 16) - 20, source, destination));
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, s.options(o));
            out.add(new Sent(destination, s.destinationPort(), s.sequence(), s.acknowledgment(), s.flags(), o, s.window()));
        }
        frames.clear();
        return out;
    }

    Sent onlySent() {
        List<Sent> s = sent();
        assertEquals(1, s.size(), () -> "segments sent: " + s);
        return s.get(0);
    }

    static TcpOptions fullOptions(int mss, int scale, int tsVal) {
        return new TcpOptions().mss(mss).windowScale(scale).sackPermitted(true).timestamps(tsVal, 0);
    }

    /** A listener of backlog 1 whose SYN queue a first (never completed) SYN fills. */
    TcpListener listenerWithFullSynQueue() {
        TcpListener l = tcp.listen(80, 1, SETTINGS);
        syn(PEER, 30000, 1, null);
        assertEquals(1, sent().size());
        assertEquals(1, l.halfOpen());
        return l;
    }

    @Test
    @DisplayName("RFC 4987 3.6: with the SYN queue full, a SYN gets a cookie SYN-ACK whose ACK makes an accepted connection with the peer's MSS, window scale, SACK and timestamps, in the stack's budgets")
    void cookieRoundTripKeepsOptions() {
        TcpListener l = listenerWithFullSynQueue();
        syn(PEER, 40000, 7000, fullOptions(1400, 5, 100));
        Sent synAck = onlySent();
        assertTrue(synAck.has(TcpSegment.SYN) && synAck.has(TcpSegment.ACK));
        assertEquals(7001, synAck.ack());
        assertEquals(1, stats.get(Counter.TCP_SYN_COOKIES_SENT));
        assertEquals(1, l.halfOpen(), "the cookie kept no state");
        assertEquals(1, tcp.connectionCount());
        TcpOptions o = synAck.options();
        assertEquals(SETTINGS.mss(), o.mss());
        assertEquals(SETTINGS.windowScale(), o.windowScale());
        assertTrue(o.sackPermitted());
        assertEquals(100, o.tsEcr());
        assertEquals(5 | 0x10, o.tsVal() & 0x1f, "TSval carries the peer's shift and SACK-permitted");

        now += 20 * MS;
        byte[] request = "GET / HTTP/1.1\r\n\r\n".getBytes();
        receive(PEER, 40000, 7001, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK | TcpSegment.PSH,
                new TcpOptions().timestamps(120, o.tsVal()), request);
        assertEquals(1, stats.get(Counter.TCP_SYN_COOKIES_ACCEPTED));
        assertEquals(1, l.readyCount());
        TcpConnection c = l.poll();
        assertNotNull(c);
        assertEquals(State.ESTABLISHED, c.state());
        Negotiated n = c.negotiated();
        assertEquals(1380, n.sendMss(), "1400 rounded down to the table");
        assertEquals(5, n.sendScale());
        assertEquals(SETTINGS.windowScale(), n.receiveScale());
        assertTrue(n.timestamps());
        assertTrue(n.sack());
        byte[] got = new byte[request.length];
        assertEquals(request.length, c.receiveBuffer().read(got, 0, got.length), "the data on the ACK was taken");
        assertArrayEquals(request, got);
        // Our later segments carry timestamps that grow from the cookie's, and echo the peer's last.
        tcp.flush(now, c);
        c.sendBuffer().write(new byte[10], 0, 10);
        tcp.flush(now, c);
        Sent data = sent().getLast();
        assertTrue(SeqNum.ge(data.options().tsVal(), o.tsVal()));
        assertEquals(120, data.options().tsEcr());
        assertEquals(SeqNum.add(synAck.seq(), 1), data.seq());
        // A cookie's connection lives within the stack's budgets and counters like any other.
        assertEquals(tcp.sendMemory(), c.writer.sendMemory(), "the stack's send memory budget");
        assertEquals(tcp.receiveMemory(), c.writer.output().receiveMemory(), "the stack's receive memory budget");
        long zeroWindows = stats.get(Counter.TCP_ZERO_WINDOWS_ADVERTISED);
        c.writer.count(Counter.TCP_ZERO_WINDOWS_ADVERTISED);
        assertEquals(zeroWindows + 1, stats.get(Counter.TCP_ZERO_WINDOWS_ADVERTISED), "the stack's counters");
    }

    @Test
    @DisplayName("RFC 4987 3.6: without timestamps the cookie SYN-ACK offers only an MSS, and the connection runs without window scaling and SACK")
    void cookieWithoutTimestampsLosesScaleAndSack() {
        TcpListener l = listenerWithFullSynQueue();
        syn(PEER, 40001, 9000, new TcpOptions().mss(1460).windowScale(5).sackPermitted(true));
        Sent synAck = onlySent();
        assertEquals(1460, synAck.options().mss());
        assertFalse(synAck.options().hasWindowScale());
        assertFalse(synAck.options().sackPermitted());
        assertFalse(synAck.options().hasTimestamps());
        receive(PEER, 40001, 9001, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        TcpConnection c = l.poll();
        assertNotNull(c);
        assertEquals(State.ESTABLISHED, c.state());
        assertEquals(new Negotiated(1460, 0, 0, false, false, false), c.negotiated());
        assertEquals(RttEstimator.INITIAL_RTO, c.rtt().rto(), "no RTT sample from a handshake nobody timed");
    }

    @Test
    @DisplayName("RFC 4987 3.6: an ACK whose cookie is wrong (forged ISS, or another ISN than the SYN's) is reset and counted, and makes nothing")
    void forgedCookieRejected() {
        TcpListener l = listenerWithFullSynQueue();
        syn(PEER, 40002, 5000, fullOptions(1460, 7, 1));
        Sent synAck = onlySent();
        int forged = SeqNum.add(synAck.seq(), 0x12345);
        receive(PEER, 40002, 5001, forged, TcpSegment.ACK, null, new byte[0]);
        Sent rst = onlySent();
        assertTrue(rst.has(TcpSegment.RST));
        assertEquals(forged, rst.seq());
        receive(PEER, 40002, 6001, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        assertTrue(onlySent().has(TcpSegment.RST));
        receive(PEER, 40003, 5001, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        assertTrue(onlySent().has(TcpSegment.RST), "another port: another cookie");
        assertEquals(3, stats.get(Counter.TCP_SYN_COOKIES_REJECTED));
        assertEquals(0, stats.get(Counter.TCP_SYN_COOKIES_ACCEPTED));
        assertEquals(0, l.readyCount());
        assertEquals(1, tcp.connectionCount());
    }

    @Test
    @DisplayName("RFC 4987 3.6: a cookie is good in its period and the next, and refused after")
    void staleCookieRejected() {
        TcpListener l = listenerWithFullSynQueue();
        long period = 1L << 36;
        syn(PEER, 40004, 100, null);
        Sent old = onlySent();
        now += 5 * period / 2; // two and a half periods on; another cookie keeps cookies outstanding
        peerArps();
        syn(PEER, 40005, 200, null);
        Sent fresh = onlySent();
        receive(PEER, 40004, 101, SeqNum.add(old.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        assertTrue(onlySent().has(TcpSegment.RST));
        assertEquals(1, stats.get(Counter.TCP_SYN_COOKIES_REJECTED));
        now += period / 2; // the next period: still good
        receive(PEER, 40005, 201, SeqNum.add(fresh.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        assertEquals(List.of(), sent());
        assertEquals(1, stats.get(Counter.TCP_SYN_COOKIES_ACCEPTED));
        assertNotNull(l.poll());
    }

    @Test
    @DisplayName("RFC 4987 3.6: cookies off, a SYN beyond the queue is dropped; an ACK to a listener that sent no cookie is reset without counting")
    void cookiesOff() {
        TcpListener l = tcp.listen(80, 1, SETTINGS.toBuilder().synCookies(false).build());
        syn(PEER, 30000, 1, null);
        assertEquals(1, sent().size());
        syn(PEER, 30001, 1, null);
        assertEquals(List.of(), sent());
        assertEquals(1, stats.get(Counter.DROP_TCP_BACKLOG_FULL));
        receive(PEER, 30002, 1, 12345, TcpSegment.ACK, null, new byte[0]);
        assertTrue(onlySent().has(TcpSegment.RST));
        assertEquals(0, stats.get(Counter.TCP_SYN_COOKIES_REJECTED));
        assertEquals(1, l.halfOpen());
    }

    @Test
    @DisplayName("RFC 4987 3.6: a valid cookie ACK while the accept queue is full is dropped, and taken when it comes again after an accept")
    void cookieWaitsForAcceptQueue() {
        TcpListener l = tcp.listen(80, 2, SETTINGS);
        syn(PEER, 30000, 1, null);
        receive(PEER, 30000, 2, SeqNum.add(onlySent().seq(), 1), TcpSegment.ACK, null, new byte[0]);
        syn(PEER, 30001, 10, null);
        Sent halfOpen = onlySent();
        syn(PEER, 30002, 20, null);
        Sent cookie = onlySent();
        assertEquals(1, stats.get(Counter.TCP_SYN_COOKIES_SENT));
        receive(PEER, 30001, 11, SeqNum.add(halfOpen.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        assertEquals(2, l.readyCount(), "the accept queue is full");
        long dropped = stats.get(Counter.DROP_TCP_BACKLOG_FULL);
        receive(PEER, 30002, 21, SeqNum.add(cookie.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        assertEquals(List.of(), sent(), "no reset: the peer's next segment may find room");
        assertEquals(dropped + 1, stats.get(Counter.DROP_TCP_BACKLOG_FULL));
        assertNull(tcp.find(PEER, 30002, 80));
        assertNotNull(l.poll());
        receive(PEER, 30002, 21, SeqNum.add(cookie.seq(), 1), TcpSegment.ACK | TcpSegment.PSH, null, "x".getBytes());
        assertEquals(2, l.readyCount());
        assertEquals(State.ESTABLISHED, tcp.find(PEER, 30002, 80).state());
        assertEquals(2, stats.get(Counter.TCP_SYN_COOKIES_ACCEPTED), "checked twice, good twice");
    }

    @Test
    @DisplayName("RFC 4987 3.3: a half-open connection holds no buffer, sends its SYN-ACK 5 times more (1, 2, 4, 8, 16 s apart) and is gone 63 s after the SYN")
    void halfOpenGivesUp() {
        TcpListener l = tcp.listen(80, 4, SETTINGS);
        long start = now;
        syn(PEER, 41000, 1, null);
        TcpConnection halfOpen = tcp.find(PEER, 41000, 80);
        assertFalse(halfOpen.sendBuffer().allocated() || halfOpen.receiveBuffer().allocated(), "a half-open connection holds no ring");
        List<Long> synAcks = new ArrayList<>();
        synAcks.add(now - start);
        sent();
        for (int i = 0; i < 200 && tcp.connectionCount() > 0; i++) {
            now = Math.min(tcp.nextDeadline(), now + 10 * S);
            tcp.poll(now);
            for (Sent s : sent()) {
                if (s.has(TcpSegment.SYN)) {
                    synAcks.add(now - start);
                }
            }
        }
        assertEquals(List.of(0L, 1 * S, 3 * S, 7 * S, 15 * S, 31 * S), synAcks);
        assertEquals(0, tcp.connectionCount());
        assertEquals(0, l.halfOpen());
        assertEquals(63 * S, now - start);
    }

    @Test
    @DisplayName("RFC 4987: 20,000 spoofed SYNs at 20,000/s from 198.18.0.0/15, on-link and off-link: a client connecting every 50 ms always gets in, and afterwards nothing is held")
    void floodWithLegitimateClient() {
        TcpListener l = tcp.listen(80, 16, SETTINGS);
        SplittableRandom r = new SplittableRandom(11);
        int onLinkBase = US & 0xffffff00;
        int prefix15 = Ipv4Address.parse("198.18.0.0").bits();
        int clients = 0;
        int connected = 0;
        long start = now;
        for (int i = 0; i < 20_000; i++) {
            now += 50_000; // 20,000 a second
            int source = i % 2 == 0 ? onLinkBase | (3 + r.nextInt(250)) : prefix15 | (256 + r.nextInt((1 << 17) - 256));
            syn(source, 1024 + r.nextInt(60000), r.nextInt(), fullOptions(1460, 7, r.nextInt()));
            assertTrue(l.halfOpen() <= 16);
            if (i % 1000 == 999) {
                frames.clear();
                int port = 50000 + clients++;
                syn(PEER, port, 1000 * clients, fullOptions(1460, 7, clients));
                Sent synAck = onlySent();
                receive(PEER, port, 1000 * clients + 1, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK,
                        new TcpOptions().timestamps(clients + 1, synAck.options().tsVal()), new byte[0]);
                TcpConnection c = l.poll();
                if (c != null && c.remotePort() == port && c.state() == State.ESTABLISHED) {
                    connected++;
                    tcp.abort(now, c);
                }
            }
            if (i % 100 == 0) {
                tcp.poll(now);
                ip.poll(now);
                frames.clear();
            }
        }
        assertEquals(20, clients);
        assertEquals(20, connected, "every client got in during the flood");
        assertEquals(20, stats.get(Counter.TCP_SYN_COOKIES_ACCEPTED));
        assertTrue(stats.get(Counter.TCP_SYN_COOKIES_SENT) > 19_000, () -> "cookies " + stats.get(Counter.TCP_SYN_COOKIES_SENT));
        long arpRequests = stats.get(Counter.ARP_REQUESTS_SENT);
        assertTrue(arpRequests <= 2 * 256 + 3 * 16 * 3, // two seconds of ArpSolicitations.PER_SECOND, and the held SYN-ACKs' retries
                () -> "ARP requests " + arpRequests);
        assertTrue(ip.arpEntries() <= 1 + 16 * 3, () -> "ARP entries " + ip.arpEntries());
        for (int i = 0; i < 1000 && now - start < 80 * S; i++) {
            now = Math.min(Math.min(tcp.nextDeadline(), ip.nextDeadline()), start + 80 * S);
            tcp.poll(now);
            ip.poll(now);
            frames.clear();
        }
        assertEquals(0, l.halfOpen(), "every half-open connection gave up");
        assertEquals(0, tcp.connectionCount());
        assertTrue(ip.arpEntries() <= 1, () -> "ARP entries " + ip.arpEntries());
        // And the listener is as it was: a client connects without a cookie.
        peerArps();
        frames.clear();
        syn(PEER, 60000, 5, null);
        Sent synAck = onlySent();
        receive(PEER, 60000, 6, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK, null, new byte[0]);
        assertNotNull(l.poll());
        assertEquals(20, stats.get(Counter.TCP_SYN_COOKIES_ACCEPTED));
    }
}
