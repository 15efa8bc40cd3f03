package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import teacup.link.Impairment;
import teacup.stats.Counter;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;
import teacup.tcp.TcpLayer;
import teacup.tcp.TcpListener;

/**
 * Two stacks on an impaired VirtualWire in simulated time, one TCP connection between them, and
 * the test as the application on both ends (straight through the TCP layers, no socket threads):
 * 10 MB each way at once must arrive whole, in order and unchanged. The bytes are a function of
 * their position in the stream, so nothing holds 10 MB to compare with.
 */
class TcpSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int B = Simulation.B_IP.bits();
    private static final int PORT = 5000;
    private static final long SIZE = 10L * 1024 * 1024;
    /** Application turns happen this often in simulated time. */
    private static final long TURN = 20 * MS;
    private static final long TIME_LIMIT = 1800 * S;
    private static final int TURN_LIMIT = (int) (TIME_LIMIT / TURN) + 10;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 20);
    }

    /** The byte at {@code position} of stream {@code salt}: a hash, so a shifted, repeated or lost byte shows. */
    static byte patternAt(long salt, long position) {
        long z = (position + salt) * 0x9E3779B97F4A7C15L;
        z ^= z >>> 29;
        return (byte) (z >>> 24);
    }

    /** One end's application: writes its stream, reads and checks the other's, half-closes when all is written. */
    static final class Application {
        final String name;
        final TcpLayer layer;
        final TcpConnection connection;
        final long sendSalt;
        final long receiveSalt;
        final byte[] chunk = new byte[64 * 1024];
        long written;
        long received;
        boolean shutDown;
        boolean endOfStream;
        /** The last state before CLOSED, as the layer's observer reported it. */
        TcpConnection.State lastOpenState;
        int notifications;

        Application(String name, TcpLayer layer, TcpConnection connection, long sendSalt, long receiveSalt) {
            this.name = name;
            this.layer = layer;
            this.connection = connection;
            this.sendSalt = sendSalt;
            this.receiveSalt = receiveSalt;
            layer.observe(connection, c -> {
                notifications++;
                if (c.state() != TcpConnection.State.CLOSED) {
                    lastOpenState = c.state();
                }
            });
        }

        /**
         * Ended after both FINs: normally, or by a reset that found it in TIME-WAIT (a late duplicate
         * made it ACK again, and the peer, already gone, answered that with RST: RFC 9293 3.10.7.1).
         */
        void assertClosedNormally(Simulation sim) {
            assertEquals(TcpConnection.State.CLOSED, connection.state(), () -> this + "; " + sim);
            if (connection.ending() != TcpConnection.Ending.CLOSED_NORMALLY) {
                assertEquals(TcpConnection.Ending.RESET, connection.ending(), () -> this + "; " + sim);
                assertEquals(TcpConnection.State.TIME_WAIT, lastOpenState, () -> this + "; " + sim);
            }
            assertTrue(notifications > 0, "the observer was told");
        }

        void turn(long now, Simulation sim) {
            boolean wrote = false;
            while (written < SIZE) {
                int n = (int) Math.min(chunk.length, SIZE - written);
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
            if (written == SIZE && !shutDown) {
                shutDown = true;
                layer.shutdownOutput(now, connection);
            }
            boolean finished = connection.peerFinished(); // read before draining: all data before the FIN is in the buffer
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
                if (received > SIZE) {
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
            return name + "[written " + written + ", received " + received + ", " + connection + " " + connection.ending()
                    + " after " + lastOpenState + "]";
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    @DisplayName("RFC 9293 3.10 + SHLD-31: 10 MB each way at once crosses 10% loss, 5% reordering, 2% duplication, "
            + "1% corruption and jittered delay byte-exact, then both ends close")
    void tenMegabytesEachWay(long seed) throws Exception {
        Impairment.Config config = Impairment.Config.none()
                .drop(0.10).reorder(0.05).duplicate(0.02).corrupt(0.01).corruptFrom(14)
                .delay(2 * MS, 3 * MS);
        Simulation sim = new Simulation(seed, config, config);
        // TIME-WAIT (2 MSL, 60 s by default) must outlast the peer's backed-off FIN retransmissions.
        TcpSettings settings = TcpSettings.defaults();
        TcpListener listener = sim.b.tcp().listen(PORT, 4, settings);
        TcpConnection client = sim.a.tcp().connect(sim.now(), B, PORT, settings, null);
        Application a = new Application("A", sim.a.tcp(), client, 11, 22);
        Application b = null;
        int turns = 0;
        while (b == null || !a.done() || !b.done()) {
            if (++turns > TURN_LIMIT || sim.now() > TIME_LIMIT) {
                fail("not done within " + TIME_LIMIT / S + " s of simulated time: " + a + ", " + b + "; " + sim);
            }
            if (b == null) {
                TcpConnection accepted = listener.poll();
                if (accepted != null) {
                    b = new Application("B", sim.b.tcp(), accepted, 22, 11);
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
            sim.tapA.clear(); // the taps keep a copy of every frame; nothing here looks at them
            sim.tapB.clear();
        }
        assertEquals(SIZE, a.received, sim::toString);
        assertEquals(SIZE, b.received, sim::toString);
        // Both FINs are acknowledged within a few retransmissions; then only TIME-WAIT (2 MSL) remains.
        sim.runFor(4 * settings.msl());
        a.assertClosedNormally(sim);
        b.assertClosedNormally(sim);
        assertEquals(0, sim.a.tcp().connectionCount(), sim::toString);
        assertEquals(0, sim.b.tcp().connectionCount(), sim::toString);
        for (NetStack stack : new NetStack[] {sim.a, sim.b}) {
            Map<Counter, Long> stats = stack.statistics();
            assertEquals(stats.getOrDefault(Counter.FRAMES_IN, 0L),
                    Simulation.total(stats, Counter.Kind.ACCEPTED) + Simulation.total(stats, Counter.Kind.DROPPED),
                    () -> "every frame ends in one counter: " + stats + "; " + sim);
            assertTrue(stats.getOrDefault(Counter.DROP_TCP_MALFORMED, 0L) + stats.getOrDefault(Counter.DROP_IPV4_BAD_CHECKSUM, 0L)
                    + stats.getOrDefault(Counter.DROP_NOT_OUR_MAC, 0L) + stats.getOrDefault(Counter.DROP_ETHER_TYPE, 0L) > 0,
                    () -> "corrupted frames were caught and counted: " + stats + "; " + sim);
        }
    }
}
