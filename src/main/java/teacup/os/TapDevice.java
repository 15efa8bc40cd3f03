package teacup.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A Linux TAP device: an Ethernet interface whose far end is a descriptor. Each read returns one
 * whole frame the kernel sent out of the interface; each write hands one frame to the kernel as
 * if it had arrived on the wire. Frames carry no packet-information prefix (IFF_NO_PI).
 *
 * <p>The device is created in the network namespace of the thread that opens it (see
 * {@link NetworkNamespace}). Closing removes it unless it was made persistent.
 */
public final class TapDevice implements AutoCloseable {
    /** The clone device every TUN/TAP interface is opened through. */
    public static final String CLONE_DEVICE = "/dev/net/tun";
    /** Longest interface name Linux accepts (IFNAMSIZ less the terminating NUL). */
    public static final int MAX_NAME_LENGTH = 15;

    // _IOW('T', 202..204, int): the request numbers of <linux/if_tun.h>.
    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETPERSIST = 0x400454cbL;
    private static final long TUNSETOWNER = 0x400454ccL;
    // _IOW('T', 208, unsigned int) and _IOW('T', 216, int).
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;

    /** Offload flag: frames from teacup may leave the transport checksum for the kernel to finish. */
    public static final int TUN_F_CSUM = 0x01;
    /** Offload flag: teacup takes and sends large TCP/IPv4 segments (needs {@link #TUN_F_CSUM}). */
    public static final int TUN_F_TSO4 = 0x02;
    /** Offload flag: large TCP segments may carry ECN's CWR. */
    public static final int TUN_F_TSO_ECN = 0x08;

    // struct ifreq: the name in the first 16 bytes, then a union whose first member is the flags.
    private static final int IFREQ_SIZE = 40;
    private static final int IFR_NAME_SIZE = 16;
    private static final int IFR_FLAGS = 16;
    /** Size of struct virtio_net_hdr, the basic header with no merged buffers. */
    private static final int VIRTIO_HEADER_LENGTH = 10;

    private final Fd fd;
    private final String name;
    private final boolean virtioHeader;

    private TapDevice(Fd fd, String name, boolean virtioHeader) {
        this.fd = fd;
        this.name = name;
        this.virtioHeader = virtioHeader;
    }

    /**
     * Creates the TAP device {@code name}, or attaches to it if it exists (persistent, and owned
     * by this user or unowned). A name with {@code %d} (e.g. {@code tcup%d}) lets the kernel pick
     * the number, and an empty name lets it pick the whole name; {@link #name} tells the result.
     */
    public static TapDevice open(String name) throws IOException {
        return open(name, false);
    }

    /**
     * As {@link #open(String)}; with {@code virtioHeader} every frame read or written is preceded
     * by a virtio-net header (IFF_VNET_HDR, see {@code teacup.wire.VirtioNetHeader}), which is what
     * lets {@link #setOffload} hand checksums and segmentation across. The header size is set to
     * the 10-byte basic header.
     */
    public static TapDevice open(String name, boolean virtioHeader) throws IOException {
        byte[] requested = name.getBytes(StandardCharsets.US_ASCII);
        if (requested.length > MAX_NAME_LENGTH || name.indexOf('\0') >= 0 || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not an interface name: '" + name + "' (at most "
                    + MAX_NAME_LENGTH + " characters, no '/')");
        }
        Fd fd = Fd.open(CLONE_DEVICE, Fd.O_RDWR);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            MemorySegment.copy(requested, 0, ifreq, ValueLayout.JAVA_BYTE, 0, requested.length);
            short flags = (short) (IFF_TAP | IFF_NO_PI | (virtioHeader ? IFF_VNET_HDR : 0));
            ifreq.set(ValueLayout.JAVA_SHORT, IFR_FLAGS, flags);
            fd.ioctl(TUNSETIFF, ifreq, "TUNSETIFF " + (name.isEmpty() ? "(any name)" : name));
            // The kernel writes back the name it gave the device.
            String actual = ifreq.asSlice(0, IFR_NAME_SIZE).getString(0, StandardCharsets.US_ASCII);
            if (virtioHeader) {
                // The kernel's default is already 10, but a persistent device may have been left otherwise.
                MemorySegment size = arena.allocate(ValueLayout.JAVA_INT);
                size.set(ValueLayout.JAVA_INT, 0, VIRTIO_HEADER_LENGTH);
                fd.ioctl(TUNSETVNETHDRSZ, size, "TUNSETVNETHDRSZ " + actual);
            }
            return new TapDevice(fd, actual, virtioHeader);
        } catch (IOException | RuntimeException e) {
            try {
                fd.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The interface name the kernel gave the device. */
    public String name() {
        return name;
    }

    /** Whether every frame read or written carries a virtio-net header in front. */
    public boolean virtioHeader() {
        return virtioHeader;
    }

    /**
     * Tells the kernel which offloads teacup's end handles (TUNSETOFFLOAD, an or of the TUN_F_
     * flags; 0 turns them all off). Only for a device opened with a virtio-net header: without one
     * there is nowhere to say a checksum is unfinished or a segment is large.
     */
    public void setOffload(int flags) throws IOException {
        if (!virtioHeader && flags != 0) {
            throw new IllegalStateException("offloads need a device opened with a virtio-net header");
        }
        fd.ioctl(TUNSETOFFLOAD, flags & 0xffff_ffffL, "TUNSETOFFLOAD " + name);
    }

    /** The descriptor frames are read from and written to. */
    public Fd fd() {
        return fd;
    }

    /** Keeps the device after close (for a one-time root set-up), or lets close remove it again. */
    public void setPersistent(boolean persistent) throws IOException {
        fd.ioctl(TUNSETPERSIST, persistent ? 1 : 0, "TUNSETPERSIST " + name);
    }

    /** Lets user {@code uid} attach to the device later without privileges. */
    public void setOwner(int uid) throws IOException {
        fd.ioctl(TUNSETOWNER, uid & 0xffff_ffffL, "TUNSETOWNER " + name);
    }

    @Override
    public void close() throws IOException {
        fd.close();
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + "]";
    }
}
