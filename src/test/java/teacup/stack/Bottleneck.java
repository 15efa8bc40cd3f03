package teacup.stack;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import teacup.link.ForwardingLink;
import teacup.link.Link;

/**
 * A link of limited rate and fixed delay on one end's way out, as a path with a bottleneck is: a
 * frame leaves once the ones before it have (at {@code bytesPerSecond}), and arrives
 * {@code delay} after that. Frames wait in order, without bound (the windows bound them). The
 * {@link Simulation} tells it the time ({@link #release}) before each step and asks when it next
 * has a frame due; it reads no clock itself. Everything else goes to the inner link as it is.
 */
final class Bottleneck extends ForwardingLink {
    private record Queued(long due, byte[] frame) { }

    private final long bytesPerSecond;
    private final long delay;
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private long now;
    /** When the last frame queued has left the bottleneck. */
    private long lineFree;

    Bottleneck(Link inner, long bytesPerSecond, long delay) {
        super(inner);
        this.bytesPerSecond = bytesPerSecond;
        this.delay = delay;
    }

    /** Time is {@code now}: the frames due by then go on to the wire. */
    void release(long now) throws IOException {
        this.now = now;
        while (!queue.isEmpty() && queue.peekFirst().due() <= now) {
            byte[] f = queue.pollFirst().frame();
            inner.send(f, 0, f.length);
        }
    }

    /** When the next frame is due ({@link Long#MAX_VALUE}: none waits). */
    long nextDue() {
        return queue.isEmpty() ? Long.MAX_VALUE : queue.peekFirst().due();
    }

    @Override
    public void send(byte[] buf, int off, int len) {
        long start = Math.max(now, lineFree);
        lineFree = start + len * 1_000_000_000L / bytesPerSecond;
        queue.addLast(new Queued(lineFree + delay, Arrays.copyOfRange(buf, off, off + len)));
    }

    @Override
    public int segmentationOffload() {
        return 0; // every frame goes through the bottleneck's queue
    }
}
