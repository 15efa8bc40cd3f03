package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.TcpOptions;

/**
 * A stream longer than half the sequence space, between two connections back to back, with
 * every byte checked. Segments go through preallocated slots so the run takes seconds.
 */
class LongStreamTest {
    static final long LENGTH = (1L << 31) + 50_000_000L;

    /** A FIFO of preallocated segments. */
    static final class Pipe implements SegmentOutput {
        final int[] seq = new int[1024];
        final int[] ack = new int[1024];
        final int[] flags = new int[1024];
        final int[] window = new int[1024];
        final int[] length = new int[1024];
        final TcpOptions[] options = new TcpOptions[1024];
        final byte[][] data = new byte[1024][];
        final InboundSegment inbound = new InboundSegment();
        int head;
        int tail;

        Pipe() {
            for (int i = 0; i < 1024; i++) {
                options[i] = new TcpOptions();
                data[i] = new byte[2048];
            }
        }

        @Override
        public void segment(TcpConnection c, OutboundSegment out) {
            int s = out.seq();
            int a = out.ack();
            int f = out.flags();
            int w = out.window();
            TcpOptions o = out.options();
            int off = out.sendOffset();
            int len = out.length();
            if (tail - head == 1024) {
                fail("pipe overflow");
            }
            SegmentDigest.segment(c.localPort() == 80 ? "B" : "A", -1, s, a, f, w, o, len);
            int i = tail++ & 1023;
            seq[i] = s;
            ack[i] = a;
            flags[i] = f;
            window[i] = w;
            length[i] = len;
            if (o == null) {
                options[i].clear();
            } else {
                options[i].copyFrom(o);
            }
            if (len > 0) {
                c.sendBuffer().copyOut(off, data[i], 0, len);
            }
        }

        boolean deliverOne(TcpConnection to, long now) {
            if (head == tail) {
                return false;
            }
            int i = head++ & 1023;
            to.process(now, inbound.seq(seq[i]).ack(ack[i]).flags(flags[i]).window(window[i]).options(options[i])
                    .payload(data[i], 0, length[i]));
            return true;
        }
    }

    @Test
    @DisplayName("RFC 9293 3.4: sequence numbers wrap; a stream past 2^31 bytes arrives whole and in order")
    void streamPastHalfTheSequenceSpace() {
        Pipe toB = new Pipe();
        Pipe toA = new Pipe();
        TcpSettings settings = TcpSettings.defaults();
        long now = 0;
        // An ISS near the top of the space makes the wrap happen early as well.
        TcpConnection a = TcpConnection.connect(now, settings, toB, 1, 40000, 2, 80, -5000, SegmentRecorder.TS_OFFSET);
        int i = toB.head++ & 1023;
        TcpConnection b = TcpConnection.accept(now, settings, toA, 2, 80, 1, 40000, 123, SegmentRecorder.TS_OFFSET,
                toB.inbound.seq(toB.seq[i]).window(toB.window[i]).options(toB.options[i]));
        byte[] out = new byte[65536];
        byte[] in = new byte[65536];
        long written = 0;
        long read = 0;
        long progressAt = 0;
        for (long round = 0; read < LENGTH && round < 10_000_000L; round++) {
            if (written < LENGTH) {
                int n = (int) Math.min(out.length, LENGTH - written);
                for (int k = 0; k < n; k++) {
                    out[k] = (byte) ((written + k) % 251);
                }
                int w = a.sendBuffer().write(out, 0, n);
                written += w;
                a.flush(now);
            }
            boolean moved = true;
            while (moved) {
                now += 1000;
                moved = toB.deliverOne(b, now) | toA.deliverOne(a, now);
            }
            int r;
            while ((r = b.receiveBuffer().read(in, 0, in.length)) > 0) {
                for (int k = 0; k < r; k++) {
                    if (in[k] != (byte) ((read + k) % 251)) {
                        fail("byte " + (read + k) + " is wrong");
                    }
                }
                read += r;
                progressAt = round;
            }
            if (round - progressAt > 10_000) {
                fail("stalled at byte " + read + ": " + a + " / " + b);
            }
            b.windowOpened(now);
            if (toA.head == toA.tail && toB.head == toB.tail) {
                now = Math.max(now, Math.min(a.nextDeadline(), b.nextDeadline()));
                a.poll(now);
                b.poll(now);
            }
            // Written bytes not yet readable stay within the two buffers.
            if (written - read > settings.sendBuffer() + settings.receiveBuffer()) {
                fail("more in flight than the buffers hold");
            }
        }
        assertEquals(LENGTH, read);
        assertEquals(TcpConnection.State.ESTABLISHED, a.state());
        assertEquals(TcpConnection.State.ESTABLISHED, b.state());
    }
}
