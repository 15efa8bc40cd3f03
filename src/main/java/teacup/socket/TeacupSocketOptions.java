package teacup.socket;

import java.net.SocketOption;

/**
 * Socket options teacup has that neither {@link java.net.StandardSocketOptions} nor
 * {@code jdk.net.ExtendedSocketOptions} names, for {@link TeacupJavaSocket#setOption} and
 * {@link TeacupJavaServerSocket#setOption}.
 */
public final class TeacupSocketOptions {
    /**
     * RFC 5482, as Linux's TCP_USER_TIMEOUT: milliseconds written data may wait unacknowledged,
     * through retransmissions and answered zero-window probes alike, before the connection is
     * given up ({@link TcpSocket#setUserTimeout}); 0 for none. On a server socket, for the
     * connections it accepts from then on.
     */
    public static final SocketOption<Integer> TCP_USER_TIMEOUT = new SocketOption<>() {
        @Override
        public String name() {
            return "TCP_USER_TIMEOUT";
        }

        @Override
        public Class<Integer> type() {
            return Integer.class;
        }

        @Override
        public String toString() {
            return name();
        }
    };

    private TeacupSocketOptions() {
    }

    /** A user timeout in milliseconds, checked as Linux checks it (not negative). */
    static java.time.Duration userTimeout(Integer millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("Invalid value '" + millis + "' for TCP_USER_TIMEOUT");
        }
        return java.time.Duration.ofMillis(millis);
    }
}
