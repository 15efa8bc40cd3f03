package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import teacup.link.Impairment;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;
import teacup.tcp.TcpLayer;
import teacup.tcp.TcpListener;
import teacup.wire.BigEndian;

/**
 * TCP over links with segmentation offload ({@link OffloadingLink}): each sender emits new data
 * in segments of whole MSS up to 64 KB, which cross the wire whole, so each receiver takes
 * segments far above its MSS. The streams must arrive byte-exact, over a clean wire and over one
 * that drops, reorders, duplicates and delays (a loss then takes a whole large segment, and its
 * data goes again in MSS-sized retransmissions).
 */
class TcpSegmentationOffloadTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int B = Simulation.B_IP.bits();
    private static final int PORT = 5000;
    private static final long TURN = 20 * MS;
    private static final long TIME_LIMIT = 600 * S;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 6);
    }

    static byte patternAt(long salt, long position) {
        long z = (position + salt) * 0x9E3779B97F4A7C15L;
        z ^= z >>> 29;
        return (byte) (z >>> 24);
    }

    /** One end's application: writes its stream, reads and checks the other's, half-closes when all is written. */
    private static final class Application {
        final String name;
        final TcpLayer layer;
        final TcpConnection connection;
        final long size;
        final long sendSalt;
        final long receiveSalt;
        final byte[] chunk = new byte[64 * 1024];
        long written;
        long received;
        boolean shutDown;
        boolean endOfStream;

        Application(String name, TcpLayer layer, TcpConnection connection, long size, long sendSalt, long receiveSalt) {
            this.name = name;
            this.layer = layer;
            this.connection = connection;
            this.size = size;
            this.sendSalt = sendSalt;
            this.receiveSalt = receiveSalt;
        }

        void turn(long now, Simulation sim) {
            boolean wrote = false;
            while (written < size) {
                int n = (int) Math.min(chunk.length, size - written);
                for (int i = 0; i < n; i++) {
                    chunk[i] = patternAt(sendSalt, written + i);
                }
                int took = connection.sendBuffer().write(chunk, 0, n);
                written += took;
                wrote |= took > 0;
                if (took < n) {
                    break;
                }
            }
            if (wrote) {
                layer.flush(now, connection);
            }
            if (written == size && !shutDown) {
                shutDown = true;
                layer.shutdownOutput(now, connection);
            }
            boolean finished = connection.peerFinished();
            boolean read = false;
            int n;
            while ((n = connection.receiveBuffer().read(chunk, 0, chunk.length)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (chunk[i] != patternAt(receiveSalt, received + i)) {
                        fail(name + " received a wrong byte at stream position " + (received + i) + "; " + sim);
                    }
                }
                received += n;
                read = true;
                if (received > size) {
                    fail(name + " received more than was sent: " + received + "; " + sim);
                }
            }
            if (read) {
                layer.windowOpened(now, connection);
            }
            if (finished && connection.receiveBuffer().available() == 0) {
                endOfStream = true;
            }
        }

        boolean done() {
            return shutDown && endOfStream;
        }

        @Override
        public String toString() {
            return name + "[written " + written + ", received " + received + ", " + connection + "]";
        }
    }

    /** Runs both streams to the end; returns the two applications (client A, server B). */
    private static Application[] transfer(Simulation sim, long size, boolean keepFrames) {
        TcpSettings settings = TcpSettings.defaults();
        TcpListener listener = sim.b.tcp().listen(PORT, 4, settings);
        TcpConnection client;
        try {
            client = sim.a.tcp().connect(sim.now(), B, PORT, settings, null);
        } catch (java.net.SocketException e) {
            throw new AssertionError(e);
        }
        Application a = new Application("A", sim.a.tcp(), client, size, 11, 22);
        Application b = null;
        while (b == null || !a.done() || !b.done()) {
            if (sim.now() > TIME_LIMIT) {
                fail("not done within " + TIME_LIMIT / S + " s of simulated time: " + a + ", " + b + "; " + sim);
            }
            if (b == null) {
                TcpConnection accepted = listener.poll();
                if (accepted != null) {
                    b = new Application("B", sim.b.tcp(), accepted, size, 22, 11);
                }
            }
            a.turn(sim.now(), sim);
            if (b != null) {
                b.turn(sim.now(), sim);
            }
            if (!a.done() && a.connection.state() == TcpConnection.State.CLOSED
                    || b != null && !b.done() && b.connection.state() == TcpConnection.State.CLOSED) {
                fail("a connection ended before its transfer: " + a + ", " + b + "; " + sim);
            }
            sim.runFor(TURN);
            if (!keepFrames) {
                sim.tapA.clear();
                sim.tapB.clear();
            }
        }
        assertEquals(size, a.received, sim::toString);
        assertEquals(size, b.received, sim::toString);
        return new Application[] {a, b};
    }

    @Test
    @DisplayName("new data goes in segments of whole MSS up to 64 KB (a pushed last one may end short), which the peer takes whole: 4 MB each way byte-exact")
    void largeSegmentsBothWays() {
        Simulation sim = new Simulation(0, null, null, true);
        Application[] apps = transfer(sim, 4L * 1024 * 1024, true);

        int segmentSize = apps[0].connection.negotiated().segmentSize();
        assertEquals(1460 - 12, segmentSize, "MSS less the timestamps option");
        for (OffloadingLink link : new OffloadingLink[] {sim.offloadA, sim.offloadB}) {
            assertFalse(link.segmented().isEmpty(), "no large segment was sent");
            for (int[] sent : link.segmented()) {
                int frame = sent[0];
                assertEquals(segmentSize, sent[1], "the segment size handed to the device");
                assertTrue(frame <= 14 + 65535, "frame of " + frame + " bytes");
                int data = frame - 14 - 20 - 32; // Ethernet, IPv4, TCP with timestamps
                assertTrue(data > segmentSize, "a large segment holds more than one MSS: " + data);
                assertTrue(data % segmentSize == 0 || sent[2] != 0,
                        "a large segment holds whole MSS, but for a pushed one that ends what was written: " + data);
            }
        }
        // The receiver took frames far above the MTU, and each large frame's IPv4 header says Don't Fragment.
        long large = sim.tapB.received().stream().filter(f -> f.bytes().length > 14 + Simulation.MTU).count();
        assertTrue(large > 0, "B received no frame above the MTU");
        for (Simulation.Frame f : sim.tapA.sent()) {
            if (f.bytes().length > 14 + Simulation.MTU) {
                assertEquals(0x4000, BigEndian.u16(f.bytes(), 14 + 6), "DF set, not a fragment");
            }
        }
        // Most data went in large segments: far fewer frames than MSS-sized segments would take.
        long dataFrames = sim.tapA.sent().stream().filter(f -> f.bytes().length > 14 + 20 + 32).count();
        assertTrue(dataFrames < 4L * 1024 * 1024 / segmentSize / 4, "A sent " + dataFrames + " data frames");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("RFC 9293 3.10: 4 MB each way in large segments crosses 5% loss, 3% reordering, 2% duplication "
            + "and jittered delay byte-exact; lost large segments are retransmitted")
    void largeSegmentsUnderLoss(long seed) {
        Impairment.Config config = Impairment.Config.none().drop(0.05).reorder(0.03).duplicate(0.02).delay(MS, 2 * MS);
        Simulation sim = new Simulation(seed, config, config, true);
        Application[] apps = transfer(sim, 4L * 1024 * 1024, false);
        assertFalse(sim.offloadA.segmented().isEmpty(), "A sent no large segment; " + sim);
        assertFalse(sim.offloadB.segmented().isEmpty(), "B sent no large segment; " + sim);
        assertTrue(apps[0].connection.counters().segmentsRetransmitted() + apps[1].connection.counters().segmentsRetransmitted() > 0,
                "nothing was retransmitted; " + sim);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("RFC 9293 3.10: 4 MB each way in large segments impaired as the MSS-sized segments they stand for "
            + "(5% loss, 3% reordering, 2% duplication, 1% corruption of each piece) crosses byte-exact")
    void largeSegmentsImpairedPieceByPiece(long seed) {
        Impairment.Config config = Impairment.Config.none().drop(0.05).reorder(0.03).duplicate(0.02).corrupt(0.01)
                .corruptFrom(14).delay(MS, 2 * MS).cutSegments(true);
        Simulation sim = Simulation.offloadImpairedAbove(seed, config);
        Application[] apps = transfer(sim, 4L * 1024 * 1024, false);
        for (Impairment impairment : new Impairment[] {sim.impairmentA, sim.impairmentB}) {
            Impairment.Counters out = impairment.sendCounters();
            assertTrue(out.dropped() > 0 && out.corrupted() > 0, "the impairment did not bite: " + out + "; " + sim);
        }
        assertTrue(sim.offloadA.segmented().isEmpty() && sim.offloadB.segmented().isEmpty(),
                "every large segment was cut before the device; " + sim);
        assertTrue(apps[0].connection.counters().segmentsRetransmitted() > 0, "nothing was retransmitted; " + sim);
        long sentFrames = sim.impairmentA.sendCounters().frames();
        assertTrue(sentFrames > 4L * 1024 * 1024 / 1448, "A's pieces met the impairment one by one: " + sentFrames);
    }
}
