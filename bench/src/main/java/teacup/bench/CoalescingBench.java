package teacup.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import teacup.link.CoalescingLink;
import teacup.link.Link;

/**
 * Receive coalescing on one thread, over an in-memory link that hands out prepared frames: a run
 * of {@value #RUN} full-sized in-order segments of one flow joined into one frame (each piece's
 * checksums verified, its data copied, the joined frame's sums written); and two flows alternating,
 * so every frame is read ahead, held, and handed up alone on the next call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoalescingBench {
    /** Segments of 1448 bytes (1500-byte packets with timestamps) that fit one 64 KB IPv4 packet. */
    static final int RUN = 45;
    private static final int MSS = 1448;

    /** Hands out its frames in a loop: {@link #receive} returns 0 once after each pass, as a drained device would. */
    static final class Replay implements Link {
        private final byte[][] frames;
        private int next;

        Replay(byte[][] frames) {
            this.frames = frames;
        }

        @Override public int mtu() { return Frames.MTU; }

        @Override
        public int receive(byte[] buf, int off) {
            if (next == frames.length) {
                next = 0;
                return 0;
            }
            byte[] f = frames[next++];
            System.arraycopy(f, 0, buf, off, f.length);
            return f.length;
        }

        @Override public void send(byte[] buf, int off, int len) {}
        @Override public void await(long timeoutNanos) {}
        @Override public void wakeup() {}
        @Override public void close() {}
    }

    private CoalescingLink run;
    private CoalescingLink interleaved;
    private byte[] rx;

    @Setup
    public void setUp() throws Exception {
        byte[][] frames = new byte[RUN][];
        for (int i = 0; i < RUN; i++) {
            frames[i] = Frames.tcp(9001, 1000 + i * MSS, MSS);
        }
        run = new CoalescingLink(new Replay(frames));
        interleaved = new CoalescingLink(new Replay(new byte[][] {Frames.tcp(9001, 1000, MSS), Frames.tcp(9002, 1000, MSS)}));
        rx = new byte[run.maxFrameLength() + 1];
        int n = joinRun();
        CodecBench.require(n == 14 + 20 + 32 + RUN * MSS && run.largeFramesMade() == 1, "the run joined into one frame: " + n);
        interleavedFlows();
        CodecBench.require(interleaved.largeFramesMade() == 0 && interleaved.framesCoalesced() == 0, "nothing joined across flows");
    }

    /** {@value #RUN} frames of one flow read and joined into one frame of 65,226 bytes (and the empty read that ends the run). */
    @Benchmark
    public int joinRun() throws Exception {
        return run.receive(rx, 0);
    }

    /** Two frames of different flows: the first read, the second read ahead and held, then handed up (and the empty read after it). */
    @Benchmark
    public int interleavedFlows() throws Exception {
        int n = interleaved.receive(rx, 0);
        return n + interleaved.receive(rx, 0);
    }
}
