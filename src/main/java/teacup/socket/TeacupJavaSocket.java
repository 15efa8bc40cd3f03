package teacup.socket;

import teacup.tcp.TcpSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/**
 * A {@link java.net.Socket} whose bytes travel over a teacup {@link TcpSocket}, so that code
 * written against {@code java.net} (JDK TLS, HTTP clients) runs on teacup's stack unchanged.
 * Made by {@link TeacupSocketFactory} (outgoing) and {@link TeacupJavaServerSocket#accept()}.
 *
 * <p>Every public method of {@code Socket} is overridden: the base class holds no
 * {@code SocketImpl}, so nothing here ever opens a kernel socket. Behaviour follows the JDK's
 * documented contract; where teacup has no equivalent the choice is stated on the method:
 * <ul>
 *   <li>only IPv4 literals and already resolved addresses: an unresolved address is an
 *       {@link UnknownHostException} (resolve names with {@link teacup.dns.StubResolver}, never the
 *       kernel's resolver);</li>
 *   <li>{@code bind} before connect accepts only port 0 (teacup picks the ephemeral port);</li>
 *   <li>the traffic class (IP_TOS) goes in the IPv4 header of every datagram of the connection;</li>
 *   <li>buffer sizes, reuse-address and performance preferences are hints the
 *       JDK allows an implementation to ignore: they are remembered and reported back (the
 *       options shared with {@link TeacupJavaServerSocket} in {@link SocketOptionHints});</li>
 *   <li>{@code setSoLinger(true, 0)} makes {@link #close()} reset the connection; a positive
 *       linger is remembered but close never blocks;</li>
 *   <li>urgent data is sent and received (RFC 9293 3.8.5); without {@code SO_OOBINLINE} an
 *       arriving urgent byte is dropped from the stream, as the JDK's sockets on Linux do.</li>
 * </ul>
 */
public final class TeacupJavaSocket extends Socket {
    private static final int MAX_LINGER = 65535;
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_KEEPALIVE,
            StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.SO_LINGER, StandardSocketOptions.IP_TOS, StandardSocketOptions.TCP_NODELAY,
            TeacupSocketOptions.TCP_USER_TIMEOUT,
            jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL,
            jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT);

    private final NetStack stack;
    private final Object lock = new Object();

    // Guarded by lock (written), read without it (volatile).
    private volatile TcpSocket tcp;
    private volatile InetSocketAddress remote;
    private volatile boolean connecting;
    private volatile boolean bound;
    private volatile boolean closed;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

    // Options: remembered before connect and applied by it; applied at once afterwards.
    private final SocketOptionHints hints = new SocketOptionHints("teacup sockets", OPTIONS, false, () -> closed);
    private volatile boolean noDelay;
    private volatile boolean keepAlive;
    /** TCP_USER_TIMEOUT as the application set it before the connection opened (null: not set). */
    private volatile Duration userTimeout;
    /** The application set a keep-alive timing option: the connection takes all three. */
    private volatile boolean keepAliveTimingSet;
    private volatile int lingerSeconds = -1;
    private volatile int trafficClass;
    private volatile boolean oobInline;

    private final InputStream input = new Input();
    private final OutputStream output = new Output();

    /** An unconnected socket on {@code stack}; {@link #connect} opens it. */
    public TeacupJavaSocket(NetStack stack) throws SocketException {
        super((SocketImpl) null);
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    /** A socket over a connection that is already open (one accepted by a server socket). */
    TeacupJavaSocket(NetStack stack, TcpSocket connected) throws SocketException {
        this(stack);
        this.tcp = connected;
        this.bound = true;
        this.remote = new InetSocketAddress(inetAddress(connected.remoteAddress()), connected.remotePort());
        this.trafficClass = connected.getTrafficClass(); // the server socket's IP_TOS, inherited
    }

    // ---------------------------------------------------------------- addresses

    /**
     * Parses {@code host} as an IPv4 literal; any other text is an UnknownHostException. A socket
     * has no resolver to ask: teacup's own ({@link teacup.dns.StubResolver}) needs DNS servers,
     * which come with a command's set-up, not with a stack, and the kernel's must not be asked
     * (the query would leave through the host's network, not teacup's). So names are resolved
     * before a socket is made, as teacup curl does, and the socket gets the address.
     */
    static Ipv4Address literal(String host) throws UnknownHostException {
        if (host == null || host.isEmpty()) {
            throw new UnknownHostException("no host given; teacup needs an IPv4 address such as 198.18.0.1");
        }
        try {
            return Ipv4Address.parse(host);
        } catch (IllegalArgumentException e) {
            throw nameGiven(host);
        }
    }

    private static UnknownHostException nameGiven(String host) {
        return new UnknownHostException(host + ": teacup's sockets take addresses, not names; give an IPv4 address"
                + " (or resolve the name with teacup's own resolver first)");
    }

    /** The teacup form of a resolved address; teacup speaks IPv4 only. */
    static Ipv4Address ipv4(InetAddress address) throws SocketException {
        if (!(address instanceof Inet4Address)) {
            throw new SocketException("teacup speaks IPv4 only, not " + address);
        }
        byte[] b = address.getAddress();
        return new Ipv4Address((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
    }

    /**
     * The JDK form of a teacup address, carrying its literal as the host name so that
     * {@link InetAddress#getHostName()} never falls back to a reverse lookup in the kernel's DNS.
     */
    static InetAddress inetAddress(Ipv4Address address) {
        int v = address.bits();
        byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        try {
            return address.bits() == 0 ? InetAddress.getByAddress(b) : InetAddress.getByAddress(address.toString(), b);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }

    /** True when {@code address} is the wildcard or the stack's own address. */
    static boolean isLocal(NetStack stack, InetAddress address) throws SocketException {
        return address == null || address.isAnyLocalAddress() || ipv4(address).equals(stack.iface().address());
    }

    // ---------------------------------------------------------------- connect and bind

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    /**
     * Opens the connection; a {@code timeout} of 0 waits until TCP itself gives up. As with the
     * JDK, a failed connect closes this socket.
     */
    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        if (endpoint == null) {
            throw new IllegalArgumentException("connect: The address can't be null");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        if (!(endpoint instanceof InetSocketAddress target)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        synchronized (lock) {
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            if (tcp != null) {
                throw new SocketException("Already connected");
            }
            if (connecting) {
                throw new SocketException("Connection already in progress");
            }
            connecting = true;
        }
        TcpSocket opened;
        try {
            if (target.isUnresolved()) {
                throw nameGiven(target.getHostString());
            }
            if (target.getPort() == 0) {
                throw new SocketException("Can't connect to port 0");
            }
            Ipv4Address host = ipv4(target.getAddress());
            // The traffic class set before connect marks the SYN too, as the kernel's does.
            opened = TcpSocket.connect(stack, host, target.getPort(),
                    timeout == 0 ? null : Duration.ofMillis(timeout), stack.tcpDefaults().withIpHeader(0, trafficClass));
        } catch (IOException | RuntimeException e) {
            synchronized (lock) {
                connecting = false;
                closed = true;
            }
            throw e;
        }
        applyOptions(opened);
        synchronized (lock) {
            connecting = false;
            if (!closed) {
                remote = new InetSocketAddress(inetAddress(opened.remoteAddress()), opened.remotePort());
                tcp = opened;
                bound = true;
                return;
            }
        }
        // Closed by another thread while the handshake ran: do not leave the connection open.
        opened.abort();
        throw new SocketException("Socket closed");
    }

    private void applyOptions(TcpSocket t) {
        t.setSoTimeout(Duration.ofMillis(hints.soTimeoutMillis()));
        t.setNoDelay(noDelay);
        t.setKeepAlive(keepAlive);
        t.setOobInline(oobInline);
        t.setTrafficClass(trafficClass);
        if (keepAliveTimingSet) {
            applyKeepAliveTiming(t);
        }
        if (userTimeout != null) {
            t.setUserTimeout(userTimeout);
        }
    }

    /** The keep-alive timing options as the application set them, in seconds and probes, for the connection. */
    private void applyKeepAliveTiming(TcpSocket t) {
        t.setKeepAliveTiming(Duration.ofSeconds(keepAliveHints.get(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE)),
                Duration.ofSeconds(keepAliveHints.get(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL)),
                keepAliveHints.get(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT));
    }

    /**
     * Accepts the wildcard or the stack's own address with port 0 only: teacup chooses the
     * ephemeral port of an outgoing connection itself (at random, RFC 6056's advice), and the
     * port is known once {@link #connect} has run.
     */
    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            if (bound) {
                throw new SocketException("Already bound");
            }
            if (bindpoint != null && !(bindpoint instanceof InetSocketAddress)) {
                throw new IllegalArgumentException("Unsupported address type");
            }
            InetSocketAddress local = (InetSocketAddress) bindpoint;
            if (local != null) {
                if (local.isUnresolved()) {
                    throw new SocketException("Unresolved address");
                }
                if (!isLocal(stack, local.getAddress())) {
                    throw new java.net.BindException("Cannot assign requested address: " + local.getAddress()
                            + " (teacup's address is " + stack.iface().address() + ")");
                }
                if (local.getPort() != 0) {
                    throw new java.net.BindException("teacup chooses the local port of a connection itself;"
                            + " cannot bind port " + local.getPort());
                }
            }
            bound = true;
        }
    }

    // ---------------------------------------------------------------- addresses and state

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress r = remote;
        return r == null ? null : r.getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress r = remote;
        return r == null ? 0 : r.getPort();
    }

    /** The stack's address once bound; the wildcard before that or once closed (as the JDK does). */
    @Override
    public InetAddress getLocalAddress() {
        if (!bound || closed) {
            return inetAddress(Ipv4Address.ANY);
        }
        return inetAddress(stack.iface().address());
    }

    /** -1 when unbound, 0 when bound but not yet connected (the port is chosen by connect). */
    @Override
    public int getLocalPort() {
        TcpSocket t = tcp;
        if (t != null) {
            return t.localPort();
        }
        return bound ? 0 : -1;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        if (!bound) {
            return null;
        }
        return new InetSocketAddress(getLocalAddress(), getLocalPort());
    }

    /** Always null: this socket has no channel. */
    @Override
    public SocketChannel getChannel() {
        return null;
    }

    @Override
    public boolean isConnected() {
        return tcp != null;
    }

    @Override
    public boolean isBound() {
        return bound;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public String toString() {
        InetSocketAddress r = remote;
        TcpSocket t = tcp;
        if (r == null || t == null) {
            return "TeacupJavaSocket[unconnected]";
        }
        return "TeacupJavaSocket[addr=" + r.getAddress() + ",port=" + r.getPort() + ",localport=" + t.localPort() + "]";
    }

    // ---------------------------------------------------------------- streams, shutdown, close

    @Override
    public InputStream getInputStream() throws IOException {
        TcpSocket t = connected();
        if (inputShutdown) {
            throw new SocketException("Socket input is shutdown");
        }
        t.getInputStream(); // fails now, not at the first read, if the connection cannot give one
        return input;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        TcpSocket t = connected();
        if (outputShutdown) {
            throw new SocketException("Socket output is shutdown");
        }
        t.getOutputStream();
        return output;
    }

    private TcpSocket connected() throws SocketException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
        TcpSocket t = tcp;
        if (t == null) {
            throw new SocketException("Socket is not connected");
        }
        return t;
    }

    /**
     * Reads from now on return end of stream. What the peer still sends is read and dropped in
     * the background, as the JDK documents ("acknowledged and then silently discarded"), so the
     * peer is not stalled by a closed window and a later close is not turned into a reset.
     */
    @Override
    public void shutdownInput() throws IOException {
        TcpSocket t = connected();
        synchronized (lock) {
            if (inputShutdown) {
                throw new SocketException("Socket input is already shutdown");
            }
            inputShutdown = true;
        }
        Thread.ofVirtual().name("teacup-drain-" + t.localPort()).start(() -> drain(t));
    }

    private void drain(TcpSocket t) {
        byte[] sink = new byte[4096];
        try {
            InputStream in = t.getInputStream();
            while (!closed) {
                try {
                    if (in.read(sink, 0, sink.length) < 0) {
                        return;
                    }
                } catch (java.net.SocketTimeoutException e) {
                    // soTimeout bounds each read; keep draining until end of stream or close
                }
            }
        } catch (IOException | RuntimeException e) {
            // reset or closed: nothing is left to drain
        }
    }

    /** Sends FIN after what was written; reading goes on. */
    @Override
    public void shutdownOutput() throws IOException {
        TcpSocket t = connected();
        synchronized (lock) {
            if (outputShutdown) {
                throw new SocketException("Socket output is already shutdown");
            }
            outputShutdown = true;
        }
        t.shutdownOutput();
    }

    /**
     * Closes gracefully (FIN after what was written), or resets at once when
     * {@code setSoLinger(true, 0)} was set. A second close does nothing.
     */
    @Override
    public void close() throws IOException {
        TcpSocket t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            t = tcp;
        }
        if (t == null) {
            return; // unconnected, or a connect in progress that will see the flag and abort
        }
        if (lingerSeconds == 0) {
            t.abort();
        } else {
            t.close();
        }
    }

    /**
     * After {@link #close}: waits until the connection has finished closing as far as the peer is
     * concerned, or {@code timeout} passes ({@link TcpSocket#awaitClosed}); true when it has. A
     * socket that never connected has nothing to wait for.
     */
    public boolean awaitClosed(Duration timeout) throws IOException {
        TcpSocket t = tcp;
        return t == null || t.awaitClosed(timeout);
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            TcpSocket t = connected();
            if (inputShutdown) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            // TcpSocket serialises readers, so the drain and a late reader cannot both consume.
            return t.getInputStream().read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            TcpSocket t = connected();
            return inputShutdown ? 0 : t.getInputStream().available();
        }

        /** Closing the stream closes the socket, as with the JDK's sockets. */
        @Override
        public void close() throws IOException {
            TeacupJavaSocket.this.close();
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            TcpSocket t = connected();
            if (outputShutdown) {
                throw new SocketException("Socket output is shutdown");
            }
            t.getOutputStream().write(b, off, len);
        }

        /** Pushes a tail Nagle holds back; nothing to do once closed or shut down (as the JDK's flush). */
        @Override
        public void flush() throws IOException {
            TcpSocket t = tcp;
            if (t != null && !closed && !outputShutdown) {
                t.getOutputStream().flush();
            }
        }

        @Override
        public void close() throws IOException {
            TeacupJavaSocket.this.close();
        }
    }

    // ---------------------------------------------------------------- options

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        hints.setSoTimeout(timeout);
        TcpSocket t = tcp;
        if (t != null) {
            t.setSoTimeout(Duration.ofMillis(timeout));
        }
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return hints.getSoTimeout();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        hints.checkOpen();
        noDelay = on;
        TcpSocket t = tcp;
        if (t != null) {
            t.setNoDelay(on);
        }
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        hints.checkOpen();
        return noDelay;
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        hints.checkOpen();
        keepAlive = on;
        TcpSocket t = tcp;
        if (t != null) {
            t.setKeepAlive(on);
        }
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        hints.checkOpen();
        return keepAlive;
    }

    /** Linger 0 turns {@link #close()} into a reset; a positive linger is remembered, but close does not block. */
    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        hints.checkOpen();
        if (on && linger < 0) {
            throw new IllegalArgumentException("invalid value for SO_LINGER");
        }
        lingerSeconds = on ? Math.min(linger, MAX_LINGER) : -1;
    }

    @Override
    public int getSoLinger() throws SocketException {
        hints.checkOpen();
        return lingerSeconds;
    }

    /** RFC 9293 3.8.5: one urgent byte after what was written; the segments up to it carry URG (MUST-62). */
    @Override
    public void sendUrgentData(int data) throws IOException {
        hints.checkOpen();
        TcpSocket t = tcp;
        if (t == null) {
            throw new SocketException("Socket is not connected");
        }
        t.sendUrgentData(data);
    }

    /** Off (the default), an arriving urgent byte is taken out of the stream and dropped; on, it stays in line. */
    @Override
    public void setOOBInline(boolean on) throws SocketException {
        hints.checkOpen();
        oobInline = on;
        TcpSocket t = tcp;
        if (t != null) {
            t.setOobInline(on);
        }
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        hints.checkOpen();
        return oobInline;
    }

    /** A hint, remembered and reported back; teacup sizes its buffers per stack. */
    @Override
    public void setSendBufferSize(int size) throws SocketException {
        hints.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return hints.getSendBufferSize();
    }

    /** A hint, remembered and reported back; teacup sizes its buffers per stack. */
    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        hints.setReceiveBufferSize(size, "Invalid receive size");
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return hints.getReceiveBufferSize();
    }

    /** RFC 1122 3.2.1.6, RFC 9293 MUST-48: the TOS octet of every datagram of the connection, now or once it opens. */
    @Override
    public void setTrafficClass(int tc) throws SocketException {
        hints.checkOpen();
        if (tc < 0 || tc > 255) {
            throw new IllegalArgumentException("tc is not in range 0 -- 255");
        }
        trafficClass = tc;
        TcpSocket t = tcp;
        if (t != null) {
            t.setTrafficClass(tc);
        }
    }

    @Override
    public int getTrafficClass() throws SocketException {
        hints.checkOpen();
        return trafficClass;
    }

    /** Remembered only: an outgoing connection's port is always a fresh ephemeral one. */
    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        hints.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return hints.getReuseAddress();
    }

    /** Ignored, as the JDK's own sockets do. */
    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    }

    /**
     * The JDK's keep-alive timing options (seconds, seconds, probes; RFC 9293 MUST-27). Until the
     * application sets one, the connection keeps the timing of its {@link teacup.tcp.TcpSettings};
     * once it does, all three go to the connection, now or when it opens.
     */
    private final java.util.Map<SocketOption<?>, Integer> keepAliveHints = new java.util.concurrent.ConcurrentHashMap<>(
            java.util.Map.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 7200, jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, 75,
                    jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, 9));

    /** Any other option is an UnsupportedOperationException, as {@link Socket#setOption} specifies. */
    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
        hints.checkSettable(name, value);
        if (keepAliveHints.containsKey(name)) {
            int v = (Integer) value;
            if (v < 1) {
                throw new IllegalArgumentException("Invalid value '" + v + "' for " + name); // as the JDK says it
            }
            keepAliveHints.put(name, v);
            keepAliveTimingSet = true;
            TcpSocket t = tcp;
            if (t != null) {
                applyKeepAliveTiming(t);
            }
        } else if (name == TeacupSocketOptions.TCP_USER_TIMEOUT) {
            userTimeout = TeacupSocketOptions.userTimeout((Integer) value);
            TcpSocket t = tcp;
            if (t != null) {
                t.setUserTimeout(userTimeout);
            }
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (name == StandardSocketOptions.SO_LINGER) {
            int linger = (Integer) value;
            setSoLinger(linger >= 0, Math.max(linger, 0));
        } else if (name == StandardSocketOptions.IP_TOS) {
            setTrafficClass((Integer) value);
        } else {
            setTcpNoDelay((Boolean) value);
        }
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        hints.checkReadable(name);
        Object value;
        if (keepAliveHints.containsKey(name)) {
            value = keepAliveHints.get(name);
        } else if (name == TeacupSocketOptions.TCP_USER_TIMEOUT) {
            TcpSocket t = tcp;
            Duration d = t != null ? t.getUserTimeout() : userTimeout;
            value = d == null ? 0 : (int) Math.min(Integer.MAX_VALUE, d.toMillis());
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            value = getKeepAlive();
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            value = getSendBufferSize();
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            value = getReceiveBufferSize();
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            value = getReuseAddress();
        } else if (name == StandardSocketOptions.SO_LINGER) {
            value = getSoLinger();
        } else if (name == StandardSocketOptions.IP_TOS) {
            value = getTrafficClass();
        } else {
            value = getTcpNoDelay();
        }
        return (T) value;
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return hints.supported();
    }
}
