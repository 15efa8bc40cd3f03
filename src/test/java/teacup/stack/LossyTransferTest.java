package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.link.Impairment;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;
import teacup.tcp.TcpListener;

/**
 * A bulk sender on a LAN-like path (0.5 ms round trip) with 5% random loss in both directions,
 * in simulated time: how long 20 MB takes tells whether loss recovery repairs several holes per
 * round trip or waits for retransmission timeouts. The figure and the loss counters are printed,
 * so a change to recovery can be compared before and after on the same seeds.
 */
class LossyTransferTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int PORT = 5001;
    private static final long SIZE = 20L * 1024 * 1024;
    /** How often the applications write and read, in simulated time: well under one round trip. */
    private static final long TURN = 100_000L;
    private static final long TIME_LIMIT = 120 * S;

    /** The outcome of one transfer. */
    record Result(long nanos, TcpConnection sender) {
        double megabytesPerSecond() {
            return SIZE / (nanos / 1e9) / 1e6;
        }

        @Override
        public String toString() {
            return String.format("%.2f s (%.1f MB/s), %d segments retransmitted, %d RTOs, %d recoveries, %d TLPs, "
                            + "%d undone; %s", nanos / 1e9, megabytesPerSecond(), sender.counters().segmentsRetransmitted(),
                    sender.counters().retransmissionTimeouts(), sender.counters().recoveryEpisodes(), sender.counters().tailLossProbes(),
                    sender.counters().spuriousRecoveries(), sender);
        }
    }

    /** A sends SIZE bytes to B over a wire that drops {@code loss} of the frames each way, with {@code oneWay} delay. */
    static Result transfer(long seed, double loss, long oneWay, TcpSettings settings) throws Exception {
        Impairment.Config config = Impairment.Config.none().drop(loss).delay(oneWay, 0);
        Simulation sim = new Simulation(seed, config, config);
        TcpListener listener = sim.b.tcp().listen(PORT, 4, settings);
        TcpConnection sender = sim.a.tcp().connect(sim.now(), Simulation.B_IP.bits(), PORT, settings, null);
        TcpConnection receiver = null;
        byte[] chunk = new byte[64 * 1024];
        long written = 0;
        long received = 0;
        long start = -1;
        while (received < SIZE) {
            if (sim.now() > TIME_LIMIT) {
                fail("not done within " + TIME_LIMIT / S + " s: received " + received + "; " + sender + "; " + sim);
            }
            if (receiver == null) {
                receiver = listener.poll();
            }
            if (sender.state() == TcpConnection.State.ESTABLISHED) {
                if (start < 0) {
                    start = sim.now();
                }
                boolean wrote = false;
                while (written < SIZE) {
                    int took = sender.sendBuffer().write(chunk, 0, (int) Math.min(chunk.length, SIZE - written));
                    written += took;
                    wrote |= took > 0;
                    if (took == 0) {
                        break;
                    }
                }
                if (wrote) {
                    sim.a.tcp().flush(sim.now(), sender);
                }
            }
            if (receiver != null) {
                int n;
                boolean read = false;
                while ((n = receiver.receiveBuffer().read(chunk, 0, chunk.length)) > 0) {
                    received += n;
                    read = true;
                }
                if (read) {
                    sim.b.tcp().windowOpened(sim.now(), receiver);
                }
            }
            sim.runFor(TURN);
            sim.tapA.clear();
            sim.tapB.clear();
        }
        assertEquals(SIZE, received);
        return new Result(sim.now() - start, sender);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 6})
    @DisplayName("RFC 6675 + RFC 8985: 20 MB over a 0.5 ms path with 5% loss each way arrives without waiting on timeouts")
    void twentyMegabytesThroughFivePercentLoss(long seed) throws Exception {
        Result r = transfer(seed, 0.05, 250_000L, TcpSettings.defaults());
        System.out.println("5% loss, seed " + seed + ": " + r);
        // Before loss recovery repaired lost retransmissions and probed stalls, these seeds took 1.1 to 2.4 s with
        // 4 to 9 RTOs of 200 ms each; now each takes well under 1.5 s with at most three (seed 2 has three since
        // Nagle lets a short tail go behind full segments: other segments, other losses). Seed 6 loses the first
        // SYN: it took 2.2 s while the handshake's retransmitted SYN gave an RTT sample of a second.
        assertTrue(r.sender.counters().retransmissionTimeouts() <= 3, r::toString);
        assertTrue(r.nanos < 1_500 * MS, r::toString);
    }
}
