package teacup.link;

import java.io.IOException;
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
 */
public final class PacketSocketLink implements Link {
    public static final int DEFAULT_MTU = 1500;

    private final PacketSocket socket;
    private final WakeablePoll waiter;
    private final int mtu;
    private long sendDropped;
    private long receiveDropped;

    private PacketSocketLink(PacketSocket socket, WakeablePoll waiter, int mtu) {
        this.socket = socket;
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
        if (mtu < 68 || mtu > 65535 - 14) {
            // RFC 791: every IPv4 host must take 68-byte packets whole.
            throw new IllegalArgumentException("MTU out of range 68..65521: " + mtu);
        }
        PacketSocket socket = PacketSocket.open(interfaceName);
        try {
            socket.enablePromiscuous();
            return new PacketSocketLink(socket, new WakeablePoll(socket.fd()), mtu);
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
            int n = socket.receive(buf, off, limit);
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
        int n = socket.send(buf, off, len);
        if (n == len) {
            return;
        }
        if (n >= 0 || n == -Errno.EAGAIN || n == -Errno.ENOBUFS || n == -Errno.ENETDOWN || n == -Errno.ENXIO) {
            // Queue full, out of buffers, or the interface is down for now: the wire drops it.
            sendDropped++;
            return;
        }
        throw new ErrnoException("send on " + socket.interfaceName(), -n);
    }

    @Override
    public void await(long timeoutNanos) throws IOException {
        waiter.await(timeoutNanos);
    }

    @Override
    public void wakeup() {
        waiter.wakeup();
    }

    /** Frames send dropped because the interface could not take them then. */
    public long sendDropped() {
        return sendDropped;
    }

    /** Frames receive dropped because they were longer than {@link #maxFrameLength}. */
    public long receiveDropped() {
        return receiveDropped;
    }

    /** Closes the socket (which ends promiscuous mode). Closing twice is harmless. */
    @Override
    public void close() throws IOException {
        try {
            socket.close();
        } finally {
            waiter.close();
        }
    }

    @Override
    public String toString() {
        return "PacketSocketLink[" + socket.interfaceName() + ", mtu " + mtu + "]";
    }
}
