package teacup.socket;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import teacup.stack.NetStack;
import teacup.tcp.IpHeader;
import teacup.tcp.ReceiveBuffer;
import teacup.tcp.SendBuffer;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpSettings;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.tcp.TcpObserver;
import teacup.wire.Ipv4Address;

/**
 * A TCP connection on a teacup stack, for application threads (virtual threads welcome):
 * blocking streams, half-close, abort, and the usual switches. Blocked callers park; they never
 * spin and never touch protocol state.
 *
 * <p>How the two sides meet: bytes go through the connection's lock-free buffers (the
 * application writes the {@link SendBuffer} and reads the {@link ReceiveBuffer}); everything
 * else the application asks for runs on the event loop. A write or read sets a bit in
 * {@link #pending} and, only when none was set, hands the loop one pre-built task, so a stream of
 * small writes costs no task each. The loop, in turn, copies what the application may look at
 * (state, ending, the peer's FIN) into volatile fields through a {@link TcpObserver} and wakes
 * parked threads. Concurrent readers are serialized by one lock and writers by another, so each
 * buffer keeps a single producer and a single consumer.
 */
public final class TcpSocket implements AutoCloseable {
    private static final int FLUSH = 1;
    private static final int WINDOW = 2;
    /** The application flushed: send what was written, Nagle's held tail too. */
    private static final int PUSH = 4;
    /**
     * The application shut its output: FIN after what was written. A bit like the others, so that a
     * last write and the shutdown that follows it reach the loop as one task, and the FIN rides on
     * the last data segment rather than coming after it a turn later, when a client that already read
     * the answer may have closed first (and holds the four-tuple in TIME-WAIT).
     */
    private static final int SHUTDOWN = 16;
    /** The task is queued without a wake-up ({@link NetStack#executeWhenAwake}): only a window update waits in it. */
    private static final int LAZY = 8;
    /**
     * A read that found fewer bytes than this waiting (and at most a quarter of the buffer) asks
     * for its window update lazily: a buffer that held so little never shrank the window enough
     * for an update to be worth sending (RFC 9293 3.8.6.2.2 wants the edge to move by min(half
     * the buffer, one MSS)), so waking a sleeping loop for it would be a turn spent on nothing;
     * that is one wake-up less per request on a keep-alive HTTP connection.
     */
    private static final int LAZY_WINDOW_BYTES = 2048;

    private final NetStack stack;
    private volatile TcpConnection connection;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Threads parked on {@link #changed}; changed only under {@link #lock}, read by the loop to skip needless signals. */
    private volatile int waiters;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();

    // What the loop last saw of the connection (written by the observer on the loop thread).
    private volatile State state = State.SYN_SENT;
    private volatile Ending ending = Ending.NONE;
    private volatile boolean peerFinished;
    private volatile boolean opened;
    private volatile long negativeAdvice;

    // The application's side.
    private volatile boolean closed;
    private volatile boolean outputShut;
    private volatile long soTimeoutNanos;
    /** The IP header fields the application last set (the loop's copy is the connection's {@link IpHeader}). */
    private volatile int ttl;
    private volatile int trafficClass;

    private final AtomicInteger pending = new AtomicInteger();
    private final Runnable pendingTask = this::runPending;
    final TcpObserver observer = this::changed;

    private final InputStream in = new Input();
    private final OutputStream out = new Output();

    private TcpSocket(NetStack stack) {
        this.stack = stack;
    }

    /** Wraps a connection a listener accepted; the caller then has the loop {@code observe} it. */
    static TcpSocket accepted(NetStack stack, TcpConnection connection) {
        TcpSocket s = new TcpSocket(stack);
        s.connection = connection;
        // What it was when the listener queued it; the loop's first report, queued right behind, corrects it.
        s.state = State.ESTABLISHED;
        s.opened = true;
        IpHeader header = IpHeader.of(connection); // set by the loop before the listener queued it, and not changed since
        s.ttl = header.ttl();
        s.trafficClass = header.trafficClass();
        return s;
    }

    /**
     * Opens a connection to {@code host:port} from an ephemeral port. Throws
     * {@link java.net.ConnectException} ("Connection refused") when the peer resets,
     * {@link java.net.SocketTimeoutException} when {@code timeout} passes first,
     * {@link java.net.NoRouteToHostException} when the stack has no route or the host is
     * unreachable (an ICMP error, or no answer to ARP), and ConnectException "Network is
     * unreachable" for a broadcast or multicast {@code host} (RFC 9293 MUST-46).
     */
    public static TcpSocket connect(NetStack stack, Ipv4Address host, int port, Duration timeout) throws IOException {
        return connect(stack, host, port, timeout, stack.tcpDefaults());
    }

    /** As {@link #connect(NetStack, Ipv4Address, int, Duration)} with the connection's tunables (buffer sizes, MSS, timers). */
    public static TcpSocket connect(NetStack stack, Ipv4Address host, int port, Duration timeout,
                                    TcpSettings settings) throws IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(settings, "settings");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        TcpSocket s = new TcpSocket(stack);
        s.ttl = settings.ttl();
        s.trafficClass = settings.trafficClass();
        try {
            s.connection = stack.call(() -> stack.tcp().connect(stack.clock().nanos(), host.bits(), port, settings, s.observer));
        } catch (IllegalStateException e) {
            throw new BindException(e.getMessage());
        }
        long nanos = nanos(timeout);
        boolean settled = s.awaitUntil(() -> s.opened || s.ending != Ending.NONE || s.closed, nanos);
        if (!settled) {
            s.abort();
            throw new SocketTimeoutException("Connect timed out after " + timeout.toMillis() + " ms");
        }
        if (s.opened) {
            return s;
        }
        Ending why = s.ending;
        s.closed = true;
        throw switch (why) {
            case REFUSED -> new ConnectException("Connection refused");
            case TIMED_OUT -> new ConnectException("Connection timed out");
            case RESET -> new ConnectException("Connection reset");
            case UNREACHABLE -> new NoRouteToHostException("No route to host");
            default -> new SocketException("Socket closed");
        };
    }

    private static long nanos(Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            return 0;
        }
        return d.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE : d.toNanos();
    }

    /** Bytes from the peer; read returns -1 after the peer's FIN, throws after a reset or time-out (SocketTimeoutException after soTimeout). */
    public InputStream getInputStream() {
        return in;
    }

    /** Bytes to the peer; write blocks while the send buffer is full; flush pushes a Nagle-held tail. */
    public OutputStream getOutputStream() {
        return out;
    }

    /** Sends FIN after what was written; reading goes on. */
    public void shutdownOutput() throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        writeLock.lock(); // after any write in progress, so the FIN follows its bytes
        try {
            if (outputShut) {
                return;
            }
            outputShut = true;
        } finally {
            writeLock.unlock();
        }
        request(SHUTDOWN);
    }

    /**
     * After {@link #shutdownOutput}: waits until the peer has acknowledged every byte written and
     * the FIN (the connection reached FIN-WAIT-2, TIME-WAIT or closed), or the connection ended,
     * or {@code timeout} passed. Returns true when the output is done. For a program about to
     * stop its stack, which would otherwise take unsent bytes down with it.
     */
    public boolean awaitOutputDone(Duration timeout) throws IOException {
        if (!outputShut) {
            throw new IllegalStateException("the output is not shut down");
        }
        return awaitUntil(() -> ending != Ending.NONE || state == State.FIN_WAIT_2 || state == State.TIME_WAIT
                || state == State.CLOSED, nanos(timeout));
    }

    /**
     * Waits until the connection has finished closing as far as the peer is concerned: every byte
     * written and the FIN acknowledged (FIN-WAIT-2, TIME-WAIT), or the connection gone (CLOSED,
     * reset); or until {@code timeout} passes or the stack stops. Returns true when it finished.
     * For a program about to stop its stack after {@link #close}, which would otherwise reset
     * connections still closing. A closed socket hears no more from its connection, so the loop
     * reads the connection's state itself ({@link NetStack#awaitUntil}).
     */
    public boolean awaitClosed(Duration timeout) throws IOException {
        TcpConnection c = connection;
        return stack.awaitUntil(() -> {
            State s = c.state();
            return s == State.CLOSED || s == State.TIME_WAIT || s == State.FIN_WAIT_2;
        }, timeout);
    }

    /** Resets the connection at once (RST), discarding anything unsent. */
    public void abort() {
        closed = true;
        wakeAll();
        TcpConnection c = connection;
        stack.execute(() -> stack.tcp().abort(stack.clock().nanos(), c));
    }

    /** Zero or null: reads wait forever. */
    public void setSoTimeout(Duration timeout) {
        soTimeoutNanos = nanos(timeout);
    }

    public Duration getSoTimeout() {
        return Duration.ofNanos(soTimeoutNanos);
    }

    public void setNoDelay(boolean on) {
        TcpConnection c = connection;
        stack.execute(() -> {
            c.setNoDelay(on);
            stack.tcp().flush(stack.clock().nanos(), c); // a tail Nagle held may go now
        });
    }

    public void setKeepAlive(boolean on) {
        TcpConnection c = connection;
        stack.execute(() -> stack.tcp().setKeepAlive(stack.clock().nanos(), c, on));
    }

    /**
     * RFC 9293 3.8.5 (MUST-30): sends one byte of urgent data after what was written: the
     * segments up to it carry URG and a pointer to the octet after it (MUST-62), and it goes now,
     * Nagle or not. Blocks while the send buffer is full, as a write does. The urgent mechanism
     * is for old protocols (telnet's interrupt); RFC 9293 SHLD-13 asks new ones not to use it.
     */
    public void sendUrgentData(int data) throws IOException {
        lockInterruptibly(writeLock);
        try {
            SendBuffer buffer = connection.sendBuffer();
            while (true) {
                if (closed) {
                    throw new SocketException("Socket closed");
                }
                if (outputShut) {
                    throw new SocketException("Socket output is shutdown");
                }
                Ending why = ending;
                if (why != Ending.NONE) {
                    throw ended(why);
                }
                if (buffer.writeUrgent((byte) data)) {
                    request(PUSH);
                    return;
                }
                awaitUntil(() -> buffer.free() > 0 || ending != Ending.NONE || closed, 0);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * RFC 9293 MUST-33: how many bytes of urgent data are still to be read (0: none); they run
     * up to the urgent pointer, the urgent byte last. Without SO_OOBINLINE a read ends before the
     * urgent byte, which is dropped; with it, the byte is read in line.
     */
    public long urgentDataPending() {
        return connection.receiveBuffer().urgentPending();
    }

    /**
     * RFC 9293 MUST-32: how many times the peer's urgent pointer has moved on. java.net has no
     * SIGURG; an application that cares watches this figure (or {@link #urgentDataPending}),
     * which the stack raises as soon as the segment carrying the pointer arrives.
     */
    public long urgentSignals() {
        return connection.receiveBuffer().urgentSignals();
    }

    /**
     * SO_OOBINLINE: on, urgent bytes stay in the stream (RFC 6093 recommends it); off, the
     * default, each urgent byte is taken out of the stream and dropped, as Java's sockets on
     * Linux do.
     */
    public void setOobInline(boolean on) {
        connection.receiveBuffer().oobInline(on);
    }

    public boolean getOobInline() {
        return connection.receiveBuffer().oobInline();
    }

    /**
     * RFC 9293 SHLD-9: how many times the connection's retransmissions in a row reached R1
     * ({@link TcpSettings#adviseRetransmissions}, 3 by default) and IP was told to re-validate the
     * path; a figure that grows while the connection still lives says the path is failing before
     * R2 gives up on it.
     */
    public long retransmissionWarnings() {
        return negativeAdvice;
    }

    /**
     * RFC 9293 MUST-48, RFC 1122 3.2.1.6 (IP_TOS): the TOS octet (Diffserv and ECN bits) of every
     * datagram of the connection from now on, retransmissions included; 0 to 255.
     */
    public void setTrafficClass(int tos) {
        if (tos < 0 || tos > 255) {
            throw new IllegalArgumentException("traffic class out of range 0 to 255: " + tos);
        }
        trafficClass = tos;
        TcpConnection c = connection;
        stack.execute(() -> IpHeader.of(c).trafficClass(tos));
    }

    public int getTrafficClass() {
        return trafficClass;
    }

    /**
     * RFC 9293 MUST-49, RFC 1122 3.2.1.7 (IP_TTL on a kernel socket; java.net has no option for
     * it): the TTL of every datagram of the connection from now on, 1 to 255, or 0 for the stack's
     * default (64).
     */
    public void setTtl(int newTtl) {
        if (newTtl < 0 || newTtl > 255) {
            throw new IllegalArgumentException("TTL out of range 0 to 255: " + newTtl);
        }
        ttl = newTtl;
        TcpConnection c = connection;
        stack.execute(() -> IpHeader.of(c).ttl(newTtl));
    }

    public int getTtl() {
        return ttl;
    }

    /**
     * RFC 9293 MUST-27: the keep-alive timing, as TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT
     * set it on a kernel socket: idle time before the first probe and between probes (both
     * positive), and the unanswered probes (at least one) after which the connection is dead.
     */
    public void setKeepAliveTiming(Duration idle, Duration interval, int probes) {
        if (idle.isNegative() || idle.isZero() || interval.isNegative() || interval.isZero() || probes < 1) {
            throw new IllegalArgumentException("keep-alive timing must be positive: " + idle + ", " + interval + ", "
                    + probes + " probes");
        }
        TcpConnection c = connection;
        long idleNanos = idle.toNanos();
        long intervalNanos = interval.toNanos();
        stack.execute(() -> stack.tcp().setKeepAliveTiming(stack.clock().nanos(), c, idleNanos, intervalNanos, probes));
    }

    /**
     * RFC 5482, Linux's TCP_USER_TIMEOUT (java.net has no option for it): the longest written data
     * may wait unacknowledged before the connection is given up with a reset, ending "Connection
     * timed out". The clock runs through retransmissions and through zero-window probes the peer
     * answers (a peer that keeps its window closed is otherwise kept for ever, RFC 9293 MUST-35);
     * an acknowledgment of new data restarts it. Zero: no user timeout (the default).
     */
    public void setUserTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("the user timeout cannot be negative: " + timeout);
        }
        long nanos = timeout.toNanos();
        TcpConnection c = connection;
        stack.execute(() -> {
            c.setUserTimeout(nanos);
            stack.tcp().settle(stack.clock().nanos(), c);
        });
    }

    /** The user timeout ({@link #setUserTimeout}); read on the loop. */
    public Duration getUserTimeout() throws IOException {
        TcpConnection c = connection;
        return Duration.ofNanos(stack.call(c::userTimeout));
    }

    public Ipv4Address localAddress() {
        return new Ipv4Address(connection.localIp());
    }

    public int localPort() {
        return connection.localPort();
    }

    public Ipv4Address remoteAddress() {
        return new Ipv4Address(connection.remoteIp());
    }

    public int remotePort() {
        return connection.remotePort();
    }

    public boolean isClosed() {
        return closed;
    }

    /** The connection's state as the loop last reported it. */
    public State state() {
        return state;
    }

    /** Why the connection ended, as the loop last reported it ({@link Ending#NONE} while it lives). */
    public Ending ending() {
        return ending;
    }

    /** Graceful close: FIN after what was written (a reset instead when received data was left unread). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        wakeAll();
        TcpConnection c = connection;
        // Never blocks: the loop sends what is buffered, then the FIN, and finishes the connection on its own.
        stack.execute(() -> stack.tcp().close(stack.clock().nanos(), c));
    }

    @Override
    public String toString() {
        TcpConnection c = connection;
        return "TcpSocket[" + (c == null ? "-" : Ipv4Address.format(c.localIp()) + ":" + c.localPort() + " -> "
                + Ipv4Address.format(c.remoteIp()) + ":" + c.remotePort()) + " " + state
                + (ending == Ending.NONE ? "" : " " + ending) + (closed ? " closed" : "") + "]";
    }

    // ---------------------------------------------------------------- loop side

    /** On the loop: copy what the application may look at, then wake whoever waits. */
    private void changed(TcpConnection c) {
        State s = c.state();
        if (s.synchronized_()) {
            opened = true;
        }
        peerFinished = c.peerFinished();
        negativeAdvice = c.counters().negativeAdvice();
        ending = c.ending();
        state = s;
        if (waiters > 0) {
            wakeAll();
        }
    }

    private void runPending() {
        int bits = pending.getAndSet(0);
        TcpConnection c = connection;
        long now = stack.clock().nanos();
        if ((bits & SHUTDOWN) != 0) {
            stack.tcp().shutdownOutput(now, c); // what was written goes first, the FIN on its last segment
        }
        if ((bits & PUSH) != 0) {
            stack.tcp().push(now, c);
        } else if ((bits & FLUSH) != 0) {
            stack.tcp().flush(now, c);
        }
        if ((bits & WINDOW) != 0) {
            stack.tcp().windowOpened(now, c);
        }
    }

    /** Asks the loop for {@code bit}'s work; hands it the task only when none is queued already. */
    private void request(int bit) {
        request(bit, true);
    }

    /**
     * As {@link #request(int)}; when not {@code urgent} the task may wait for the loop's next turn
     * ({@link NetStack#executeWhenAwake}). An urgent request that finds such a task queued wakes
     * the loop for it.
     */
    private void request(int bit, boolean urgent) {
        while (true) {
            int v = pending.get();
            boolean lazyQueued = (v & LAZY) != 0;
            if ((v & bit) != 0 && (!urgent || !lazyQueued)) {
                return;
            }
            int next = v | bit;
            if (urgent) {
                next &= ~LAZY;
            } else if (v == 0) {
                next |= LAZY;
            }
            if (pending.compareAndSet(v, next)) {
                if (v == 0) {
                    if (urgent) {
                        stack.execute(pendingTask);
                    } else {
                        stack.executeWhenAwake(pendingTask);
                    }
                } else if (urgent && lazyQueued) {
                    stack.wakeLoop();
                }
                return;
            }
        }
    }

    // ---------------------------------------------------------------- waiting

    private void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Parks until {@code ready} holds or {@code timeoutNanos} pass (0: no limit). Returns false on
     * timeout. The loop signals after every change it reports, and {@code waiters} is raised
     * before the condition is checked, so no wake-up falls between check and park.
     */
    private boolean awaitUntil(BooleanSupplier ready, long timeoutNanos) throws InterruptedIOException {
        if (ready.getAsBoolean() || busyPolled(ready, timeoutNanos)) {
            return true;
        }
        lock.lock();
        waiters++;
        try {
            long remaining = timeoutNanos;
            while (!ready.getAsBoolean()) {
                if (timeoutNanos == 0) {
                    changed.await();
                } else {
                    if (remaining <= 0) {
                        return false;
                    }
                    remaining = changed.awaitNanos(remaining);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } finally {
            waiters--;
            lock.unlock();
        }
    }

    /**
     * With busy polling on ({@link NetStack#busyPoll}), spins up to its time (within the timeout)
     * for {@code ready} before the caller parks: no lock, no signal from the loop.
     */
    private boolean busyPolled(BooleanSupplier ready, long timeoutNanos) {
        long spin = stack.busyPollNanos();
        if (spin == 0) {
            return false;
        }
        long start = System.nanoTime();
        long limit = timeoutNanos == 0 ? spin : Math.min(spin, timeoutNanos);
        while (System.nanoTime() - start < limit) {
            if (ready.getAsBoolean()) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** The exception that says why the connection is gone. */
    private IOException ended(Ending why) {
        return switch (why) {
            case RESET -> new SocketException("Connection reset");
            case TIMED_OUT -> new SocketException("Connection timed out");
            case REFUSED -> new ConnectException("Connection refused");
            case UNREACHABLE -> new NoRouteToHostException("No route to host");
            case ABORTED -> new SocketException(closed ? "Socket closed" : "Connection aborted");
            default -> new SocketException("Broken pipe");
        };
    }

    private static void lockInterruptibly(ReentrantLock l) throws InterruptedIOException {
        try {
            l.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    // ---------------------------------------------------------------- streams

    private int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        lockInterruptibly(readLock);
        try {
            ReceiveBuffer buffer = connection.receiveBuffer();
            while (true) {
                if (closed) {
                    throw new SocketException("Socket closed");
                }
                // The FIN flag and ending are read before the buffer: whatever came before them is in it by then.
                boolean finished = peerFinished;
                Ending why = ending;
                int n = buffer.read(b, off, len);
                if (n > 0) {
                    int held = n + buffer.available();
                    request(WINDOW, held >= Math.min(LAZY_WINDOW_BYTES, buffer.capacity() / 4));
                    return n;
                }
                if (finished) {
                    return -1;
                }
                if (why != Ending.NONE) {
                    if (why == Ending.CLOSED_NORMALLY) {
                        return -1;
                    }
                    throw ended(why);
                }
                long timeout = soTimeoutNanos;
                if (!awaitUntil(() -> buffer.available() > 0 || peerFinished || ending != Ending.NONE || closed, timeout)) {
                    throw new SocketTimeoutException("Read timed out");
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    private int available() throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        return connection.receiveBuffer().available();
    }

    private void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        lockInterruptibly(writeLock);
        try {
            SendBuffer buffer = connection.sendBuffer();
            while (len > 0) {
                if (closed) {
                    throw new SocketException("Socket closed");
                }
                if (outputShut) {
                    throw new SocketException("Socket output is shutdown");
                }
                Ending why = ending;
                if (why != Ending.NONE) {
                    throw ended(why);
                }
                int n = buffer.write(b, off, len);
                if (n > 0) {
                    off += n;
                    len -= n;
                    request(FLUSH);
                    continue;
                }
                awaitUntil(() -> buffer.free() > 0 || ending != Ending.NONE || closed, 0);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = TcpSocket.this.read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return TcpSocket.this.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return TcpSocket.this.available();
        }

        @Override
        public void close() throws IOException {
            TcpSocket.this.close();
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            TcpSocket.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            TcpSocket.this.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (closed) {
                throw new SocketException("Socket closed");
            }
            request(PUSH);
        }

        @Override
        public void close() throws IOException {
            TcpSocket.this.close();
        }
    }

    static long toNanos(Duration d) {
        return nanos(d);
    }
}
