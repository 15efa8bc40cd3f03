package teacup.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Objects;
import javax.net.ServerSocketFactory;
import teacup.stack.NetStack;

/**
 * A {@link ServerSocketFactory} whose server sockets listen on teacup's stack
 * ({@link TeacupJavaServerSocket}) and accept teacup connections. A backlog below 1 means
 * {@link TcpServerSocket#DEFAULT_BACKLOG}; an interface address, when given, must be the
 * wildcard or the stack's own.
 */
public final class TeacupServerSocketFactory extends ServerSocketFactory {
    private final NetStack stack;

    public TeacupServerSocketFactory(NetStack stack) {
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    /** An unbound server socket; {@link ServerSocket#bind} makes it listen. */
    @Override
    public ServerSocket createServerSocket() throws IOException {
        return new TeacupJavaServerSocket(stack);
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        return createServerSocket(port, 0, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return createServerSocket(port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Port value out of range: " + port);
        }
        TeacupJavaServerSocket server = new TeacupJavaServerSocket(stack);
        try {
            server.bind(new InetSocketAddress(ifAddress, port), backlog);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }
}
