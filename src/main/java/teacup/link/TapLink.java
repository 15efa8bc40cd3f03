package teacup.link;

import java.io.IOException;
import teacup.os.Errno;
import teacup.os.ErrnoException;
import teacup.os.Fd;
import teacup.os.TapDevice;
import teacup.os.WakeablePoll;

/**
 * A {@link Link} over a Linux TAP device: the kernel sees teacup as a host on the far side of an
 * Ethernet interface, and teacup owns its own MAC and IP addresses there.
 *
 * <p>Like a real wire, the device drops what it cannot carry: a frame the kernel will not take
 * now (queue full, out of buffers, interface down) is counted in {@link #sendDropped} and
 * forgotten, so the stack's own retransmission deals with it. Only failures that will not pass
 * by themselves throw.
 */
public final class TapLink implements Link {
    public static final int DEFAULT_MTU = 1500;

    private final TapDevice device;
    private final Fd fd;
    private final WakeablePoll waiter;
    private final int mtu;
    private long sendDropped;
    private long receiveDropped;

    private TapLink(TapDevice device, WakeablePoll waiter, int mtu) {
        this.device = device;
        this.fd = device.fd();
        this.waiter = waiter;
        this.mtu = mtu;
    }

    /** {@link #open(String, int)} with the Ethernet MTU, 1500. */
    public static TapLink open(String name) throws IOException {
        return open(name, DEFAULT_MTU);
    }

    /**
     * Creates the TAP device {@code name}, or attaches to an existing persistent one, in the
     * calling thread's network namespace. {@code name} may hold {@code %d} for the kernel to
     * number it; {@link #name} tells the name it got. {@code mtu} should match the MTU the kernel
     * side is configured with ({@code ip link set NAME mtu N}).
     */
    public static TapLink open(String name, int mtu) throws IOException {
        if (mtu < 68 || mtu > 65535 - 14) {
            // RFC 791: every IPv4 host must take 68-byte packets whole; above 65521 no frame fits a read.
            throw new IllegalArgumentException("MTU out of range 68..65521: " + mtu);
        }
        TapDevice device = TapDevice.open(name);
        try {
            return new TapLink(device, new WakeablePoll(device.fd()), mtu);
        } catch (IOException | RuntimeException e) {
            try {
                device.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The interface name, as the kernel gave it. */
    public String name() {
        return device.name();
    }

    /** The device, for set-up such as {@link TapDevice#setPersistent} and {@link TapDevice#setOwner}. */
    public TapDevice device() {
        return device;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The kernel cuts a frame longer than the read to the read's size and says nothing. So
     * when {@code buf} has a byte to spare beyond {@link #maxFrameLength}, the read asks for it,
     * and a frame that fills it is known to be too long: it is dropped and counted in
     * {@link #receiveDropped}. Without the spare byte such a frame arrives cut short, and IPv4's
     * length check rejects it instead.
     */
    @Override
    public int receive(byte[] buf, int off) throws IOException {
        int longest = maxFrameLength();
        int limit = Math.min(longest + 1, buf.length - off);
        while (true) {
            int n = fd.read(buf, off, limit);
            if (n > longest) {
                receiveDropped++;
                continue;
            }
            if (n >= 0) {
                return n;
            }
            if (n == -Errno.EAGAIN) {
                return 0;
            }
            throw new ErrnoException("read " + device.name(), -n);
        }
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        int n = fd.write(buf, off, len);
        if (n == len) {
            return;
        }
        if (n >= 0 || n == -Errno.EAGAIN || n == -Errno.ENOBUFS || n == -Errno.EIO) {
            // EIO: the interface is down (not yet up, or taken down for a while).
            sendDropped++;
            return;
        }
        throw new ErrnoException("write " + device.name(), -n);
    }

    @Override
    public void await(long timeoutNanos) throws IOException {
        waiter.await(timeoutNanos);
    }

    @Override
    public void wakeup() {
        waiter.wakeup();
    }

    /** Frames send dropped because the device could not take them then. */
    public long sendDropped() {
        return sendDropped;
    }

    /** Frames receive dropped because they were longer than {@link #maxFrameLength}. */
    public long receiveDropped() {
        return receiveDropped;
    }

    /** Closes the device, which removes it unless it is persistent. Closing twice is harmless. */
    @Override
    public void close() throws IOException {
        try {
            device.close();
        } finally {
            waiter.close();
        }
    }

    @Override
    public String toString() {
        return "TapLink[" + device.name() + ", mtu " + mtu + "]";
    }
}
