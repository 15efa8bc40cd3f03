package teacup.drill;

import teacup.tcp.TcpConnection;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;

/** What a script's file descriptor stands for: a TCP socket, before or after it listens or connects. */
final class Descriptor {
    final int fd;
    boolean nonBlocking;
    int port = -1;
    TcpSettings.Builder settings = TcpSettings.builder();
    boolean noDelay;
    boolean keepAlive;
    TcpListener listener;
    TcpConnection connection;
    /** The error a failed non-blocking connect leaves for SO_ERROR, reported once. */
    String pendingError;

    Descriptor(int fd) {
        this.fd = fd;
    }
}
