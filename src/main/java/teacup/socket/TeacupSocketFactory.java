package teacup.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Objects;
import javax.net.SocketFactory;
import teacup.stack.NetStack;

/**
 * A {@link SocketFactory} whose sockets are teacup connections ({@link TeacupJavaSocket}), so that
 * a library that takes a socket factory (JDK TLS through
 * {@code SSLSocketFactory.createSocket(socket, host, port, true)}, HTTP clients) runs on teacup's
 * stack instead of the kernel's.
 *
 * <p>Host names must be IPv4 literals or already resolved addresses: resolving a name here would
 * ask the kernel's resolver, which sends the query out of the host's own network. Resolve with
 * {@link teacup.dns.StubResolver} first. A name is an {@link UnknownHostException}. A
 * local address, when given, must be the wildcard or the stack's own, and the local port 0.
 */
public final class TeacupSocketFactory extends SocketFactory {
    private final NetStack stack;

    public TeacupSocketFactory(NetStack stack) {
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    /** An unconnected socket; {@link Socket#connect(java.net.SocketAddress, int)} opens it. */
    @Override
    public TeacupJavaSocket createSocket() throws IOException {
        return new TeacupJavaSocket(stack);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return open(new InetSocketAddress(TeacupJavaSocket.inetAddress(TeacupJavaSocket.literal(host)), port), null, 0);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return open(new InetSocketAddress(TeacupJavaSocket.inetAddress(TeacupJavaSocket.literal(host)), port),
                localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return open(new InetSocketAddress(requireAddress(host), port), null, 0);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return open(new InetSocketAddress(requireAddress(address), port), localAddress, localPort);
    }

    private static InetAddress requireAddress(InetAddress host) throws UnknownHostException {
        if (host == null) {
            throw new UnknownHostException("no host given; teacup needs an IPv4 address such as 198.18.0.1");
        }
        return host;
    }

    private Socket open(InetSocketAddress target, InetAddress localAddress, int localPort) throws IOException {
        TeacupJavaSocket socket = new TeacupJavaSocket(stack);
        try {
            if (localAddress != null || localPort != 0) {
                socket.bind(new InetSocketAddress(localAddress, localPort));
            }
            socket.connect(target);
            return socket;
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
