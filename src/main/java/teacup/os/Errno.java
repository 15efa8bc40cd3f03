package teacup.os;

/**
 * Linux error numbers teacup tells apart, and their text. The hot path returns {@code -errno}
 * instead of throwing, because "would block" ends every drain loop and is no failure at all;
 * {@link ErrnoException} is for the rest.
 *
 * <p>The numbers are Linux's generic ones, the same on x86-64 and aarch64.
 */
public final class Errno {
    private Errno() {
    }

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EMSGSIZE = 90;
    public static final int ENOPROTOOPT = 92;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;

    /** The system's text for {@code errno}, from strerror, e.g. "No such file or directory". */
    public static String text(int errno) {
        return Native.strerror(errno);
    }
}
