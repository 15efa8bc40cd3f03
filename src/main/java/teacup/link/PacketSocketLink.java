package teacup.link;

import java.io.IOException;
import teacup.os.BatchedFrameIo;
import teacup.os.Errno;
import teacup.os.ErrnoException;
import teacup.os.PacketSocket;
import teacup.os.WakeablePoll;

/**
 * A {@link Link} straight onto an existing Ethernet interface through an AF_PACKET socket, for
 * when teacup should sit on a real (or veth) network beside the kernel rather than behind a TAP.
 *
 * <p>The kernel keeps receiving every frame too, so teacup must use a MAC address of its own:
 * frames for it are then "other host" to the kernel, which ignores them instead of answering
 * with resets. The interface is put in promiscuous mode so such frames arrive at all. Frames
 * this host sends, teacup's own included, are not received.
 *
 * <p>A caveat for later: with segmentation offload on (veth's default), the kernel may hand a
 * packet socket one large TCP super-frame in place of several; such frames exceed
 * {@link #maxFrameLength} and are counted in {@link #receiveDropped}. Turn offloads off on the
 * kernel's side ({@code ethtool -K DEV tso off gso off gro off}) when its TCP talks to teacup here.
 *
 * <p>As on a plain TAP, frames may go through io_uring in batches (when asked for) ({@link BatchedFrameIo},
 * recv with MSG_TRUNC so a frame's real length still shows), one system call each where the
 * kernel refuses io_uring or {@code batch} is off. A kernel with io_uring's recv (5.6) also has
 * PACKET_IGNORE_OUTGOING (4.20), so the batched reads need no check of their own for frames this
 * host sent.
 *
 * <p>When asked to (off by default), the link takes large TCP segments ({@link #segmentationOffload}) and cuts
 * them itself into frames that fit the MTU ({@link SoftwareSegmentation}, software GSO): the same
 * frames go out, with the stack's per-segment work done once per large segment.
 */
public final class PacketSocketLink implements Link {
    public static final int DEFAULT_MTU = 1500;

    private final PacketSocket socket;
    private final WakeablePoll waiter;
    private final int mtu;
    /** Where io_uring works and batching was asked for: reads and writes in batches; else null. */
    private final BatchedFrameIo batch;
    /** When asked for: large segments cut here; else null. */
    private final SoftwareSegmentation cut;
    private long sendDropped;
    private long receiveDropped;

    private PacketSocketLink(PacketSocket socket, WakeablePoll waiter, int mtu, BatchedFrameIo batch,
            boolean softwareSegmentation) {
        this.socket = socket;
        this.cut = softwareSegmentation ? new SoftwareSegmentation(mtu + 14) : null;
        this.batch = batch;
        this.waiter = waiter;
        this.mtu = mtu;
    }

    /** {@link #open(String, int)} with the Ethernet MTU, 1500. */
    public static PacketSocketLink open(String interfaceName) throws IOException {
        return open(interfaceName, DEFAULT_MTU);
    }

    /**
     * Opens a packet socket on {@code interfaceName} in the calling thread's network namespace.
     * Needs CAP_NET_RAW. {@code mtu} should be the interface's MTU.
     */
    public static PacketSocketLink open(String interfaceName, int mtu) throws IOException {
        return open(interfaceName, mtu, TapLink.batchByDefault());
    }

    /** As {@link #open(String, int)}; with {@code batch}, frames go through io_uring where the kernel allows it. */
    public static PacketSocketLink open(String interfaceName, int mtu, boolean batch) throws IOException {
        return open(interfaceName, mtu, batch, SoftwareSegmentation.byDefault());
    }

    /**
     * As {@link #open(String, int, boolean)}; {@code softwareSegmentation} says whether the link
     * takes large TCP segments and cuts them itself ({@link TapLink#softwareSegmentationByDefault}).
     */
    public static PacketSocketLink open(String interfaceName, int mtu, boolean batch, boolean softwareSegmentation)
            throws IOException {
        if (mtu < 68 || mtu > 65535 - 14) {
            // RFC 791: every IPv4 host must take 68-byte packets whole.
            throw new IllegalArgumentException("MTU out of range 68..65521: " + mtu);
        }
        PacketSocket socket = PacketSocket.open(interfaceName);
        try {
            socket.enablePromiscuous();
            BatchedFrameIo batched = null;
            if (batch) {
                try {
                    batched = BatchedFrameIo.open(socket.fd(), BatchedFrameIo.ReadKind.RECV_TRUNC, mtu + 14,
                            PacketSocketLink::droppable, "packet socket " + interfaceName);
                } catch (IOException refused) {
                    // no io_uring here: one frame per system call still works
                }
            }
            return new PacketSocketLink(socket, new WakeablePoll(socket.fd()), mtu, batched, softwareSegmentation);
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public String interfaceName() {
        return socket.interfaceName();
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A frame longer than {@link #maxFrameLength} (or than {@code buf} has room for) is
     * dropped and counted in {@link #receiveDropped}; the socket reports such frames' real length.
     */
    @Override
    public int receive(byte[] buf, int off) throws IOException {
        int limit = Math.min(maxFrameLength(), buf.length - off);
        while (true) {
            int n = batch != null ? batch.receive(buf, off, limit) : socket.receive(buf, off, limit);
            if (n > limit) {
                receiveDropped++;
                continue;
            }
            if (n >= 0) {
                return n;
            }
            if (n == -Errno.EAGAIN) {
                return 0;
            }
            if (n == -Errno.ENETDOWN) {
                // Reported once when the interface goes down; the socket keeps working after.
                return 0;
            }
            throw new ErrnoException("receive on " + socket.interfaceName(), -n);
        }
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (batch != null) {
            batch.send(buf, off, len);
            return;
        }
        int n = socket.send(buf, off, len);
        if (n == len) {
            return;
        }
        if (n >= 0 || droppable(-n)) {
            sendDropped++;
            return;
        }
        throw new ErrnoException("send on " + socket.interfaceName(), -n);
    }

    /** With software segmentation: the largest IPv4 packet, cut here; else 0. */
    @Override
    public int segmentationOffload() {
        return cut != null ? SoftwareSegmentation.LARGEST_PACKET : 0;
    }

    /** Cut here into frames that fit the MTU, each sent as {@link #send} sends one, its checksum summed whole. */
    @Override
    public void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        if (cut == null) {
            throw new UnsupportedOperationException("segmentation is off on " + socket.interfaceName());
        }
        cut.send(this, buf, off, len, segmentSize);
    }

    /** Whether large segments are cut here, in software. */
    public boolean softwareSegmentation() {
        return cut != null;
    }

    /** Large TCP segments cut here. */
    public long segmentedSent() {
        return cut != null ? cut.segments() : 0;
    }

    /** Queue full, out of buffers, or the interface is down for now: the wire drops it. */
    private static boolean droppable(int errno) {
        return errno == Errno.EAGAIN || errno == Errno.ENOBUFS || errno == Errno.ENETDOWN || errno == Errno.ENXIO;
    }

    /** With batching: submits the queued frames. */
    @Override
    public void flush() throws IOException {
        if (batch != null) {
            batch.flush();
        }
    }

    /** Sends what is queued first, and returns at once while frames received ahead wait. */
    @Override
    public void await(long timeoutNanos) throws IOException {
        if (batch != null) {
            batch.flush();
            if (batch.hasReceived()) {
                return;
            }
        }
        waiter.await(timeoutNanos);
    }

    /** Whether frames go through io_uring in batches. */
    public boolean batched() {
        return batch != null;
    }

    @Override
    public void wakeup() {
        waiter.wakeup();
    }

    /** Frames send dropped because the interface could not take them then. */
    public long sendDropped() {
        return sendDropped + (batch != null ? batch.sendDropped() : 0);
    }

    /** Frames receive dropped because they were longer than {@link #maxFrameLength}. */
    public long receiveDropped() {
        return receiveDropped;
    }

    /** Closes the socket (which ends promiscuous mode). Closing twice is harmless. */
    @Override
    public void close() throws IOException {
        try {
            if (batch != null) {
                batch.close(); // the last queued frames still go first
            }
        } finally {
            try {
                socket.close();
            } finally {
                waiter.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PacketSocketLink[" + socket.interfaceName() + ", mtu " + mtu + (batch != null ? ", batched" : "")
                + (cut != null ? ", software segmentation" : "") + "]";
    }
}
