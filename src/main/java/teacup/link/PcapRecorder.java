package teacup.link;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import teacup.wire.PcapWriter;

/**
 * A {@link Link} that records every frame it receives and sends to a pcap file, then passes it
 * through unchanged, so any link can be looked at in Wireshark.
 *
 * <p>Recording must never break the link: the first {@link IOException} from the writer is
 * reported once on stderr and recording stops, while frames keep flowing. Timestamps are wall
 * clock time (what Wireshark shows), from an {@link InstantSource} a test can replace.
 */
public final class PcapRecorder extends ObservedLink {
    private final PcapWriter writer;
    private final InstantSource time;
    private final PrintStream errors;
    private volatile boolean recording = true;

    /** Records with the system clock. */
    public PcapRecorder(Link inner, PcapWriter writer) {
        this(inner, writer, InstantSource.system());
    }

    public PcapRecorder(Link inner, PcapWriter writer, InstantSource time) {
        this(inner, writer, time, System.err);
    }

    PcapRecorder(Link inner, PcapWriter writer, InstantSource time, PrintStream errors) {
        super(inner);
        this.writer = Objects.requireNonNull(writer, "writer");
        this.time = Objects.requireNonNull(time, "time");
        this.errors = Objects.requireNonNull(errors, "errors");
    }

    /** Records {@code inner} into a new pcap file at {@code file}. */
    public static PcapRecorder open(Link inner, Path file) throws IOException {
        return new PcapRecorder(inner, PcapWriter.open(file));
    }

    /** False once a write to the pcap failed and recording stopped. */
    public boolean isRecording() {
        return recording;
    }

    @Override
    protected void received(byte[] buf, int off, int len) {
        record(buf, off, len);
    }

    @Override
    protected void sending(byte[] buf, int off, int len) {
        record(buf, off, len);
    }

    /** Flushes what was recorded so far, e.g. before reading the file while the link stays open. */
    public void flush() {
        if (recording) {
            try {
                writer.flush();
            } catch (IOException e) {
                stop(e);
            }
        }
    }

    /** Closes the inner link and the pcap file; the file is closed even if the link fails to. */
    @Override
    public void close() throws IOException {
        try {
            inner.close();
        } finally {
            try {
                writer.close();
            } catch (IOException e) {
                if (recording) {
                    stop(e);
                }
            }
        }
    }

    private void record(byte[] buf, int off, int len) {
        if (!recording) {
            return;
        }
        try {
            Instant now = time.instant();
            writer.write(now.getEpochSecond() * 1_000_000_000L + now.getNano(), buf, off, len);
        } catch (IOException e) {
            stop(e);
        }
    }

    private synchronized void stop(IOException e) {
        if (recording) {
            recording = false;
            errors.println("teacup: pcap recording stopped: " + e.getMessage());
        }
    }
}
