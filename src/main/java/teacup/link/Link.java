package teacup.link;

import java.io.IOException;

/**
 * A frame in, a frame out: the one thing the stack needs from a network device.
 *
 * <p>Frames are whole Ethernet frames without preamble or FCS. {@link #receive} never blocks;
 * {@link #await} blocks until a frame may be ready, the timeout passes, or {@link #wakeup} is
 * called from another thread. Only the stack's event-loop thread calls receive, send and await;
 * any thread may call wakeup.
 */
public interface Link extends AutoCloseable {

    /** Largest IP packet the link carries (the MTU), not counting the 14-byte Ethernet header. */
    int mtu();

    /** Largest frame receive may return: {@code mtu() + 14}. */
    default int maxFrameLength() {
        return mtu() + 14;
    }

    /**
     * Copies the next waiting frame into {@code buf} at {@code off}.
     *
     * @return the frame's length, or 0 when no frame is waiting
     */
    int receive(byte[] buf, int off) throws IOException;

    /** Sends one frame; a frame the device cannot take now is dropped, as on a real wire. */
    void send(byte[] buf, int off, int len) throws IOException;

    /**
     * Waits until a frame may be waiting, {@code timeoutNanos} passes, or another thread calls
     * {@link #wakeup}. A negative timeout waits without bound. Spurious returns are allowed.
     */
    void await(long timeoutNanos) throws IOException;

    /** Makes a current or the next {@link #await} return promptly. Safe from any thread. */
    void wakeup();

    @Override
    void close() throws IOException;
}
