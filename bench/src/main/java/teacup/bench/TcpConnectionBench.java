package teacup.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import teacup.tcp.InboundSegment;
import teacup.tcp.OutboundSegment;
import teacup.tcp.SegmentOutput;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;
import teacup.wire.TcpOptions;

/**
 * Two {@link TcpConnection}s back to back in memory, with no link, IP or checksums: the cost of
 * the TCP state machine itself per 64 KB moved (segmenting, ACK processing, reassembly, the
 * buffers). Segments travel through preallocated rings, so any allocation the gc profiler
 * reports belongs to the connection. Time advances 1 µs per delivered segment.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TcpConnectionBench {
    static final int CHUNK = 64 * 1024;

    @Param({"true", "false"})
    public boolean timestamps;

    private final Ring toB = new Ring();
    private final Ring toA = new Ring();
    private final InboundSegment inbound = new InboundSegment();
    private TcpConnection a;
    private TcpConnection b;
    private long now;
    private final byte[] chunk = new byte[CHUNK];
    private final byte[] sink = new byte[CHUNK];

    @Setup
    public void setUp() {
        Frames.fill(chunk, 0, CHUNK);
        TcpSettings settings = TcpSettings.defaults().withTimestamps(timestamps);
        now = 1_000_000_000L;
        a = TcpConnection.connect(now, settings, toB, 1, 40000, 2, 80, 1000, 0);
        // The SYN is in toB: open B from it, then let the handshake finish.
        Ring.Slot syn = toB.peek();
        b = TcpConnection.accept(now, settings, toA, 2, 80, 1, 40000, 5000, 0, inbound.seq(syn.seq).window(syn.window).options(syn.options));
        toB.drop();
        deliver();
        if (a.state() != TcpConnection.State.ESTABLISHED || b.state() != TcpConnection.State.ESTABLISHED) {
            throw new IllegalStateException("no connection: " + a + " " + b);
        }
    }

    /** Moves 64 KB from A's application to B's. Returns a byte of it so nothing is optimised away. */
    @Benchmark
    public int transfer64k() {
        int written = 0;
        int read = 0;
        for (int round = 0; read < CHUNK && round < 10_000; round++) {
            if (written < CHUNK) {
                written += a.sendBuffer().write(chunk, written, CHUNK - written);
                a.flush(now);
            }
            deliver();
            int n;
            while ((n = b.receiveBuffer().read(sink, 0, sink.length)) > 0) {
                read += n;
            }
            b.windowOpened(now);
            deliver();
            if (toA.isEmpty() && toB.isEmpty() && read < CHUNK) {
                now = Math.max(now + 1000, Math.min(a.nextDeadline(), b.nextDeadline()));
                a.poll(now);
                b.poll(now);
            }
        }
        if (read != CHUNK) {
            throw new IllegalStateException("stalled at " + read + ": " + a + " " + b);
        }
        return sink[17];
    }

    private void deliver() {
        for (int i = 0; i < 1_000_000 && !(toA.isEmpty() && toB.isEmpty()); i++) {
            if (!toB.isEmpty()) {
                Ring.Slot s = toB.peek();
                now += 1000;
                b.process(now, s.into(inbound));
                toB.drop();
            }
            if (!toA.isEmpty()) {
                Ring.Slot s = toA.peek();
                now += 1000;
                a.process(now, s.into(inbound));
                toA.drop();
            }
        }
    }

    /** A FIFO of preallocated segment slots: the connection's Output copies into the next free one. */
    static final class Ring implements SegmentOutput {
        static final class Slot {
            int seq;
            int ack;
            int flags;
            int window;
            int length;
            final TcpOptions options = new TcpOptions();
            final byte[] data = new byte[65536];

            InboundSegment into(InboundSegment in) {
                return in.seq(seq).ack(ack).flags(flags).window(window).options(options).payload(data, 0, length);
            }
        }

        private final Slot[] slots = new Slot[4096];
        private int head;
        private int tail;

        Ring() {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Slot();
            }
        }

        @Override
        public void segment(TcpConnection c, OutboundSegment out) {
            TcpOptions options = out.options();
            int length = out.length();
            if (tail - head == slots.length) {
                return; // full: the segment is lost, as on a congested link
            }
            Slot s = slots[tail++ & (slots.length - 1)];
            s.seq = out.seq();
            s.ack = out.ack();
            s.flags = out.flags();
            s.window = out.window();
            s.length = length;
            if (options == null) {
                s.options.clear();
            } else {
                s.options.copyFrom(options);
            }
            if (length > 0) {
                c.sendBuffer().copyOut(out.sendOffset(), s.data, 0, length);
            }
        }

        boolean isEmpty() {
            return head == tail;
        }

        Slot peek() {
            return slots[head & (slots.length - 1)];
        }

        void drop() {
            head++;
        }
    }
}
