package teacup.tcp;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listening port (RFC 9293 3.10.1 passive OPEN) with its two bounded queues: half-open
 * connections still in SYN-RECEIVED, and established ones waiting for the application to accept
 * them. When the first is full, SYNs are answered with {@link SynCookies} (RFC 4987 3.6). The {@link TcpLayer} fills both on the event loop; application threads take from the
 * accept queue with {@link #poll}, which never blocks (sockets park on their own, woken by the
 * listener's {@link TcpObserver}).
 */
public final class TcpListener {
    private final int port;
    private final int backlog;
    private final TcpSettings settings;
    private final TcpObserver observer;
    private final ConcurrentLinkedQueue<TcpConnection> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger readyCount = new AtomicInteger();
    private volatile boolean closed;
    /** Connections in SYN-RECEIVED that came from this listener (loop-owned). */
    int halfOpen;
    /** When the last SYN cookie went (loop-owned; meaningful once {@code cookiesSent}). */
    private long cookieSentAt;
    private boolean cookiesSent;

    TcpListener(int port, int backlog, TcpSettings settings, TcpObserver observer) {
        this.port = port;
        this.backlog = backlog;
        this.settings = settings;
        this.observer = observer;
    }

    public int port() {
        return port;
    }

    /** How many connections, half-open and established together, may wait for accept. */
    public int backlog() {
        return backlog;
    }

    public TcpSettings settings() {
        return settings;
    }

    /** Half-open connections (loop thread only). */
    public int halfOpen() {
        return halfOpen;
    }

    /** Established connections not yet accepted. */
    public int readyCount() {
        return readyCount.get();
    }

    /** True after the layer stopped listening; connections not yet taken were reset. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The oldest established connection not yet accepted, or null. Safe from any thread. The
     * connection may have ended since (the peer reset it); the socket layer finds that out from
     * its state when it takes it over on the loop.
     */
    public TcpConnection poll() {
        TcpConnection c = ready.poll();
        if (c != null) {
            readyCount.decrementAndGet();
        }
        return c;
    }

    // ---------------------------------------------------------------- loop side

    /**
     * The accept queue holds the backlog: a SYN now would only make a connection nobody takes, so
     * it is dropped, cookies or not (RFC 9293 3.10.7.2 lets us; the peer tries again), as Linux does.
     */
    boolean acceptQueueFull() {
        return closed || readyCount.get() >= backlog;
    }

    /**
     * The SYN queue is full: half-open connections fill what of the backlog the accept queue
     * leaves. The next SYN gets a SYN cookie (RFC 4987 3.6) if the settings allow, else it is dropped.
     */
    boolean synQueueFull() {
        return halfOpen + readyCount.get() >= backlog;
    }

    /** A SYN cookie went out at {@code now}: for a while, an ACK to this listener may carry one. */
    void cookieSent(long now) {
        cookieSentAt = now;
        cookiesSent = true;
    }

    /**
     * Whether an ACK for no connection is worth checking as a cookie: only while one of ours may
     * still be valid, so a listener that never overflowed answers stray ACKs with a reset at once.
     */
    boolean cookiesOutstanding(long now) {
        return cookiesSent && now - cookieSentAt < SynCookies.LIFETIME;
    }

    void offer(TcpConnection c) {
        ready.add(c);
        readyCount.incrementAndGet();
        if (observer != null) {
            observer.changed(c);
        }
    }

    /** Marks the listener closed and returns what was never accepted, one at a time (null at the end). */
    TcpConnection closeAndDrain() {
        closed = true;
        return poll();
    }

    void wake() {
        if (observer != null) {
            observer.changed(null);
        }
    }

    @Override
    public String toString() {
        return "TcpListener[port " + port + ", backlog " + backlog + ", half-open " + halfOpen + ", ready " + readyCount() + "]";
    }
}
