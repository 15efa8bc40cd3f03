package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * Orphans (issue 12 item 3): connections the application closed whose data or FIN the peer has not
 * acknowledged end on their own, within their retries ({@link TcpSettings#orphanRetries}) when the
 * peer vanished, within their lifetime when it answers zero-window probes for ever, and are never
 * more than the layer's limit. The TCP layer under an IP layer, fed hand-built frames; simulated time.
 */
class OrphanLimitsTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final int US = TcpLayerFixture.US;
    static final int PEER = TcpLayerFixture.PEER;
    static final long LIFETIME = 30 * S;
    static final TcpSettings SETTINGS = TcpSettings.defaults().withBuffers(65536, 65536).toBuilder()
            .orphanLifetime(LIFETIME).build();

    /** A segment as it left the stack. */
    record Sent(int destinationPort, int seq, int ack, int flags, int length) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    /** One connection as the peer sees it: its ISN and ours. */
    record Peer(int port, int isn, int ourIss, TcpConnection connection) {
        int nxt() {
            return SeqNum.add(isn, 1);
        }
    }

    final List<byte[]> frames = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;
    TcpLayer tcp;
    long now = 1_000 * MS;

    @BeforeEach
    void setUp() {
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500, (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats);
        ip = layers.ip();
        tcp = layers.tcp();
        frames.clear();
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN), stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED),
                "frames in = accepted + dropped");
    }

    void receive(int peerPort, int seq, int ack, int flags, int window, int length) {
        int header = TcpSegment.headerLength(null);
        byte[] b = new byte[14 + 20 + header + length];
        EthernetFrame.write(b, 0, TcpLayerFixture.US_MAC, TcpLayerFixture.PEER_MAC, EthernetFrame.TYPE_IPV4);
        int len = TcpSegment.write(b, 34, peerPort, 80, seq, ack, flags, window, 0, null, length, PEER, US);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, PEER, US);
        ip.receive(now, b, 0, b.length);
    }

    /**
     * TCP segments sent since the last call. The peer's host stays (only its TCP vanished): an ARP
     * request (R1's re-validation of the next hop) is answered at once, and what it held is taken too.
     */
    List<Sent> sent() {
        List<Sent> out = new ArrayList<>();
        TcpSegment s = new TcpSegment();
        for (int round = 0; round < 10 && !frames.isEmpty(); round++) {
            List<byte[]> batch = new ArrayList<>(frames);
            frames.clear();
            for (byte[] f : batch) {
                if (BigEndian.u16(f, 12) == EthernetFrame.TYPE_ARP) {
                    byte[] reply = new byte[60];
                    int n = EthernetFrame.write(reply, 0, TcpLayerFixture.US_MAC, TcpLayerFixture.PEER_MAC, EthernetFrame.TYPE_ARP);
                    new ArpPacket(ArpPacket.REPLY, TcpLayerFixture.PEER_MAC, PEER, TcpLayerFixture.US_MAC, US).write(reply, n);
                    ip.receive(now, reply, 0, reply.length);
                    continue;
                }
                if (BigEndian.u16(f, 12) != EthernetFrame.TYPE_IPV4 || (f[23] & 0xff) != Ipv4Packet.PROTOCOL_TCP) {
                    continue;
                }
                assertEquals(Defect.NONE, s.wrap(f, 34, BigEndian.u16(f, 16) - 20, US, PEER), "a segment we sent is well formed");
                out.add(new Sent(s.destinationPort(), s.sequence(), s.acknowledgment(), s.flags(), s.payloadLength()));
            }
        }
        return out;
    }

    /** The peer opens a connection from {@code port}, offering {@code window}. */
    Peer open(int port, int window) {
        int isn = 7_000 * port;
        sent();
        receive(port, isn, 0, TcpSegment.SYN, 65535, 0);
        List<Sent> synAck = sent();
        assertEquals(1, synAck.size());
        int iss = synAck.getFirst().seq();
        receive(port, SeqNum.add(isn, 1), SeqNum.add(iss, 1), TcpSegment.ACK, window, 0);
        TcpConnection c = tcp.find(PEER, port, 80);
        assertNotNull(c);
        assertEquals(State.ESTABLISHED, c.state());
        return new Peer(port, isn, iss, c);
    }

    void write(TcpConnection c, int n) {
        assertEquals(n, c.sendBuffer().write(new byte[n], 0, n));
        tcp.flush(now, c);
    }

    /** Time runs to each deadline (at most 10 s a step, 500 steps) while {@code c} is in the table; what it sends goes to {@code sink}. */
    void runWhileOpen(TcpConnection c, java.util.function.Consumer<Sent> sink) {
        for (int i = 0; i < 500 && tcp.find(PEER, c.remotePort(), 80) == c; i++) {
            now = Math.min(tcp.nextDeadline(), now + 10 * S);
            tcp.poll(now);
            sent().forEach(sink);
        }
    }

    @Test
    @DisplayName("an orphan in CLOSE-WAIT with data unsent behind a small window, its peer gone, is reset after 6 timeouts (25.4 s at the 200 ms RTO), not R2's 12")
    void closeWaitOrphanOfVanishedPeerGivesUp() {
        tcp.listen(80, 4, SETTINGS);
        Peer p = open(41000, 1000);
        receive(p.port(), p.nxt(), SeqNum.add(p.ourIss(), 1), TcpSegment.ACK | TcpSegment.FIN, 1000, 0);
        write(p.connection(), 16_000); // within the 16 KB ring a 1000-byte window allows (SendBuffer.WINDOW_FLOOR)
        tcp.close(now, p.connection());
        assertEquals(State.CLOSE_WAIT, p.connection().state(), "the FIN waits behind 15,000 unsent bytes");
        assertEquals(1, tcp.orphanCount());
        sent();
        long closedAt = now;
        List<Long> retransmissions = new ArrayList<>();
        List<Sent> resets = new ArrayList<>();
        runWhileOpen(p.connection(), s -> {
            if (s.has(TcpSegment.RST)) {
                resets.add(s);
            } else if (s.length() > 0) {
                retransmissions.add(now - closedAt);
            }
        });
        assertEquals(List.of(200 * MS, 600 * MS, 1400 * MS, 3000 * MS, 6200 * MS, 12_600 * MS), retransmissions);
        assertEquals(1, resets.size(), "the peer is told, should it come back");
        assertEquals(25_400 * MS, now - closedAt);
        assertEquals(Ending.TIMED_OUT, p.connection().ending());
        assertEquals(0, tcp.connectionCount());
        assertEquals(0, tcp.orphanCount());
        assertEquals(1, stats.get(Counter.TCP_ORPHANS_GAVE_UP));
    }

    @Test
    @DisplayName("an orphan in LAST-ACK whose data and FIN are unacknowledged, its peer gone, is reset after 6 timeouts; a live connection beside it goes on to R2")
    void lastAckOrphanOfVanishedPeerGivesUp() {
        tcp.listen(80, 4, SETTINGS);
        Peer orphan = open(41000, 65535);
        Peer live = open(41001, 65535);
        for (Peer p : List.of(orphan, live)) {
            receive(p.port(), p.nxt(), SeqNum.add(p.ourIss(), 1), TcpSegment.ACK | TcpSegment.FIN, 65535, 0);
            write(p.connection(), 3000);
        }
        tcp.close(now, orphan.connection());
        assertEquals(State.LAST_ACK, orphan.connection().state());
        sent();
        long closedAt = now;
        int[] timeouts = new int[2];
        java.util.function.Consumer<Sent> count = s -> {
            Peer p = s.destinationPort() == orphan.port() ? orphan : live;
            if (!s.has(TcpSegment.RST) && s.seq() == SeqNum.add(p.ourIss(), 1)) {
                timeouts[s.destinationPort() - 41000]++;
            }
        };
        runWhileOpen(orphan.connection(), count);
        assertEquals(6, timeouts[0]);
        assertEquals(25_400 * MS, now - closedAt);
        assertNull(tcp.find(PEER, orphan.port(), 80));
        assertEquals(State.CLOSE_WAIT, live.connection().state(), "the application still holds this one: R2 is 12");
        runWhileOpen(live.connection(), count);
        assertEquals(12, timeouts[1]);
        assertTrue(now - closedAt > 300 * S, "minutes");
        assertEquals(1, stats.get(Counter.TCP_ORPHANS_GAVE_UP), "the live one is no orphan");
    }

    @Test
    @DisplayName("an orphan whose peer answers every zero-window probe for ever is reset at its lifetime (30 s here); a live connection beside it probes on")
    void zeroWindowOrphanIsResetAtItsLifetime() {
        tcp.listen(80, 4, SETTINGS);
        Peer orphan = open(41000, 0);
        Peer live = open(41001, 0);
        write(orphan.connection(), 3000);
        write(live.connection(), 3000);
        tcp.close(now, orphan.connection());
        assertEquals(State.ESTABLISHED, orphan.connection().state(), "the FIN waits behind the data");
        sent();
        long closedAt = now;
        int[] probes = new int[2];
        List<Sent> resets = new ArrayList<>();
        runWhileOpen(orphan.connection(), s -> {
            if (s.has(TcpSegment.RST)) {
                resets.add(s);
                return;
            }
            probes[s.destinationPort() - 41000]++;
            Peer p = s.destinationPort() == orphan.port() ? orphan : live;
            receive(p.port(), p.nxt(), SeqNum.add(p.ourIss(), 1), TcpSegment.ACK, 0, 0); // answered, window still shut
        });
        assertEquals(LIFETIME, now - closedAt);
        assertEquals(1, resets.size());
        assertTrue(probes[0] > SETTINGS.orphanRetries(), "answered probes do not count toward the retries: " + probes[0]);
        assertEquals(Ending.TIMED_OUT, orphan.connection().ending());
        assertEquals(1, stats.get(Counter.TCP_ORPHANS_EXPIRED));
        assertEquals(0, stats.get(Counter.TCP_ORPHANS_GAVE_UP));
        assertEquals(State.ESTABLISHED, live.connection().state());
        assertEquals(probes[0], probes[1], "the live one was probed as often, and lives on");
        assertEquals(0, tcp.orphanCount());
    }

    @Test
    @DisplayName("with the orphan limit at 2, a third close resets the oldest orphan and is counted; an orphan that finishes makes room without a reset")
    void orphanLimitResetsTheOldest() {
        tcp.orphanLimit(2);
        tcp.listen(80, 8, SETTINGS);
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Peer p = open(41000 + i, 65535);
            write(p.connection(), 3000);
            peers.add(p);
        }
        tcp.close(now, peers.get(0).connection());
        tcp.close(now, peers.get(1).connection());
        sent();
        tcp.close(now, peers.get(2).connection());
        List<Sent> third = sent();
        assertEquals(List.of(41002, 41000), third.stream().map(Sent::destinationPort).toList(), "its FIN, then the oldest's reset");
        assertTrue(third.getLast().has(TcpSegment.RST));
        assertEquals(Ending.ABORTED, peers.get(0).connection().ending());
        assertNull(tcp.find(PEER, 41000, 80));
        assertEquals(1, stats.get(Counter.TCP_ORPHANS_RESET));
        assertEquals(2, tcp.orphanCount());
        assertEquals(State.FIN_WAIT_1, peers.get(1).connection().state());
        assertEquals(State.FIN_WAIT_1, peers.get(2).connection().state(), "the newest is kept");

        // The second orphan's data and FIN are acknowledged and the peer closes too: TIME-WAIT, no longer an orphan.
        Peer second = peers.get(1);
        receive(second.port(), second.nxt(), SeqNum.add(second.ourIss(), 3002), TcpSegment.ACK | TcpSegment.FIN, 65535, 0);
        assertEquals(State.TIME_WAIT, second.connection().state());
        assertEquals(1, tcp.orphanCount());
        tcp.close(now, peers.get(3).connection());
        assertEquals(State.FIN_WAIT_1, peers.get(3).connection().state());
        assertEquals(State.FIN_WAIT_1, peers.get(2).connection().state(), "room was made by the one that finished");
        assertEquals(2, tcp.orphanCount());
        assertEquals(1, stats.get(Counter.TCP_ORPHANS_RESET));
    }

    @Test
    @DisplayName("a connection reset or done when closed is no orphan and takes no place under the limit")
    void onlyFinishingConnectionsCount() {
        tcp.orphanLimit(1);
        tcp.listen(80, 8, SETTINGS);
        Peer done = open(41000, 65535);
        receive(done.port(), done.nxt(), SeqNum.add(done.ourIss(), 1), TcpSegment.ACK | TcpSegment.FIN, 65535, 0);
        tcp.close(now, done.connection());
        receive(done.port(), SeqNum.add(done.nxt(), 1), SeqNum.add(done.ourIss(), 2), TcpSegment.ACK, 65535, 0);
        assertNull(tcp.find(PEER, done.port(), 80), "LAST-ACK acknowledged: closed");
        Peer unread = open(41001, 65535);
        receive(unread.port(), unread.nxt(), SeqNum.add(unread.ourIss(), 1), TcpSegment.ACK | TcpSegment.PSH, 65535, 10);
        tcp.close(now, unread.connection()); // unread data: reset at once (RFC 2525 2.17)
        assertEquals(0, tcp.orphanCount());
        Peer next = open(41002, 65535);
        tcp.close(now, next.connection());
        tcp.close(now, next.connection()); // a second close changes nothing
        assertEquals(State.FIN_WAIT_1, next.connection().state());
        assertEquals(1, tcp.orphanCount());
        assertEquals(0, stats.get(Counter.TCP_ORPHANS_RESET));
    }
}
