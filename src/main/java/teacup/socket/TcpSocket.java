package teacup.socket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/**
 * A TCP connection on a teacup stack, for application threads (virtual threads welcome):
 * blocking streams, half-close, abort, and the usual switches. Blocked callers park; they never
 * spin and never touch protocol state.
 *
 * <p>API SKELETON: the signatures are fixed; the bodies are being written (issue 3).
 */
public final class TcpSocket implements AutoCloseable {

    private TcpSocket() {
    }

    /**
     * Opens a connection to {@code host:port} from an ephemeral port. Throws
     * {@link java.net.ConnectException} ("Connection refused") when the peer resets,
     * {@link java.net.SocketTimeoutException} when {@code timeout} passes first, and
     * {@link java.net.NoRouteToHostException} when the stack has no route.
     */
    public static TcpSocket connect(NetStack stack, Ipv4Address host, int port, Duration timeout) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /** Bytes from the peer; read returns -1 after the peer's FIN, throws after a reset or time-out (SocketTimeoutException after soTimeout). */
    public InputStream getInputStream() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Bytes to the peer; write blocks while the send buffer is full; flush pushes a Nagle-held tail. */
    public OutputStream getOutputStream() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Sends FIN after what was written; reading goes on. */
    public void shutdownOutput() throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /** Resets the connection at once (RST), discarding anything unsent. */
    public void abort() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Zero or null: reads wait forever. */
    public void setSoTimeout(Duration timeout) {
        throw new UnsupportedOperationException("not yet");
    }

    public void setNoDelay(boolean on) {
        throw new UnsupportedOperationException("not yet");
    }

    public void setKeepAlive(boolean on) {
        throw new UnsupportedOperationException("not yet");
    }

    public Ipv4Address localAddress() {
        throw new UnsupportedOperationException("not yet");
    }

    public int localPort() {
        throw new UnsupportedOperationException("not yet");
    }

    public Ipv4Address remoteAddress() {
        throw new UnsupportedOperationException("not yet");
    }

    public int remotePort() {
        throw new UnsupportedOperationException("not yet");
    }

    public boolean isClosed() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Graceful close: FIN after what was written (a reset instead when received data was left unread). */
    @Override
    public void close() throws IOException {
        throw new UnsupportedOperationException("not yet");
    }
}
