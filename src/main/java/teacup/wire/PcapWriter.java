package teacup.wire;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic libpcap file that Wireshark and tcpdump open: little-endian, microsecond
 * timestamps, link type Ethernet, snap length 262144 (libpcap's largest, so that a 64 KB TCP
 * segment of an offloading TAP, 14 bytes of Ethernet above the largest IPv4 packet, is kept whole).
 * Frames longer than the snap length are cut to it, with their original length kept in the record.
 *
 * <p>Thread-safe: each {@link #write} appends one whole record, so frames sent and received from
 * different threads never interleave inside a record.
 */
public final class PcapWriter implements Closeable, Flushable {
    public static final int SNAP_LENGTH = 256 * 1024;

    private final OutputStream out;
    private final byte[] header = new byte[PcapReader.RECORD_HEADER_LENGTH];
    private boolean closed;

    /** Writes the file header to {@code out} at once; the writer owns the stream from now on. */
    public PcapWriter(OutputStream out) throws IOException {
        this.out = out;
        byte[] h = new byte[PcapReader.FILE_HEADER_LENGTH];
        putLe32(h, 0, PcapReader.MAGIC_MICROS);
        putLe16(h, 4, 2);  // version 2.4, the only one there is
        putLe16(h, 6, 4);
        putLe32(h, 8, 0);  // this zone: timestamps are UTC
        putLe32(h, 12, 0); // sigfigs, always 0
        putLe32(h, 16, SNAP_LENGTH);
        putLe32(h, 20, PcapReader.LINKTYPE_ETHERNET);
        out.write(h);
    }

    /** Creates (or truncates) {@code path} and writes the file header. */
    public static PcapWriter open(Path path) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(path));
        try {
            return new PcapWriter(out);
        } catch (IOException e) {
            out.close();
            throw e;
        }
    }

    /** Appends the frame {@code b[off, off+len)} seen at {@code epochNanos} (nanoseconds since 1970, UTC). */
    public synchronized void write(long epochNanos, byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("pcap writer is closed");
        }
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException("frame [" + off + ", " + off + "+" + len + ") outside " + b.length + " bytes");
        }
        int captured = Math.min(len, SNAP_LENGTH);
        long seconds = Math.floorDiv(epochNanos, 1_000_000_000L);
        long micros = Math.floorMod(epochNanos, 1_000_000_000L) / 1_000L;
        putLe32(header, 0, (int) seconds);
        putLe32(header, 4, (int) micros);
        putLe32(header, 8, captured);
        putLe32(header, 12, len);
        out.write(header);
        out.write(b, off, captured);
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!closed) {
            out.flush();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            out.close();
        }
    }

    private static void putLe16(byte[] b, int at, int v) {
        BigEndian.put16(b, at, Integer.reverseBytes(v) >>> 16);
    }

    private static void putLe32(byte[] b, int at, int v) {
        BigEndian.put32(b, at, Integer.reverseBytes(v));
    }
}
