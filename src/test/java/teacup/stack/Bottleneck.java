package teacup.stack;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import teacup.link.Link;

/**
 * A link of limited rate and fixed delay on one end's way out, as a path with a bottleneck is: a
 * frame leaves once the ones before it have (at {@code bytesPerSecond}), and arrives
 * {@code delay} after that. Frames wait in order, without bound (the windows bound them). The
 * {@link Simulation} tells it the time ({@link #release}) before each step and asks when it next
 * has a frame due; it reads no clock itself.
 */
final class Bottleneck implements Link {
    private final Link inner;
    private final long bytesPerSecond;
    private final long delay;
    private final ArrayDeque<long[]> due = new ArrayDeque<>();
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
    private long now;
    /** When the last frame queued has left the bottleneck. */
    private long lineFree;

    Bottleneck(Link inner, long bytesPerSecond, long delay) {
        this.inner = inner;
        this.bytesPerSecond = bytesPerSecond;
        this.delay = delay;
    }

    /** Time is {@code now}: the frames due by then go on to the wire. */
    void release(long now) throws IOException {
        this.now = now;
        while (!due.isEmpty() && due.peekFirst()[0] <= now) {
            due.pollFirst();
            byte[] f = frames.pollFirst();
            inner.send(f, 0, f.length);
        }
    }

    /** When the next frame is due ({@link Long#MAX_VALUE}: none waits). */
    long nextDue() {
        return due.isEmpty() ? Long.MAX_VALUE : due.peekFirst()[0];
    }

    @Override
    public void send(byte[] buf, int off, int len) {
        long start = Math.max(now, lineFree);
        lineFree = start + len * 1_000_000_000L / bytesPerSecond;
        due.addLast(new long[] {lineFree + delay});
        frames.addLast(Arrays.copyOfRange(buf, off, off + len));
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public int maxFrameLength() {
        return inner.maxFrameLength();
    }

    @Override
    public int receive(byte[] buf, int off) throws IOException {
        return inner.receive(buf, off);
    }

    @Override
    public void await(long timeoutNanos) throws IOException {
        inner.await(timeoutNanos);
    }

    @Override
    public void wakeup() {
        inner.wakeup();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
