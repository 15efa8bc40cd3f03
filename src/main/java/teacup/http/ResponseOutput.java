package teacup.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.ArrayBlockingQueue;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultBHttpServerConnection;
import org.apache.hc.core5.http.impl.io.SocketHolder;

/**
 * What an answer is written through on its way to the socket: it gathers a response's head and
 * the start of its body into one write (one segment, where they fit), in a buffer taken from a
 * pool on the first byte and given back on flush, so an idle keep-alive connection holds no
 * output buffer at all. HttpCore's own session buffer is kept small ({@link FileServer}) and
 * would otherwise hand the head and a body chunk to the socket as two writes, which a stack may
 * send as two segments.
 */
final class ResponseOutput extends OutputStream {
    /** One buffer's size: a head and a 4 KB body, or the first part of a larger one. */
    static final int BUFFER = 8192;

    /** Buffers of idle connections' answers, shared by all of a server's connections. */
    static final class Pool {
        private final ArrayBlockingQueue<byte[]> free;

        Pool(int buffers) {
            free = new ArrayBlockingQueue<>(buffers);
        }

        byte[] take() {
            byte[] b = free.poll();
            return b != null ? b : new byte[BUFFER];
        }

        void give(byte[] b) {
            free.offer(b); // a full pool lets the buffer go to the collector
        }
    }

    /** HttpCore's server connection writing through a {@link ResponseOutput} on its socket. */
    static DefaultBHttpServerConnection connection(Http1Config config, Socket socket, Pool pool) throws IOException {
        Connection c = new Connection(config, pool);
        c.bindThrough(socket);
        return c;
    }

    /**
     * The answer now under way on {@code http} (one {@link #connection} made) is its last: once
     * {@code body} is written whole, the flush that sends it also shuts the socket's output, so
     * the FIN leaves right behind the answer instead of after HttpCore's closing steps. A client
     * that reads the answer before the FIN arrives closes first and keeps the four-tuple in
     * TIME-WAIT; wrk's short connections ran out of ports that way (13,000 in TIME-WAIT).
     */
    static void lastAnswer(DefaultBHttpServerConnection http, FileBody body) {
        if (http instanceof Connection c && c.output != null) {
            c.output.last = body;
        }
    }

    private static final class Connection extends DefaultBHttpServerConnection {
        private final Pool pool;
        private ResponseOutput output;

        Connection(Http1Config config, Pool pool) {
            super("http", config);
            this.pool = pool;
        }

        /**
         * HttpService closes a connection that is not to be kept alive, which flushes it, and then
         * flushes it again, which throws (ConnectionClosedException) on every short connection: a
         * stack trace filled in for nothing.
         */
        @Override
        public void flush() throws IOException {
            if (isOpen()) {
                super.flush();
            }
        }

        void bindThrough(Socket socket) throws IOException {
            bind(new SocketHolder(socket) {
                @Override
                protected OutputStream getOutputStream(Socket s) throws IOException {
                    output = new ResponseOutput(s, pool);
                    return output;
                }
            });
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final Pool pool;
    private byte[] buffer;
    private int count;
    /** The body of the connection's last answer ({@link #lastAnswer}), or null. */
    private FileBody last;
    /** The output was shut after the last answer. */
    private boolean shut;

    private ResponseOutput(Socket socket, Pool pool) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.pool = pool;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (count == 0 && len >= BUFFER) {
            out.write(b, off, len); // nothing to gather it with
            return;
        }
        if (buffer == null) {
            buffer = pool.take();
        }
        int n = Math.min(len, BUFFER - count);
        System.arraycopy(b, off, buffer, count, n);
        count += n;
        if (count == BUFFER) {
            out.write(buffer, 0, count);
            count = 0;
            if (len > n) {
                write(b, off + n, len - n);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (shut) {
            return; // HttpCore's closing flushes come after the last answer went with its FIN
        }
        try {
            if (count > 0) {
                out.write(buffer, 0, count);
            }
        } finally {
            release();
        }
        out.flush();
        FileBody body = last;
        if (body != null && body.written() == body.getContentLength()) {
            last = null;
            shut = true;
            socket.shutdownOutput();
        }
    }

    private void release() {
        count = 0;
        if (buffer != null) {
            pool.give(buffer);
            buffer = null;
        }
    }

    @Override
    public void close() throws IOException {
        release();
        out.close();
    }
}
