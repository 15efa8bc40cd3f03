package teacup.socket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import teacup.stack.NetStack;
import teacup.udp.UdpEndpoint;
import teacup.wire.IcmpMessage;
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

    /** RFC 1122 3.2.1.6 (IP_TOS): the TOS octet of every datagram sent from now on, 0 to 255. */
    public void setTrafficClass(int tos) {
        endpoint.trafficClass(tos);
    }

    public int getTrafficClass() {
        return endpoint.trafficClass();
    }

    /** RFC 1122 3.2.1.7 (IP_TTL): the TTL of every datagram sent from now on, 1 to 255, or 0 for the stack's default (64). */
    public void setTtl(int ttl) {
        endpoint.ttl(ttl);
    }

    public int getTtl() {
        return endpoint.ttl();
    }

    /**
     * Sends one datagram. Throws when the stack cannot send it (no route, ARP queue full, too big),
     * and PortUnreachableException (or NoRouteToHostException) when an ICMP error about an earlier
     * datagram came since the last call, as a connected DatagramSocket does (RFC 1122 4.1.3.3).
     */
    public void send(Ipv4Address destination, int port, byte[] data, int off, int len) throws IOException {
        if (endpoint.isClosed()) {
            throw new IOException("socket closed");
        }
        throwPendingError();
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

    /**
     * The next datagram; throws SocketTimeoutException after {@code timeout}, IOException when
     * closed, and PortUnreachableException (or NoRouteToHostException) when an ICMP error about a
     * datagram we sent comes first (RFC 1122 4.1.3.3), as a connected DatagramSocket does.
     */
    public UdpEndpoint.Datagram receive(Duration timeout) throws IOException {
        boolean unbounded = timeout.isNegative();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            throwPendingError();
            try {
                UdpEndpoint.Datagram d = endpoint.take(unbounded ? -1 : Math.max(0, deadline - System.nanoTime()));
                if (d != null) {
                    return d;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            throwPendingError();
            if (endpoint.isClosed()) {
                throw new IOException("socket closed");
            }
            if (!unbounded && deadline - System.nanoTime() <= 0) {
                break; // else woken by an error another call took: wait on
            }
        }
        throw new SocketTimeoutException("no datagram within " + timeout.toMillis() + " ms");
    }

    /** Port or protocol unreachable: PortUnreachableException; any other error: NoRouteToHostException. */
    private void throwPendingError() throws IOException {
        UdpEndpoint.Error e = endpoint.takeError();
        if (e == null) {
            return;
        }
        String what = "ICMP type " + e.type() + " code " + e.code() + " about a datagram to "
                + Ipv4Address.format(e.destination()) + ":" + e.destinationPort();
        if (e.type() == IcmpMessage.TYPE_DESTINATION_UNREACHABLE
                && (e.code() == IcmpMessage.CODE_PORT_UNREACHABLE || e.code() == IcmpMessage.CODE_PROTOCOL_UNREACHABLE)) {
            throw new PortUnreachableException("Port unreachable (" + what + ")");
        }
        throw new NoRouteToHostException("No route to host (" + what + ")");
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
