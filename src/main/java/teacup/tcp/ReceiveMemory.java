package teacup.tcp;

/**
 * The stack-wide budget for receive spaces grown past their initial size ({@link ReceiveSpace}):
 * what autotuning may promise peers beyond every connection's first buffer. A fast reader on a
 * long path wants megabytes of window; a thousand of them, or a peer that opens many connections
 * and keeps each busy, would otherwise have the heap promised away. Growth takes its bytes from
 * here or does not happen (counted, {@code TCP_RECEIVE_MEMORY_LIMITED}); a space returns what it
 * took when its connection goes idle, ends, or waits in TIME-WAIT. Every connection keeps its
 * initial buffer whatever the budget says. Loop thread only.
 */
public final class ReceiveMemory {
    /** The default: 32 connections at the 4 MB bound at once, or 256 at 512 KB. */
    public static final long DEFAULT_LIMIT = 128L << 20;
    /** For a connection outside a stack (tests of one connection): no budget. */
    static final ReceiveMemory UNLIMITED = new ReceiveMemory(Long.MAX_VALUE);

    private long limit;
    private long held;

    public ReceiveMemory(long limit) {
        limit(limit);
    }

    /** The budget in bytes (at least one). */
    public void limit(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("the receive memory budget must be positive: " + bytes);
        }
        limit = bytes;
    }

    public long limit() {
        return limit;
    }

    /** Bytes of growth promised now. */
    public long held() {
        return held;
    }

    /** Takes {@code bytes} of growth if the budget has them; false, taking nothing, if not. */
    boolean take(long bytes) {
        if (this != UNLIMITED && held + bytes > limit) {
            return false;
        }
        held += bytes;
        return true;
    }

    void give(long bytes) {
        held -= bytes;
    }
}
