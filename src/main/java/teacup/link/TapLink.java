package teacup.link;

import java.io.IOException;
import java.util.function.IntPredicate;
import teacup.os.BatchedFrameIo;
import teacup.os.Errno;
import teacup.os.ErrnoException;
import teacup.os.Fd;
import teacup.os.TapDevice;
import teacup.os.WakeablePoll;
import teacup.wire.VirtioNetHeader;

/**
 * A {@link Link} over a Linux TAP device: the kernel sees teacup as a host on the far side of an
 * Ethernet interface, and teacup owns its own MAC and IP addresses there.
 *
 * <p>Like a real wire, the device drops what it cannot carry: a frame the kernel will not take
 * now (queue full, out of buffers, interface down) is counted in {@link #sendDropped} and
 * forgotten, so the stack's own retransmission deals with it. Only failures that will not pass
 * by themselves throw.
 *
 * <p>With offloads on ({@link #open(String, int, boolean)}) every frame crosses the descriptor
 * behind a virtio-net header, and one system call moves up to 64 KB of TCP: the kernel hands
 * over large TCP segments it has not cut up (up to {@link #maxFrameLength}) with checksums it
 * made itself and may not have finished, which the stack takes as good ({@link
 * #receivedChecksumTrusted}); and {@link #sendSegmented} gives the kernel large segments to cut
 * (or, for its own sockets, to take whole), their checksums left for it to finish.
 *
 * <p>Without offloads the link may still take large segments ({@link #segmentationOffload}) when
 * asked to: it cuts them itself ({@link SoftwareSegmentation}, software GSO), so the stack does
 * its per-segment work once per 64 KB rather than once per frame; the frames written are the same
 * (off by default: see {@link #softwareSegmentationByDefault}).
 *
 * <p>Without offloads each frame needs a read or write of its own; with {@code batch} those go
 * through io_uring in batches ({@link BatchedFrameIo}): many frames per system call, sends queued
 * until {@link #flush} (off unless asked for: see {@link #batchByDefault}). Where the kernel offers no io_uring (sysctl kernel.io_uring_disabled, seccomp),
 * or with {@code batch} off, it is one read(2) or write(2) per frame as before; {@link #batched}
 * tells which.
 */
public final class TapLink implements Link {
    public static final int DEFAULT_MTU = 1500;
    /** Largest IPv4 packet, and so largest offloaded segment, either way. */
    public static final int MAX_OFFLOAD_PACKET = 65535;

    private static final int ETHERNET_HEADER = 14;
    /** Where the TCP checksum sits in the TCP header. */
    private static final int TCP_CHECKSUM = 16;

    private final TapDevice device;
    private final Fd fd;
    private final WakeablePoll waiter;
    private final int mtu;
    private final boolean offload;
    /** Without offloads, and where io_uring works: reads and writes in batches; else null. */
    private final BatchedFrameIo batch;
    /** Without offloads, when asked for: large segments cut here; else null. */
    private final SoftwareSegmentation cut;
    /** Why batching is off although it was asked for (io_uring refused), for -v; null otherwise. */
    private final String batchRefused;
    /** With offloads: the header and frame of each write, built here since the stack's frames have no room in front. */
    private final byte[] tx;
    /** With offloads: where a frame is read when the caller left no headroom (then copied). */
    private byte[] rxScratch;
    private boolean checksumTrusted;
    private long sendDropped;
    private long receiveDropped;
    private long badHeaders;
    private long largeReceived;
    private long segmentedSent;

    private TapLink(TapDevice device, WakeablePoll waiter, int mtu, boolean offload, BatchedFrameIo batch,
            String batchRefused, boolean softwareSegmentation) {
        this.device = device;
        this.batch = batch;
        this.cut = !offload && softwareSegmentation ? new SoftwareSegmentation(mtu + ETHERNET_HEADER) : null;
        this.batchRefused = batchRefused;
        this.fd = device.fd();
        this.waiter = waiter;
        this.mtu = mtu;
        this.offload = offload;
        this.tx = offload ? new byte[VirtioNetHeader.LENGTH + ETHERNET_HEADER + MAX_OFFLOAD_PACKET] : null;
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
        return open(name, mtu, false);
    }

    /**
     * As {@link #open(String, int)}; with {@code offload}, checksum and TCP segmentation offload
     * (IFF_VNET_HDR, TUN_F_CSUM and TUN_F_TSO4): frames carry a virtio-net header, receive may
     * return TCP segments far above the MTU, and {@link #sendSegmented} is available. Without
     * offloads, frames are batched through io_uring only when the system property {@value
     * #BATCH_PROPERTY} is {@code true} (see {@link #open(String, int, boolean, boolean)}).
     */
    public static TapLink open(String name, int mtu, boolean offload) throws IOException {
        return open(name, mtu, offload, batchByDefault());
    }

    /**
     * Whether links batch where no caller chose: only with {@value #BATCH_PROPERTY}{@code =true}.
     * Off by default because on the 2-core VM it was measured on, with cheap system calls, one
     * read(2) or write(2) per frame moved more frames per second than io_uring batches did
     * (TapFrameBench), and TCP over a plain TAP was no faster either way within the machine's noise.
     */
    public static boolean batchByDefault() {
        return "true".equals(System.getProperty(BATCH_PROPERTY));
    }

    /** The system property that, set to {@code true}, turns batching on where no caller chose. */
    public static final String BATCH_PROPERTY = "teacup.batch";

    /**
     * As {@link #open(String, int, boolean)}; with {@code batch} (which only matters without
     * offloads), reads and writes go through io_uring, many per system call, where the kernel
     * allows it, and one per frame where it does not ({@link #batched} tells).
     */
    public static TapLink open(String name, int mtu, boolean offload, boolean batch) throws IOException {
        return open(name, mtu, offload, batch, SoftwareSegmentation.byDefault());
    }

    /**
     * As {@link #open(String, int, boolean, boolean)}; {@code softwareSegmentation} (which only
     * matters without offloads) says whether the link takes large segments and cuts them itself
     * (where no caller chose, only with the system property {@value SoftwareSegmentation#PROPERTY}
     * {@code =true}: see {@link #softwareSegmentationByDefault}).
     */
    public static TapLink open(String name, int mtu, boolean offload, boolean batch, boolean softwareSegmentation)
            throws IOException {
        return open(name, mtu, offload, batch ? BatchedFrameIo::open : null, softwareSegmentation);
    }

    /**
     * Whether links without offloads cut large segments themselves where no caller chose: only with
     * {@code -Dteacup.gso=true}. Off because on the 2-core VM it was measured on, one stream teacup
     * to kernel over a plain TAP was no faster with it (TcpTapBench, within the machine's noise):
     * there the kernel's work per frame written, not the stack's per segment, sets the pace, and
     * the stack's share of the CPU hardly moved (perf: 13.6% of samples with, 14.6% without).
     */
    public static boolean softwareSegmentationByDefault() {
        return SoftwareSegmentation.byDefault();
    }

    /** How a link gets its batched I/O; a test gives one that fails as a kernel without io_uring would. */
    @FunctionalInterface
    interface BatchOpener {
        BatchedFrameIo open(Fd fd, BatchedFrameIo.ReadKind kind, int longestFrame, IntPredicate droppable, String name)
                throws IOException;
    }

    /** As {@link #open(String, int, boolean, boolean)}, batching through {@code batchOpener} (null: none). */
    static TapLink open(String name, int mtu, boolean offload, BatchOpener batchOpener) throws IOException {
        return open(name, mtu, offload, batchOpener, SoftwareSegmentation.byDefault());
    }

    private static TapLink open(String name, int mtu, boolean offload, BatchOpener batchOpener,
            boolean softwareSegmentation) throws IOException {
        if (mtu < 68 || mtu > 65535 - 14) {
            // RFC 791: every IPv4 host must take 68-byte packets whole; above 65521 no frame fits a read.
            throw new IllegalArgumentException("MTU out of range 68..65521: " + mtu);
        }
        TapDevice device = TapDevice.open(name, offload);
        try {
            if (offload) {
                // ECN stays off: teacup never sets CWR, and without TSO_ECN the kernel sends no large segment carrying it.
                device.setOffload(TapDevice.TUN_F_CSUM | TapDevice.TUN_F_TSO4);
            } else {
                clearOffloads(device);
            }
            BatchedFrameIo batched = null;
            String refused = null;
            if (batchOpener != null && !offload) {
                try {
                    batched = batchOpener.open(device.fd(), BatchedFrameIo.ReadKind.READ, mtu + ETHERNET_HEADER,
                            TapLink::droppable, device.name());
                } catch (IOException e) {
                    refused = e.getMessage(); // no io_uring here: one frame per system call still works
                }
            }
            return new TapLink(device, new WakeablePoll(device.fd()), mtu, offload, batched, refused, softwareSegmentation);
        } catch (IOException | RuntimeException e) {
            try {
                device.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A persistent device keeps the offloads the last owner set, and the kernel would go on
     * sending it large segments that a reader without the header cannot take. Best effort: a
     * device that refuses is left as it is, as before offloads existed.
     */
    private static void clearOffloads(TapDevice device) {
        try {
            device.setOffload(0);
        } catch (IOException ignored) {
            // nothing was set then, or nothing can be done about it here
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

    /** Whether checksum and segmentation offloads are on. */
    public boolean offload() {
        return offload;
    }

    /** With offloads, the largest frame is a whole 64 KB TCP segment the kernel did not cut. */
    @Override
    public int maxFrameLength() {
        return offload ? ETHERNET_HEADER + MAX_OFFLOAD_PACKET : mtu + ETHERNET_HEADER;
    }

    @Override
    public int receiveHeadroom() {
        return offload ? VirtioNetHeader.LENGTH : 0;
    }

    @Override
    public boolean receivedChecksumTrusted() {
        return checksumTrusted;
    }

    /** With offloads the kernel cuts; without, with software segmentation on, this link does. */
    @Override
    public int segmentationOffload() {
        return offload ? MAX_OFFLOAD_PACKET : cut != null ? SoftwareSegmentation.LARGEST_PACKET : 0;
    }

    /** Whether large segments are cut here, in software, for a device without offloads. */
    public boolean softwareSegmentation() {
        return cut != null;
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
        checksumTrusted = false;
        if (offload) {
            return receiveWithHeader(buf, off);
        }
        int longest = maxFrameLength();
        int limit = Math.min(longest + 1, buf.length - off);
        while (true) {
            int n = batch != null ? batch.receive(buf, off, limit) : fd.read(buf, off, limit);
            if (n > longest || n > limit) {
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

    /**
     * Reads header and frame in one go: straight into {@code buf} when the caller left the
     * headroom (the header lands in front of {@code off}), else into scratch and copied.
     */
    private int receiveWithHeader(byte[] buf, int off) throws IOException {
        int longest = maxFrameLength();
        int h = VirtioNetHeader.LENGTH;
        byte[] into = buf;
        int at = off - h;
        if (at < 0) {
            if (rxScratch == null) {
                rxScratch = new byte[h + longest + 1];
            }
            into = rxScratch;
            at = 0;
        }
        int limit = Math.min(h + longest + 1, into.length - at);
        if (into != buf) {
            limit = Math.min(limit, h + buf.length - off);
        }
        while (true) {
            int n = fd.read(into, at, limit);
            if (n > h + longest || (n >= 0 && n < h)) {
                receiveDropped++;
                continue;
            }
            if (n >= 0) {
                int frame = n - h;
                if (VirtioNetHeader.check(into, at, frame) != VirtioNetHeader.Verdict.GOOD) {
                    // Asks for what was not offered (only TSO4 was) or points outside its frame: not ours to take.
                    receiveDropped++;
                    badHeaders++;
                    continue;
                }
                checksumTrusted = VirtioNetHeader.checksumTrusted(into, at);
                if (frame > mtu + ETHERNET_HEADER) {
                    largeReceived++;
                }
                if (into != buf) {
                    System.arraycopy(into, at + h, buf, off, frame);
                }
                return frame;
            }
            if (n == -Errno.EAGAIN) {
                return 0;
            }
            throw new ErrnoException("read " + device.name(), -n);
        }
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (offload) {
            VirtioNetHeader.writePlain(tx, 0);
            System.arraycopy(buf, off, tx, VirtioNetHeader.LENGTH, len);
            write(tx, 0, VirtioNetHeader.LENGTH + len);
            return;
        }
        if (batch != null) {
            batch.send(buf, off, len);
            return;
        }
        write(buf, off, len);
    }

    /** With batching: submits the queued frames. */
    @Override
    public void flush() throws IOException {
        if (batch != null) {
            batch.flush();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The TCP checksum, the pseudo-header sum only, is left for the kernel to finish
     * (NEEDS_CSUM): for the pieces it cuts it must redo each one anyway, and a segment for its own
     * sockets is taken without summing at all. Without offloads it is cut here and each piece
     * written as {@link #send} writes a frame (batched or not), its checksum summed whole.
     */
    @Override
    public void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        if (cut != null) {
            cut.send(this, buf, off, len, segmentSize);
            return;
        }
        if (!offload) {
            throw new UnsupportedOperationException("segmentation offload is off on " + device.name());
        }
        if (len > ETHERNET_HEADER + MAX_OFFLOAD_PACKET || segmentSize < 1 || len < ETHERNET_HEADER + 40) {
            throw new IllegalArgumentException("not a segment to offload: " + len + " bytes, segment size " + segmentSize);
        }
        int h = VirtioNetHeader.LENGTH;
        System.arraycopy(buf, off, tx, h, len);
        int ip = h + ETHERNET_HEADER;
        int ipHeader = (tx[ip] & 0xf) * 4;
        int tcp = ip + ipHeader;
        int tcpHeader = ((tx[tcp + 12] & 0xff) >>> 4) * 4;
        VirtioNetHeader.write(tx, 0, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4,
                ETHERNET_HEADER + ipHeader + tcpHeader, segmentSize, ETHERNET_HEADER + ipHeader, TCP_CHECKSUM);
        segmentedSent++;
        write(tx, 0, h + len);
    }

    private void write(byte[] buf, int off, int len) throws IOException {
        int n = fd.write(buf, off, len);
        if (n == len) {
            return;
        }
        if (n >= 0 || droppable(-n)) {
            sendDropped++;
            return;
        }
        throw new ErrnoException("write " + device.name(), -n);
    }

    /** Write errors that pass by themselves, so the frame is dropped as on a wire. EIO: the interface is down (not yet up, or taken down for a while). */
    private static boolean droppable(int errno) {
        return errno == Errno.EAGAIN || errno == Errno.ENOBUFS || errno == Errno.EIO;
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

    @Override
    public void wakeup() {
        waiter.wakeup();
    }

    /** Frames send dropped because the device could not take them then. */
    public long sendDropped() {
        return sendDropped + (batch != null ? batch.sendDropped() : 0);
    }

    /** Whether frames go through io_uring in batches (else one system call each, or offloads). */
    public boolean batched() {
        return batch != null;
    }

    /** With batching: the system calls that carried frames (each up to a batch of reads and writes). */
    public long batchSubmits() {
        return batch != null ? batch.submits() : 0;
    }

    /**
     * How frames cross the descriptor, for -v: "offload (virtio-net header)", "batched
     * (io_uring)", or "one frame per system call", with why batching is off when it was refused.
     */
    public String path() {
        if (offload) {
            return "offload (virtio-net header)";
        }
        if (batch != null) {
            return "batched (io_uring)";
        }
        return batchRefused == null ? "one frame per system call"
                : "one frame per system call (io_uring refused: " + batchRefused + ")";
    }

    /** Frames receive dropped: longer than {@link #maxFrameLength}, or with offloads, a bad header ({@link #badHeaders}). */
    public long receiveDropped() {
        return receiveDropped;
    }

    /** With offloads: frames dropped because their virtio-net header failed {@link VirtioNetHeader#check}. */
    public long badHeaders() {
        return badHeaders;
    }

    /** With offloads: frames received longer than the MTU allows (TCP segments the kernel did not cut). */
    public long largeReceived() {
        return largeReceived;
    }

    /** Large TCP segments sent with {@link #sendSegmented}: handed to the kernel to cut, or cut here. */
    public long segmentedSent() {
        return segmentedSent + (cut != null ? cut.segments() : 0);
    }

    /** With software segmentation: the frames the large segments were cut into here. */
    public long framesCut() {
        return cut != null ? cut.frames() : 0;
    }

    /** Closes the device, which removes it unless it is persistent. Closing twice is harmless. */
    @Override
    public void close() throws IOException {
        try {
            if (batch != null) {
                batch.close(); // the last queued frames (a reset, a FIN) still go first
            }
        } finally {
            try {
                if (offload && device.fd().isOpen()) {
                    clearOffloads(device); // a persistent device must not keep them for the next, plain, owner
                }
                device.close();
            } finally {
                waiter.close();
            }
        }
    }

    @Override
    public String toString() {
        return "TapLink[" + device.name() + ", mtu " + mtu + (offload ? ", offload" : batch != null ? ", batched" : "")
                + (cut != null ? ", software segmentation" : "") + "]";
    }
}
