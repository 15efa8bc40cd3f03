package teacup.socket;

import java.net.SocketException;
import java.net.SocketOption;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The socket options both java.net adapters ({@link TeacupJavaSocket}, {@link TeacupJavaServerSocket})
 * hold the same way: the read (or accept) timeout, which the adapter applies itself, and the hints
 * the JDK lets an implementation ignore (buffer sizes, reuse-address), remembered and reported
 * back; and the checks {@code setOption} and {@code getOption} make before either adapter looks at
 * an option, with the JDK's exceptions: closed, not supported, no value.
 */
final class SocketOptionHints {
    /** Linux's default, reported when no hint was set (the stack's rings are sized by TcpSocket). */
    private static final int DEFAULT_BUFFER = 65536;

    private final String owner;
    private final Set<SocketOption<?>> supported;
    private final BooleanSupplier closed;
    private volatile int soTimeoutMillis;
    private volatile boolean reuseAddress;
    private volatile int receiveBuffer;
    private volatile int sendBuffer;

    /**
     * @param owner        what the options belong to, for the message about an unsupported one ("teacup sockets")
     * @param supported    the options {@code setOption} and {@code getOption} take
     * @param reuseAddress what SO_REUSEADDR reads before it is set
     * @param closed       whether the socket is closed, when every option call refuses to run
     */
    SocketOptionHints(String owner, Set<SocketOption<?>> supported, boolean reuseAddress, BooleanSupplier closed) {
        this.owner = owner;
        this.supported = Set.copyOf(supported);
        this.reuseAddress = reuseAddress;
        this.closed = closed;
    }

    Set<SocketOption<?>> supported() {
        return supported;
    }

    void checkOpen() throws SocketException {
        if (closed.getAsBoolean()) {
            throw new SocketException("Socket is closed");
        }
    }

    /** What {@code getOption} checks first: a name, an open socket, an option in {@link #supported}. */
    void checkReadable(SocketOption<?> name) throws SocketException {
        Objects.requireNonNull(name);
        checkOpen();
        if (!supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported by " + owner);
        }
    }

    /** What {@code setOption} checks first: as {@link #checkReadable}, and a value. */
    void checkSettable(SocketOption<?> name, Object value) throws SocketException {
        checkReadable(name);
        if (value == null) {
            throw new IllegalArgumentException("Invalid value 'null' for " + name);
        }
    }

    void setSoTimeout(int millis) throws SocketException {
        checkOpen();
        if (millis < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        soTimeoutMillis = millis;
    }

    int getSoTimeout() throws SocketException {
        checkOpen();
        return soTimeoutMillis;
    }

    /** The timeout as last set, open or closed: for the adapter applying it. */
    int soTimeoutMillis() {
        return soTimeoutMillis;
    }

    void setReuseAddress(boolean on) throws SocketException {
        checkOpen();
        reuseAddress = on;
    }

    boolean getReuseAddress() throws SocketException {
        checkOpen();
        return reuseAddress;
    }

    /** Remembers a receive-buffer size; one below 1 is refused with {@code refusal}, the JDK's words for that socket kind. */
    void setReceiveBufferSize(int size, String refusal) throws SocketException {
        checkOpen();
        if (size <= 0) {
            throw new IllegalArgumentException(refusal);
        }
        receiveBuffer = size;
    }

    int getReceiveBufferSize() throws SocketException {
        checkOpen();
        return receiveBuffer > 0 ? receiveBuffer : DEFAULT_BUFFER;
    }

    void setSendBufferSize(int size) throws SocketException {
        checkOpen();
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid send size");
        }
        sendBuffer = size;
    }

    int getSendBufferSize() throws SocketException {
        checkOpen();
        return sendBuffer > 0 ? sendBuffer : DEFAULT_BUFFER;
    }
}
