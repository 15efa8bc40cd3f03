package teacup.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Waits on a few descriptors at once with poll(2): typically a device and the {@link EventFd}
 * that other threads ring. The pollfd array is allocated once, so waiting allocates nothing.
 * One thread uses a Poll at a time.
 */
public final class Poll {
    /** Data may be read. */
    public static final int IN = 0x001;
    /** Data may be written. */
    public static final int OUT = 0x004;
    /** An error is pending (reported whether asked for or not). */
    public static final int ERR = 0x008;
    /** The peer hung up (reported whether asked for or not). */
    public static final int HUP = 0x010;
    /** The descriptor is not open (reported whether asked for or not). */
    public static final int NVAL = 0x020;

    private static final long FD = Native.POLLFD.byteOffset(PathElement.groupElement("fd"));
    private static final long EVENTS = Native.POLLFD.byteOffset(PathElement.groupElement("events"));
    private static final long REVENTS = Native.POLLFD.byteOffset(PathElement.groupElement("revents"));
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final MemorySegment pollfds;
    private final Fd[] members;
    private int count;

    /** A Poll for up to {@code capacity} descriptors. */
    public Poll(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        // The array is reachable from this object alone; the GC frees it with the Poll.
        pollfds = Arena.ofAuto().allocate(Native.POLLFD, capacity);
        members = new Fd[capacity];
    }

    /** Watches {@code fd} for {@code events} (e.g. {@link #IN}); returns its index for {@link #events}. */
    public int add(Fd fd, int events) {
        if (count == members.length) {
            throw new IllegalStateException("Poll is full (" + count + " descriptors)");
        }
        int index = count++;
        members[index] = fd;
        long entry = entry(index);
        pollfds.set(ValueLayout.JAVA_SHORT, entry + EVENTS, (short) events);
        pollfds.set(ValueLayout.JAVA_SHORT, entry + REVENTS, (short) 0);
        return index;
    }

    /**
     * Waits until a watched descriptor is ready or {@code timeoutNanos} passes (negative: no
     * limit; zero: just look). Returns how many descriptors are ready, 0 on timeout. A signal
     * that interrupts the wait does not end it early. A closed member is skipped, not reported.
     */
    public int await(long timeoutNanos) throws IOException {
        for (int i = 0; i < count; i++) {
            long entry = entry(i);
            // Re-read each time: a closed Fd reports -1, which poll(2) passes over.
            pollfds.set(ValueLayout.JAVA_INT, entry + FD, members[i].number());
            pollfds.set(ValueLayout.JAVA_SHORT, entry + REVENTS, (short) 0);
        }
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        long remaining = timeoutNanos;
        MemorySegment state = Native.callState();
        while (true) {
            int ready;
            try {
                ready = (int) Native.POLL.invokeExact(state, pollfds, (long) count, milliseconds(remaining));
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (ready >= 0) {
                return ready;
            }
            int errno = Native.errno(state);
            if (errno != Errno.EINTR) {
                throw new ErrnoException("poll", errno);
            }
            if (timeoutNanos > 0) {
                remaining = Math.max(0, deadline - System.nanoTime());
            }
        }
    }

    /** The events the last {@link #await} found on the descriptor at {@code index}. */
    public int events(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(index);
        }
        return pollfds.get(ValueLayout.JAVA_SHORT, entry(index) + REVENTS) & 0xffff;
    }

    /** Whether the last {@link #await} found the descriptor at {@code index} readable. */
    public boolean readable(int index) {
        return (events(index) & IN) != 0;
    }

    /** Byte offset of the pollfd at {@code index}. */
    private static long entry(int index) {
        return index * Native.POLLFD.byteSize();
    }

    /** Rounds up, so a wait of 1 ns sleeps 1 ms instead of spinning on a zero timeout. */
    static int milliseconds(long timeoutNanos) {
        if (timeoutNanos < 0) {
            return -1;
        }
        long millis = timeoutNanos / NANOS_PER_MILLI + (timeoutNanos % NANOS_PER_MILLI == 0 ? 0 : 1);
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }
}
