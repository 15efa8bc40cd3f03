package teacup.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library functions teacup calls, bound once as method handles, and the errno each call
 * leaves behind.
 *
 * <p>Every handle captures errno in a per-thread segment ({@link #callState()}), which the caller
 * passes as the first argument and reads back with {@link #errno}: the JVM itself makes native
 * calls between ours, so errno read any later than the call's own return is meaningless.
 *
 * <p>read, write and recvfrom are bound as critical calls that may take heap segments, so a frame
 * goes straight between a Java byte[] and the kernel with no copy and no native buffer. A critical
 * call keeps the thread from reaching a safepoint, so these are only ever made on non-blocking
 * descriptors: every descriptor teacup opens is.
 */
final class Native {
    private Native() {
    }

    private static final Linker LINKER = Linker.nativeLinker();

    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    /** struct pollfd: int fd; short events; short revents. */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    // int open(const char *path, int flags, ...): the mode is variadic; we always pass one.
    static final MethodHandle OPEN = bind("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), CAPTURE, Linker.Option.firstVariadicArg(2));
    static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE);
    static final MethodHandle READ = bind("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE, CRITICAL);
    static final MethodHandle WRITE = bind("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE, CRITICAL);
    // int ioctl(int fd, unsigned long request, ...): one variadic pointer argument.
    static final MethodHandle IOCTL_POINTER = bind("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), CAPTURE, Linker.Option.firstVariadicArg(2));
    // The same with a plain integer argument (TUNSETPERSIST, TUNSETOWNER take the value itself).
    static final MethodHandle IOCTL_VALUE = bind("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE, Linker.Option.firstVariadicArg(2));
    static final MethodHandle POLL = bind("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE);
    static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE);
    static final MethodHandle SOCKET = bind("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE);
    static final MethodHandle BIND = bind("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE);
    static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE);
    static final MethodHandle RECVFROM = bind("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS),
            CAPTURE, CRITICAL);
    static final MethodHandle IF_NAMETOINDEX = bind("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE);
    static final MethodHandle SETNS = bind("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE);
    /*
     * long syscall(long number, ...): io_uring has no C library wrapper. Every argument after the
     * number is passed as a long (or pointer), since syscall(2) reads each one as a long and the
     * upper half of a register holding a bare int is not defined.
     */
    static final MethodHandle SYSCALL_LONG_POINTER = bind("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), CAPTURE, Linker.Option.firstVariadicArg(1));
    static final MethodHandle SYSCALL_ENTER = bind("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
            CAPTURE, Linker.Option.firstVariadicArg(1));
    static final MethodHandle SYSCALL_REGISTER = bind("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
            CAPTURE, Linker.Option.firstVariadicArg(1));
    static final MethodHandle MMAP = bind("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE);
    static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE);
    // strerror needs no errno of its own; for the errors we pass it returns a static string.
    static final MethodHandle STRERROR = bind("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    @SuppressWarnings("restricted") // linking C functions is what this class is for
    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("C library has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /*
     * One errno segment per thread, allocated on first use, so calls on the frame path allocate
     * nothing. It lives as long as the thread can reach it, hence an automatic arena.
     */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    /** This thread's errno capture segment, to pass as a call's first argument. */
    static MemorySegment callState() {
        return STATE.get();
    }

    /** The errno the last call made with {@code state} left behind. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** The C library's text for an error number, e.g. "No such file or directory". */
    @SuppressWarnings("restricted") // sizes the C string strerror returns
    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            if (text.equals(MemorySegment.NULL)) {
                return "error " + errno;
            }
            // strerror's result has no size known to Java; messages are short, 1 KiB is plenty.
            return text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Downcalls declare Throwable but only throw unchecked exceptions (a wrong argument type is a
     * bug in this package). Keeps those unchecked and never drops the cause.
     */
    static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
