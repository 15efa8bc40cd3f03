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
 * <p>The budget is shared fairly once it is under pressure (more than half of it held): no ring
 * then grows past the budget's share per ring held ({@link #fairCeiling}), and a ring already
 * above it moves into one of the share's size as soon as what it holds fits
 * ({@link SendBuffer}), as Linux moderates a socket's send buffer under memory pressure. Without
 * this the first few hundred of a thousand bulk connections took the whole budget and the rest
 * sent from a first ring of 4 KB (Jain's fairness index 0.5).
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
    /** Rings held now, whatever their size: what the budget is shared among under pressure. */
    private final java.util.concurrent.atomic.AtomicInteger rings = new java.util.concurrent.atomic.AtomicInteger();
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

    /** Rings held now. */
    public int rings() {
        return rings.get();
    }

    /**
     * The largest ring any connection may have now: no bound ({@code Integer.MAX_VALUE}) while at
     * most half the budget is held; past that, the budget's share per ring held, rounded down to a
     * power of two (rings are), and never below {@link Rings#INITIAL}.
     */
    int fairCeiling() {
        if (this == UNLIMITED) {
            return Integer.MAX_VALUE;
        }
        long l = limit;
        if (held.get() <= l / 2) {
            return Integer.MAX_VALUE;
        }
        long share = Math.min(1 << 30, l / Math.max(1, rings.get()));
        return (int) Math.max(Rings.INITIAL, Long.highestOneBit(share));
    }

    /**
     * A ring of {@code from} bytes wants to be {@code to} (a power of two): returns the size it may
     * have: {@code to} when the growth fits the budget and the {@link #fairCeiling}, as much of it as
     * the ceiling allows under pressure, else {@code from} (a refusal or a partial grant, counted);
     * a first ring ({@code from} 0) always gets up to {@link Rings#INITIAL}.
     */
    int grant(int from, int to) {
        if (this == UNLIMITED) {
            return to;
        }
        int floor = from == 0 ? Math.min(to, Rings.INITIAL) : from;
        int target = Math.max(floor, Math.min(to, fairCeiling()));
        long growth = target - floor;
        if (from == 0) {
            rings.incrementAndGet();
        }
        while (true) {
            long h = held.get();
            if (growth > 0 && h + growth > limit) {
                refusals.incrementAndGet();
                held.addAndGet(floor - from);
                return floor;
            }
            if (held.compareAndSet(h, h + (target - from))) {
                if (target < to) {
                    refusals.incrementAndGet();
                }
                return target;
            }
        }
    }

    /** {@code bytes} of a ring that goes on are given back (it moved into a smaller one). */
    void give(int bytes) {
        if (this != UNLIMITED && bytes > 0) {
            held.addAndGet(-bytes);
        }
    }

    /** A whole ring of {@code bytes} is let go. */
    void giveRing(int bytes) {
        if (this != UNLIMITED && bytes > 0) {
            held.addAndGet(-bytes);
            rings.decrementAndGet();
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
