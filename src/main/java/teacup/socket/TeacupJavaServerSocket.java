package teacup.socket;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import teacup.stack.NetStack;
import teacup.tcp.TcpSettings;
import teacup.wire.Ipv4Address;

/**
 * A {@link java.net.ServerSocket} that listens on a teacup {@link TcpServerSocket} and hands out
 * {@link TeacupJavaSocket}s, for servers written against {@code java.net}. Made by
 * {@link TeacupServerSocketFactory}.
 *
 * <p>Every public method of {@code ServerSocket} is overridden, so the kernel socket the base
 * class could create is never opened. It binds the wildcard or the stack's own address only; the
 * receive-buffer size, reuse-address and performance preferences are hints, remembered and
 * reported back.
 */
public final class TeacupJavaServerSocket extends ServerSocket {
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.IP_TOS, TeacupSocketOptions.TCP_USER_TIMEOUT);

    private final NetStack stack;
    private final Object lock = new Object();
    private volatile TcpServerSocket server;
    private volatile InetAddress boundAddress;
    private volatile boolean closed;
    /** IP_TOS (RFC 1122 3.2.1.6): set before bind it marks the SYN-ACKs too; after, the connections accepted next. */
    private volatile int trafficClass;
    /** TCP_USER_TIMEOUT for the connections it accepts (zero: none). */
    private volatile Duration userTimeout = Duration.ZERO;
    // Linux's JDK turns SO_REUSEADDR on for every server socket; report the same.
    private final SocketOptionHints hints = new SocketOptionHints("teacup server sockets", OPTIONS, true, () -> closed);

    /** An unbound server socket on {@code stack}; {@link #bind} makes it listen. */
    public TeacupJavaServerSocket(NetStack stack) throws IOException {
        // The base constructor makes a SocketImpl object but no file descriptor; nothing here uses it.
        super();
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    @Override
    public void bind(SocketAddress endpoint) throws IOException {
        bind(endpoint, TcpServerSocket.DEFAULT_BACKLOG);
    }

    /**
     * Listens on the endpoint's port (0: an ephemeral one). The address must be the wildcard or
     * the stack's own; a backlog below 1 means {@link TcpServerSocket#DEFAULT_BACKLOG}.
     */
    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        if (endpoint != null && !(endpoint instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        InetSocketAddress local = endpoint == null ? null : (InetSocketAddress) endpoint;
        if (local != null && local.isUnresolved()) {
            throw new SocketException("Unresolved address");
        }
        synchronized (lock) {
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            if (server != null) {
                throw new SocketException("Already bound");
            }
            InetAddress address = local == null ? null : local.getAddress();
            if (!TeacupJavaSocket.isLocal(stack, address)) {
                throw new BindException("Cannot assign requested address: " + address
                        + " (teacup's address is " + stack.iface().address() + ")");
            }
            int port = local == null ? 0 : local.getPort();
            server = TcpServerSocket.bind(stack, port, backlog < 1 ? TcpServerSocket.DEFAULT_BACKLOG : backlog,
                    stack.tcpDefaults().withIpHeader(0, trafficClass).toBuilder().userTimeout(userTimeout.toNanos()).build());
            boundAddress = address == null || address.isAnyLocalAddress()
                    ? TeacupJavaSocket.inetAddress(Ipv4Address.ANY)
                    : TeacupJavaSocket.inetAddress(stack.iface().address());
        }
    }

    /** The next connection; waits for at most the soTimeout when one is set (SocketTimeoutException). */
    @Override
    public Socket accept() throws IOException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        TcpServerSocket s = server;
        if (s == null) {
            throw new SocketException("Socket is not bound yet");
        }
        int timeout = hints.soTimeoutMillis();
        TcpSocket accepted = timeout > 0 ? s.accept(Duration.ofMillis(timeout)) : s.accept();
        return new TeacupJavaSocket(stack, accepted);
    }

    /** Stops listening; connections not yet accepted are reset and a blocked accept throws. */
    @Override
    public void close() throws IOException {
        TcpServerSocket s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            s = server;
        }
        if (s != null) {
            s.close();
        }
    }

    /** The bound address (the wildcard, or the stack's own); null before bind. */
    @Override
    public InetAddress getInetAddress() {
        return server == null ? null : boundAddress;
    }

    @Override
    public int getLocalPort() {
        TcpServerSocket s = server;
        return s == null ? -1 : s.localPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        TcpServerSocket s = server;
        return s == null ? null : new InetSocketAddress(boundAddress, s.localPort());
    }

    /** Always null: this socket has no channel. */
    @Override
    public ServerSocketChannel getChannel() {
        return null;
    }

    @Override
    public boolean isBound() {
        return server != null;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        hints.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws IOException {
        return hints.getSoTimeout();
    }

    /** Remembered only: teacup's listening ports are free again as soon as they are closed. */
    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        hints.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return hints.getReuseAddress();
    }

    /** A hint, remembered and reported back; teacup sizes its buffers per stack. */
    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        hints.setReceiveBufferSize(size, "negative receive size");
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return hints.getReceiveBufferSize();
    }

    /** Ignored, as the JDK's own server sockets do. */
    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    }

    /** Any other option is an UnsupportedOperationException, as {@link ServerSocket#setOption} specifies. */
    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        hints.checkSettable(name, value);
        if (name == StandardSocketOptions.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (name == StandardSocketOptions.IP_TOS) {
            int tos = (Integer) value;
            if (tos < 0 || tos > 255) {
                throw new IllegalArgumentException("Invalid IP_TOS value: " + tos);
            }
            trafficClass = tos;
            TcpServerSocket s = server;
            if (s != null) {
                s.setTrafficClass(tos);
            }
        } else if (name == TeacupSocketOptions.TCP_USER_TIMEOUT) {
            userTimeout = TeacupSocketOptions.userTimeout((Integer) value);
            TcpServerSocket s = server;
            if (s != null) {
                s.setUserTimeout(userTimeout);
            }
        } else {
            setReuseAddress((Boolean) value);
        }
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        hints.checkReadable(name);
        Object value = name == StandardSocketOptions.SO_RCVBUF ? getReceiveBufferSize()
                : name == StandardSocketOptions.IP_TOS ? (Object) trafficClass
                : name == TeacupSocketOptions.TCP_USER_TIMEOUT ? (Object) (int) Math.min(Integer.MAX_VALUE, userTimeout.toMillis())
                : getReuseAddress();
        return (T) value;
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return hints.supported();
    }

    @Override
    public String toString() {
        TcpServerSocket s = server;
        if (s == null) {
            return "TeacupJavaServerSocket[unbound]";
        }
        return "TeacupJavaServerSocket[addr=" + boundAddress + ",localport=" + s.localPort() + "]";
    }
}
