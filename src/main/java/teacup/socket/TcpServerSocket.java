package teacup.socket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import teacup.stack.NetStack;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpObserver;

/**
 * A listening TCP port on a teacup stack with a bounded backlog. Any number of threads may
 * accept at once; each blocked caller parks.
 *
 * <p>The listener's accept queue is filled by the event loop and safe to take from on any
 * thread; the listener's {@link TcpObserver} wakes parked callers when a connection is ready or
 * the listener closes.
 */
public final class TcpServerSocket implements AutoCloseable {
    /**
     * Clients such as wrk open all their connections at once, and the loop answers a whole receive
     * batch of SYNs before any accepting thread runs, so the backlog must hold such a burst: a SYN
     * dropped for want of room costs the client a one-second retransmission. Linux allows 4096 by
     * default. A waiting connection holds no buffers until data flows, about 2 KB.
     */
    public static final int DEFAULT_BACKLOG = 1024;

    private final NetStack stack;
    private volatile TcpListener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    /** Threads parked on {@link #ready}; changed under {@link #lock}, read by the loop to skip needless signals. */
    private volatile int waiters;
    private volatile boolean closed;
    private final TcpObserver observer = this::changed;
    /** Set after bind: given to each connection as it is accepted (empty: the bind settings' value stands). */
    private volatile OptionalInt ttl = OptionalInt.empty();
    private volatile OptionalInt trafficClass = OptionalInt.empty();
    private volatile Duration userTimeout;

    private TcpServerSocket(NetStack stack) {
        this.stack = stack;
    }

    /** Listens on {@code port} (0: an ephemeral port); {@link java.net.BindException} when it is taken. */
    public static TcpServerSocket bind(NetStack stack, int port, int backlog) throws IOException {
        return bind(stack, port, backlog, stack.tcpDefaults());
    }

    /** As {@link #bind(NetStack, int, int)}, with the tunables every accepted connection gets. */
    public static TcpServerSocket bind(NetStack stack, int port, int backlog, TcpSettings settings) throws IOException {
        Objects.requireNonNull(settings, "settings");
        TcpServerSocket s = new TcpServerSocket(stack);
        try {
            s.listener = stack.call(() -> stack.tcp().listen(port, backlog, settings, s.observer));
        } catch (IllegalStateException e) {
            throw new BindException(e.getMessage());
        }
        return s;
    }

    /** The settings the listener gives the connections it accepts. */
    public TcpSettings settings() {
        return listener.settings();
    }

    public int localPort() {
        return listener.port();
    }

    /**
     * RFC 1122 3.2.1.6: the TOS octet of the connections accepted from now on. The handshake's
     * own segments carry the bind settings' value ({@link TcpSettings#withIpHeader}); set it there
     * for the SYN-ACK too.
     */
    public void setTrafficClass(int tos) {
        if (tos < 0 || tos > 255) {
            throw new IllegalArgumentException("traffic class out of range 0 to 255: " + tos);
        }
        trafficClass = OptionalInt.of(tos);
    }

    /** RFC 1122 3.2.1.7: the TTL (1 to 255, 0: the stack's default) of the connections accepted from now on; see {@link #setTrafficClass}. */
    public void setTtl(int newTtl) {
        if (newTtl < 0 || newTtl > 255) {
            throw new IllegalArgumentException("TTL out of range 0 to 255: " + newTtl);
        }
        ttl = OptionalInt.of(newTtl);
    }

    /** RFC 5482: the user timeout ({@link TcpSocket#setUserTimeout}) of the connections accepted from now on. */
    public void setUserTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("the user timeout cannot be negative: " + timeout);
        }
        userTimeout = timeout;
    }

    /** The next established connection; waits forever. Throws {@link java.net.SocketException} once closed. */
    public TcpSocket accept() throws IOException {
        return accept(Duration.ZERO);
    }

    /** The next established connection, or {@link java.net.SocketTimeoutException} after {@code timeout}. */
    public TcpSocket accept(Duration timeout) throws IOException {
        long timeoutNanos = TcpSocket.toNanos(timeout);
        if (closed) {
            throw new SocketException("Socket closed");
        }
        TcpListener l = listener;
        TcpConnection c = l.poll();
        if (c == null) {
            c = await(l, timeoutNanos);
        }
        TcpSocket socket = TcpSocket.accepted(stack, c);
        trafficClass.ifPresent(socket::setTrafficClass);
        ttl.ifPresent(socket::setTtl);
        Duration user = userTimeout;
        if (user != null) {
            socket.setUserTimeout(user);
        }
        TcpConnection taken = c;
        // Taken over on the loop: the socket's view starts from the connection's state there, missing nothing.
        stack.execute(() -> stack.tcp().observe(taken, socket.observer));
        return socket;
    }

    private TcpConnection await(TcpListener l, long timeoutNanos) throws IOException {
        lock.lock();
        waiters++;
        try {
            long remaining = timeoutNanos;
            while (true) {
                if (closed || l.isClosed()) {
                    throw new SocketException("Socket closed");
                }
                TcpConnection c = l.poll();
                if (c != null) {
                    return c;
                }
                if (timeoutNanos == 0) {
                    ready.await();
                } else {
                    if (remaining <= 0) {
                        throw new SocketTimeoutException("Accept timed out");
                    }
                    remaining = ready.awaitNanos(remaining);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } finally {
            waiters--;
            lock.unlock();
        }
    }

    /** On the loop: a connection is ready, or the listener closed. */
    private void changed(TcpConnection c) {
        if (waiters > 0 || c == null) {
            wakeAll();
        }
    }

    private void wakeAll() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Stops listening; connections not yet accepted are reset; blocked accepts throw. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        wakeAll();
        TcpListener l = listener;
        try {
            stack.call(() -> {
                stack.tcp().unlisten(stack.clock().nanos(), l);
                return null;
            });
        } catch (IOException e) {
            // The stack has stopped: it closed its listeners itself.
        }
    }

    @Override
    public String toString() {
        return "TcpServerSocket[" + listener + (closed ? " closed" : "") + "]";
    }
}
