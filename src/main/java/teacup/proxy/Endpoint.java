package teacup.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import teacup.socket.TcpSocket;
import teacup.wire.Ipv4Address;

/**
 * One end of a relayed connection: a kernel {@link Socket} or a teacup {@link TcpSocket} behind
 * the same few calls, so that the relay and the SOCKS server neither know nor care which stack
 * carries it (and tests can put kernel loopback sockets where teacup's would be).
 */
public interface Endpoint extends AutoCloseable {

    InputStream input() throws IOException;

    OutputStream output() throws IOException;

    /** Sends FIN after what was written; reading goes on. */
    void shutdownOutput() throws IOException;

    /**
     * After {@link #shutdownOutput}, waits at most {@code timeout} until the peer has what was
     * sent: for a process about to stop the stack that would otherwise carry it.
     */
    default void linger(Duration timeout) throws IOException {
    }

    /** Graceful close (FIN). */
    @Override
    void close() throws IOException;

    /** Ends the connection at once with a reset, so the peer learns it failed. Never throws. */
    void abort();

    /** The local address as an IPv4 address (0.0.0.0 when it has none that fits). */
    Ipv4Address localAddress();

    int localPort();

    /** For log lines. */
    String describe();

    /** A connected kernel socket as an endpoint. */
    static Endpoint of(Socket socket) {
        return new KernelEndpoint(socket);
    }

    /** A connected teacup socket as an endpoint. */
    static Endpoint of(TcpSocket socket) {
        return new TeacupEndpoint(socket);
    }

    /** The kernel's TCP. */
    final class KernelEndpoint implements Endpoint {
        private final Socket socket;

        KernelEndpoint(Socket socket) {
            this.socket = socket;
        }

        @Override
        public InputStream input() throws IOException {
            return socket.getInputStream();
        }

        @Override
        public OutputStream output() throws IOException {
            return socket.getOutputStream();
        }

        @Override
        public void shutdownOutput() throws IOException {
            if (!socket.isOutputShutdown()) {
                socket.shutdownOutput();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }

        @Override
        public void abort() {
            try {
                // A zero linger turns close into a reset (SO_LINGER, 4.4BSD semantics).
                socket.setSoLinger(true, 0);
            } catch (IOException e) {
                // closed already: the close below is then all there is to do
            }
            try {
                socket.close();
            } catch (IOException e) {
                // nothing more can be done for it
            }
        }

        @Override
        public Ipv4Address localAddress() {
            InetAddress a = socket.getLocalAddress();
            if (a instanceof Inet4Address v4) {
                byte[] b = v4.getAddress();
                return new Ipv4Address((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
            }
            return Ipv4Address.ANY;
        }

        @Override
        public int localPort() {
            return Math.max(0, socket.getLocalPort());
        }

        @Override
        public String describe() {
            return String.valueOf(socket.getRemoteSocketAddress());
        }
    }

    /** teacup's own TCP. */
    final class TeacupEndpoint implements Endpoint {
        private final TcpSocket socket;

        TeacupEndpoint(TcpSocket socket) {
            this.socket = socket;
        }

        @Override
        public InputStream input() {
            return socket.getInputStream();
        }

        @Override
        public OutputStream output() {
            return socket.getOutputStream();
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void linger(Duration timeout) throws IOException {
            try {
                socket.awaitOutputDone(timeout);
            } catch (IllegalStateException e) {
                // the output was never shut down: nothing to wait for
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }

        @Override
        public void abort() {
            socket.abort();
        }

        @Override
        public Ipv4Address localAddress() {
            return socket.localAddress();
        }

        @Override
        public int localPort() {
            return socket.localPort();
        }

        @Override
        public String describe() {
            return socket.remoteAddress() + ":" + socket.remotePort();
        }
    }

    /** {@code address} as the JDK's type, for kernel sockets. */
    static InetAddress inet(Ipv4Address address) {
        int b = address.bits();
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (b >>> 24), (byte) (b >>> 16), (byte) (b >>> 8), (byte) b});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an address", e);
        }
    }
}
