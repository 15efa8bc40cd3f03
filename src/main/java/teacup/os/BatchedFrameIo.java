package teacup.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntPredicate;

/**
 * Frames to and from one descriptor that carries a frame per read or write (a plain TAP, a packet
 * socket), moved through an {@link IoUring} so that one system call carries many of them.
 *
 * <p>Receiving: when no frame is waiting here, a batch of reads is queued, each into a slot of its
 * own, and submitted in one call; each read either takes the next frame the kernel holds or
 * fails at once with EAGAIN (none waits on the descriptor: they are non-blocking), and the
 * frames are handed out in the order the reads took them. The batch grows while every read
 * finds a frame and shrinks back when few do, as a NAPI poll budget would, so an idle link costs
 * a few failed reads per wake-up rather than a whole batch.
 *
 * <p>Sending: each frame is copied into a slot and a write queued; the queue is submitted when it
 * is full or at {@link #flush}, which the link's owner calls when its turn ends. A write the
 * device refuses in a way that passes by itself ({@code droppable}: queue full, interface down)
 * is counted in {@link #sendDropped}, as on a wire; any other failure is thrown by the next
 * send or flush.
 *
 * <p>The descriptor is not registered with the ring (IORING_REGISTER_FILES): that saved nothing
 * measurable here, and a registered file lives on until the ring's teardown, which the kernel
 * finishes in the background, so a TAP would outlive its link's close.
 *
 * <p>Only one thread uses it (the stack's loop), except {@link #close}. Allocation-free after
 * construction. Nothing stays in flight between calls, except a write the kernel took off to
 * finish later; its slot comes back with its completion.
 */
public final class BatchedFrameIo implements AutoCloseable {
    /** Reads queued at most per system call, and frames received ahead of the stack. */
    static final int READ_SLOTS = 64;
    /** Writes queued before they are submitted without waiting for the turn's end. */
    static final int WRITE_SLOTS = 64;
    private static final int MIN_READ_BATCH = 4;
    private static final int WRITE_TAG = 1 << 16;
    private static final int SLOT_ALIGNMENT = 64;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_DONTWAIT = 0x40;

    /** How reads ask the kernel for a frame. */
    public enum ReadKind {
        /** read(2) with RWF_NOWAIT: a TAP, whose reads return one frame, cut to the buffer. */
        READ,
        /** recv(2) with MSG_TRUNC | MSG_DONTWAIT: a packet socket, whose reads also tell a frame's real length. */
        RECV_TRUNC
    }

    private final Fd fd;
    private final IoUring ring;
    private final ReadKind readKind;
    private final IntPredicate droppable;
    private final String name;
    private final int slotSize;
    /** Each read asks for this much: one byte more than the longest frame, so a longer one shows. */
    private final int readLength;
    /** Read slots, then write slots, each {@link #slotSize} bytes. */
    private final MemorySegment slots;

    private final int[] freeReads = new int[READ_SLOTS];
    private int freeReadCount;
    /** Frames received and not yet handed out: slot and length, oldest at {@link #readyHead}. */
    private final int[] readySlot = new int[READ_SLOTS];
    private final int[] readyLength = new int[READ_SLOTS];
    private int readyHead;
    private int readyCount;
    private int readBatch = MIN_READ_BATCH;
    /** A read's failure other than "nothing waiting", reported once the frames before it are out. */
    private int readErrno;

    private final int[] freeWrites = new int[WRITE_SLOTS];
    private int freeWriteCount;
    private int writeErrno;

    private long sendDropped;
    private boolean closed;
    private long submits;
    private long framesReceived;
    private long framesSent;

    private BatchedFrameIo(Fd fd, IoUring ring, ReadKind readKind, int longestFrame, IntPredicate droppable,
            String name) {
        this.fd = fd;
        this.ring = ring;
        this.readKind = readKind;
        this.droppable = droppable;
        this.name = name;
        this.readLength = longestFrame + 1;
        this.slotSize = (readLength + SLOT_ALIGNMENT - 1) / SLOT_ALIGNMENT * SLOT_ALIGNMENT;
        // An automatic arena: the memory goes only once nothing can reach it, so a write the kernel
        // still finishes after close (it cancels in the background) never lands in freed memory.
        this.slots = Arena.ofAuto().allocate((long) slotSize * (READ_SLOTS + WRITE_SLOTS), SLOT_ALIGNMENT);
        for (int i = 0; i < READ_SLOTS; i++) {
            freeReads[freeReadCount++] = i;
        }
        for (int i = 0; i < WRITE_SLOTS; i++) {
            freeWrites[freeWriteCount++] = READ_SLOTS + i;
        }
    }

    /**
     * Batched I/O on {@code fd} for frames of up to {@code longestFrame} bytes; {@code droppable}
     * says which write errors (positive errno) drop the frame rather than fail the link. Throws
     * {@link ErrnoException} when the kernel offers no io_uring (turned off, or too old).
     */
    public static BatchedFrameIo open(Fd fd, ReadKind readKind, int longestFrame, IntPredicate droppable, String name)
            throws IOException {
        IoUring ring = IoUring.open(READ_SLOTS + WRITE_SLOTS);
        try {
            int op = readKind == ReadKind.READ ? IoUring.IORING_OP_READ : IoUring.IORING_OP_RECV;
            if (!ring.supports(op) || !ring.supports(IoUring.IORING_OP_WRITE)) {
                throw new ErrnoException("io_uring on " + name + " (this kernel's io_uring lacks read, recv or write)",
                        Errno.EINVAL);
            }
            return new BatchedFrameIo(fd, ring, readKind, longestFrame, droppable, name);
        } catch (IOException | RuntimeException e) {
            try {
                ring.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Copies the next frame into {@code buf} at {@code off} (at most {@code limit} bytes). Returns
     * its length, which is above {@code limit} for a frame longer than the slot or the caller's
     * room (the caller counts and drops it; nothing is copied); 0 when none waits; {@code -errno}
     * when a read failed.
     */
    public int receive(byte[] buf, int off, int limit) throws IOException {
        if (readyCount == 0) {
            fill();
        }
        if (readyCount == 0) {
            int errno = readErrno;
            readErrno = 0;
            return -errno;
        }
        int slot = readySlot[readyHead];
        int n = readyLength[readyHead];
        readyHead = (readyHead + 1) % READ_SLOTS;
        readyCount--;
        freeReads[freeReadCount++] = slot;
        if (n <= limit && n < readLength) {
            MemorySegment.copy(slots, ValueLayout.JAVA_BYTE, (long) slot * slotSize, buf, off, n);
        }
        return n;
    }

    /** Whether frames received ahead wait here, so a wait on the descriptor would be wrong. */
    public boolean hasReceived() {
        return readyCount > 0;
    }

    /** Queues reads for the frames that may be waiting and takes them in, with one system call. */
    private void fill() throws IOException {
        int batch = Math.min(Math.min(readBatch, freeReadCount), ring.free());
        int flags = readKind == ReadKind.READ ? IoUring.RWF_NOWAIT : MSG_TRUNC | MSG_DONTWAIT;
        for (int i = 0; i < batch; i++) {
            int slot = freeReads[--freeReadCount];
            if (readKind == ReadKind.READ) {
                ring.read(fd, slots, (long) slot * slotSize, readLength, flags, slot);
            } else {
                ring.receive(fd, slots, (long) slot * slotSize, readLength, flags, slot);
            }
        }
        submit();
        int got = readyCount;
        // Every read found a frame: more may wait, ask for twice as many next time; else what was there, and a little.
        readBatch = got == batch ? Math.min(READ_SLOTS, batch * 2) : Math.max(MIN_READ_BATCH, got + MIN_READ_BATCH);
    }

    /** Queues {@code len} bytes of {@code buf} as one frame; sent at the latest by the next {@link #flush}. */
    public void send(byte[] buf, int off, int len) throws IOException {
        throwWriteError();
        if (len > slotSize) {
            throw new IllegalArgumentException("frame of " + len + " bytes exceeds the " + slotSize + "-byte slot");
        }
        if (freeWriteCount == 0 || ring.free() == 0) {
            submit(); // the queue is full of writes, or of reads: hand them over and take back what completed
            if (freeWriteCount == 0 || ring.free() == 0) {
                sendDropped++; // every slot is out with the kernel: the wire is full
                return;
            }
        }
        int slot = freeWrites[--freeWriteCount];
        long at = (long) slot * slotSize;
        MemorySegment.copy(buf, off, slots, ValueLayout.JAVA_BYTE, at, len);
        ring.write(fd, slots, at, len, 0, WRITE_TAG | slot);
        framesSent++;
        if (freeWriteCount == 0) {
            submit();
        }
    }

    /** Submits every queued write now. */
    public void flush() throws IOException {
        if (ring.queued() > 0 && !closed) {
            submit();
        }
        throwWriteError();
    }

    private void throwWriteError() throws IOException {
        int errno = writeErrno;
        if (errno != 0) {
            writeErrno = 0;
            throw new ErrnoException("write " + name + " (io_uring)", errno);
        }
    }

    private void submit() throws IOException {
        if (closed) {
            throw new ErrnoException("io_uring on " + name + " after close", Errno.EBADF);
        }
        ring.submit();
        submits++;
        reap();
    }

    /** Takes in every completion: frames read go in order to the ready queue, write slots come back. */
    private void reap() {
        int n = ring.completions();
        for (int i = 0; i < n; i++) {
            int tag = (int) ring.completionData(i);
            int result = ring.completionResult(i);
            if ((tag & WRITE_TAG) != 0) {
                freeWrites[freeWriteCount++] = tag & ~WRITE_TAG;
                written(result);
            } else if (result > 0) {
                int tail = (readyHead + readyCount) % READ_SLOTS;
                readySlot[tail] = tag;
                readyLength[tail] = result;
                readyCount++;
                framesReceived++;
            } else {
                freeReads[freeReadCount++] = tag;
                if (result < 0 && result != -Errno.EAGAIN && readErrno == 0) {
                    readErrno = -result;
                }
            }
        }
        ring.consume(n);
    }

    private void written(int result) {
        if (result >= 0) {
            return; // a TAP or packet socket takes a frame whole or not at all
        }
        if (droppable.test(-result)) {
            sendDropped++;
        } else if (writeErrno == 0) {
            writeErrno = -result;
        }
    }

    /** Frames dropped on the way out: refused by the device, or no slot free. */
    public long sendDropped() {
        return sendDropped;
    }

    /** System calls made to submit (each carries up to a batch of reads and writes). */
    public long submits() {
        return submits;
    }

    long framesReceived() {
        return framesReceived;
    }

    long framesSent() {
        return framesSent;
    }

    /**
     * Submits what is still queued (best effort: the device is going away), then closes the ring;
     * the descriptor stays the caller's. Closing twice is harmless.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (ring.queued() > 0) {
                ring.submit();
            }
        } catch (IOException ignored) {
            // what the device refuses now is lost either way
        } finally {
            closed = true;
            ring.close();
        }
    }
}
