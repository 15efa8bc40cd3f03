package teacup.udp;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bound UDP port. The event loop offers received datagrams; application threads take them,
 * blocking (parked, so virtual threads are fine) until one arrives, the timeout passes, or the
 * endpoint is closed.
 */
public final class UdpEndpoint {

    /** A received datagram: who sent it, to which of our addresses, its data, and when (stack time). */
    public record Datagram(int source, int sourcePort, int destination, byte[] data, long receivedAt) {}

    /**
     * An ICMP error about a datagram this endpoint sent to {@code destination:destinationPort}
     * (RFC 1122 4.1.3.3: UDP passes every ICMP error up to the application).
     */
    public record Error(int type, int code, int destination, int destinationPort) {}

    private static final Datagram CLOSED = new Datagram(0, 0, 0, new byte[0], 0);
    /** Wakes a reader when an error comes; never handed out as a datagram. */
    private static final Datagram ERROR = new Datagram(0, 0, 0, new byte[0], 0);

    private final int port;
    private final int capacity;
    private final BlockingQueue<Datagram> queue;
    private final AtomicReference<Error> error = new AtomicReference<>();
    private volatile boolean closed;
    /** RFC 1122 3.2.1.7 and 3.2.1.6: the TTL (0: IP's default) and TOS octet of what this endpoint sends (the application's). */
    private volatile int ttl;
    private volatile int trafficClass;

    UdpEndpoint(int port, int capacity) {
        this.port = port;
        this.queue = new ArrayBlockingQueue<>(capacity + 2); // one slot kept for the close marker, one for an error's
        this.capacity = capacity;
    }

    public int port() {
        return port;
    }

    public int ttl() {
        return ttl;
    }

    /** 1 to 255, or 0 for the IP layer's default. */
    public void ttl(int v) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("TTL out of range 0 to 255: " + v);
        }
        ttl = v;
    }

    public int trafficClass() {
        return trafficClass;
    }

    /** The TOS octet, 0 to 255, as IP_TOS takes it. */
    public void trafficClass(int v) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("traffic class out of range 0 to 255: " + v);
        }
        trafficClass = v;
    }

    boolean offer(Datagram d) {
        return !closed && queue.size() < capacity && queue.offer(d);
    }

    /** Keeps the last ICMP error for the application (loop thread); a waiting reader wakes. */
    void error(Error e) {
        if (error.getAndSet(e) == null && !closed) {
            queue.offer(ERROR);
        }
    }

    /** The ICMP error heard since the last call, or null; taking it clears it. */
    public Error takeError() {
        return error.getAndSet(null);
    }

    /**
     * The next datagram, waiting up to {@code timeoutNanos} (negative: without bound).
     * Returns null on timeout, when the endpoint is closed, or when an ICMP error came
     * ({@link #takeError}).
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
        return d == ERROR ? null : d;
    }

    /** The next datagram if one is waiting, else null; never blocks (for readers on the loop thread). */
    public Datagram poll() {
        Datagram d = queue.poll();
        if (d == ERROR) {
            d = queue.poll();
        }
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
