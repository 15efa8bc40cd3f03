package teacup.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 10-byte virtio-net header a Linux TAP opened with IFF_VNET_HDR puts in front of every frame,
 * both ways: it tells what the device has left undone (a checksum to finish, a large TCP segment to
 * cut into MSS-sized ones) or has already done (a checksum it checked). Unlike everything else in
 * this package its 16-bit fields are little-endian, the byte order of a virtio device on this host.
 *
 * <p>Layout: flags (u8), gso_type (u8), hdr_len, gso_size, csum_start, csum_offset (u16 each).
 * A header of all zeroes means a plain frame with a complete checksum, nothing to do.
 */
public final class VirtioNetHeader {
    public static final int LENGTH = 10;

    /** The transport checksum is only the pseudo-header sum; whoever takes the frame finishes it. */
    public static final int F_NEEDS_CSUM = 1;
    /** The device (here: the sending kernel) vouches for the transport checksum. */
    public static final int F_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** Or-ed into gso_type: the segment carries CWR, which only the first cut piece may keep. */
    public static final int GSO_ECN = 0x80;

    private static final int FLAGS = 0;
    private static final int GSO_TYPE = 1;
    private static final int HDR_LEN = 2;
    private static final int GSO_SIZE = 4;
    private static final int CSUM_START = 6;
    private static final int CSUM_OFFSET = 8;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** What {@link #check} makes of a received header: good, or the one thing wrong with it. */
    public enum Verdict {
        GOOD,
        /** A flag bit other than NEEDS_CSUM and DATA_VALID. */
        UNKNOWN_FLAGS,
        /** A segmentation type other than none and TCP/IPv4 (the only one offered), or ECN's bit on a frame not to be cut. */
        UNOFFERED_GSO,
        /** A large segment whose piece size is 0 or whose header length runs past the frame. */
        BAD_SEGMENTATION,
        /** A checksum to finish that starts inside the Ethernet/IPv4 headers or whose field lies past the frame. */
        BAD_CHECKSUM_PLACE
    }

    private static final int SMALLEST_TRANSPORT_START = 14 + 20;

    private VirtioNetHeader() {}

    /**
     * Checks a received header at {@code at} against the {@code frameLength} bytes of frame behind
     * it: a header that asks for what was not offered, or points outside its frame, is not to be
     * trusted about anything (its frame is dropped and counted, never half-believed).
     */
    public static Verdict check(byte[] b, int at, int frameLength) {
        int flags = flags(b, at);
        if ((flags & ~(F_NEEDS_CSUM | F_DATA_VALID)) != 0) {
            return Verdict.UNKNOWN_FLAGS;
        }
        int gso = gsoType(b, at);
        if (gso != GSO_NONE && gso != GSO_TCPV4 || gso == GSO_NONE && gsoEcn(b, at)) {
            return Verdict.UNOFFERED_GSO;
        }
        if (gso == GSO_TCPV4 && (gsoSize(b, at) == 0 || headerLength(b, at) > frameLength)) {
            return Verdict.BAD_SEGMENTATION;
        }
        if ((flags & F_NEEDS_CSUM) != 0) {
            int start = checksumStart(b, at);
            if (start < SMALLEST_TRANSPORT_START || start + checksumOffset(b, at) + 2 > frameLength) {
                return Verdict.BAD_CHECKSUM_PLACE;
            }
        }
        return Verdict.GOOD;
    }

    public static int flags(byte[] b, int at) {
        return b[at + FLAGS] & 0xff;
    }

    /** The segmentation type without the ECN bit. */
    public static int gsoType(byte[] b, int at) {
        return b[at + GSO_TYPE] & 0x7f;
    }

    public static boolean gsoEcn(byte[] b, int at) {
        return (b[at + GSO_TYPE] & GSO_ECN) != 0;
    }

    /** Bytes of headers (Ethernet, IP, transport) in front of the data every cut piece repeats. */
    public static int headerLength(byte[] b, int at) {
        return u16(b, at + HDR_LEN);
    }

    /** Data bytes per cut piece (the MSS for TCP). */
    public static int gsoSize(byte[] b, int at) {
        return u16(b, at + GSO_SIZE);
    }

    /** Where (from the frame's start) the checksum to finish starts summing. */
    public static int checksumStart(byte[] b, int at) {
        return u16(b, at + CSUM_START);
    }

    /** Where (from {@link #checksumStart}) the finished checksum goes. */
    public static int checksumOffset(byte[] b, int at) {
        return u16(b, at + CSUM_OFFSET);
    }

    /**
     * Whether the frame's transport checksum may be taken as good without summing it: the kernel
     * either checked it or left it for the device to finish (a frame that never crossed a wire).
     */
    public static boolean checksumTrusted(byte[] b, int at) {
        return (b[at + FLAGS] & (F_NEEDS_CSUM | F_DATA_VALID)) != 0;
    }

    /** Writes a header that asks for nothing: a plain frame, checksums complete. */
    public static void writePlain(byte[] b, int at) {
        write(b, at, 0, GSO_NONE, 0, 0, 0, 0);
    }

    public static void write(byte[] b, int at, int flags, int gsoType, int headerLength, int gsoSize,
                             int checksumStart, int checksumOffset) {
        b[at + FLAGS] = (byte) flags;
        b[at + GSO_TYPE] = (byte) gsoType;
        SHORT.set(b, at + HDR_LEN, (short) headerLength);
        SHORT.set(b, at + GSO_SIZE, (short) gsoSize);
        SHORT.set(b, at + CSUM_START, (short) checksumStart);
        SHORT.set(b, at + CSUM_OFFSET, (short) checksumOffset);
    }

    private static int u16(byte[] b, int at) {
        return (short) SHORT.get(b, at) & 0xffff;
    }
}
