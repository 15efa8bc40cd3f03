package teacup.socket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import teacup.stack.NetStack;
import teacup.udp.UdpEndpoint;
import teacup.wire.Ipv4Address;

/**
 * A UDP socket on a teacup stack: bind, send, receive with a timeout. Any thread may use it;
 * a blocked receive parks the caller (virtual threads welcome).
 */
public final class UdpSocket implements AutoCloseable {
    public static final int DEFAULT_QUEUE = 256;

    private final NetStack stack;
    private final UdpEndpoint endpoint;

    private UdpSocket(NetStack stack, UdpEndpoint endpoint) {
        this.stack = stack;
        this.endpoint = endpoint;
    }

    /** Binds {@code port} (0: an ephemeral port chosen at random). */
    public static UdpSocket bind(NetStack stack, int port) throws IOException {
        try {
            return new UdpSocket(stack, stack.call(() -> stack.udp().bind(port, DEFAULT_QUEUE)));
        } catch (IllegalStateException e) {
            throw new java.net.BindException(e.getMessage());
        }
    }

    public int localPort() {
        return endpoint.port();
    }

    /** Sends one datagram. Throws when the stack cannot send it (no route, ARP queue full, too big). */
    public void send(Ipv4Address destination, int port, byte[] data, int off, int len) throws IOException {
        if (endpoint.isClosed()) {
            throw new IOException("socket closed");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        byte[] copy = java.util.Arrays.copyOfRange(data, off, off + len);
        boolean sent = stack.call(() -> stack.udp().send(stack.clock().nanos(), endpoint, destination.bits(), port, copy, 0, copy.length));
        if (!sent) {
            throw new java.net.NoRouteToHostException("cannot send to " + destination + ": no route to host");
        }
    }

    public void send(Ipv4Address destination, int port, byte[] data) throws IOException {
        send(destination, port, data, 0, data.length);
    }

    /** The next datagram; throws SocketTimeoutException after {@code timeout}, IOException when closed. */
    public UdpEndpoint.Datagram receive(Duration timeout) throws IOException {
        try {
            UdpEndpoint.Datagram d = endpoint.take(timeout.toNanos());
            if (d != null) {
                return d;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        if (endpoint.isClosed()) {
            throw new IOException("socket closed");
        }
        throw new SocketTimeoutException("no datagram within " + timeout.toMillis() + " ms");
    }

    @Override
    public void close() {
        if (!endpoint.isClosed()) {
            try {
                stack.call(() -> {
                    stack.udp().unbind(endpoint);
                    return null;
                });
            } catch (IOException e) {
                endpoint.close(); // the stack is gone: nothing to unbind from, but wake and refuse readers
            }
        }
    }
}
