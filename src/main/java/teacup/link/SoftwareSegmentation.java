package teacup.link;

import java.io.IOException;
import teacup.wire.Defect;
import teacup.wire.TcpSegmentCutter;

/**
 * Segmentation offload done by the link itself (software GSO) for a device that cannot cut: the
 * TCP sender still hands down one large segment, with one pass through its per-segment work, and
 * this cuts it into MTU-sized frames ({@link TcpSegmentCutter}) that go down one by one through
 * the link's own {@link Link#send}. The frames on the wire are the ones the sender would have made
 * segment by segment; what is saved is the sender's, IP's and the stack's work per segment.
 *
 * <p>One per link, used by its event-loop thread only; no allocation per frame.
 */
final class SoftwareSegmentation {
    /** Largest segment taken, as with a device that cuts: the largest IPv4 packet. */
    static final int LARGEST_PACKET = 65535;

    /** The system property that, set to {@code true}, turns software segmentation on where no caller chose. */
    static final String PROPERTY = "teacup.gso";

    private final TcpSegmentCutter cutter = new TcpSegmentCutter();
    private final byte[] piece;
    private final int longestFrame;
    private long segments;
    private long frames;

    /** For a link whose frames are at most {@code longestFrame} bytes (its MTU and the Ethernet header). */
    SoftwareSegmentation(int longestFrame) {
        this.longestFrame = longestFrame;
        this.piece = new byte[longestFrame];
    }

    /** Whether links cut in software where no caller chose: only with {@value #PROPERTY}{@code =true}. */
    static boolean byDefault() {
        return "true".equals(System.getProperty(PROPERTY));
    }

    /**
     * Cuts {@code buf[off, off+len)} into segments of {@code segmentSize} data bytes and sends each
     * with {@code device.send}. A frame that is not a large TCP/IPv4 segment, or whose pieces would
     * not fit the MTU, is the sender's mistake, not the wire's: it throws, as a device would refuse it.
     */
    void send(Link device, byte[] buf, int off, int len, int segmentSize) throws IOException {
        if (len > LARGEST_PACKET + 14) {
            throw new IllegalArgumentException("not a segment to cut: " + len + " bytes");
        }
        Defect d = cutter.start(buf, off, len, segmentSize);
        if (d != Defect.NONE) {
            throw new IllegalArgumentException("not a segment to cut (" + d + "): " + len + " bytes, segment size " + segmentSize);
        }
        if (cutter.longestPiece() > longestFrame) {
            throw new IllegalArgumentException("segment size " + segmentSize + " makes frames of " + cutter.longestPiece()
                    + " bytes, above the link's " + longestFrame);
        }
        segments++;
        while (cutter.hasNext()) {
            int n = cutter.next(piece, 0);
            frames++;
            device.send(piece, 0, n);
        }
    }

    /** Large segments cut here. */
    long segments() {
        return segments;
    }

    /** Frames those were cut into. */
    long frames() {
        return frames;
    }
}
