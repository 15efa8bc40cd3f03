package teacup.os;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Waits for one descriptor to become readable, and lets any other thread cut the wait short:
 * what a link's {@code await} and {@code wakeup} need. An {@link EventFd} is polled beside the
 * device so a wake-up is just another readable descriptor; no signals, no interrupts.
 */
public final class WakeablePoll implements AutoCloseable {
    private final EventFd doorbell;
    private final Poll poll;
    private final int deviceIndex;
    private final int doorbellIndex;
    /** The doorbell was rung and the ring not yet consumed: further rings would only repeat it. */
    private final AtomicBoolean rung = new AtomicBoolean();

    /** Watches {@code device} for input; the device stays the caller's to close. */
    public WakeablePoll(Fd device) throws IOException {
        doorbell = EventFd.open();
        poll = new Poll(2);
        deviceIndex = poll.add(device, Poll.IN);
        doorbellIndex = poll.add(doorbell.fd(), Poll.IN);
    }

    /**
     * Waits until the device is readable, {@code timeoutNanos} passes (negative: no limit), or
     * {@link #wakeup} is called. Returns whether the device looked readable (or in error, which
     * a read will then report). A wake-up is consumed here, so the next wait blocks again.
     */
    public boolean await(long timeoutNanos) throws IOException {
        if (poll.await(timeoutNanos) == 0) {
            return false;
        }
        if (poll.events(doorbellIndex) != 0) {
            // Cleared after the drain, never before: a ring between the two would be drained with the
            // flag left up, and every later ring skipped. A ring that finds the flag still up here was
            // made after its task was queued, so the caller's look at its queue, which follows, sees it.
            doorbell.drain();
            rung.set(false);
        }
        return poll.events(deviceIndex) != 0;
    }

    /** Ends a current wait, or the next one if none is under way. Safe from any thread. */
    public void wakeup() {
        if (rung.compareAndSet(false, true)) {
            doorbell.signal();
        }
    }

    /** Closes the doorbell; the device is left alone. */
    @Override
    public void close() throws IOException {
        doorbell.close();
    }
}
