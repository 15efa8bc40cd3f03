package teacup.link;

import java.io.IOException;

/**
 * A frame in, a frame out: the one thing the stack needs from a network device.
 *
 * <p>Frames are whole Ethernet frames without preamble or FCS. {@link #receive} never blocks;
 * {@link #await} blocks until a frame may be ready, the timeout passes, or {@link #wakeup} is
 * called from another thread. A link may queue sent frames until {@link #flush} (or await). Only the stack's event-loop thread calls receive, send and await;
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
     * Bytes in front of {@code off} that {@link #receive} may overwrite (a device header read ahead
     * of the frame, so the frame lands where it is wanted with no copy). A caller that leaves this
     * much room spares the link a copy; one that does not still gets its frame.
     */
    default int receiveHeadroom() {
        return 0;
    }

    /**
     * Whether the device vouched for the transport (TCP/UDP) checksum of the frame the last
     * {@link #receive} returned, so the stack need not sum it: the frame was made on this host and
     * its checksum may have been left unfinished; or a link above the device summed it itself
     * ({@link CoalescingLink}). Never true for an unchecked frame off a real wire.
     */
    default boolean receivedChecksumTrusted() {
        return false;
    }

    /**
     * Frames this link (or one it wraps) joined into larger TCP segments before {@link #receive}
     * returned them, every piece counted (receive coalescing: {@link CoalescingLink}); 0 where none does.
     */
    default long framesCoalesced() {
        return 0;
    }

    /** The large frames {@link #receive} returned that were joined from several ({@link #framesCoalesced}). */
    default long largeFramesMade() {
        return 0;
    }

    /**
     * Largest IPv4 packet holding one TCP segment that {@link #sendSegmented} takes for the device
     * to cut into segments that fit the MTU (TCP segmentation offload); 0 when the link cannot.
     */
    default int segmentationOffload() {
        return 0;
    }

    /**
     * Sends one frame holding a TCP/IPv4 packet of up to {@link #segmentationOffload} bytes,
     * which the device cuts into segments of {@code segmentSize} data bytes each (the last may be
     * shorter), each with the same headers, as the TCP sender would have sent them one by one.
     * The TCP checksum field holds only the folded pseudo-header sum: the device finishes it.
     * Only on links whose {@link #segmentationOffload} is above 0.
     */
    default void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no segmentation offload");
    }

    /**
     * Hands the device every frame {@link #send} has queued. A link that batches its sends (many
     * frames per system call) may hold them until the batch is full, until this call, or until
     * {@link #await}; the stack calls it at the end of every turn. Links that send at once need
     * not override it.
     */
    default void flush() throws IOException {}

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
