package teacup.tcp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The stack-wide budget of send-ring bytes: what all of a stack's connections together may hold
 * for their peers. A peer that stops reading (its window closed) leaves our application's bytes in
 * its connection's ring; three hundred of them, each ring grown to its 256 KB, pinned 80 MB of heap
 * (issue 12). A ring grows only by taking the growth from this budget; past it, the ring stays as it
 * is and writes wait for the peer's acknowledgments to make room in it, as they wait when a ring is
 * at its capacity, and each refusal is counted ({@code TCP_SEND_MEMORY_LIMITED}). Every connection
 * gets its first ring ({@link Rings#INITIAL}) whatever the budget says, so the budget spent by
 * stingy peers never stops a new connection from sending at all. A ring's bytes return when its
 * connection is done with it ({@link SendBuffer#discard}).
 *
 * <p>Growth happens on application threads and the return on the event loop, so the figures are
 * atomic; a ring grows a few times in its life, so this costs nothing per write.
 */
public final class SendMemory {
    /** The default budget: a few hundred rings at the default 256 KB. */
    public static final long DEFAULT_LIMIT = 64L << 20;
    /** For a connection outside a stack (tests of one connection): no budget, nothing counted. */
    static final SendMemory UNLIMITED = new SendMemory(Long.MAX_VALUE);

    private final AtomicLong held = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    /** Writes that found a ring held to twice its peer's largest window ({@code TCP_SEND_RING_WINDOW_BOUND}). */
    private final AtomicLong heldToWindow = new AtomicLong();
    private volatile long limit;

    public SendMemory(long limit) {
        limit(limit);
    }

    /** The budget in bytes (at least one). */
    public void limit(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("the send memory budget must be positive: " + bytes);
        }
        limit = bytes;
    }

    public long limit() {
        return limit;
    }

    /** Bytes of send rings held now. */
    public long held() {
        return held.get();
    }

    /**
     * A ring of {@code from} bytes wants to be {@code to}: returns the size it may have, {@code to}
     * when the growth fits the budget, else {@code from} (a refusal, counted); a first ring
     * ({@code from} 0) always gets up to {@link Rings#INITIAL}.
     */
    int grant(int from, int to) {
        if (this == UNLIMITED) {
            return to;
        }
        int floor = from == 0 ? Math.min(to, Rings.INITIAL) : from;
        long growth = to - floor;
        while (true) {
            long h = held.get();
            if (growth > 0 && h + growth > limit) {
                refusals.incrementAndGet();
                held.addAndGet(floor - from);
                return floor;
            }
            if (held.compareAndSet(h, h + (to - from))) {
                return to;
            }
        }
    }

    /** A ring of {@code bytes} is let go. */
    void give(int bytes) {
        if (this != UNLIMITED && bytes > 0) {
            held.addAndGet(-bytes);
        }
    }

    /** A writer wanted more room than twice its peer's largest window lets its ring have (application thread). */
    void heldToWindow() {
        if (this != UNLIMITED) {
            heldToWindow.incrementAndGet();
        }
    }

    /** {@link #heldToWindow} events since the last call (the event loop moves them into the statistics). */
    long takeHeldToWindow() {
        return heldToWindow.get() == 0 ? 0 : heldToWindow.getAndSet(0);
    }

    /** Refusals since the last call (the event loop moves them into the statistics). */
    long takeRefusals() {
        return refusals.get() == 0 ? 0 : refusals.getAndSet(0);
    }
}
