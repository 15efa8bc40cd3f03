package teacup.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/**
 * Opens the outgoing half of a relayed connection. The SOCKS server and the port forwarder take
 * one, so the same code relays through teacup's TCP in the daemon and through kernel loopback in
 * tests.
 *
 * <p>Failures are reported as the JDK reports them, which {@link Socks5Reply#forFailure} maps to
 * a SOCKS reply: {@link java.net.ConnectException} (refused or timed out),
 * {@link java.net.SocketTimeoutException}, {@link java.net.NoRouteToHostException},
 * {@link java.net.UnknownHostException}.
 */
@FunctionalInterface
public interface Dialer {

    /** Connects to {@code host} (a name or an address literal, as the dialer understands it) port {@code port}. */
    Endpoint dial(String host, int port) throws IOException;

    /** Through teacup's TCP on {@code stack}; {@code host} must be an IPv4 address literal. */
    static Dialer teacup(NetStack stack, Duration connectTimeout) {
        return teacup(stack, connectTimeout, Duration.ZERO);
    }

    /**
     * As {@link #teacup(NetStack, Duration)}, each connection with the user timeout {@code userTimeout}
     * (RFC 5482; zero: none), so a target that stops reading cannot hold a relay's buffer for ever.
     */
    static Dialer teacup(NetStack stack, Duration connectTimeout, Duration userTimeout) {
        teacup.tcp.TcpSettings settings = stack.tcpDefaults().toBuilder().userTimeout(userTimeout.toNanos()).build();
        return (host, port) -> {
            Ipv4Address address;
            try {
                address = Ipv4Address.parse(host);
            } catch (IllegalArgumentException e) {
                throw new java.net.UnknownHostException(host + ": not an IPv4 address");
            }
            return Endpoint.of(TcpSocket.connect(stack, address, port, connectTimeout, settings));
        };
    }

    /** Through the kernel's TCP; a name is resolved by the kernel's resolver. */
    static Dialer kernel(Duration connectTimeout) {
        return (host, port) -> {
            InetSocketAddress target = new InetSocketAddress(host, port);
            if (target.isUnresolved()) {
                throw new java.net.UnknownHostException(host);
            }
            Socket socket = new Socket();
            try {
                socket.connect(target, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
                socket.setTcpNoDelay(true);
                return Endpoint.of(socket);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        };
    }
}
