package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * Hostile peers (issue 12 item 2): a peer that announces a tiny MSS. Its MSS is raised to
 * {@link TcpSettings#minSendMss}, every segment carries data and a correct checksum (summed here
 * from the frame's bytes, not by teacup's codec), the transfer completes byte-exact, and a
 * connection at the floor sends no more than its segments per turn of the loop, so another
 * connection's segments are interleaved with its own. The TCP layer under an IP layer fed
 * hand-built frames, simulated time; a turn is one {@link TcpLayer#poll}.
 */
class TinyMssTest {
    static final long MS = 1_000_000L;
    static final int US = TcpLayerFixture.US;
    static final int PEER = TcpLayerFixture.PEER;
    static final int SIZE = 64 * 1024;

    final List<byte[]> frames = new ArrayList<>();
    final Statistics stats = new Statistics();
    final TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500,
            (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats);
    final TcpLayer tcp = layers.tcp();
    long now = 1_000 * MS;

    /** A peer that ACKs in order what it received, announcing {@code mss} and maybe timestamps, with window 65535. */
    final class Peer {
        final int port;
        final boolean timestamps;
        final byte[] received = new byte[SIZE];
        int irs;
        int contiguous;
        int tsVal = 1000;
        int lastTsSeen;
        /** Data segments taken since the last ACK: every second one is ACKed, as a delayed-ACK receiver does. */
        int unacked;
        final List<byte[]> acks = new ArrayList<>();
        TcpConnection connection;

        Peer(int port, boolean timestamps) {
            this.port = port;
            this.timestamps = timestamps;
        }

        TcpOptions options() {
            return timestamps ? new TcpOptions().timestamps(tsVal += 1, lastTsSeen) : null;
        }

        void take(byte[] f, TcpSegment s) {
            if (s.has(TcpSegment.SYN)) {
                irs = s.sequence();
            }
            if (timestamps) {
                TcpOptions o = new TcpOptions();
                assertEquals(teacup.wire.Defect.NONE, o.parse(f, s.optionsOffset(), s.optionsLength()));
                lastTsSeen = o.tsVal();
            }
            int offset = SeqNum.diff(s.sequence(), SeqNum.add(irs, 1));
            if (s.payloadLength() > 0 && offset <= contiguous) {
                int end = offset + s.payloadLength();
                System.arraycopy(f, s.payloadOffset(), received, offset, s.payloadLength());
                contiguous = Math.max(contiguous, end);
                if (++unacked == 2) {
                    unacked = 0;
                    acks.add(ackFrame());
                }
            }
        }

        byte[] ackFrame() {
            return frame(port, 1001, SeqNum.add(irs, 1 + contiguous), TcpSegment.ACK, options());
        }

        /** After a turn's segments: an ACK for what the last ACK left out. */
        void ackTheRest() {
            if (unacked > 0) {
                unacked = 0;
                acks.add(ackFrame());
            }
        }

        /** The ACKs for what came in the last turn reach the stack. */
        void sendAcks() {
            for (byte[] a : acks) {
                receive(a);
            }
            acks.clear();
        }

        void ack() {
            receive(ackFrame());
        }
    }

    static byte[] frame(int sourcePort, int seq, int ack, int flags, TcpOptions options) {
        int header = TcpSegment.headerLength(options);
        byte[] b = new byte[14 + 20 + header];
        EthernetFrame.write(b, 0, TcpLayerFixture.US_MAC, TcpLayerFixture.PEER_MAC, EthernetFrame.TYPE_IPV4);
        int len = TcpSegment.write(b, 34, sourcePort, 80, seq, ack, flags, 65535, 0, options, 0, PEER, US);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, PEER, US);
        return b;
    }

    void receive(byte[] f) {
        layers.ip().receive(now, f, 0, f.length);
    }

    /** RFC 9293 3.1 / RFC 1071: the ones' complement sum over pseudo-header and segment, from the frame's bytes alone. */
    static int checksumOver(byte[] f) {
        int ipLength = BigEndian.u16(f, 16);
        int ihl = (f[14] & 0x0f) * 4;
        int tcpLength = ipLength - ihl;
        long sum = 0;
        for (int i = 26; i < 34; i += 2) {
            sum += BigEndian.u16(f, i);
        }
        sum += Ipv4Packet.PROTOCOL_TCP + tcpLength;
        int start = 14 + ihl;
        for (int i = 0; i < tcpLength; i += 2) {
            sum += i + 1 < tcpLength ? BigEndian.u16(f, start + i) : (f[start + i] & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    /** Segments since the last call, each checked and handed to its peer; returns them as (port, payload length). */
    List<int[]> deliver(Peer... peers) {
        List<int[]> out = new ArrayList<>();
        TcpSegment s = new TcpSegment();
        for (byte[] f : frames) {
            if (BigEndian.u16(f, 12) != EthernetFrame.TYPE_IPV4 || (f[23] & 0xff) != Ipv4Packet.PROTOCOL_TCP) {
                continue;
            }
            assertEquals(0xffff, checksumOver(f), "every segment's TCP checksum is right");
            assertEquals(teacup.wire.Defect.NONE, s.wrap(f, 34, BigEndian.u16(f, 16) - 20, US, PEER));
            for (Peer p : peers) {
                if (s.destinationPort() == p.port) {
                    p.take(f, s);
                    out.add(new int[] {p.port, s.payloadLength(), s.flags()});
                }
            }
        }
        frames.clear();
        for (Peer p : peers) {
            p.ackTheRest();
        }
        return out;
    }

    Peer open(TcpListener listener, int port, int mss, boolean timestamps) {
        Peer p = new Peer(port, timestamps);
        TcpOptions syn = new TcpOptions().mss(mss);
        if (timestamps) {
            syn.timestamps(p.tsVal, 0);
        }
        receive(frame(port, 1000, 0, TcpSegment.SYN, syn));
        deliver(p);
        p.ack();
        p.connection = listener.poll();
        assertNotNull(p.connection, "the handshake completed");
        return p;
    }

    /** The application writes {@link #SIZE} bytes to {@code p}'s connection. */
    void write(Peer p) {
        byte[] data = expected(p.port);
        assertEquals(SIZE, p.connection.sendBuffer().write(data, 0, SIZE));
        tcp.flush(now, p.connection);
    }

    static byte[] expected(int port) {
        byte[] data = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            data[i] = (byte) (i * 31 + port);
        }
        return data;
    }

    /**
     * One turn of the loop as the stack counts them (it starts at {@link TcpLayer#poll}): the poll,
     * the ACKs the peers sent for the last turn's segments (one per two, and one for the rest),
     * then what the stack sent in the turn; time moves 1 ms.
     */
    List<int[]> turn(Peer... peers) {
        tcp.poll(now);
        for (Peer p : peers) {
            p.sendAcks();
        }
        now += MS;
        return deliver(peers);
    }

    @ParameterizedTest(name = "MSS {0}, timestamps {1}: segments of {2} bytes")
    @CsvSource({"1, true, 36", "11, true, 36", "12, true, 36", "48, true, 36", "1, false, 48", "11, false, 48",
            "12, false, 48", "48, false, 48", "49, true, 37"})
    @DisplayName("a peer announcing a tiny MSS gets segments of the floor's size, data in each, checksums right, every byte")
    void tinyMssIsRaisedToTheFloor(int mss, boolean timestamps, int size) {
        TcpListener listener = tcp.listen(80, 4, TcpSettings.defaults().withBuffers(SIZE, SIZE));
        Peer p = open(listener, 40000, mss, timestamps);
        write(p);
        for (int i = 0; i < 100_000 && p.contiguous < SIZE; i++) {
            for (int[] s : turn(p)) {
                assertTrue(s[1] <= size, "a segment carries at most " + size + " bytes, not " + s[1]);
            }
        }
        assertArrayEquals(expected(40000), p.received, "the transfer completed byte-exact");
        assertEquals(mss < TcpSettings.DEFAULT_MIN_SEND_MSS ? 1 : 0, stats.get(Counter.TCP_PEER_MSS_CLAMPED));
        assertEquals(size, p.connection.sender.segmentSize());
    }

    @Test
    @DisplayName("a peer at the MSS floor and a normal peer on one stack: the floor's connection sends at most its segments per turn, the normal one is interleaved and finishes first")
    void tinyMssDoesNotStarveOthers() {
        TcpListener listener = tcp.listen(80, 4, TcpSettings.defaults().withBuffers(SIZE, SIZE));
        Peer tiny = open(listener, 40001, 1, true);
        Peer normal = open(listener, 40002, 1460, true);
        write(tiny);
        write(normal);
        deliver(tiny, normal); // what the writes sent, in the turn before the first poll
        int perTurn = TcpSettings.DEFAULT_SEND_SEGMENTS_PER_TURN;
        int longestRun = 0;
        int run = 0;
        int normalDoneAt = -1;
        for (int i = 0; i < 100_000 && (tiny.contiguous < SIZE || normal.contiguous < SIZE); i++) {
            int tinyThisTurn = 0;
            for (int[] s : turn(tiny, normal)) {
                if (s[0] == tiny.port && s[1] > 0) {
                    tinyThisTurn++;
                    run++;
                } else if (s[0] == normal.port && s[1] > 0) {
                    longestRun = Math.max(longestRun, run);
                    run = 0;
                }
            }
            assertTrue(tinyThisTurn <= perTurn, "a turn carries at most " + perTurn + " of one connection's segments, not " + tinyThisTurn);
            if (normalDoneAt < 0 && normal.contiguous == SIZE) {
                normalDoneAt = i;
                assertTrue(tiny.contiguous < SIZE, "the normal transfer finishes while the tiny one still runs");
            }
        }
        assertTrue(longestRun <= perTurn, "between two of the normal connection's segments at most one turn's worth of the other's: " + longestRun);
        assertTrue(stats.get(Counter.TCP_SEND_TURNS_SPENT) > 0, "the budget bit, and was counted");
        assertArrayEquals(expected(40001), tiny.received);
        assertArrayEquals(expected(40002), normal.received);
    }

    @Test
    @DisplayName("both limits are settings: a floor of 100 raises an MSS of 60 to 100, and 8 segments a turn hold a connection to 8")
    void limitsAreSettings() {
        TcpSettings settings = TcpSettings.defaults().withBuffers(SIZE, SIZE).toBuilder().minSendMss(100)
                .sendSegmentsPerTurn(8).build();
        TcpListener listener = tcp.listen(80, 4, settings);
        Peer p = open(listener, 40003, 60, false);
        write(p);
        assertTrue(deliver(p).size() <= 8, "the write's own turn sends 8 at most"); // the turn before the first poll
        int turns = 0;
        for (; turns < 100_000 && p.contiguous < SIZE; turns++) {
            int data = 0;
            for (int[] s : turn(p)) {
                assertTrue(s[1] <= 100, "at most the floor's 100 bytes, not " + s[1]);
                data += s[1] > 0 ? 1 : 0;
            }
            assertTrue(data <= 8, "8 segments a turn at most, not " + data);
        }
        assertArrayEquals(expected(40003), p.received);
        assertEquals(100, p.connection.sender.segmentSize());
        assertEquals(1, stats.get(Counter.TCP_PEER_MSS_CLAMPED));
        assertTrue(turns >= SIZE / 100 / 8, "the budget bounded the pace: " + turns + " turns");
        assertTrue(stats.get(Counter.TCP_SEND_TURNS_SPENT) > 0);
    }
}
