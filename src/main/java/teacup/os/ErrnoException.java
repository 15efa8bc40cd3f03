package teacup.os;

import java.io.IOException;

/**
 * A system call failed. The message is what failed and the system's text for the error, as a
 * shell tool would print it: {@code open /dev/net/tun: No such file or directory}.
 */
public final class ErrnoException extends IOException {
    private final int errno;

    public ErrnoException(String what, int errno) {
        super(what + ": " + Errno.text(errno));
        this.errno = errno;
    }

    /** The error number, one of {@link Errno}'s constants or another Linux errno. */
    public int errno() {
        return errno;
    }
}
