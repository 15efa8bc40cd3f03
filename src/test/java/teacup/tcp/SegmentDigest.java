package teacup.tcp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import teacup.wire.TcpOptions;

/**
 * The refactoring oracle's recorder: a running SHA-256 over every TCP segment a test makes teacup
 * send (who sent it, the time where the harness knows it, seq, ack, flags, window, the options as
 * encoded on the wire, and the payload length). The harnesses call {@link #segment} or
 * {@link #frame} always; it records only while {@link SegmentDigestOracleTest} has a test running,
 * so every other run pays one volatile read per segment.
 */
public final class SegmentDigest {
    private static volatile SegmentDigest current;

    private final MessageDigest sha;
    private final byte[] scratch = new byte[TcpOptions.MAX_LENGTH];
    private long segments;

    private SegmentDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Starts recording for one test; the previous recording, if any, is dropped. */
    static SegmentDigest begin() {
        SegmentDigest d = new SegmentDigest();
        current = d;
        return d;
    }

    /** Stops recording; returns what was recorded since {@link #begin}. */
    static SegmentDigest end() {
        SegmentDigest d = current;
        current = null;
        return d;
    }

    long segments() {
        return segments;
    }

    String hex() {
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A segment a connection handed to its output; {@code time} is the harness's clock (or -1 when it has none). */
    public static void segment(String who, long time, int seq, int ack, int flags, int window, TcpOptions options,
                               int length) {
        SegmentDigest d = current;
        if (d == null) {
            return;
        }
        int n = options == null ? 0 : options.write(d.scratch, 0);
        d.add(who, time, seq, ack, flags, window, d.scratch, 0, n, length);
    }

    /** A frame a stack sent: recorded when it holds an unfragmented IPv4 TCP segment, ignored otherwise. */
    public static void frame(String who, long time, byte[] b, int off, int len) {
        SegmentDigest d = current;
        if (d == null || len < 14 + 20 + 20 || u16(b, off + 12) != 0x0800) {
            return;
        }
        int ip = off + 14;
        int ihl = (b[ip] & 0x0f) * 4;
        if (b[ip + 9] != 6 || (u16(b, ip + 6) & 0x3fff) != 0 || ip + ihl + 20 > off + len) {
            return;
        }
        int tcp = ip + ihl;
        int header = ((b[tcp + 12] & 0xff) >>> 4) * 4;
        int payload = u16(b, ip + 2) - ihl - header;
        d.add(who, time, u32(b, tcp + 4), u32(b, tcp + 8), b[tcp + 13] & 0xff, u16(b, tcp + 14),
                b, tcp + 20, header - 20, payload);
    }

    private void add(String who, long time, int seq, int ack, int flags, int window, byte[] options, int optOff,
                     int optLen, int length) {
        segments++;
        sha.update(who.getBytes(StandardCharsets.UTF_8));
        update(time);
        update(((long) seq << 32) | (ack & 0xffffffffL));
        update(((long) flags << 32) | window);
        update(((long) optLen << 32) | length);
        sha.update(options, optOff, optLen);
    }

    private void update(long v) {
        for (int i = 56; i >= 0; i -= 8) {
            sha.update((byte) (v >>> i));
        }
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static int u32(byte[] b, int i) {
        return u16(b, i) << 16 | u16(b, i + 2);
    }
}
