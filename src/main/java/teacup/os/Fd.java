package teacup.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open file descriptor, owned: {@link #close} releases it, and closing twice is harmless.
 *
 * <p>Every descriptor teacup holds is non-blocking (see {@link Native} for why). {@link #read}
 * and {@link #write} move bytes straight between a byte[] and the kernel and report failure as
 * {@code -errno} rather than an exception, since "would block" ends every drain loop; they retry
 * EINTR themselves. After close they report {@code -EBADF}.
 */
public final class Fd implements AutoCloseable {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    private static final int CLOSED = -1;

    private final AtomicInteger number;
    private final String name;

    /*
     * A heap segment over the byte[] last used, from the offset on. Wrapping an array costs an
     * object; the event loop reads into and writes from the same buffers at the same offsets
     * frame after frame, so remembering the last one keeps the frame path free of allocation.
     * Each window is immutable and checked against the array and offset before use, so a
     * window published by another thread is harmless.
     */
    private Window readWindow;
    private Window writeWindow;

    private record Window(byte[] array, int offset, MemorySegment segment) {
    }

    Fd(int number, String name) {
        this.number = new AtomicInteger(number);
        this.name = name;
    }

    /**
     * Opens {@code path} with {@code access} ({@link #O_RDONLY}, {@link #O_WRONLY} or
     * {@link #O_RDWR}), non-blocking and closed on exec.
     */
    public static Fd open(String path, int access) throws IOException {
        if ((access & ~3) != 0) {
            throw new IllegalArgumentException("access must be O_RDONLY, O_WRONLY or O_RDWR: " + access);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState();
            int fd = (int) Native.OPEN.invokeExact(state, arena.allocateFrom(path), access | O_NONBLOCK | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new ErrnoException("open " + path, Native.errno(state));
            }
            return new Fd(fd, path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** What this descriptor is, for messages: a path, or e.g. "eventfd". */
    public String name() {
        return name;
    }

    public boolean isOpen() {
        return number.get() != CLOSED;
    }

    /** The descriptor number, or -1 once closed. */
    int number() {
        return number.get();
    }

    /** Reads up to {@code len} bytes into {@code b} at {@code off}; returns the count, 0 at end of file, or {@code -errno}. */
    public int read(byte[] b, int off, int len) {
        MemorySegment target = readSegment(b, off, len);
        MemorySegment state = Native.callState();
        try {
            while (true) {
                long n = (long) Native.READ.invokeExact(state, number.get(), target, (long) len);
                if (n >= 0) {
                    return (int) n;
                }
                int errno = Native.errno(state);
                if (errno != Errno.EINTR) {
                    return -errno;
                }
            }
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Writes {@code len} bytes of {@code b} from {@code off}; returns the count written or {@code -errno}. */
    public int write(byte[] b, int off, int len) {
        MemorySegment source = writeSegment(b, off, len);
        MemorySegment state = Native.callState();
        try {
            while (true) {
                long n = (long) Native.WRITE.invokeExact(state, number.get(), source, (long) len);
                if (n >= 0) {
                    return (int) n;
                }
                int errno = Native.errno(state);
                if (errno != Errno.EINTR) {
                    return -errno;
                }
            }
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** A heap segment over {@code b} from {@code off}, for reads; checks that {@code len} bytes fit. */
    MemorySegment readSegment(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        Window w = readWindow;
        if (w == null || w.array != b || w.offset != off) {
            w = new Window(b, off, MemorySegment.ofArray(b).asSlice(off));
            readWindow = w;
        }
        return w.segment;
    }

    /** A heap segment over {@code b} from {@code off}, for writes; checks that {@code len} bytes fit. */
    MemorySegment writeSegment(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        Window w = writeWindow;
        if (w == null || w.array != b || w.offset != off) {
            w = new Window(b, off, MemorySegment.ofArray(b).asSlice(off));
            writeWindow = w;
        }
        return w.segment;
    }

    /** ioctl with a pointer argument; throws naming {@code what} on failure. */
    int ioctl(long request, MemorySegment argument, String what) throws IOException {
        MemorySegment state = Native.callState();
        int result;
        try {
            result = (int) Native.IOCTL_POINTER.invokeExact(state, number.get(), request, argument);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (result < 0) {
            throw new ErrnoException(what, Native.errno(state));
        }
        return result;
    }

    /** ioctl with an integer argument; throws naming {@code what} on failure. */
    int ioctl(long request, long argument, String what) throws IOException {
        MemorySegment state = Native.callState();
        int result;
        try {
            result = (int) Native.IOCTL_VALUE.invokeExact(state, number.get(), request, argument);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (result < 0) {
            throw new ErrnoException(what, Native.errno(state));
        }
        return result;
    }

    /**
     * Closes the descriptor. Only the first call does anything. Linux releases the descriptor
     * even when close reports EINTR, so that is not retried (a retry could close a number
     * another thread has just been given).
     */
    @Override
    public void close() throws IOException {
        int fd = number.getAndSet(CLOSED);
        if (fd == CLOSED) {
            return;
        }
        MemorySegment state = Native.callState();
        int result;
        try {
            result = (int) Native.CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (result < 0) {
            int errno = Native.errno(state);
            if (errno != Errno.EINTR) {
                throw new ErrnoException("close " + name, errno);
            }
        }
    }

    @Override
    public String toString() {
        return "Fd[" + name + (isOpen() ? ", " + number.get() : ", closed") + "]";
    }
}
