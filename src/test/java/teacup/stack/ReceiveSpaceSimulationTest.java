package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.stats.Counter;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * Receive-buffer autotuning (issue 13 item 5) between two simulated stacks on a path of 50 ms
 * round trip behind a {@link Bottleneck}: B sends, A receives and reads, and A's receive space must
 * follow what its reader takes a round trip, within its bound, with the advertised right edge
 * never moving left.
 */
@DisplayName("receive-buffer autotuning (dynamic right-sizing) over a 50 ms path")
class ReceiveSpaceSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final int PORT = 9000;
    private static final int INITIAL = 256 * 1024;
    private static final int BOUND = TcpSettings.DEFAULT_MAX_RECEIVE_BUFFER;
    /** Application turns: both ends act this often. */
    private static final long TURN = MS;
    private static final long TIME_LIMIT = 120 * S;

    /** What one transfer showed. */
    private record Run(long duration, long zeroWindows, long closedWindows, int largestCapacity, long largestWindow,
                       long grown, long windowFulls) { }

    /** B's end: sends {@code size} bytes to A from a send buffer of {@code sendBuffer}. */
    private static final class Transfer {
        final Simulation sim;
        final TcpConnection receiver;
        final TcpConnection sender;
        final byte[] chunk = new byte[64 * 1024];
        long written;
        long read;
        int largestCapacity;
        long largestWindow;
        /** A's advertised right edge, as its segments carried it: it must never move left. */
        long edgeChecks;
        /** Once A has read this much, it reads nothing for {@code pauseTurns} turns. */
        long pauseFrom = Long.MAX_VALUE;
        long pauseTurns;
        long pausedTurns;
        /** A's ACKs offering less than one segment: the sender is stalled by the window, zero or nearly. */
        long closedWindows;
        int edge;
        boolean edgeKnown;

        Transfer(TcpSettings receiving, TcpSettings sending, long bytesPerSecond) throws Exception {
            this(receiving, sending, bytesPerSecond, 25 * MS);
        }

        Transfer(TcpSettings receiving, TcpSettings sending, long bytesPerSecond, long oneWayDelay) throws Exception {
            sim = Simulation.bottleneck(bytesPerSecond, oneWayDelay);
            TcpListener listener = sim.b.tcp().listen(PORT, 4, sending);
            receiver = sim.a.tcp().connect(sim.now(), Simulation.B_IP.bits(), PORT, receiving, null);
            TcpConnection accepted = null;
            for (int i = 0; accepted == null; i++) {
                if (i > 1000) {
                    fail("not accepted: " + sim);
                }
                sim.runFor(TURN);
                accepted = listener.poll();
            }
            sender = accepted;
            watchEdges();
        }

        /**
         * Moves {@code size} bytes from B to A: B's application writes at most {@code writePerTurn} a turn
         * (a paced sender: its rate is what the path would carry), A's reads at most {@code readPerTurn}
         * every {@code readEvery} turns.
         */
        Run send(long size, int writePerTurn, int readPerTurn, int readEvery) {
            long start = sim.now();
            long zeroBefore = sim.a.statistics().getOrDefault(Counter.TCP_ZERO_WINDOWS_ADVERTISED, 0L);
            long closedBefore = closedWindows;
            long fullBefore = sim.b.statistics().getOrDefault(Counter.TCP_SEND_WINDOW_FULL, 0L);
            long goal = written + size;
            for (long turn = 0; read < goal; turn++) {
                if (sim.now() - start > TIME_LIMIT) {
                    fail("not done in " + TIME_LIMIT / S + " s: read " + read + " of " + goal + "; " + receiver + "; " + sim);
                }
                long allowed = Math.min(goal, written + writePerTurn);
                while (written < allowed) {
                    int took = sender.sendBuffer().write(chunk, 0, (int) Math.min(chunk.length, allowed - written));
                    written += took;
                    if (took == 0) {
                        break;
                    }
                }
                sim.b.tcp().flush(sim.now(), sender);
                if (read >= pauseFrom && pausedTurns < pauseTurns) {
                    pausedTurns++; // the reader looks away
                } else if (turn % readEvery == 0) {
                    read(readPerTurn);
                }
                sim.runFor(TURN);
                largestCapacity = Math.max(largestCapacity, receiver.receiveBuffer().capacity());
                watchEdges();
            }
            long zero = sim.a.statistics().getOrDefault(Counter.TCP_ZERO_WINDOWS_ADVERTISED, 0L) - zeroBefore;
            return new Run(sim.now() - start, zero, closedWindows - closedBefore, largestCapacity, largestWindow,
                    sim.a.statistics().getOrDefault(Counter.TCP_RECEIVE_SPACE_GROWN, 0L),
                    sim.b.statistics().getOrDefault(Counter.TCP_SEND_WINDOW_FULL, 0L) - fullBefore);
        }

        private void read(int limit) {
            int budget = limit;
            int n;
            boolean any = false;
            while (budget > 0 && (n = receiver.receiveBuffer().read(chunk, 0, Math.min(chunk.length, budget))) > 0) {
                read += n;
                budget -= n;
                any = true;
            }
            if (any) {
                sim.a.tcp().windowOpened(sim.now(), receiver);
            }
        }

        /**
         * RFC 9293 3.8.6.2.2, RFC 7323 2.4: every segment A sent keeps its right edge where it was or further on,
         * but for the scale's rounding at a full buffer (less than one unit back, which 2.4 allows).
         */
        void watchEdges() {
            int scale = receiver.negotiated().receiveScale();
            for (Simulation.Frame f : sim.tapA.sent()) {
                byte[] b = f.bytes();
                if (BigEndian.u16(b, 12) != EthernetFrame.TYPE_IPV4 || (b[23] & 0xff) != Ipv4Packet.PROTOCOL_TCP) {
                    continue;
                }
                int tcp = EthernetFrame.HEADER_LENGTH + (b[EthernetFrame.HEADER_LENGTH] & 0x0f) * 4;
                int flags = b[tcp + 13] & 0xff;
                if ((flags & TcpSegment.SYN) != 0 || (flags & TcpSegment.ACK) == 0 || (flags & TcpSegment.RST) != 0) {
                    continue;
                }
                long window = (long) BigEndian.u16(b, tcp + 14) << scale;
                largestWindow = Math.max(largestWindow, window);
                if (window < 1460) {
                    closedWindows++;
                }
                int right = SeqNum.add((int) BigEndian.u32(b, tcp + 8), (int) window);
                if (edgeKnown && SeqNum.diff(edge, right) >= 1 << scale) {
                    fail("the right edge moved left, from " + Integer.toUnsignedString(edge) + " to "
                            + Integer.toUnsignedString(right) + " at " + f + "; " + sim);
                }
                if (!edgeKnown || SeqNum.gt(right, edge)) {
                    edge = right;
                }
                edgeKnown = true;
                edgeChecks++;
            }
            sim.tapA.clear();
            sim.tapB.clear();
        }
    }

    private static TcpSettings receiving(boolean timestamps, int maxReceiveBuffer) {
        return TcpSettings.defaults().toBuilder().timestamps(timestamps).maxReceiveBuffer(maxReceiveBuffer).build();
    }

    private static TcpSettings sending(int sendBuffer) {
        return TcpSettings.defaults().toBuilder().sendBuffer(sendBuffer).build();
    }

    private static final int ALL = Integer.MAX_VALUE;
    /** 100 MB/s: over 50 ms, a bandwidth-delay product of 5 MB, past the bound. */
    private static final long FAST_PATH = 100_000_000L;

    @ParameterizedTest(name = "timestamps {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("RFC 7323 2.4: a fast reader's window grows past the initial 256 KB to the 4 MB bound and no further, "
            + "its right edge never moving left, and 32 MB over a 100 MB/s path arrive faster than with the buffer fixed")
    void growsToTheBound(boolean timestamps) throws Exception {
        Transfer tuned = new Transfer(receiving(timestamps, BOUND), sending(16 << 20), FAST_PATH);
        Run run = tuned.send(32L << 20, ALL, ALL, 1);
        Transfer fixed = new Transfer(receiving(timestamps, INITIAL), sending(16 << 20), FAST_PATH);
        Run fixedRun = fixed.send(32L << 20, ALL, ALL, 1);
        System.out.printf("32 MB at 100 MB/s over 50 ms, timestamps %s: autotuned %d ms (buffer up to %d KB, window up to"
                        + " %d KB, grown %d times, %d zero windows), fixed %d ms (window up to %d KB, %d zero windows)%n",
                timestamps, run.duration / MS, run.largestCapacity / 1024, run.largestWindow / 1024, run.grown,
                run.zeroWindows, fixedRun.duration / MS, fixedRun.largestWindow / 1024, fixedRun.zeroWindows);
        assertEquals(BOUND, run.largestCapacity, "the buffer reached its bound and stayed within it");
        assertTrue(run.largestWindow > INITIAL && run.largestWindow <= BOUND, "window offered: " + run.largestWindow);
        assertTrue(fixedRun.largestWindow <= INITIAL, "fixed window offered: " + fixedRun.largestWindow);
        assertEquals(INITIAL, fixedRun.largestCapacity, "a buffer bounded at its initial size stays there");
        assertTrue(run.duration * 4 < fixedRun.duration,
                "autotuned " + run.duration / MS + " ms, fixed " + fixedRun.duration / MS + " ms");
        assertTrue(tuned.edgeChecks > 1000 && fixed.edgeChecks > 1000);
    }

    @ParameterizedTest(name = "timestamps {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("a reader that takes all there is every millisecond never advertises a zero window once autotuned, over"
            + " 1 GB/s and a 0.5 ms round trip, and runs at the path's rate; with the buffer fixed at 256 KB the window stalls the"
            + " sender every round")
    void fastReaderSeesNoZeroWindow(boolean timestamps) throws Exception {
        // A megabyte arrives between two reads, two round trips' worth: the buffer must hold it. Fixed at
        // 256 KB, the window fills within a round trip and the ACK closing it is a zero window.
        long rate = 1_000_000_000L;
        long delay = 250_000L;
        Run tuned = new Transfer(receiving(timestamps, BOUND), sending(16 << 20), rate, delay).send(64L << 20, ALL, ALL, 1);
        Run fixed = new Transfer(receiving(timestamps, INITIAL), sending(16 << 20), rate, delay).send(64L << 20, ALL, ALL, 1);
        System.out.printf("1 GB/s over 0.5 ms, reader every ms, timestamps %s: autotuned %d zero windows, %d under a"
                + " segment, %d window-full stalls (buffer %d KB, %d ms); fixed %d zero, %d under a segment, %d"
                + " window-full stalls (%d ms)%n", timestamps, tuned.zeroWindows, tuned.closedWindows, tuned.windowFulls,
                tuned.largestCapacity / 1024, tuned.duration / MS, fixed.zeroWindows, fixed.closedWindows,
                fixed.windowFulls, fixed.duration / MS);
        assertEquals(0, tuned.zeroWindows, "zero windows advertised to a fast reader's sender");
        assertEquals(0, tuned.closedWindows, "windows under a segment advertised to a fast reader's sender");
        assertTrue(fixed.windowFulls > 100, "the fixed buffer stalls the sender: the test can tell");
        // The bottleneck's queue is unbounded, so any sender is held by a window at last; what matters is that
        // the autotuned one is held only once the path runs at its rate: 64 MB and their headers in ~70 ms.
        long pathTime = (64L << 20) * 1514 / 1448 * S / rate;
        assertTrue(tuned.duration < pathTime * 6 / 5, "autotuned " + tuned.duration / MS + " ms, the path's "
                + pathTime / MS + " ms");
        assertTrue(tuned.duration * 3 < fixed.duration, "fixed " + fixed.duration / MS + " ms");
    }

    @Test
    @DisplayName("RFC 9293 3.8.6.1: a slow reader (16 KB each 10 ms, then nothing for two seconds) still gets flow"
            + " control: the window closes to zero, the space does not grow, and every byte arrives")
    void slowReaderClosesTheWindow() throws Exception {
        Transfer t = new Transfer(receiving(true, BOUND), sending(16 << 20), FAST_PATH);
        t.pauseFrom = 1 << 20;
        t.pauseTurns = 2000;
        // 1.6 MB/s, 80 KB a round trip, well within what 256 KB carries.
        Run run = t.send(4L << 20, ALL, 16 * 1024, 10);
        System.out.printf("slow reader: 4 MB in %d ms, %d zero windows advertised, %d under a segment, buffer %d KB%n",
                run.duration() / MS, run.zeroWindows(), run.closedWindows(), run.largestCapacity() / 1024);
        assertTrue(run.zeroWindows() > 0, "the window closed");
        assertEquals(4L << 20, t.read);
        assertEquals(INITIAL, run.largestCapacity(), "the space did not grow for a slow reader");
        assertEquals(0, run.grown());
    }

    @Test
    @DisplayName("the stack's receive memory budget bounds autotuning: past it a window stops growing (counted), every"
            + " byte still arrives, and an idle connection gives what it took back")
    void budgetBoundsGrowth() throws Exception {
        Transfer t = new Transfer(receiving(true, BOUND), sending(16 << 20), FAST_PATH);
        t.sim.a.tcp().receiveMemory().limit(1 << 20);
        Run run = t.send(32L << 20, ALL, ALL, 1);
        long limited = t.sim.a.statistics().getOrDefault(Counter.TCP_RECEIVE_MEMORY_LIMITED, 0L);
        System.out.printf("budget 1 MB: buffer up to %d KB, %d growths refused, %d ms%n", run.largestCapacity() / 1024,
                limited, run.duration() / MS);
        assertTrue(limited > 0, "growth refused and counted");
        assertTrue(run.largestCapacity() <= INITIAL + (1 << 20), "buffer " + run.largestCapacity());
        assertTrue(run.largestCapacity() > INITIAL, "it grew within the budget");
        assertEquals(32L << 20, t.read);
        assertTrue(t.sim.a.tcp().receiveMemory().held() > 0);
        t.sim.runFor(3 * S);
        assertEquals(0, t.sim.a.tcp().receiveMemory().held(), "the idle connection gave its growth back");
    }

    @Test
    @DisplayName("RFC 7323 2.4: an idle connection gives its grown buffer back: no ring, and the space returns to the"
            + " initial 256 KB once the data below the edge it advertised has come, the edge never moving left")
    void idleReturnsToInitialSize() throws Exception {
        Transfer t = new Transfer(receiving(true, BOUND), sending(16 << 20), FAST_PATH);
        Run bulk = t.send(32L << 20, ALL, ALL, 1);
        assertEquals(BOUND, bulk.largestCapacity());
        t.sim.runFor(3 * S);
        t.watchEdges();
        assertEquals(0, t.receiver.receiveBuffer().allocatedBytes(), "an idle connection holds no ring");
        // The last ACK offered the whole grown window; the peer may still fill it, so the buffer keeps that room
        // until data comes below the edge. A reader of 80 KB a round trip then sees it come back to 256 KB.
        t.send(6L << 20, ALL, 16 * 1024, 10);
        System.out.printf("after idle: buffer %d KB, ring %d KB%n", t.receiver.receiveBuffer().capacity() / 1024,
                t.receiver.receiveBuffer().allocatedBytes() / 1024);
        assertEquals(INITIAL, t.receiver.receiveBuffer().capacity(), "back to the initial size");
    }
}
