package teacup.stack;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import teacup.ip.FrameSink;
import teacup.ip.Interface;
import teacup.ip.IpLayer;
import teacup.link.Link;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.TcpLayer;
import teacup.tcp.TcpSettings;
import teacup.time.Clock;
import teacup.udp.UdpLayer;

/**
 * One network stack on one link: owns the protocol layers, their timers and statistics, and
 * the single event-loop thread that alone touches them.
 *
 * <p>Run it either with {@link #start()} (a platform thread that waits on the link and reads
 * the clock) or, in simulations, by calling {@link #step(long)} with simulated time from one
 * driving thread. Application threads never touch protocol state: they hand work to the loop
 * with {@link #execute} or {@link #call} and wait for the result.
 */
public final class NetStack implements AutoCloseable {
    /** Frames handled per loop turn before timers and tasks get a look in. */
    private static final int RECEIVE_BATCH = 64;
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final Link link;
    private final Clock clock;
    private final Statistics stats = new Statistics();
    private final IpLayer ip;
    private final UdpLayer udp;
    private final TcpLayer tcp;
    private final byte[] rx;
    /** Where received frames start in {@link #rx}: room for the link's device header in front. */
    private final int rxOffset;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Service> services = new ArrayList<>();
    /** What application threads wait for ({@link #awaitUntil}), checked after every turn; loop thread only. */
    private final List<Awaited> awaited = new ArrayList<>();

    private volatile Thread loopThread;
    private volatile boolean running;
    private volatile IOException failure;
    /** What sockets opened on this stack start from unless given their own settings (configuration: the CLI's limits). */
    private volatile TcpSettings tcpDefaults = TcpSettings.defaults();
    /** Busy polling (0: off): after work, the loop polls the link without sleeping this long, and readers spin before they park. */
    private volatile long busyPollNanos;
    /** True while the loop busy-polls: {@link #execute} then needs no wake-up. */
    private volatile boolean spinning;
    /**
     * True from just before the loop's last look at the task queue until it wakes: only then does
     * {@link #execute} ring the link's doorbell. A loop at work sees a new task on its next turn
     * anyway, and each ring costs a system call and, on a busy server, one more turn of the loop.
     * True until {@link #start()}'s loop runs: a stack driven by {@link #step} always rings, for
     * a driver that waits on the link itself.
     */
    private volatile boolean sleeping = true;
    /** Whether the last turn handled a frame or a task (loop thread). */
    private boolean worked;
    /** When the loop last did work (loop thread; busy polling). */
    private long workedAt;
    private boolean started;

    public NetStack(Link link, Interface iface, Clock clock, RandomGenerator random) {
        if (iface.mtu() > link.mtu()) {
            throw new IllegalArgumentException("interface MTU " + iface.mtu() + " exceeds the link's " + link.mtu());
        }
        this.link = link;
        this.clock = clock;
        // One spare byte lets a link notice (and count) a frame too long for the MTU instead of cutting it.
        this.rxOffset = link.receiveHeadroom();
        this.rx = new byte[rxOffset + link.maxFrameLength() + 1];
        this.ip = new IpLayer(iface, new FrameSink() {
            @Override
            public void send(byte[] b, int off, int len) {
                transmit(b, off, len);
            }

            @Override
            public int segmentationOffload() {
                return link.segmentationOffload();
            }

            @Override
            public void sendSegmented(byte[] b, int off, int len, int segmentSize) {
                try {
                    link.sendSegmented(b, off, len, segmentSize);
                } catch (IOException e) {
                    stats.increment(Counter.FRAMES_OUT_FAILED);
                }
            }
        }, stats, random);
        this.udp = new UdpLayer(ip, random);
        this.tcp = new TcpLayer(ip, stats, random);
    }

    public Interface iface() {
        return ip.iface();
    }

    public Clock clock() {
        return clock;
    }

    /** The IP layer; touch it only on the loop thread (inside {@link #execute} or {@link #call}). */
    public IpLayer ip() {
        return ip;
    }

    /** The UDP layer; touch it only on the loop thread. */
    public UdpLayer udp() {
        return udp;
    }

    /** The settings a socket on this stack starts from when it is given none; any thread. */
    public TcpSettings tcpDefaults() {
        return tcpDefaults;
    }

    /** New settings for sockets opened from now on (those open keep theirs); any thread. */
    public void tcpDefaults(TcpSettings settings) {
        tcpDefaults = java.util.Objects.requireNonNull(settings);
    }

    /** The TCP layer; touch it only on the loop thread. */
    public TcpLayer tcp() {
        return tcp;
    }

    /**
     * Work above the transport layers that the loop drives with time, like a DHCP client: it is
     * polled after every turn's frames and timers, asked when it next needs a turn, and stopped
     * (still on the loop thread, link still open) when the stack stops.
     */
    public interface Service {
        void poll(long now);

        /** When {@link #poll} next has work to do (Long.MAX_VALUE: none). */
        long nextDeadline();

        /** The stack is stopping: last words (a DHCP release) may still be sent. */
        default void stop(long now) {}
    }

    /** Adds a service the loop drives; call on the loop thread. */
    public void addService(Service service) {
        services.add(service);
    }

    /** Removes a service (without stopping it); call on the loop thread. */
    public void removeService(Service service) {
        services.remove(service);
    }

    private void transmit(byte[] b, int off, int len) {
        try {
            link.send(b, off, len);
        } catch (IOException e) {
            stats.increment(Counter.FRAMES_OUT_FAILED);
        }
    }

    // ---------------------------------------------------------------- running

    /** Starts the event loop on its own platform thread. */
    public synchronized NetStack start() {
        if (running || loopThread != null) {
            throw new IllegalStateException("already started");
        }
        running = true;
        Thread t = Thread.ofPlatform().name("teacup-loop").daemon(true).unstarted(this::loop);
        loopThread = t;
        t.start();
        return this;
    }

    private void loop() {
        sleeping = false;
        try {
            while (running) {
                // Tasks read the clock themselves; frames get a time taken after them, so a reply
                // to something a task just sent can never look older than the send.
                boolean ran = runTasks();
                step(clock.nanos());
                worked |= ran;
                long deadline = nextDeadline();
                long now = clock.nanos();
                if (worked) {
                    workedAt = now;
                }
                long wait = deadline == Long.MAX_VALUE ? -1 : Math.max(0, deadline - now);
                boolean polling = busyPollNanos > 0 && now - workedAt < busyPollNanos;
                if (polling != spinning) {
                    spinning = polling; // cleared before the queue's last look below, so no task waits unseen
                }
                if (polling) {
                    Thread.onSpinWait();
                    continue; // busy polling: the next turn reads the link again at once
                }
                // Raised before the queue's last look, so a task added after that look sees it and rings.
                sleeping = true;
                if (tasks.isEmpty() && running) {
                    link.await(wait);
                }
                sleeping = false;
            }
        } catch (IOException e) {
            failure = e;
            running = false;
        } catch (RuntimeException | Error e) {
            // A bug, not a peer's doing (peers' input is dropped, never thrown): stop loudly.
            failure = new IOException("teacup event loop failed: " + e, e);
            running = false;
            throw e;
        } finally {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                r.run(); // let waiting callers see the stop instead of hanging
            }
            try {
                stopServices();
            } finally {
                udp.closeAll(); // wake readers blocked on sockets of a stack that is gone
                tcp.closeAll(clock.nanos()); // reset connections; their sockets' blocked threads wake
                flushQuietly(); // the resets go out before the link closes
                releaseAwaited();
            }
        }
    }

    /** Queued frames go down; one the link fails on is counted as a failed send is. */
    private void flushQuietly() {
        try {
            link.flush();
        } catch (IOException e) {
            stats.increment(Counter.FRAMES_OUT_FAILED);
        }
    }

    /**
     * One turn of the loop at time {@code now}: queued tasks, received frames (a bounded
     * batch), then timers. Call from one thread only; {@link #start()} does it for you.
     */
    public void step(long now) throws IOException {
        if (!started) {
            started = true;
            ip.start(now);
        }
        worked = runTasks();
        for (int i = 0; i < RECEIVE_BATCH; i++) {
            int n = link.receive(rx, rxOffset);
            if (n <= 0) {
                break;
            }
            worked = true;
            ip.receive(now, rx, rxOffset, n, link.receivedChecksumTrusted());
        }
        ip.poll(now);
        tcp.poll(now);
        for (int i = 0; i < services.size(); i++) {
            services.get(i).poll(now);
        }
        if (!awaited.isEmpty()) {
            checkAwaited();
        }
        // A batching link sends what the turn queued in one system call; it must not wait for a later turn.
        flushQuietly();
    }

    private void stopServices() {
        long now = clock.nanos();
        List<Service> stopping = List.copyOf(services);
        services.clear();
        for (Service s : stopping) {
            s.stop(now);
        }
    }

    private boolean runTasks() {
        boolean ran = false;
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
            ran = true;
        }
        return ran;
    }

    /** The earliest time at which {@link #step} has timer work (Long.MAX_VALUE: none). */
    public long nextDeadline() {
        if (!tasks.isEmpty()) {
            return Long.MIN_VALUE;
        }
        long deadline = Math.min(ip.nextDeadline(), tcp.nextDeadline());
        for (int i = 0; i < services.size(); i++) {
            deadline = Math.min(deadline, services.get(i).nextDeadline());
        }
        return deadline;
    }

    /** Runs {@code task} on the loop thread soon. Safe from any thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        // The loop raises sleeping (and clears spinning) before it looks at the queue a last time,
        // so a task added after that look finds it raised and rings (all three volatile).
        if (sleeping && !spinning) {
            link.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop thread when it next turns anyway (a frame, a timer, another
     * task), without waking a sleeping loop; for work that may wait, such as a window update
     * nobody is short of. {@link #wakeLoop} makes it run soon after all. Safe from any thread.
     */
    public void executeWhenAwake(Runnable task) {
        tasks.add(task);
    }

    /** Wakes a sleeping loop, so that tasks queued by {@link #executeWhenAwake} run soon. Safe from any thread. */
    public void wakeLoop() {
        if (sleeping && !spinning) {
            link.wakeup();
        }
    }

    /**
     * Busy polling for latency at the price of a core: after work, the loop polls the link with no
     * sleep for {@code d}, and a socket's reader spins that long before it parks (0: off, the
     * default). Any thread.
     */
    public void busyPoll(java.time.Duration d) {
        if (d.isNegative() || d.toMillis() > 10_000) {
            throw new IllegalArgumentException("busy poll must be 0 to 10 s: " + d);
        }
        busyPollNanos = d.toNanos();
    }

    /** The busy-poll time ({@link #busyPoll}), 0 when off. */
    public long busyPollNanos() {
        return busyPollNanos;
    }

    /**
     * Runs {@code task} on the loop thread and waits for its result. Exceptions it throws are
     * rethrown here (IOExceptions as they are; others wrapped). Safe from any thread,
     * including the loop thread itself. On a stack that was never {@link #start}ed the task
     * waits for whoever drives {@link #step} (a simulation); with no driver it waits forever.
     */
    public <T> T call(Callable<T> task) throws IOException {
        if (Thread.currentThread() == loopThread) {
            try {
                return task.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        IOException stopped = failure;
        if (stopped != null) {
            throw stopped;
        }
        if (loopThread != null && !running) {
            throw new IOException("teacup stack is stopped");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            if (!running && loopThread != null) {
                result.completeExceptionally(new IOException("teacup stack is stopped"));
                return;
            }
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            while (true) {
                try {
                    return result.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    Thread t = loopThread;
                    if (t != null && !t.isAlive()) {
                        // The loop ended between our check and our task: nobody will run it.
                        throw failure != null ? failure : new IOException("teacup stack is stopped");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the teacup stack");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(cause.toString(), cause);
        }
    }

    /** A thread waiting in {@link #awaitUntil}: its condition, and where the loop says it held. */
    private record Awaited(BooleanSupplier condition, CompletableFuture<Boolean> held) {
        /** Reads the condition on the loop thread; true when this wait is over (held, failed, or given up). */
        boolean settled() {
            if (held.isDone()) {
                return true;
            }
            try {
                return condition.getAsBoolean() && held.complete(true);
            } catch (RuntimeException e) {
                // The caller's condition failed: the caller gets the exception, the loop goes on.
                held.completeExceptionally(e);
                return true;
            }
        }
    }

    private void checkAwaited() {
        awaited.removeIf(Awaited::settled);
    }

    /** The stack is stopping and its connections are reset: each waiter gets its condition's last answer. */
    private void releaseAwaited() {
        checkAwaited();
        for (Awaited a : awaited) {
            a.held().complete(false);
        }
        awaited.clear();
    }

    /**
     * Blocks the calling thread until {@code condition} holds, or {@code timeout} passes, or the
     * stack stops; returns whether it held. The condition is read on the loop thread, so it may
     * look at protocol state (a connection's state, the table's size): once at once, then after
     * every turn of the loop, and a last time when a stopping stack has reset its connections. The
     * caller is woken by the turn that makes it true; nothing polls. A condition that throws
     * rethrows here. False at once on a stack that has stopped. On a stack driven by {@link #step}
     * the driver's turns do the checks. Not on the loop thread, which would wait for itself.
     */
    public boolean awaitUntil(BooleanSupplier condition, Duration timeout) throws IOException {
        if (Thread.currentThread() == loopThread) {
            throw new IllegalStateException("awaitUntil on the loop thread would wait for itself");
        }
        if (failure != null || (loopThread != null && !running)) {
            return false;
        }
        Awaited a = new Awaited(condition, new CompletableFuture<>());
        execute(() -> {
            if (!running && loopThread != null) {
                a.held().complete(false);
            } else if (!a.settled()) {
                awaited.add(a);
            }
        });
        if (loopThread != null && !running) {
            // Stopped meanwhile: the loop's last turn may have been before the task above.
            a.held().complete(false);
        }
        long nanos = timeout.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE : Math.max(0, timeout.toNanos());
        try {
            try {
                return a.held().get(nanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                a.held().complete(false); // unless the loop got there first
                return a.held().get();
            }
        } catch (InterruptedException e) {
            a.held().complete(false);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the teacup stack");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause().toString(), e.getCause());
        }
    }

    /**
     * Waits until the stack holds no TCP connection (one in TIME-WAIT counts) or {@code timeout}
     * passes; true when none is left. See {@link #awaitUntil}.
     */
    public boolean awaitNoConnections(Duration timeout) throws IOException {
        return awaitUntil(() -> tcp.connectionCount() == 0, timeout);
    }

    /** A copy of the counters, taken on the loop thread (or directly when the loop is not running). */
    public Map<Counter, Long> statistics() {
        if (loopThread == null || !running) {
            return counters();
        }
        try {
            return call(this::counters);
        } catch (IOException e) {
            return counters();
        }
    }

    /** The stack's counters and the few the link keeps itself (receive coalescing), in one snapshot. */
    private Map<Counter, Long> counters() {
        Map<Counter, Long> snapshot = stats.snapshot();
        long coalesced = link.framesCoalesced();
        if (coalesced != 0) {
            snapshot.put(Counter.LINK_FRAMES_COALESCED, coalesced);
            snapshot.put(Counter.LINK_LARGE_FRAMES_MADE, link.largeFramesMade());
        }
        return snapshot;
    }

    /**
     * Connections, listeners and counters in one snapshot, taken on the loop thread (or directly
     * when the stack was never started, as in a simulation whose caller drives {@link #step}).
     * A stopped stack has reset all its connections, so it reports none.
     */
    public StackStatus status() {
        if (loopThread == null) {
            return takeStatus();
        }
        try {
            if (running) {
                return call(this::takeStatus);
            }
        } catch (IOException e) {
            // stopped meanwhile
        }
        return new StackStatus(ip.iface(), List.of(), List.of(), counters());
    }

    private StackStatus takeStatus() {
        return new StackStatus(ip.iface(), tcp.connectionStatus(), tcp.listenerStatus(), counters());
    }

    /** The TCP connections as they stand now (see {@link #status}). */
    public List<ConnectionStatus> connections() {
        return status().connections();
    }

    /** Why the loop stopped on its own, or null. */
    public IOException failure() {
        return failure;
    }

    public boolean isRunning() {
        return running;
    }

    /** Stops the loop (waiting a bounded time for it) and closes the link. */
    @Override
    public void close() throws IOException {
        running = false;
        link.wakeup();
        Thread t = loopThread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (t == null) {
            try {
                stopServices();
            } finally {
                udp.closeAll(); // never started (or driven by step): nobody else will wake readers
                tcp.closeAll(clock.nanos());
                flushQuietly();
                releaseAwaited();
            }
        }
        link.close();
    }
}
