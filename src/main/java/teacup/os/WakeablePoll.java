package teacup.os;

import java.io.IOException;

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
            doorbell.drain();
        }
        return poll.events(deviceIndex) != 0;
    }

    /** Ends a current wait, or the next one if none is under way. Safe from any thread. */
    public void wakeup() {
        doorbell.signal();
    }

    /** Closes the doorbell; the device is left alone. */
    @Override
    public void close() throws IOException {
        doorbell.close();
    }
}
