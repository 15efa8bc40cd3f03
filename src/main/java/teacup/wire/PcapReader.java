package teacup.wire;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads classic libpcap capture files: a 24-byte file header, then per frame a 16-byte record
 * header and the captured bytes. Both timestamp resolutions (microseconds, magic a1b2c3d4;
 * nanoseconds, magic a1b23c4d) and both byte orders (the writer's own) are accepted. pcapng is not.
 *
 * <p>A damaged file is an {@link IOException} naming what is wrong and where (truncated header,
 * bad magic, an absurd record length), never an index exception or a huge allocation.
 * Not thread-safe; a file is read by one thread.
 */
public final class PcapReader implements AutoCloseable {
    /** One captured frame. {@code data} holds {@code capturedLength} bytes; the frame on the wire had {@code originalLength}. */
    public record Record(long timestampNanos, int capturedLength, int originalLength, byte[] data) {
        public int length() {
            return data.length;
        }
    }

    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int FILE_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;
    /**
     * The largest record we will allocate for, whatever the file's snap length claims. libpcap
     * itself caps snap lengths at 256 KiB; a larger captured length means a damaged file.
     */
    public static final int MAX_RECORD_LENGTH = 256 * 1024;

    private final InputStream in;
    private final boolean bigEndian;
    private final boolean nanos;
    private final int versionMajor;
    private final int versionMinor;
    private final int snapLength;
    private final int linkType;
    private final byte[] header = new byte[RECORD_HEADER_LENGTH];
    private long recordNumber;

    /** Reads the file header from {@code in}; the reader owns the stream from now on. */
    public PcapReader(InputStream in) throws IOException {
        this.in = in;
        byte[] h = new byte[FILE_HEADER_LENGTH];
        int got = readFully(h, 0, FILE_HEADER_LENGTH);
        if (got < 4) {
            throw new IOException("not a pcap file: " + (got == 0 ? "empty" : "only " + got + " bytes"));
        }
        int magic = BigEndian.i32(h, 0);
        if (magic == MAGIC_MICROS || magic == MAGIC_NANOS) {
            bigEndian = true;
        } else if (Integer.reverseBytes(magic) == MAGIC_MICROS || Integer.reverseBytes(magic) == MAGIC_NANOS) {
            bigEndian = false;
        } else {
            throw new IOException(String.format(
                    "not a pcap file: bad magic 0x%08x (pcapng and other formats are not supported)", magic));
        }
        nanos = (bigEndian ? magic : Integer.reverseBytes(magic)) == MAGIC_NANOS;
        if (got < FILE_HEADER_LENGTH) {
            throw new IOException("truncated pcap file header: " + got + " of " + FILE_HEADER_LENGTH + " bytes");
        }
        versionMajor = u16(h, 4);
        versionMinor = u16(h, 6);
        if (versionMajor != 2) {
            throw new IOException("unsupported pcap version " + versionMajor + "." + versionMinor);
        }
        snapLength = i32(h, 16);
        linkType = i32(h, 20) & 0x0fff_ffff; // the top bits may carry FCS information
    }

    public static PcapReader open(Path path) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(path));
        try {
            return new PcapReader(in);
        } catch (IOException e) {
            in.close();
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    /** Every record in the file, in order. */
    public static List<Record> readAll(Path path) throws IOException {
        try (PcapReader reader = open(path)) {
            List<Record> records = new ArrayList<>();
            try {
                for (Record r = reader.next(); r != null; r = reader.next()) {
                    records.add(r);
                }
            } catch (IOException e) {
                throw new IOException(path + ": " + e.getMessage(), e);
            }
            return records;
        }
    }

    /** The next record, or {@code null} at the end of the file. */
    public Record next() throws IOException {
        int got = readFully(header, 0, RECORD_HEADER_LENGTH);
        if (got == 0) {
            return null;
        }
        recordNumber++;
        if (got < RECORD_HEADER_LENGTH) {
            throw new IOException("record " + recordNumber + ": truncated record header: "
                    + got + " of " + RECORD_HEADER_LENGTH + " bytes");
        }
        long seconds = i32(header, 0) & 0xffffffffL;
        long fraction = i32(header, 4) & 0xffffffffL;
        int captured = i32(header, 8);
        int original = i32(header, 12);
        if (captured < 0 || captured > MAX_RECORD_LENGTH) {
            throw new IOException("record " + recordNumber + ": captured length "
                    + Integer.toUnsignedString(captured) + " is beyond " + MAX_RECORD_LENGTH + " bytes");
        }
        byte[] data = new byte[captured];
        int body = readFully(data, 0, captured);
        if (body < captured) {
            throw new IOException("record " + recordNumber + ": truncated frame: " + body + " of " + captured + " bytes");
        }
        long timestamp = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
        return new Record(timestamp, captured, original, data);
    }

    public int linkType() {
        return linkType;
    }

    public int snapLength() {
        return snapLength;
    }

    /** True for nanosecond timestamps (magic a1b23c4d), false for microseconds. */
    public boolean nanosecondTimestamps() {
        return nanos;
    }

    /** True when the file was written big-endian. */
    public boolean bigEndian() {
        return bigEndian;
    }

    public int versionMajor() {
        return versionMajor;
    }

    public int versionMinor() {
        return versionMinor;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads until {@code n} bytes or end of stream; returns how many arrived. */
    private int readFully(byte[] b, int off, int n) throws IOException {
        int total = 0;
        while (total < n) {
            int r = in.read(b, off + total, n - total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    private int u16(byte[] b, int at) {
        int v = BigEndian.u16(b, at);
        return bigEndian ? v : Integer.reverseBytes(v) >>> 16;
    }

    private int i32(byte[] b, int at) {
        int v = BigEndian.i32(b, at);
        return bigEndian ? v : Integer.reverseBytes(v);
    }
}
