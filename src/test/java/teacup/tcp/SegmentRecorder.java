package teacup.tcp;

import java.util.function.Consumer;
import java.util.function.LongSupplier;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The connection-level tests' one {@link SegmentOutput}: every segment a connection sends
 * is copied into a {@link Seg} (options and data included, so it outlives the reused carrier),
 * handed to the test's sink, and digested for {@link SegmentDigestOracleTest}.
 */
final class SegmentRecorder implements SegmentOutput {
    /** The timestamp offset connections built straight in tests start from (TcpLayer takes it from InitialSequenceNumbers). */
    static final int TS_OFFSET = 0x1234_5678;

    /** A copy of one sent segment; {@code emptiesQueue}: it carried the last byte the application had written. */
    record Seg(long at, int seq, int ack, int flags, int window, TcpOptions options, byte[] data, boolean emptiesQueue,
               int urgentPointer) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        int length() {
            return data.length;
        }

        int sequenceLength() {
            return data.length + (has(TcpSegment.SYN) ? 1 : 0) + (has(TcpSegment.FIN) ? 1 : 0);
        }

        /** This segment as it arrives at the peer (options never null there). */
        InboundSegment inbound() {
            return SegmentRecorder.inbound(seq, ack, flags, window, options == null ? new TcpOptions() : options, data)
                    .urgentPointer(urgentPointer);
        }

        @Override
        public String toString() {
            return "Seg[seq=" + Integer.toUnsignedString(seq) + " ack=" + Integer.toUnsignedString(ack) + " flags="
                    + RecordedSegment.flagNames(flags) + " win=" + window + " len=" + data.length + (has(TcpSegment.URG) ? " up=" + urgentPointer : "") + " opts=" + options + "]";
        }
    }

    private final String name;
    private final LongSupplier clock;
    private final Consumer<Seg> sink;

    /** {@code name} tells the two ends apart in the digest; {@code clock} is the test's simulated time. */
    SegmentRecorder(String name, LongSupplier clock, Consumer<Seg> sink) {
        this.name = name;
        this.clock = clock;
        this.sink = sink;
    }

    @Override
    public void segment(TcpConnection c, OutboundSegment s) {
        long at = clock.getAsLong();
        SegmentDigest.segment(name, at, s.seq(), s.ack(), s.flags(), s.window(), s.options(), s.length());
        byte[] data = new byte[s.length()];
        if (s.length() > 0) {
            c.sendBuffer().copyOut(s.sendOffset(), data, 0, s.length());
        }
        TcpOptions options = s.options() == null ? null : new TcpOptions().copyFrom(s.options());
        sink.accept(new Seg(at, s.seq(), s.ack(), s.flags(), s.window(), options, data,
                s.sendOffset() + s.length() == c.sendBuffer().queued(), s.urgentPointer()));
    }

    /** A segment for a connection to receive, as a peer would send it. */
    static InboundSegment inbound(int seq, int ack, int flags, int window, TcpOptions options, byte[] data) {
        return new InboundSegment().seq(seq).ack(ack).flags(flags).window(window).options(options)
                .payload(data, 0, data.length);
    }

    /** The same without options or data. */
    static InboundSegment inbound(int seq, int ack, int flags, int window) {
        return inbound(seq, ack, flags, window, new TcpOptions(), new byte[0]);
    }
}
