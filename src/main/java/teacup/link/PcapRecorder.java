package teacup.link;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.PcapWriter;

/**
 * A {@link Link} that records every frame it receives and sends to a pcap file, then passes it
 * through unchanged, so any link can be looked at in Wireshark.
 *
 * <p>With offloads the frames can carry checksums the device finishes (a large segment given to
 * {@link #sendSegmented}, whose TCP checksum holds only the pseudo-header sum, and frames the
 * device vouched for, {@link Link#receivedChecksumTrusted}): those are recorded with their TCP or
 * UDP checksum computed, so Wireshark finds every checksum right, as on a capture of a host with
 * offloads the segments appear as large as the stack handled them.
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
    /** Where a frame with a checksum left to the device is copied and finished before it is written (loop thread). */
    private byte[] finished;

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
        if (inner.receivedChecksumTrusted()) {
            recordFinished(buf, off, len);
        } else {
            record(buf, off, len);
        }
    }

    @Override
    public void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        recordFinished(buf, off, len);
        inner.sendSegmented(buf, off, len, segmentSize);
    }

    /** Records a copy of an IPv4 TCP or UDP frame with its transport checksum computed; other frames as they are. */
    private void recordFinished(byte[] buf, int off, int len) {
        if (!recording) {
            return;
        }
        if (len < 34 || BigEndian.u16(buf, off + 12) != EthernetFrame.TYPE_IPV4) {
            record(buf, off, len);
            return;
        }
        int ihl = (buf[off + 14] & 0x0f) * 4;
        int protocol = buf[off + 23] & 0xff;
        int total = Math.min(BigEndian.u16(buf, off + 16), len - 14);
        int l4 = 14 + ihl;
        int l4Length = total - ihl;
        int field = protocol == Ipv4Packet.PROTOCOL_TCP ? 16 : protocol == Ipv4Packet.PROTOCOL_UDP ? 6 : -1;
        if (field < 0 || ihl < 20 || l4Length < field + 2) {
            record(buf, off, len);
            return;
        }
        if (finished == null || finished.length < len) {
            finished = new byte[Math.max(len, 14 + 65535)];
        }
        System.arraycopy(buf, off, finished, 0, len);
        BigEndian.put16(finished, l4 + field, 0);
        long sum = Checksum.pseudoHeader(BigEndian.i32(finished, 26), BigEndian.i32(finished, 30), protocol, l4Length);
        int check = Checksum.finish(Checksum.add(sum, finished, l4, l4Length));
        BigEndian.put16(finished, l4 + field, protocol == Ipv4Packet.PROTOCOL_UDP && check == 0 ? 0xffff : check);
        record(finished, 0, len);
    }

    @Override
    protected void sending(byte[] buf, int off, int len) {
        record(buf, off, len);
    }

    /**
     * Hands the inner link its queued frames, then flushes what was recorded so far (e.g. before
     * reading the file while the link stays open).
     */
    @Override
    public void flush() throws IOException {
        inner.flush();
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
