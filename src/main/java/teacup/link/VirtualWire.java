package teacup.link;

import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Two {@link Link} ends joined by an in-memory cable: a frame sent on {@link #a()} is received on
 * {@link #b()} and the other way round, byte for byte and in order.
 *
 * <p>Each end has a bounded receive queue, counted in frames, like a NIC's receive ring: a frame
 * arriving at a full queue is dropped and counted rather than blocking the sender, so a
 * simulation shows the same back-pressure a real wire would. Frames are copied into reusable
 * buffers on send, so the sender may reuse its buffer at once.
 *
 * <p>Each direction is guarded by its own lock, so the two ends may be driven by two event-loop
 * threads, by one test thread, or both. Counters are kept per sending end and may be read from any
 * thread.
 */
public final class VirtualWire implements AutoCloseable {
    /** Receive-queue size of each end unless given. */
    public static final int DEFAULT_CAPACITY = 4096;

    // Slots start at this size (or the largest frame, if smaller) and grow only for jumbo frames,
    // so a wire with a 64 KiB MTU does not pin 64 KiB per queued small frame.
    private static final int INITIAL_SLOT = 2048;

    private final End a;
    private final End b;

    public VirtualWire(int mtu) {
        this(mtu, DEFAULT_CAPACITY);
    }

    /**
     * @param mtu largest IP packet carried; frames up to {@code mtu + 14} bytes pass
     * @param capacity frames each end can hold before further arrivals are dropped
     */
    public VirtualWire(int mtu, int capacity) {
        if (mtu < 1) {
            throw new IllegalArgumentException("mtu must be positive, got " + mtu);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1 frame, got " + capacity);
        }
        Pipe toA = new Pipe(capacity, mtu + 14);
        Pipe toB = new Pipe(capacity, mtu + 14);
        a = new End("a", mtu, toA, toB);
        b = new End("b", mtu, toB, toA);
        a.peer = b;
        b.peer = a;
    }

    /** A wire with the default queue capacity. */
    public static VirtualWire pair(int mtu) {
        return new VirtualWire(mtu);
    }

    public End a() {
        return a;
    }

    public End b() {
        return b;
    }

    /** Closes both ends. */
    @Override
    public void close() {
        a.close();
        b.close();
    }

    @Override
    public String toString() {
        return "VirtualWire[" + a + ", " + b + "]";
    }

    /**
     * Frames travelling one way: the receive queue of one end, and the counters of the end that
     * sends into it. A ring of reusable buffers, so steady traffic allocates nothing.
     */
    private static final class Pipe {
        final ReentrantLock lock = new ReentrantLock();
        final Condition readable = lock.newCondition();
        final int maxFrame;
        final byte[][] slots;
        final int[] lengths;
        int head;
        int count;
        boolean senderClosed;
        boolean receiverClosed;
        boolean wakeup;

        long sent;
        long delivered;
        long droppedFull;
        long droppedOversize;
        long droppedEmpty;
        long droppedClosed;
        long received;

        Pipe(int capacity, int maxFrame) {
            this.maxFrame = maxFrame;
            this.slots = new byte[capacity][];
            this.lengths = new int[capacity];
        }

        void clear() {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = null;
            }
            head = 0;
            count = 0;
        }
    }

    /** One end of the wire. Besides the {@link Link} contract it offers counters for tests. */
    public static final class End implements Link {
        private final String name;
        private final int mtu;
        private final Pipe in;
        private final Pipe out;
        private End peer;

        private End(String name, int mtu, Pipe in, Pipe out) {
            this.name = name;
            this.mtu = mtu;
            this.in = in;
            this.out = out;
        }

        /** The other end of the same wire. */
        public End peer() {
            return peer;
        }

        @Override
        public int mtu() {
            return mtu;
        }

        /** Returns the next waiting frame, or 0 when none is waiting or this end is closed. */
        @Override
        public int receive(byte[] buf, int off) {
            Pipe p = in;
            p.lock.lock();
            try {
                if (p.count == 0 || p.receiverClosed) {
                    return 0;
                }
                int len = p.lengths[p.head];
                // Checked before the frame leaves the queue, so a caller's sizing mistake loses nothing.
                Objects.checkFromIndexSize(off, len, buf.length);
                System.arraycopy(p.slots[p.head], 0, buf, off, len);
                p.head = (p.head + 1) % p.slots.length;
                p.count--;
                p.received++;
                return len;
            } finally {
                p.lock.unlock();
            }
        }

        /**
         * Queues a copy of the frame at the other end. Dropped and counted, never thrown, when it is
         * empty, longer than {@code mtu + 14}, either end is closed, or the other end's queue is full.
         */
        @Override
        public void send(byte[] buf, int off, int len) {
            Objects.checkFromIndexSize(off, len, buf.length);
            Pipe p = out;
            p.lock.lock();
            try {
                p.sent++;
                if (p.senderClosed || p.receiverClosed) {
                    p.droppedClosed++;
                    return;
                }
                if (len == 0) {
                    // receive() reports "nothing waiting" as 0, so an empty frame could never be told apart.
                    p.droppedEmpty++;
                    return;
                }
                if (len > p.maxFrame) {
                    p.droppedOversize++;
                    return;
                }
                if (p.count == p.slots.length) {
                    p.droppedFull++;
                    return;
                }
                int tail = (p.head + p.count) % p.slots.length;
                byte[] slot = p.slots[tail];
                if (slot == null || slot.length < len) {
                    slot = new byte[Math.max(len, Math.min(INITIAL_SLOT, p.maxFrame))];
                    p.slots[tail] = slot;
                }
                System.arraycopy(buf, off, slot, 0, len);
                p.lengths[tail] = len;
                p.count++;
                p.delivered++;
                p.readable.signalAll();
            } finally {
                p.lock.unlock();
            }
        }

        /**
         * Blocks until a frame is waiting, the timeout passes, {@link #wakeup} is called, or this end
         * is closed. A pending wakeup is consumed by the await it ends.
         */
        @Override
        public void await(long timeoutNanos) throws InterruptedIOException {
            Pipe p = in;
            p.lock.lock();
            try {
                long remaining = timeoutNanos;
                while (p.count == 0 && !p.wakeup && !p.receiverClosed) {
                    if (timeoutNanos < 0) {
                        p.readable.await();
                    } else {
                        if (remaining <= 0) {
                            break;
                        }
                        remaining = p.readable.awaitNanos(remaining);
                    }
                }
                p.wakeup = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException io = new InterruptedIOException("interrupted while awaiting a frame on end " + name);
                io.initCause(e);
                throw io;
            } finally {
                p.lock.unlock();
            }
        }

        @Override
        public void wakeup() {
            Pipe p = in;
            p.lock.lock();
            try {
                p.wakeup = true;
                p.readable.signalAll();
            } finally {
                p.lock.unlock();
            }
        }

        /**
         * Closes this end: frames waiting here are discarded, later sends from either end to this
         * one or from this one are dropped (counted as closed), and a blocked {@link #await} returns.
         * Closing twice is harmless.
         */
        @Override
        public void close() {
            in.lock.lock();
            try {
                in.receiverClosed = true;
                in.clear();
                in.readable.signalAll();
            } finally {
                in.lock.unlock();
            }
            out.lock.lock();
            try {
                out.senderClosed = true;
            } finally {
                out.lock.unlock();
            }
        }

        public boolean isClosed() {
            in.lock.lock();
            try {
                return in.receiverClosed;
            } finally {
                in.lock.unlock();
            }
        }

        /** Frames waiting to be received at this end. */
        public int queued() {
            return (int) read(in, Field.QUEUED);
        }

        /** Calls to {@link #send} on this end, whatever became of the frame. */
        public long framesSent() {
            return read(out, Field.SENT);
        }

        /** Frames from this end placed in the other end's queue. */
        public long framesDelivered() {
            return read(out, Field.DELIVERED);
        }

        /** Frames this end handed out through {@link #receive}. */
        public long framesReceived() {
            return read(in, Field.RECEIVED);
        }

        /** Frames from this end dropped because the other end's queue was full. */
        public long droppedFull() {
            return read(out, Field.DROPPED_FULL);
        }

        /** Frames from this end dropped for being longer than {@code mtu + 14}. */
        public long droppedOversize() {
            return read(out, Field.DROPPED_OVERSIZE);
        }

        /** Zero-length frames from this end, dropped. */
        public long droppedEmpty() {
            return read(out, Field.DROPPED_EMPTY);
        }

        /** Frames from this end dropped because this end or the other was closed. */
        public long droppedClosed() {
            return read(out, Field.DROPPED_CLOSED);
        }

        /** All frames from this end that did not reach the other end's queue. */
        public long dropped() {
            out.lock.lock();
            try {
                return out.droppedFull + out.droppedOversize + out.droppedEmpty + out.droppedClosed;
            } finally {
                out.lock.unlock();
            }
        }

        private enum Field { QUEUED, SENT, DELIVERED, RECEIVED, DROPPED_FULL, DROPPED_OVERSIZE, DROPPED_EMPTY, DROPPED_CLOSED }

        private static long read(Pipe p, Field f) {
            p.lock.lock();
            try {
                return switch (f) {
                    case QUEUED -> p.count;
                    case SENT -> p.sent;
                    case DELIVERED -> p.delivered;
                    case RECEIVED -> p.received;
                    case DROPPED_FULL -> p.droppedFull;
                    case DROPPED_OVERSIZE -> p.droppedOversize;
                    case DROPPED_EMPTY -> p.droppedEmpty;
                    case DROPPED_CLOSED -> p.droppedClosed;
                };
            } finally {
                p.lock.unlock();
            }
        }

        @Override
        public String toString() {
            out.lock.lock();
            try {
                return name + "{sent=" + out.sent + ", delivered=" + out.delivered + ", droppedFull=" + out.droppedFull
                        + ", droppedOversize=" + out.droppedOversize + ", droppedEmpty=" + out.droppedEmpty
                        + ", droppedClosed=" + out.droppedClosed + "}";
            } finally {
                out.lock.unlock();
            }
        }
    }
}
