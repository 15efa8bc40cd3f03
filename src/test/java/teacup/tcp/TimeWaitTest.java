package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.State;
import teacup.wire.BigEndian;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * A connection in TIME-WAIT that nobody holds is reduced to a {@link TimeWait}; one that an owner
 * still observes stays whole. The two must answer every segment the same way, byte for byte, and
 * end at the same time: each test runs one script of segments against both and compares the frames.
 */
@DisplayName("TIME-WAIT reduced to a TimeWait")
class TimeWaitTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final int PEER_ISN = 1000;
    private static final int PEER_PORT = 40000;
    private static final int PORT = 80;
    private static final TcpSettings SETTINGS = TcpSettings.defaults();

    /** One layer with one connection driven into TIME-WAIT by our close, the peer's FIN after it. */
    private static final class Side {
        final List<byte[]> frames = new ArrayList<>();
        final Statistics stats = new Statistics();
        final IpLayer ip;
        final TcpLayer tcp;
        final boolean timestamps;
        final TcpConnection connection;
        long now = 1_000 * MS;
        int peerTs = 100;
        int ourFinAck;
        /** The peer's next sequence number: its FIN is received. */
        int peerNext;

        Side(boolean reduced, boolean timestamps, boolean sack) {
            this.timestamps = timestamps;
            TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500,
                    (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats);
            ip = layers.ip();
            tcp = layers.tcp();
            TcpListener listener = tcp.listen(PORT, 4, SETTINGS);
            TcpOptions syn = new TcpOptions().mss(1460).windowScale(7).sackPermitted(sack);
            if (timestamps) {
                syn.timestamps(peerTs, 0);
            }
            receive(TcpLayerTest.frame(TcpLayerFixture.PEER, TcpLayerFixture.US, PEER_PORT, PORT, PEER_ISN, 0,
                    TcpSegment.SYN, syn, new byte[0]));
            int iss = BigEndian.i32(frames.getLast(), 34 + 4);
            peer(PEER_ISN + 1, iss + 1, TcpSegment.ACK, 0);
            connection = listener.poll();
            assertNotNull(connection);
            if (!reduced) {
                tcp.observe(connection, c -> { }); // an owner still holds it: it stays whole
            }
            peer(PEER_ISN + 1, iss + 1, TcpSegment.ACK | TcpSegment.PSH, 300);
            connection.receiveBuffer().read(new byte[300], 0, 300);
            tcp.windowOpened(now, connection);
            tcp.shutdownOutput(now, connection);
            ourFinAck = iss + 2;
            peer(PEER_ISN + 301, ourFinAck, TcpSegment.ACK | TcpSegment.FIN, 0);
            peerNext = PEER_ISN + 302;
            assertEquals(State.TIME_WAIT, connection.state());
            assertEquals(1, tcp.connectionCount(State.TIME_WAIT));
        }

        void receive(byte[] frame) {
            ip.receive(now, frame, 0, frame.length);
        }

        /** The peer sends {@code flags} from {@code seq} with {@code length} bytes, a timestamp {@code ts} (0: the next). */
        void peer(int seq, int ack, int flags, int length, int ts) {
            TcpOptions o = null;
            if (timestamps) {
                o = new TcpOptions().timestamps(ts == 0 ? ++peerTs : ts, 1);
            }
            receive(TcpLayerTest.frame(TcpLayerFixture.PEER, TcpLayerFixture.US, PEER_PORT, PORT, seq, ack, flags, o,
                    new byte[length]));
        }

        void peer(int seq, int ack, int flags, int length) {
            peer(seq, ack, flags, length, 0);
        }

        void advance(long nanos) {
            long until = now + nanos;
            while (tcp.nextDeadline() <= until) {
                now = Math.max(now, tcp.nextDeadline());
                tcp.poll(now);
            }
            now = until;
            tcp.poll(now);
        }

        /** The frames sent since the last call. */
        List<byte[]> sent() {
            List<byte[]> out = List.copyOf(frames);
            frames.clear();
            return out;
        }
    }

    /** Runs {@code script} against a reduced and a whole TIME-WAIT and checks that they sent the same frames. */
    private static List<byte[]> same(boolean timestamps, boolean sack, java.util.function.Consumer<Side> script) {
        Side reduced = new Side(true, timestamps, sack);
        Side whole = new Side(false, timestamps, sack);
        assertNull(reduced.tcp.find(TcpLayerFixture.PEER, PEER_PORT, PORT), "the reduced one left the connection table");
        assertNotNull(whole.tcp.find(TcpLayerFixture.PEER, PEER_PORT, PORT), "the observed one is whole");
        reduced.sent();
        whole.sent();
        script.accept(reduced);
        script.accept(whole);
        List<byte[]> a = reduced.sent();
        List<byte[]> b = whole.sent();
        assertEquals(b.size(), a.size(), "frames sent");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(hex(b.get(i)), hex(a.get(i)), "frame " + i);
        }
        assertEquals(whole.tcp.connectionCount(), reduced.tcp.connectionCount());
        return a;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    @ParameterizedTest(name = "timestamps {0}, SACK {1}")
    @CsvSource({"true,true", "true,false", "false,true", "false,false"})
    @DisplayName("RFC 9293 3.10.7.4, RFC 1337, RFC 2883, RFC 5961, RFC 7323 in TIME-WAIT: the reduced entry answers"
            + " every segment byte for byte as the whole connection does")
    void answersAsTheConnection(boolean timestamps, boolean sack) {
        List<byte[]> sent = same(timestamps, sack, side -> {
            int next = side.peerNext;
            side.advance(10 * S);
            side.peer(next - 1, side.ourFinAck, TcpSegment.ACK | TcpSegment.FIN, 0); // the FIN again: ACK, restart
            side.peer(PEER_ISN + 1, side.ourFinAck, TcpSegment.ACK, 100); // old text: ACK with D-SACK
            side.peer(next, 0, TcpSegment.RST, 0); // RFC 1337: ignored
            side.peer(next + 10, 0, TcpSegment.RST, 0);
            side.peer(next - 500, 0, TcpSegment.SYN, 0); // old SYN: challenge ACK
            side.peer(next, side.ourFinAck + 5000, TcpSegment.ACK, 0); // ACK for data never sent: challenge ACK
            for (int i = 0; i < 20; i++) {
                side.peer(next, 0, TcpSegment.SYN, 0); // a flood: the challenge-ACK budget runs out
            }
            side.peer(next, side.ourFinAck, TcpSegment.ACK, 0, 50); // PAWS: an old timestamp gets an ACK
            side.peer(next, side.ourFinAck, TcpSegment.ACK, 0, 5000); // a newer one is remembered
            side.peer(next + 1_000_000, side.ourFinAck, TcpSegment.ACK, 10); // far beyond the window: ACK
            side.advance(2 * S);
            side.peer(next - 1, side.ourFinAck, TcpSegment.ACK | TcpSegment.FIN, 0, 6000); // echoes the newest TS.Recent
        });
        assertTrue(sent.size() >= 7, "answers sent: " + sent.size());
    }

    @ParameterizedTest(name = "timestamps {0}")
    @CsvSource({"true", "false"})
    @DisplayName("RFC 9293 MUST-13: the reduced wait lasts 2 MSL from the last FIN, then the four-tuple is free and a"
            + " segment to it gets a reset, as for the whole connection")
    void endsAfterTwoMsl(boolean timestamps) {
        same(timestamps, true, side -> {
            side.advance(30 * S);
            side.peer(side.peerNext - 1, side.ourFinAck, TcpSegment.ACK | TcpSegment.FIN, 0); // restarts the 60 s
            side.advance(60 * S - 1);
            assertEquals(1, side.tcp.connectionCount(State.TIME_WAIT), "still waiting");
            side.advance(1);
            assertEquals(0, side.tcp.connectionCount(), "the wait is over");
            side.peer(side.peerNext, side.ourFinAck, TcpSegment.ACK, 0);
        });
    }

    @Test
    @DisplayName("RFC 6191: a newer SYN ends a reduced wait at once and opens a new connection; until then the status"
            + " report lists the entry in TIME-WAIT")
    void newIncarnationAndStatus() {
        Side side = new Side(true, true, true);
        List<ConnectionStatus> status = side.tcp.connectionStatus();
        assertEquals(1, status.size());
        assertEquals(State.TIME_WAIT, status.getFirst().state());
        assertEquals(PEER_PORT, status.getFirst().remotePort());
        side.sent();
        side.peer(side.peerNext + 100_000, 0, TcpSegment.SYN, 0);
        List<byte[]> answer = side.sent();
        assertEquals(1, answer.size());
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, answer.getFirst()[34 + 13] & 0xff, "a SYN-ACK: a new connection");
        assertEquals(1, side.tcp.connectionCount(State.SYN_RECEIVED));
        assertEquals(0, side.tcp.connectionCount(State.TIME_WAIT));
        assertEquals(0, side.stats.get(Counter.TCP_CHALLENGE_ACKS_SUPPRESSED));
    }
}
