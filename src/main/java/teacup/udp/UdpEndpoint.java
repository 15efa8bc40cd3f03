package teacup.udp;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bound UDP port. The event loop offers received datagrams; application threads take them,
 * blocking (parked, so virtual threads are fine) until one arrives, the timeout passes, or the
 * endpoint is closed.
 */
public final class UdpEndpoint {

    /** A received datagram: who sent it, to which of our addresses, its data, and when (stack time). */
    public record Datagram(int source, int sourcePort, int destination, byte[] data, long receivedAt) {}

    private static final Datagram CLOSED = new Datagram(0, 0, 0, new byte[0], 0);

    private final int port;
    private final int capacity;
    private final BlockingQueue<Datagram> queue;
    private volatile boolean closed;

    UdpEndpoint(int port, int capacity) {
        this.port = port;
        this.queue = new ArrayBlockingQueue<>(capacity + 1); // one slot kept for the close marker
        this.capacity = capacity;
    }

    public int port() {
        return port;
    }

    boolean offer(Datagram d) {
        return !closed && queue.size() < capacity && queue.offer(d);
    }

    /**
     * The next datagram, waiting up to {@code timeoutNanos} (negative: without bound).
     * Returns null on timeout or when the endpoint is closed.
     */
    public Datagram take(long timeoutNanos) throws InterruptedException {
        if (closed && queue.isEmpty()) {
            return null;
        }
        Datagram d = timeoutNanos < 0 ? queue.take() : queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        if (d == CLOSED) {
            queue.offer(CLOSED); // let other waiting readers see it too
            return null;
        }
        return d;
    }

    /** The next datagram if one is waiting, else null; never blocks (for readers on the loop thread). */
    public Datagram poll() {
        Datagram d = queue.poll();
        if (d == CLOSED) {
            queue.offer(CLOSED);
            return null;
        }
        return d;
    }

    public boolean isClosed() {
        return closed;
    }

    public void close() {
        if (!closed) {
            closed = true;
            queue.offer(CLOSED);
        }
    }
}
