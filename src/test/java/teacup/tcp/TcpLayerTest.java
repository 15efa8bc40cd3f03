package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/** The TCP layer under an IP layer, fed hand-built frames; what it sends is parsed back. Simulated time throughout. */
class TcpLayerTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final long US_MAC = TcpLayerFixture.US_MAC;
    static final long PEER_MAC = TcpLayerFixture.PEER_MAC;
    static final int US = TcpLayerFixture.US;
    static final int PEER = TcpLayerFixture.PEER;
    static final TcpSettings SETTINGS = TcpSettings.defaults().withBuffers(4096, 4096);

    /** A segment as it left the stack. */
    record Sent(int source, int destination, int sourcePort, int destinationPort, int seq, int ack, int flags,
                int window, byte[] payload) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    final List<byte[]> frames = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;
    TcpLayer tcp;
    long now = 1_000 * MS;

    @BeforeEach
    void setUp() {
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500, (b, off, len) -> {
            SegmentDigest.frame("L", now, b, off, len);
            frames.add(Arrays.copyOfRange(b, off, off + len));
        }, stats);
        ip = layers.ip();
        tcp = layers.tcp();
        frames.clear();
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN), stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED),
                "frames in = accepted + dropped");
    }

    /** An Ethernet/IPv4/TCP frame from {@code source} to {@code destination}. */
    static byte[] frame(int source, int destination, int sourcePort, int destinationPort, int seq, int ack, int flags,
                        TcpOptions options, byte[] payload) {
        int header = TcpSegment.headerLength(options);
        byte[] b = new byte[14 + 20 + header + payload.length];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        System.arraycopy(payload, 0, b, 34 + header, payload.length);
        int len = TcpSegment.write(b, 34, sourcePort, destinationPort, seq, ack, flags, 65535, 0, options, payload.length,
                source, destination);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, source, destination);
        return b;
    }

    static byte[] segment(int sourcePort, int destinationPort, int seq, int ack, int flags, byte[] payload) {
        return frame(PEER, US, sourcePort, destinationPort, seq, ack, flags, null, payload);
    }

    void receive(byte[] frame) {
        ip.receive(now, frame, 0, frame.length);
    }

    /** TCP segments sent since the last call, parsed (checksum verified). */
    List<Sent> sent() {
        List<Sent> out = new ArrayList<>();
        TcpSegment s = new TcpSegment();
        for (byte[] f : frames) {
            if (BigEndian.u16(f, 12) != EthernetFrame.TYPE_IPV4 || (f[23] & 0xff) != Ipv4Packet.PROTOCOL_TCP) {
                continue;
            }
            int source = BigEndian.i32(f, 26);
            int destination = BigEndian.i32(f, 30);
            int length = BigEndian.u16(f, 16) - 20;
            assertEquals(Defect.NONE, s.wrap(f, 34, length, source, destination), "a segment we sent is well formed");
            out.add(new Sent(source, destination, s.sourcePort(), s.destinationPort(), s.sequence(), s.acknowledgment(),
                    s.flags(), s.window(), Arrays.copyOfRange(f, s.payloadOffset(), s.payloadOffset() + s.payloadLength())));
        }
        frames.clear();
        return out;
    }

    Sent onlySent() {
        List<Sent> s = sent();
        assertEquals(1, s.size(), () -> "segments sent: " + s);
        return s.get(0);
    }

    /** Opens a connection from the peer's {@code port} to our listener; returns our SYN-ACK. */
    Sent handshake(int peerPort, int listenPort, int peerIsn) {
        receive(segment(peerPort, listenPort, peerIsn, 0, TcpSegment.SYN, new byte[0]));
        Sent synAck = onlySent();
        assertTrue(synAck.has(TcpSegment.SYN) && synAck.has(TcpSegment.ACK), synAck::toString);
        assertEquals(SeqNum.add(peerIsn, 1), synAck.ack());
        receive(segment(peerPort, listenPort, SeqNum.add(peerIsn, 1), SeqNum.add(synAck.seq(), 1), TcpSegment.ACK, new byte[0]));
        return synAck;
    }

    @Nested
    class NoSocket {
        @Test
        @DisplayName("RFC 9293 3.10.7.1: a SYN to a closed port gets RST+ACK with sequence 0 acknowledging SEG.SEQ+SEG.LEN")
        void synGetsResetAck() {
            receive(segment(40000, 81, 1000, 0, TcpSegment.SYN, new byte[0]));
            Sent r = onlySent();
            assertEquals(TcpSegment.RST | TcpSegment.ACK, r.flags());
            assertEquals(0, r.seq());
            assertEquals(1001, r.ack());
            assertEquals(81, r.sourcePort());
            assertEquals(40000, r.destinationPort());
            assertEquals(PEER, r.destination());
            assertEquals(1, stats.get(Counter.DROP_TCP_NO_SOCKET));
            assertEquals(1, stats.get(Counter.TCP_RESETS_SENT));
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.1: data with FIN and no ACK is acknowledged to its end, FIN included")
        void dataAndFinCountInTheAck() {
            receive(segment(40000, 81, -10, 0, TcpSegment.FIN | TcpSegment.PSH, new byte[25]));
            Sent r = onlySent();
            assertEquals(TcpSegment.RST | TcpSegment.ACK, r.flags());
            assertEquals(0, r.seq());
            assertEquals(SeqNum.add(-10, 26), r.ack(), "wraps around zero");
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.1: a segment with ACK gets a bare RST whose sequence number is SEG.ACK")
        void ackGetsReset() {
            receive(segment(40000, 81, 1000, 0xdeadbeef, TcpSegment.ACK, new byte[10]));
            Sent r = onlySent();
            assertEquals(TcpSegment.RST, r.flags());
            assertEquals(0xdeadbeef, r.seq());
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.1: a RST to a closed port is never answered")
        void resetNotAnswered() {
            receive(segment(40000, 81, 1000, 5, TcpSegment.RST | TcpSegment.ACK, new byte[0]));
            receive(segment(40000, 81, 1000, 0, TcpSegment.RST, new byte[0]));
            assertEquals(List.of(), sent());
            assertEquals(2, stats.get(Counter.DROP_TCP_NO_SOCKET));
            assertEquals(0, stats.get(Counter.TCP_RESETS_SENT));
        }

        @Test
        @DisplayName("RFC 1122 4.2.3.10, RFC 9293 MUST-57 (SYN): a SYN to the broadcast address gets neither a connection nor a reset, and no ICMP")
        void broadcastIgnored() {
            tcp.listen(80, 4, SETTINGS);
            receive(frame(PEER, Ipv4Address.parse("198.18.0.255").bits(), 40000, 80, 1, 0, TcpSegment.SYN, null, new byte[0]));
            assertEquals(List.of(), frames);
            assertEquals(1, stats.get(Counter.DROP_TCP_NOT_UNICAST));
            assertEquals(0, tcp.connectionCount());
        }

        @ParameterizedTest
        @ValueSource(strings = {"198.18.0.255", "255.255.255.255", "224.0.0.1"})
        @DisplayName("RFC 9293 MUST-57 (segment), RFC 1122 4.2.3.10: a data segment, a FIN or a RST to a broadcast or multicast address is discarded silently")
        void nonSynToBroadcastIgnored(String address) {
            tcp.listen(80, 4, SETTINGS);
            int to = Ipv4Address.parse(address).bits();
            receive(frame(PEER, to, 40000, 80, 1, 1, TcpSegment.ACK | TcpSegment.PSH, null, new byte[10]));
            receive(frame(PEER, to, 40000, 80, 1, 1, TcpSegment.FIN | TcpSegment.ACK, null, new byte[0]));
            receive(frame(PEER, to, 40000, 80, 1, 1, TcpSegment.RST, null, new byte[0]));
            assertEquals(List.of(), frames, "no RST, no ACK, no ICMP");
            // a group teacup has not joined is not for it at all: IP drops those before TCP sees them
            assertEquals(3, stats.get(Counter.DROP_TCP_NOT_UNICAST) + stats.get(Counter.DROP_IPV4_NOT_FOR_US));
            assertEquals(0, tcp.connectionCount());
        }
    }

    @Nested
    class KeepAliveTiming {
        @Test
        @DisplayName("RFC 9293 MUST-27: the application sets the keep-alive timing; probes and the give-up follow it")
        void timingIsApplied() {
            TcpListener listener = tcp.listen(80, 4, SETTINGS);
            handshake(40000, 80, 1000);
            TcpConnection c = listener.poll();
            tcp.setKeepAlive(now, c, true);
            assertTrue(tcp.nextDeadline() >= now + 7200 * S, "the default: two hours idle first (MUST-28)");
            long idleFrom = now;
            tcp.setKeepAliveTiming(now, c, 5 * S, 2 * S, 2);
            assertEquals(idleFrom + 5 * S, tcp.nextDeadline(), "the running timer follows the new idle time");
            for (long probeAt : new long[] {idleFrom + 5 * S, idleFrom + 7 * S}) {
                now = probeAt;
                tcp.poll(now);
                Sent probe = onlySent();
                assertEquals(0, probe.payload().length);
                assertEquals(TcpConnection.State.ESTABLISHED, c.state());
            }
            now = idleFrom + 9 * S;
            tcp.poll(now);
            assertTrue(onlySent().has(TcpSegment.RST), "two unanswered probes: the peer is gone");
            assertEquals(TcpConnection.Ending.TIMED_OUT, c.ending());
        }

        @Test
        @DisplayName("keep-alive timing must be positive, with at least one probe")
        void timingIsChecked() {
            TcpListener listener = tcp.listen(80, 4, SETTINGS);
            handshake(40000, 80, 1000);
            TcpConnection c = listener.poll();
            assertThrows(IllegalArgumentException.class, () -> tcp.setKeepAliveTiming(now, c, 0, S, 1));
            assertThrows(IllegalArgumentException.class, () -> tcp.setKeepAliveTiming(now, c, S, S, 0));
        }
    }

    @Nested
    class TimeWaitReuse {
        /** Our side closes first, so our end of 40000->80 sits in TIME-WAIT; returns the peer's next sequence number. */
        int timeWait() {
            TcpListener listener = tcp.listen(80, 4, SETTINGS);
            handshake(40000, 80, 1000);
            TcpConnection c = listener.poll();
            assertNotNull(c);
            tcp.close(now, c);
            Sent fin = onlySent();
            assertTrue(fin.has(TcpSegment.FIN));
            receive(segment(40000, 80, 1001, SeqNum.add(fin.seq(), 1), TcpSegment.ACK | TcpSegment.FIN, new byte[0]));
            assertEquals(TcpConnection.State.TIME_WAIT, c.state());
            sent();
            return 1002;
        }

        @Test
        @DisplayName("RFC 6191: a SYN beyond what TIME-WAIT has seen opens a new connection on the same four-tuple at once")
        void newSynReopens() {
            int next = timeWait();
            receive(segment(40000, 80, next + 100_000, 0, TcpSegment.SYN, new byte[0]));
            Sent synAck = onlySent();
            assertTrue(synAck.has(TcpSegment.SYN) && synAck.has(TcpSegment.ACK), synAck::toString);
            assertEquals(next + 100_001, synAck.ack());
        }

        @Test
        @DisplayName("RFC 6191: an old SYN in TIME-WAIT does not reopen it; it gets the challenge ACK")
        void oldSynDoesNot() {
            int next = timeWait();
            receive(segment(40000, 80, next - 500, 0, TcpSegment.SYN, new byte[0]));
            Sent answer = onlySent();
            assertEquals(TcpSegment.ACK, answer.flags());
            assertEquals(next, answer.ack());
        }
    }

    @Nested
    class Malformed {
        @Test
        @DisplayName("RFC 9293 MUST-3: a bad checksum is dropped and counted, not answered")
        void badChecksum() {
            byte[] f = segment(40000, 81, 1000, 0, TcpSegment.SYN, new byte[4]);
            f[f.length - 1] ^= 1;
            receive(f);
            assertEquals(List.of(), frames);
            assertEquals(1, stats.get(Counter.DROP_TCP_MALFORMED));
        }

        @Test
        @DisplayName("a truncated header, a data offset past the end, a broken option and port 0 are each dropped as malformed")
        void brokenHeaders() {
            byte[] shortOne = segment(40000, 81, 1, 0, TcpSegment.SYN, new byte[0]);
            byte[] truncated = new byte[34 + 12];
            System.arraycopy(shortOne, 0, truncated, 0, truncated.length);
            Ipv4Packet.write(truncated, 14, 12, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, PEER, US);
            receive(truncated);

            byte[] offset = segment(40000, 81, 1, 0, TcpSegment.SYN, new byte[0]);
            offset[34 + 12] = (byte) 0xf0; // 60-byte header in a 20-byte segment
            receive(offset);

            // An MSS option with length 3: fix the checksum so only the option is wrong.
            TcpOptions mss = new TcpOptions().mss(1460);
            byte[] option = frame(PEER, US, 40000, 81, 1, 0, TcpSegment.SYN, mss, new byte[0]);
            option[34 + 21] = 3;
            BigEndian.put16(option, 34 + 16, 0);
            long sum = teacup.wire.Checksum.pseudoHeader(PEER, US, Ipv4Packet.PROTOCOL_TCP, 24);
            BigEndian.put16(option, 34 + 16, teacup.wire.Checksum.finish(teacup.wire.Checksum.add(sum, option, 34, 24)));
            receive(option);

            receive(segment(0, 81, 1, 0, TcpSegment.SYN, new byte[0]));
            receive(segment(40000, 0, 1, 0, TcpSegment.SYN, new byte[0]));

            assertEquals(List.of(), frames, "nothing answered");
            assertEquals(5, stats.get(Counter.DROP_TCP_MALFORMED));
        }
    }

    @Nested
    class Listening {
        @Test
        @DisplayName("RFC 9293 3.10.7.2: a SYN to a listener is answered SYN-ACK; the ACK moves the connection to the accept queue")
        void handshakeFillsAcceptQueue() {
            List<TcpConnection> ready = new ArrayList<>();
            TcpListener l = tcp.listen(80, 4, SETTINGS, ready::add);
            Sent synAck = handshake(40000, 80, 7000);
            assertEquals(1, stats.get(Counter.TCP_PASSIVE_OPENS));
            assertEquals(1, l.readyCount());
            assertEquals(0, l.halfOpen());
            assertEquals(1, ready.size(), "the listener's observer was told");
            TcpConnection c = l.poll();
            assertNotNull(c);
            assertEquals(State.ESTABLISHED, c.state());
            assertEquals(PEER, c.remoteIp());
            assertEquals(40000, c.remotePort());
            assertEquals(80, c.localPort());
            assertNull(l.poll());
            // Data for it is demultiplexed to it.
            receive(segment(40000, 80, 7001, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK | TcpSegment.PSH, "hello".getBytes()));
            byte[] got = new byte[5];
            assertEquals(5, c.receiveBuffer().read(got, 0, 5));
            assertArrayEquals("hello".getBytes(), got);
        }

        @Test
        @DisplayName("RFC 4987: a SYN-ACK to an on-link peer ARP has not resolved goes at once to the MAC its SYN came from, and again on the timer; no frame waits for ARP")
        void synAckNeverWaitsForArp() {
            tcp.listen(80, 4, SETTINGS);
            int stranger = Ipv4Address.parse("198.18.0.50").bits();
            long strangerMac = 0x02_00_00_00_00_50L;
            byte[] syn = frame(stranger, US, 40000, 80, 7000, 0, TcpSegment.SYN, null, new byte[0]);
            BigEndian.put48(syn, 6, strangerMac);
            receive(syn);
            List<byte[]> out = new ArrayList<>(frames);
            assertEquals(2, out.size(), "an ARP request and the SYN-ACK, nothing held");
            assertEquals(EthernetFrame.TYPE_ARP, BigEndian.u16(out.get(0), 12));
            assertEquals(strangerMac, BigEndian.u48(out.get(1), 0), "the SYN-ACK goes to the SYN's Ethernet source");
            Sent synAck = sent().get(0);
            assertTrue(synAck.has(TcpSegment.SYN) && synAck.has(TcpSegment.ACK));
            now += 1_100 * MS;
            tcp.poll(now);
            ip.poll(now);
            assertEquals(strangerMac, BigEndian.u48(frames.stream().filter(f -> BigEndian.u16(f, 12) == EthernetFrame.TYPE_IPV4)
                    .findFirst().orElseThrow(), 0), "the retransmitted SYN-ACK too");
            assertEquals(2, stats.get(Counter.OUT_TO_FRAME_SENDER));
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.2: when half-open plus unaccepted connections reach the backlog, a SYN is dropped and counted (cookies off)")
        void fullBacklogDropsSyn() {
            TcpListener l = tcp.listen(80, 2, SETTINGS.toBuilder().synCookies(false).build());
            handshake(40001, 80, 100);                                        // established, waiting for accept
            receive(segment(40002, 80, 200, 0, TcpSegment.SYN, new byte[0])); // half-open
            assertEquals(1, sent().size());
            receive(segment(40003, 80, 300, 0, TcpSegment.SYN, new byte[0])); // no room
            assertEquals(List.of(), sent(), "no SYN-ACK, no RST: the peer will try again");
            assertEquals(1, stats.get(Counter.DROP_TCP_BACKLOG_FULL));
            assertEquals(1, l.halfOpen());
            assertEquals(1, l.readyCount());
            assertNotNull(l.poll());
            receive(segment(40003, 80, 300, 0, TcpSegment.SYN, new byte[0])); // room again after accept
            assertEquals(1, sent().size());
            assertEquals(2, l.halfOpen());
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.2: an ACK to a listener is answered with RST (seq = SEG.ACK); a RST to it is ignored")
        void ackAndResetToListener() {
            tcp.listen(80, 2, SETTINGS);
            receive(segment(40000, 80, 1, 5555, TcpSegment.ACK, new byte[0]));
            Sent r = onlySent();
            assertEquals(TcpSegment.RST, r.flags());
            assertEquals(5555, r.seq());
            receive(segment(40000, 80, 1, 0, TcpSegment.RST, new byte[0]));
            assertEquals(List.of(), sent());
            assertEquals(2, stats.get(Counter.DROP_TCP_LISTEN_UNEXPECTED));
            assertEquals(0, tcp.connectionCount());
        }

        @Test
        @DisplayName("closing a listener resets its half-open and unaccepted connections and tells its observer")
        void unlistenResets() {
            List<TcpConnection> told = new ArrayList<>();
            TcpListener l = tcp.listen(80, 4, SETTINGS, told::add);
            handshake(40001, 80, 100);
            receive(segment(40002, 80, 200, 0, TcpSegment.SYN, new byte[0]));
            sent();
            tcp.unlisten(now, l);
            List<Sent> resets = sent();
            assertEquals(2, resets.size(), resets::toString);
            assertTrue(resets.stream().allMatch(s -> s.has(TcpSegment.RST)));
            assertTrue(l.isClosed());
            assertEquals(0, tcp.connectionCount());
            assertEquals(0, tcp.listenerCount());
            assertNull(told.get(told.size() - 1), "the observer hears null when the listener closes");
            receive(segment(40003, 80, 300, 0, TcpSegment.SYN, new byte[0]));
            assertEquals(TcpSegment.RST | TcpSegment.ACK, onlySent().flags(), "the port is closed now");
        }

        @Test
        @DisplayName("a port already listened on cannot be listened on again; port 0 picks an ephemeral one")
        void listenPorts() {
            tcp.listen(80, 1, SETTINGS);
            assertThrows(IllegalStateException.class, () -> tcp.listen(80, 1, SETTINGS));
            int p = tcp.listen(0, 1, SETTINGS).port();
            assertTrue(p >= TcpLayer.EPHEMERAL_FIRST && p <= TcpLayer.EPHEMERAL_LAST, "port " + p);
        }
    }

    @Nested
    class Demultiplexing {
        @Test
        @DisplayName("RFC 9293 3.4: 1000 connections to one port, each told apart by its four-tuple, survive others closing")
        void manyConnections() {
            int count = 1000;
            TcpListener l = tcp.listen(80, count, SETTINGS);
            int[] ourIsn = new int[count];
            TcpConnection[] conns = new TcpConnection[count];
            for (int i = 0; i < count; i++) {
                ourIsn[i] = handshake(20000 + i, 80, i * 1_000_000).seq();
                conns[i] = l.poll();
                assertNotNull(conns[i]);
            }
            assertEquals(count, tcp.connectionCount());
            // Every other connection is reset by its peer; the rest must still find their data.
            for (int i = 0; i < count; i += 2) {
                receive(segment(20000 + i, 80, i * 1_000_000 + 1, 0, TcpSegment.RST, new byte[0]));
                assertEquals(Ending.RESET, conns[i].ending());
            }
            assertEquals(count / 2, tcp.connectionCount());
            for (int i = 1; i < count; i += 2) {
                byte[] data = ("connection " + i).getBytes();
                receive(segment(20000 + i, 80, i * 1_000_000 + 1, SeqNum.add(ourIsn[i], 1), TcpSegment.ACK, data));
                byte[] got = new byte[data.length];
                assertEquals(data.length, conns[i].receiveBuffer().read(got, 0, got.length), "connection " + i);
                assertArrayEquals(data, got);
            }
            assertEquals(count + count / 2 + count / 2 + count, stats.get(Counter.TCP_DELIVERED));
        }

        @Test
        @DisplayName("ConnectionTable: random inserts and removals agree with a HashMap")
        void tableAgreesWithHashMap() {
            ConnectionTable<Long> table = new ConnectionTable<>(42);
            java.util.Map<Long, Long> reference = new java.util.HashMap<>();
            SplittableRandom r = new SplittableRandom(9);
            for (int i = 0; i < 200_000; i++) {
                long key = r.nextInt(5000) * 0x1_0000_0001L; // collisions in the low bits on purpose
                if (r.nextInt(3) == 0) {
                    assertEquals(reference.remove(key), table.remove(key));
                } else {
                    assertEquals(reference.put(key, (long) i), table.put(key, (long) i));
                }
                if (i % 1000 == 0) {
                    for (long k = 0; k < 5000; k++) {
                        assertEquals(reference.get(k * 0x1_0000_0001L), table.get(k * 0x1_0000_0001L));
                    }
                }
            }
            assertEquals(reference.size(), table.size());
        }
    }

    @Nested
    class PortsShared {
        @Test
        @DisplayName("RFC 9293 MUST-42: a port can be listened on while a connection from it is in SYN-SENT; both go on")
        void listenBesideSynSent() throws Exception {
            TcpConnection active = tcp.connect(now, PEER, 80, SETTINGS, null);
            Sent syn = onlySent();
            int port = active.localPort();
            TcpListener l = tcp.listen(port, 4, SETTINGS);
            handshake(40001, port, 7000);
            TcpConnection passive = l.poll();
            assertNotNull(passive, "the listener took a connection on the port");
            assertEquals(State.SYN_SENT, active.state(), "the active open is untouched");
            receive(segment(80, port, 9000, SeqNum.add(syn.seq(), 1), TcpSegment.SYN | TcpSegment.ACK, new byte[0]));
            assertEquals(State.ESTABLISHED, active.state(), "its SYN-ACK reached it, not the listener");
            assertEquals(State.ESTABLISHED, passive.state());
            assertEquals(2, tcp.connectionCount());
        }

        @Test
        @DisplayName("RFC 9293 MUST-41: a passive OPEN does not disturb connections already there, nor does closing it")
        void passiveOpenLeavesOthersAlone() throws Exception {
            TcpListener first = tcp.listen(80, 4, SETTINGS);
            Sent synAck = handshake(40000, 80, 7000);
            TcpConnection c = first.poll();
            TcpConnection active = tcp.connect(now, PEER, 443, SETTINGS, null);
            Sent syn = onlySent();
            TcpListener second = tcp.listen(81, 4, SETTINGS);
            tcp.unlisten(now, first);
            tcp.unlisten(now, second);
            assertEquals(List.of(), sent(), "nothing was sent to the connections");
            assertEquals(State.ESTABLISHED, c.state(), "an accepted connection outlives its listener");
            assertEquals(State.SYN_SENT, active.state());
            receive(segment(40000, 80, 7001, SeqNum.add(synAck.seq(), 1), TcpSegment.ACK | TcpSegment.PSH, "hello".getBytes()));
            assertEquals(5, c.receiveBuffer().available());
            receive(segment(443, active.localPort(), 9000, SeqNum.add(syn.seq(), 1), TcpSegment.SYN | TcpSegment.ACK, new byte[0]));
            assertEquals(State.ESTABLISHED, active.state());
        }
    }

    @Nested
    class AckAggregation {
        @Test
        @DisplayName("RFC 9293 MUST-58, MUST-59 (RFC 1122 4.2.3.2): segments that arrive together are all processed before one ACK covers them")
        void oneAckForABatch() {
            TcpListener l = tcp.listen(80, 4, SETTINGS);
            Sent synAck = handshake(40000, 80, 7000);
            TcpConnection c = l.poll();
            int ack = SeqNum.add(synAck.seq(), 1);
            for (int i = 0; i < 3; i++) {
                receive(segment(40000, 80, 7001 + 500 * i, ack, TcpSegment.ACK, new byte[500]));
            }
            tcp.poll(now);
            List<Sent> acks = sent();
            assertEquals(1, acks.size(), () -> "one ACK for the three segments: " + acks);
            assertEquals(7001 + 1500, acks.get(0).ack());
            assertEquals(1500, c.receiveBuffer().available());
        }
    }

    @Nested
    class Connecting {
        @Test
        @DisplayName("RFC 6056: ephemeral ports are in 49152-65535, and never collide with a live four-tuple")
        void ephemeralPortsUnique() throws Exception {
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 3000; i++) {
                TcpConnection c = tcp.connect(now, PEER, 80, SETTINGS, null);
                int p = c.localPort();
                assertTrue(p >= TcpLayer.EPHEMERAL_FIRST && p <= TcpLayer.EPHEMERAL_LAST, "port " + p);
                assertTrue(ports.add(p), "port " + p + " used twice to the same peer and port");
            }
            assertEquals(3000, tcp.connectionCount());
            assertEquals(3000, stats.get(Counter.TCP_ACTIVE_OPENS));
        }

        @Test
        @DisplayName("RFC 6056: the last free port is found, listening ports are skipped, and then IllegalStateException")
        void portsRunOut() throws Exception {
            Set<Integer> free = Set.of(49152, 50000, 65535);
            for (int p = TcpLayer.EPHEMERAL_FIRST; p <= TcpLayer.EPHEMERAL_LAST; p++) {
                if (!free.contains(p)) {
                    tcp.listen(p, 1, SETTINGS);
                }
            }
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                got.add(tcp.connect(now, PEER, 80, SETTINGS, null).localPort());
            }
            assertEquals(free, got);
            assertThrows(IllegalStateException.class, () -> tcp.connect(now, PEER, 80, SETTINGS, null));
            // Another peer port makes other four-tuples, so the same local ports serve again.
            assertEquals(true, free.contains(tcp.connect(now, PEER, 81, SETTINGS, null).localPort()));
        }

        @Test
        @DisplayName("RFC 9293 MUST-22: an unanswered SYN is resent on the layer's timers, then the connection ends TIMED_OUT and leaves the table")
        void synTimesOut() throws Exception {
            List<State> seen = new ArrayList<>();
            // R1 above R2: the SYN's own timer alone. Here nothing answers ARP, and from R1 on a retransmission waits
            // for the next hop to answer a re-validation (NegativeAdviceTest).
            TcpSettings settings = SETTINGS.withRetransmission(200 * MS, 1000 * MS, 3).toBuilder().adviseRetransmissions(4).build();
            TcpConnection c = tcp.connect(now, PEER, 80, settings, conn -> seen.add(conn.state()));
            assertEquals(1, sent().size());
            assertEquals(now + 1000 * MS, tcp.nextDeadline(), "RFC 6298 2.1: the first RTO is one second");
            int syns = 1;
            for (int i = 0; i < 20 && c.state() != State.CLOSED; i++) {
                now = tcp.nextDeadline();
                tcp.poll(now);
                syns += (int) sent().stream().filter(s -> s.has(TcpSegment.SYN)).count();
            }
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.TIMED_OUT, c.ending());
            assertEquals(4, syns, "the first SYN and three retransmissions");
            assertEquals(State.CLOSED, seen.get(seen.size() - 1), "the observer heard the end");
            assertEquals(0, tcp.connectionCount());
            assertEquals(Long.MAX_VALUE, tcp.nextDeadline());
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.3: SYN-ACK completes the open; the peer's RST in SYN-SENT ends it REFUSED")
        void openAndRefuse() throws Exception {
            TcpConnection c = tcp.connect(now, PEER, 80, SETTINGS, null);
            Sent syn = onlySent();
            receive(segment(80, c.localPort(), 9000, SeqNum.add(syn.seq(), 1), TcpSegment.SYN | TcpSegment.ACK, new byte[0]));
            assertEquals(State.ESTABLISHED, c.state());
            sent();
            TcpConnection d = tcp.connect(now, PEER, 80, SETTINGS, null);
            Sent syn2 = onlySent();
            receive(segment(80, d.localPort(), 0, SeqNum.add(syn2.seq(), 1), TcpSegment.RST | TcpSegment.ACK, new byte[0]));
            assertEquals(Ending.REFUSED, d.ending());
            assertEquals(1, tcp.connectionCount(), "the refused one left the table");
        }

        @Test
        @DisplayName("connect with no route throws NoRouteToHostException and leaves nothing behind")
        void noRoute() {
            assertThrows(java.net.NoRouteToHostException.class,
                    () -> tcp.connect(now, Ipv4Address.parse("198.19.0.1").bits(), 80, SETTINGS, null));
            assertEquals(0, tcp.connectionCount());
        }
    }

    @Nested
    class Closing {
        @Test
        @DisplayName("RFC 2525 2.17: close with unread data resets; an orphan that receives data later is reset too")
        void closeWithUnreadData() {
            TcpListener l = tcp.listen(80, 4, SETTINGS);
            int isn = handshake(40000, 80, 100).seq();
            TcpConnection c = l.poll();
            sent();
            receive(segment(40000, 80, 101, SeqNum.add(isn, 1), TcpSegment.ACK, "unread".getBytes()));
            sent();
            tcp.close(now, c);
            assertEquals(TcpSegment.RST, onlySent().flags() & TcpSegment.RST);
            assertEquals(Ending.ABORTED, c.ending());

            int isn2 = handshake(40001, 80, 500).seq();
            TcpConnection d = l.poll();
            sent();
            tcp.close(now, d); // nothing unread: a FIN
            assertTrue(onlySent().has(TcpSegment.FIN));
            assertEquals(State.FIN_WAIT_1, d.state());
            receive(segment(40001, 80, 501, SeqNum.add(isn2, 2), TcpSegment.ACK, "late".getBytes()));
            assertTrue(sent().stream().anyMatch(s -> s.has(TcpSegment.RST)), "data for a closed owner is answered with RST");
            assertEquals(0, tcp.connectionCount());
        }

        @Test
        @DisplayName("closeAll resets every connection and closes every listener")
        void closeAll() throws Exception {
            TcpListener l = tcp.listen(80, 4, SETTINGS);
            handshake(40000, 80, 100);
            tcp.connect(now, PEER, 99, SETTINGS, null);
            sent();
            tcp.closeAll(now);
            assertEquals(0, tcp.connectionCount());
            assertEquals(0, tcp.listenerCount());
            assertTrue(l.isClosed());
            assertEquals(1, sent().stream().filter(s -> s.has(TcpSegment.RST)).count(), "the established one is reset");
        }
    }
}
