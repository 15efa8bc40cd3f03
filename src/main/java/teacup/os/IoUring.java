package teacup.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * An io_uring instance: many reads and writes handed to the kernel, and their results taken
 * back, in one system call. Bound straight onto io_uring_setup(2) and io_uring_enter(2) through
 * syscall(2); liburing is not needed for the little used here.
 *
 * <p>The submission ring, the submission entries and the completion ring are shared memory,
 * mapped once at {@link #open}. Queueing an operation ({@link #read}, {@link #write}) only fills
 * an entry; {@link #submit} makes the one system call that hands all queued entries over;
 * completions are then read straight from the mapping ({@link #completions}, {@link
 * #completionData}, {@link #completionResult}, {@link #consume}) with no call at all.
 *
 * <p>The buffers an operation names are native memory the caller owns and keeps alive until the
 * operation's completion has been seen; the kernel reads or writes them in between. One thread
 * uses a ring at a time, except {@link #close}, which any thread may call: a ring used after close
 * throws IllegalStateException instead of touching unmapped memory.
 *
 * <p>The ring's descriptor ({@link #fd}) polls readable while completions wait.
 */
public final class IoUring implements AutoCloseable {
    // x86-64 and aarch64 share these numbers (io_uring came after the tables were unified).
    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_IO_URING_ENTER = 426;
    private static final long SYS_IO_URING_REGISTER = 427;

    /** Most entries a ring of ours holds; the kernel allows 32768, a link needs a few dozen. */
    public static final int MAX_ENTRIES = 4096;

    static final int IORING_ENTER_GETEVENTS = 1;
    /** The kernel maps the submission and completion rings in one go (since 5.4). */
    private static final int IORING_FEAT_SINGLE_MMAP = 1;
    /** An offset of -1 means "the current file position", as for read(2) (since 5.6). */
    private static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    private static final long IORING_OFF_SQ_RING = 0L;
    private static final long IORING_OFF_CQ_RING = 0x8000000L;
    private static final long IORING_OFF_SQES = 0x10000000L;
    private static final int IORING_REGISTER_PROBE = 8;

    public static final int IORING_OP_NOP = 0;
    public static final int IORING_OP_READ = 22;
    public static final int IORING_OP_WRITE = 23;
    public static final int IORING_OP_RECV = 27;
    /** read's and write's rw_flags: fail with EAGAIN instead of waiting for the descriptor. */
    public static final int RWF_NOWAIT = 0x8;

    // struct io_uring_params: 120 bytes; the ring offsets start at 40 and 80.
    private static final int PARAMS_SIZE = 120;
    private static final int P_SQ_ENTRIES = 0;
    private static final int P_CQ_ENTRIES = 4;
    private static final int P_FEATURES = 20;
    private static final int P_SQ_OFF = 40;
    private static final int P_CQ_OFF = 80;
    // struct io_sqring_offsets: head, tail, ring_mask, ring_entries, flags, dropped, array.
    private static final int SQ_HEAD = 0;
    private static final int SQ_TAIL = 4;
    private static final int SQ_ARRAY = 24;
    // struct io_cqring_offsets: head, tail, ring_mask, ring_entries, overflow, cqes.
    private static final int CQ_HEAD = 0;
    private static final int CQ_TAIL = 4;
    private static final int CQ_OVERFLOW = 16;
    private static final int CQ_CQES = 20;

    // struct io_uring_sqe: 64 bytes.
    private static final int SQE_SIZE = 64;
    private static final int SQE_OPCODE = 0;
    private static final int SQE_FD = 4;
    private static final int SQE_OFF = 8;
    private static final int SQE_ADDR = 16;
    private static final int SQE_LEN = 24;
    private static final int SQE_RW_FLAGS = 28;
    private static final int SQE_USER_DATA = 32;
    // struct io_uring_cqe: user_data, res, flags; 16 bytes.
    private static final int CQE_SIZE = 16;
    private static final int CQE_USER_DATA = 0;
    private static final int CQE_RES = 8;

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int MAP_POPULATE = 0x8000;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Fd fd;
    /** Owns the mappings: closing it unmaps them, after any thread using them has been stopped. */
    private final Arena arena;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final int sqMask;
    private final int sqEntries;
    private final int cqMask;
    private final long sqHeadAt;
    private final long sqTailAt;
    private final long cqHeadAt;
    private final long cqTailAt;
    private final long cqesAt;
    private final long cqOverflowAt;
    /** Where the next entry goes; published to the kernel by {@link #submit}. */
    private int sqTail;
    /** Entries queued since the last submit. */
    private int queued;
    /** The first completion not yet consumed. */
    private int cqHead;

    private IoUring(Fd fd, Arena arena, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing,
            MemorySegment sqes) {
        this.fd = fd;
        this.arena = arena;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqEntries = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
        long sqOff = P_SQ_OFF;
        long cqOff = P_CQ_OFF;
        this.sqHeadAt = params.get(ValueLayout.JAVA_INT, sqOff + SQ_HEAD);
        this.sqTailAt = params.get(ValueLayout.JAVA_INT, sqOff + SQ_TAIL);
        this.sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, sqOff + 8));
        this.cqHeadAt = params.get(ValueLayout.JAVA_INT, cqOff + CQ_HEAD);
        this.cqTailAt = params.get(ValueLayout.JAVA_INT, cqOff + CQ_TAIL);
        this.cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, cqOff + 8));
        this.cqOverflowAt = params.get(ValueLayout.JAVA_INT, cqOff + CQ_OVERFLOW);
        this.cqesAt = params.get(ValueLayout.JAVA_INT, cqOff + CQ_CQES);
        // Entry i of the submission array always names entry i: entries are used in ring order.
        long array = params.get(ValueLayout.JAVA_INT, sqOff + SQ_ARRAY);
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(ValueLayout.JAVA_INT, array + 4L * i, i);
        }
        this.sqTail = (int) INT.getAcquire(sqRing, sqTailAt);
        this.cqHead = (int) INT.getAcquire(cqRing, cqHeadAt);
    }

    /**
     * Sets up a ring of {@code entries} submission entries (a power of two up to {@link
     * #MAX_ENTRIES}; the completion ring gets twice as many). Throws {@link ErrnoException} when
     * the kernel refuses: EPERM or EACCES when io_uring is turned off (sysctl
     * kernel.io_uring_disabled, or a seccomp policy), ENOSYS on a kernel without it, and EINVAL
     * on one too old for what is used here (the single mapping and the current-position offset).
     */
    public static IoUring open(int entries) throws IOException {
        if (entries < 1 || entries > MAX_ENTRIES || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("entries must be a power of two in 1.." + MAX_ENTRIES + ": " + entries);
        }
        Arena arena = Arena.ofShared();
        Fd fd = null;
        try {
            MemorySegment params = arena.allocate(PARAMS_SIZE, 8);
            MemorySegment state = Native.callState();
            long number = (long) Native.SYSCALL_LONG_POINTER.invokeExact(state, SYS_IO_URING_SETUP, (long) entries, params);
            if (number < 0) {
                throw new ErrnoException("io_uring_setup", Native.errno(state));
            }
            fd = new Fd((int) number, "io_uring");
            int features = params.get(ValueLayout.JAVA_INT, P_FEATURES);
            int needed = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_RW_CUR_POS;
            if ((features & needed) != needed) {
                throw new ErrnoException("io_uring_setup (kernel lacks single mapping or current-position reads)",
                        Errno.EINVAL);
            }
            int sqCount = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
            int cqCount = params.get(ValueLayout.JAVA_INT, P_CQ_ENTRIES);
            long sqSize = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_ARRAY) + 4L * sqCount;
            long cqSize = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_CQES) + (long) CQE_SIZE * cqCount;
            // With the single mapping, both rings live in one region as large as the larger.
            MemorySegment rings = map(fd, Math.max(sqSize, cqSize), IORING_OFF_SQ_RING, arena);
            MemorySegment sqes = map(fd, (long) SQE_SIZE * sqCount, IORING_OFF_SQES, arena);
            return new IoUring(fd, arena, params, rings, rings, sqes);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(fd, arena, e);
            throw e;
        } catch (Throwable t) {
            RuntimeException e = Native.unexpected(t);
            closeQuietly(fd, arena, e);
            throw e;
        }
    }

    private static void closeQuietly(Fd fd, Arena arena, Throwable cause) {
        arena.close(); // unmaps whatever was mapped
        if (fd != null) {
            try {
                fd.close();
            } catch (IOException suppressed) {
                cause.addSuppressed(suppressed);
            }
        }
    }

    /** Maps {@code size} bytes of the ring at {@code offset}; the arena unmaps them when it closes. */
    @SuppressWarnings("restricted") // sizes the mapping mmap returned, whose size Java cannot know
    private static MemorySegment map(Fd fd, long size, long offset, Arena arena) throws IOException {
        MemorySegment state = Native.callState();
        MemorySegment at;
        try {
            at = (MemorySegment) Native.MMAP.invokeExact(state, MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, fd.number(), offset);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (at.address() == -1L) {
            throw new ErrnoException("mmap io_uring", Native.errno(state));
        }
        return at.reinterpret(size, arena, mapping -> unmap(mapping, size));
    }

    private static void unmap(MemorySegment mapping, long size) {
        try {
            int ignored = (int) Native.MUNMAP.invokeExact(Native.callState(), mapping, size);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** The ring's descriptor: readable while completions wait. */
    public Fd fd() {
        return fd;
    }

    /** How many submission entries the ring has: the most operations queued at once. */
    public int entries() {
        return sqEntries;
    }

    /** Entries free for {@link #read} and {@link #write} before the next {@link #submit}. */
    public int free() {
        int kernelHead = (int) INT.getAcquire(sqRing, sqHeadAt);
        return sqEntries - (sqTail - kernelHead);
    }

    /**
     * Queues a read of up to {@code length} bytes from {@code from} into native {@code buffer} at
     * {@code offset}; {@code rwFlags} as for preadv2(2), e.g. {@link #RWF_NOWAIT}.
     */
    public void read(Fd from, MemorySegment buffer, long offset, int length, int rwFlags, long userData) {
        queue(IORING_OP_READ, from, buffer, offset, length, rwFlags, userData);
    }

    /** Queues a write of {@code length} bytes of native {@code buffer} from {@code offset} to {@code to}. */
    public void write(Fd to, MemorySegment buffer, long offset, int length, int rwFlags, long userData) {
        queue(IORING_OP_WRITE, to, buffer, offset, length, rwFlags, userData);
    }

    /**
     * Queues a recv(2) of up to {@code length} bytes from socket {@code from} into native {@code
     * buffer} at {@code offset}, with recv's {@code msgFlags} (MSG_TRUNC: the result is the
     * datagram's real length; MSG_DONTWAIT: EAGAIN instead of waiting).
     */
    public void receive(Fd from, MemorySegment buffer, long offset, int length, int msgFlags, long userData) {
        queue(IORING_OP_RECV, from, buffer, offset, length, msgFlags, userData);
    }

    /** Queues an operation that does nothing but complete with 0: a test of the ring itself. */
    public void nop(long userData) {
        queue(IORING_OP_NOP, null, null, 0, 0, 0, userData);
    }

    private void queue(int opcode, Fd target, MemorySegment buffer, long offset, int length, int flags, long userData) {
        long address = 0;
        if (buffer != null) {
            if (!buffer.isNative()) {
                throw new IllegalArgumentException("the kernel uses the buffer after this call returns: it must be native");
            }
            Objects.checkFromIndexSize(offset, length, buffer.byteSize());
            address = buffer.address() + offset;
        }
        if (free() == 0) {
            throw new IllegalStateException("submission ring full (" + sqEntries + " entries): submit first");
        }
        long sqe = (long) (sqTail & sqMask) * SQE_SIZE;
        for (int i = 0; i < SQE_SIZE; i += 8) {
            sqes.set(ValueLayout.JAVA_LONG, sqe + i, 0L); // fields we do not name (flags, buffer index...) stay zero
        }
        sqes.set(ValueLayout.JAVA_BYTE, sqe + SQE_OPCODE, (byte) opcode);
        sqes.set(ValueLayout.JAVA_INT, sqe + SQE_FD, target == null ? -1 : target.number());
        if (opcode == IORING_OP_READ || opcode == IORING_OP_WRITE) {
            sqes.set(ValueLayout.JAVA_LONG, sqe + SQE_OFF, -1L); // the current position: streams have no other
        } // for recv the field is addr2, which must stay zero
        sqes.set(ValueLayout.JAVA_LONG, sqe + SQE_ADDR, address);
        sqes.set(ValueLayout.JAVA_INT, sqe + SQE_LEN, length);
        sqes.set(ValueLayout.JAVA_INT, sqe + SQE_RW_FLAGS, flags);
        sqes.set(ValueLayout.JAVA_LONG, sqe + SQE_USER_DATA, userData);
        sqTail++;
        queued++;
    }

    /** Entries queued and not yet submitted. */
    public int queued() {
        return queued;
    }

    /**
     * Hands every queued entry to the kernel in one system call, without waiting for any to
     * complete. Operations that can finish at once (a read of a frame already waiting, a
     * non-blocking one that would wait) have usually completed when this returns. Returns how
     * many entries the kernel took.
     */
    public int submit() throws IOException {
        return enter(0, 0);
    }

    /**
     * Submits what is queued and waits until at least {@code minComplete} completions are ready
     * (counting those already waiting). A signal may end the wait early.
     */
    public int submitAndWait(int minComplete) throws IOException {
        return enter(minComplete, minComplete > 0 ? IORING_ENTER_GETEVENTS : 0);
    }

    private int enter(int minComplete, int flags) throws IOException {
        int toSubmit = queued;
        if (toSubmit == 0 && minComplete == 0) {
            return 0;
        }
        INT.setRelease(sqRing, sqTailAt, sqTail); // entries filled before the tail that shows them
        MemorySegment state = Native.callState();
        long n;
        try {
            n = (long) Native.SYSCALL_ENTER.invokeExact(state, SYS_IO_URING_ENTER, (long) fd.number(), (long) toSubmit,
                    (long) minComplete, (long) flags, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            int errno = Native.errno(state);
            if (errno == Errno.EINTR || errno == Errno.EAGAIN || errno == Errno.EBUSY) {
                // Interrupted, or short of resources for now: the entries stay queued for the next call.
                return 0;
            }
            throw new ErrnoException("io_uring_enter", errno);
        }
        queued -= (int) n;
        return (int) n;
    }

    /** How many completions are ready to read, from {@link #completionData}(0) on. */
    public int completions() {
        return (int) INT.getAcquire(cqRing, cqTailAt) - cqHead;
    }

    /** The user data of the {@code i}th ready completion: what its operation was queued with. */
    public long completionData(int i) {
        return cqRing.get(ValueLayout.JAVA_LONG, cqe(i) + CQE_USER_DATA);
    }

    /** The result of the {@code i}th ready completion: as the system call's (a count), or {@code -errno}. */
    public int completionResult(int i) {
        return cqRing.get(ValueLayout.JAVA_INT, cqe(i) + CQE_RES);
    }

    private long cqe(int i) {
        return cqesAt + (long) ((cqHead + i) & cqMask) * CQE_SIZE;
    }

    /** Gives the first {@code n} ready completions back to the kernel, so their slots can be filled again. */
    public void consume(int n) {
        if (n < 0 || n > completions()) {
            throw new IllegalArgumentException("cannot consume " + n + " of " + completions() + " completions");
        }
        cqHead += n;
        INT.setRelease(cqRing, cqHeadAt, cqHead); // read before the kernel may write the slots again
    }

    /** Completions the kernel could not post because the ring was full (never, if at most {@link #entries} are in flight). */
    public int overflowed() {
        return (int) INT.getAcquire(cqRing, cqOverflowAt);
    }

    /**
     * Whether this kernel's io_uring knows {@code opcode} (IORING_REGISTER_PROBE, since 5.6): a
     * ring made on an older kernel may lack an operation.
     */
    public boolean supports(int opcode) throws IOException {
        // struct io_uring_probe: last_op, ops_len, resv, resv2[3], then 256 ops of 8 bytes (op, resv, flags u16, resv2 u32).
        int ops = 256;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment probe = call.allocate(16 + 8L * ops, 8);
            MemorySegment state = Native.callState();
            long r = (long) Native.SYSCALL_REGISTER.invokeExact(state, SYS_IO_URING_REGISTER, (long) fd.number(),
                    (long) IORING_REGISTER_PROBE, probe, (long) ops);
            if (r < 0) {
                throw new ErrnoException("io_uring_register PROBE", Native.errno(state));
            }
            int lastOp = probe.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
            if (opcode < 0 || opcode > lastOp) {
                return false;
            }
            int opFlags = probe.get(ValueLayout.JAVA_SHORT, 16 + 8L * opcode + 2) & 0xffff;
            return (opFlags & 1) != 0; // IO_URING_OP_SUPPORTED
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * Closes the ring: the kernel cancels what is still in flight, and the mappings go. Closing
     * twice is harmless. Operations still in flight may write their buffers until the kernel has
     * finished cancelling, so a caller keeps the buffers until it has seen its completions or
     * closed the ring with nothing in flight.
     */
    @Override
    public void close() throws IOException {
        if (!fd.isOpen()) {
            return;
        }
        try {
            arena.close();
        } catch (IllegalStateException alreadyClosed) {
            // another close got there first
        } finally {
            fd.close();
        }
    }

    @Override
    public String toString() {
        return "IoUring[" + sqEntries + " entries" + (fd.isOpen() ? "" : ", closed") + "]";
    }
}
