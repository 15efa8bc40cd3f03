package teacup.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Network-order (big-endian) loads and stores on byte arrays; unsigned fields come back widened. */
public final class BigEndian {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private BigEndian() {}

    public static int u8(byte[] b, int at) {
        return b[at] & 0xff;
    }

    public static int u16(byte[] b, int at) {
        return (short) SHORT.get(b, at) & 0xffff;
    }

    /** The 32-bit field as an int (bit pattern); use {@link #u32} for the widened value. */
    public static int i32(byte[] b, int at) {
        return (int) INT.get(b, at);
    }

    public static long u32(byte[] b, int at) {
        return i32(b, at) & 0xffffffffL;
    }

    /** A 48-bit field (a MAC address) as the low bits of a long. */
    public static long u48(byte[] b, int at) {
        return ((long) u16(b, at) << 32) | u32(b, at + 2);
    }

    public static void put8(byte[] b, int at, int v) {
        b[at] = (byte) v;
    }

    public static void put16(byte[] b, int at, int v) {
        SHORT.set(b, at, (short) v);
    }

    public static void put32(byte[] b, int at, int v) {
        INT.set(b, at, v);
    }

    public static void put48(byte[] b, int at, long v) {
        put16(b, at, (int) (v >>> 32));
        put32(b, at + 2, (int) v);
    }
}
