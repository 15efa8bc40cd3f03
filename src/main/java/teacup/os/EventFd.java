package teacup.os;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linux eventfd used as a doorbell: any thread may {@link #signal}, and the thread that polls
 * it {@link #drain}s it. Signals that arrive before the drain merge into one, which is all a
 * wake-up needs.
 */
public final class EventFd implements AutoCloseable {
    private static final int EFD_NONBLOCK = Fd.O_NONBLOCK;
    private static final int EFD_CLOEXEC = Fd.O_CLOEXEC;
    private static final int COUNTER_SIZE = 8;

    /** The value every signal adds; shared by all threads, and only ever read by the kernel. */
    private static final byte[] ONE = new byte[COUNTER_SIZE];

    static {
        MemorySegment.ofArray(ONE).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1L);
    }

    private final Fd fd;
    private final byte[] counter = new byte[COUNTER_SIZE];

    private EventFd(Fd fd) {
        this.fd = fd;
    }

    /** Creates an eventfd with count 0, non-blocking. */
    public static EventFd open() throws IOException {
        MemorySegment state = Native.callState();
        int number;
        try {
            number = (int) Native.EVENTFD.invokeExact(state, 0, EFD_NONBLOCK | EFD_CLOEXEC);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (number < 0) {
            throw new ErrnoException("eventfd", Native.errno(state));
        }
        return new EventFd(new Fd(number, "eventfd"));
    }

    /** The descriptor, to poll for {@link Poll#IN}. */
    public Fd fd() {
        return fd;
    }

    /**
     * Makes the descriptor readable. Never blocks and never throws: a full counter means a
     * wake-up is already pending, and a signal after close has no one left to wake.
     */
    public void signal() {
        fd.write(ONE, 0, COUNTER_SIZE);
    }

    /**
     * Resets the count so the descriptor stops being readable; returns whether any signal was
     * pending. Call from one thread only (the one that polls).
     */
    public boolean drain() throws IOException {
        int n = fd.read(counter, 0, COUNTER_SIZE);
        if (n == COUNTER_SIZE) {
            return true;
        }
        if (n == -Errno.EAGAIN) {
            return false;
        }
        throw new ErrnoException("read " + fd.name(), n < 0 ? -n : Errno.EIO);
    }

    @Override
    public void close() throws IOException {
        fd.close();
    }
}
