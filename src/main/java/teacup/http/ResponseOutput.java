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

    private static final class Connection extends DefaultBHttpServerConnection {
        private final Pool pool;

        Connection(Http1Config config, Pool pool) {
            super("http", config);
            this.pool = pool;
        }

        void bindThrough(Socket socket) throws IOException {
            bind(new SocketHolder(socket) {
                @Override
                protected OutputStream getOutputStream(Socket s) throws IOException {
                    return new ResponseOutput(s.getOutputStream(), pool);
                }
            });
        }
    }

    private final OutputStream out;
    private final Pool pool;
    private byte[] buffer;
    private int count;

    private ResponseOutput(OutputStream out, Pool pool) {
        this.out = out;
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
        try {
            if (count > 0) {
                out.write(buffer, 0, count);
            }
        } finally {
            release();
        }
        out.flush();
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
