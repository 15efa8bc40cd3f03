package teacup.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A raw AF_PACKET socket bound to one interface: whole Ethernet frames in and out, beside the
 * kernel's own stack, which still sees every frame too.
 *
 * <p>The socket is made with protocol 0, which delivers nothing, and only the bind asks for
 * every protocol on the one interface; made with ETH_P_ALL it would queue frames from every
 * interface in the namespace until the bind.
 */
public final class PacketSocket implements AutoCloseable {
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = Fd.O_NONBLOCK;
    private static final int SOCK_CLOEXEC = Fd.O_CLOEXEC;
    private static final int ETH_P_ALL = 0x0003;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_ADD_MEMBERSHIP = 1;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_MR_PROMISC = 1;
    /** sll_pkttype of a frame this host sent, looped back to packet sockets. */
    private static final int PACKET_OUTGOING = 4;
    /** recvfrom flag: return a frame's real length even when the buffer was too short for it. */
    private static final int MSG_TRUNC = 0x20;

    // struct sockaddr_ll (20 bytes). Protocol is in network byte order; the rest native.
    private static final int SOCKADDR_LL_SIZE = 20;
    private static final int SLL_FAMILY = 0;
    private static final int SLL_PROTOCOL = 2;
    private static final int SLL_IFINDEX = 4;
    private static final int SLL_PKTTYPE = 10;
    // struct packet_mreq (16 bytes): ifindex, type, address length, address.
    private static final int PACKET_MREQ_SIZE = 16;
    private static final int MR_IFINDEX = 0;
    private static final int MR_TYPE = 4;

    private static final ValueLayout.OfShort NETWORK_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Fd fd;
    private final String interfaceName;
    private final int interfaceIndex;
    /** The sender address recvfrom fills and its value-result length, reused for every frame. */
    private final MemorySegment from;
    private final MemorySegment fromLength;

    private PacketSocket(Fd fd, String interfaceName, int interfaceIndex) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        Arena arena = Arena.ofAuto();
        this.from = arena.allocate(SOCKADDR_LL_SIZE, 4);
        this.fromLength = arena.allocate(ValueLayout.JAVA_INT);
    }

    /**
     * Opens a non-blocking packet socket on {@code interfaceName} (in the calling thread's network
     * namespace) that receives frames of every protocol but not the ones this host sends.
     * Needs CAP_NET_RAW.
     */
    public static PacketSocket open(String interfaceName) throws IOException {
        int index = interfaceIndex(interfaceName);
        MemorySegment state = Native.callState();
        int number;
        try {
            number = (int) Native.SOCKET.invokeExact(state, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (number < 0) {
            throw new ErrnoException("socket AF_PACKET", Native.errno(state));
        }
        Fd fd = new Fd(number, "packet socket " + interfaceName);
        try (Arena arena = Arena.ofConfined()) {
            // Before the bind, so not even the first frames include our own.
            setIntOption(fd, arena, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING", true);
            MemorySegment address = arena.allocate(SOCKADDR_LL_SIZE, 4);
            address.set(ValueLayout.JAVA_SHORT, SLL_FAMILY, (short) AF_PACKET);
            address.set(NETWORK_SHORT, SLL_PROTOCOL, (short) ETH_P_ALL);
            address.set(ValueLayout.JAVA_INT, SLL_IFINDEX, index);
            int result;
            try {
                result = (int) Native.BIND.invokeExact(state, fd.number(), address, SOCKADDR_LL_SIZE);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (result < 0) {
                throw new ErrnoException("bind packet socket to " + interfaceName, Native.errno(state));
            }
            return new PacketSocket(fd, interfaceName, index);
        } catch (IOException | RuntimeException e) {
            try {
                fd.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The index of interface {@code name} in the calling thread's namespace (if_nametoindex). */
    public static int interfaceIndex(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState();
            int index = (int) Native.IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
            if (index == 0) {
                throw new ErrnoException("interface " + name, Native.errno(state));
            }
            return index;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * Has the interface accept frames for every address, so frames for a MAC of teacup's own
     * reach this socket on a real network card too. Ends when the socket is closed.
     */
    public void enablePromiscuous() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(PACKET_MREQ_SIZE, 4);
            request.set(ValueLayout.JAVA_INT, MR_IFINDEX, interfaceIndex);
            request.set(ValueLayout.JAVA_SHORT, MR_TYPE, (short) PACKET_MR_PROMISC);
            setOption(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, request, "PACKET_ADD_MEMBERSHIP promiscuous", false);
        }
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int interfaceIndex() {
        return interfaceIndex;
    }

    public Fd fd() {
        return fd;
    }

    /**
     * Copies the next frame another host sent into {@code b} at {@code off}. Returns its length,
     * which is larger than {@code len} when the frame did not fit (the rest is lost), or
     * {@code -errno} ({@code -EAGAIN} when none is waiting). Frames this host sent are skipped.
     */
    public int receive(byte[] b, int off, int len) {
        MemorySegment target = fd.readSegment(b, off, len);
        MemorySegment state = Native.callState();
        try {
            while (true) {
                fromLength.set(ValueLayout.JAVA_INT, 0, SOCKADDR_LL_SIZE);
                long n = (long) Native.RECVFROM.invokeExact(state, fd.number(), target, (long) len, MSG_TRUNC,
                        from, fromLength);
                if (n >= 0) {
                    // A second guard beside PACKET_IGNORE_OUTGOING, which older kernels lack.
                    if ((from.get(ValueLayout.JAVA_BYTE, SLL_PKTTYPE) & 0xff) == PACKET_OUTGOING) {
                        continue;
                    }
                    return (int) Math.min(n, Integer.MAX_VALUE);
                }
                int errno = Native.errno(state);
                if (errno != Errno.EINTR) {
                    return -errno;
                }
            }
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Sends one frame out of the interface; returns the count sent or {@code -errno}. */
    public int send(byte[] b, int off, int len) {
        return fd.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
        fd.close();
    }

    @Override
    public String toString() {
        return "PacketSocket[" + interfaceName + "]";
    }

    private static void setIntOption(Fd fd, Arena arena, int level, int option, int value, String what,
                                     boolean optional) throws IOException {
        MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_INT, value);
        setOption(fd, level, option, v, what, optional);
    }

    /** setsockopt; an {@code optional} option the kernel does not know is left unset. */
    private static void setOption(Fd fd, int level, int option, MemorySegment value, String what,
                                  boolean optional) throws IOException {
        MemorySegment state = Native.callState();
        int result;
        try {
            result = (int) Native.SETSOCKOPT.invokeExact(state, fd.number(), level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (result < 0) {
            int errno = Native.errno(state);
            if (optional && errno == Errno.ENOPROTOOPT) {
                return;
            }
            throw new ErrnoException("setsockopt " + what + " on " + fd.name(), errno);
        }
    }
}
