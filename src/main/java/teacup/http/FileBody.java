package teacup.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * A response body that is a span of an open file, written in chunks of up to {@value #CHUNK}
 * bytes. HttpCore's own FileEntity copies through a 4 KB buffer into the connection's 8 KB
 * session buffer, so each socket write would carry 8 KB; a write larger than that buffer goes
 * past it straight to the socket. The chunk is 16 KB, not more: a client that stops reading pins
 * it (with its connection) for as long as the write blocks, and 300 such clients held 19 MB in 64 KB
 * chunks (issue 12); 16 KB writes fill teacup's send buffer as fast (a 20 MB file to curl over a TAP
 * showed no difference beyond the run-to-run noise). Nothing is read into memory beyond one chunk. The body owns the channel: closing it (HttpCore
 * closes the response, and with it the entity, when the exchange ends) closes the file.
 */
final class FileBody extends AbstractHttpEntity {
    static final int CHUNK = 16 * 1024;

    private final FileChannel file;
    private final long first;
    private final long length;
    private final AtomicLong written = new AtomicLong();

    FileBody(FileChannel file, long first, long length, String contentType) {
        super(contentType, null, false);
        this.file = file;
        this.first = first;
        this.length = length;
    }

    /** Bytes of the body written so far (for the access log, also when the client went away halfway). */
    long written() {
        return written.get();
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, length)));
        long position = first;
        long end = first + length;
        while (position < end) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), end - position));
            int n = file.read(buffer, position);
            if (n < 0) {
                // The file shrank after its length went out in Content-Length: the promise cannot be kept,
                // so fail the exchange (the connection is then closed rather than left out of step).
                throw new IOException("file shorter than announced: " + (position - first) + " of " + length + " bytes");
            }
            out.write(buffer.array(), 0, n);
            position += n;
            written.addAndGet(n);
        }
        out.flush();
    }

    @Override
    public InputStream getContent() throws IOException {
        // Only for callers other than HttpService (which uses writeTo); a bounded view of the span.
        return new SpanStream();
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public boolean isRepeatable() {
        return true;
    }

    @Override
    public boolean isStreaming() {
        return false;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /** Reads the span with positional reads, so it never disturbs another reader of the channel. */
    private final class SpanStream extends InputStream {
        private long position = first;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long left = first + length - position;
            if (left <= 0) {
                return -1;
            }
            int n = file.read(ByteBuffer.wrap(b, off, (int) Math.min(len, left)), position);
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }
}
