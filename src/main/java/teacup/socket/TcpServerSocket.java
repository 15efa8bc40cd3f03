package teacup.socket;

import java.io.IOException;
import java.time.Duration;
import teacup.stack.NetStack;

/**
 * A listening TCP port on a teacup stack with a bounded backlog. Any number of threads may
 * accept at once; each blocked caller parks.
 *
 * <p>API SKELETON: the signatures are fixed; the bodies are being written (issue 3).
 */
public final class TcpServerSocket implements AutoCloseable {
    public static final int DEFAULT_BACKLOG = 128;

    private TcpServerSocket() {
    }

    /** Listens on {@code port} (0: an ephemeral port); {@link java.net.BindException} when it is taken. */
    public static TcpServerSocket bind(NetStack stack, int port, int backlog) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    public int localPort() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The next established connection; waits forever. Throws {@link java.net.SocketException} once closed. */
    public TcpSocket accept() throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /** The next established connection, or {@link java.net.SocketTimeoutException} after {@code timeout}. */
    public TcpSocket accept(Duration timeout) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /** Stops listening; connections not yet accepted are reset; blocked accepts throw. */
    @Override
    public void close() throws IOException {
        throw new UnsupportedOperationException("not yet");
    }
}
