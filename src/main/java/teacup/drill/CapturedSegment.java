package teacup.drill;

import java.util.List;

/**
 * A TCP segment teacup sent, as the remote host saw it on the wire: raw (absolute) numbers, the
 * options in the order they were sent, and the simulated time in nanoseconds.
 */
record CapturedSegment(long atNanos, int sourcePort, int destinationPort, int seq, int ack, int flags,
                       int window, int payloadLength, List<TcpOptionSpec> options, int urgentPointer) {

    /** Options decoded from their bytes in order, nop and eol included, which a strict check compares. */
    static List<TcpOptionSpec> decodeOptions(byte[] b, int off, int len) {
        List<TcpOptionSpec> out = new java.util.ArrayList<>();
        int i = off;
        int end = off + len;
        while (i < end) {
            int kind = b[i] & 0xff;
            if (kind == 0 || kind == 1) {
                out.add(TcpOptionSpec.of(kind == 0 ? "eol" : "nop"));
                i++;
                continue;
            }
            int size = i + 1 < end ? b[i + 1] & 0xff : 0;
            if (size < 2 || i + size > end) {
                out.add(TcpOptionSpec.of("malformed", kind));
                return out;
            }
            out.add(decodeOne(kind, b, i + 2, size - 2));
            i += size;
        }
        return out;
    }

    private static TcpOptionSpec decodeOne(int kind, byte[] b, int off, int len) {
        return switch (kind) {
            case 2 -> TcpOptionSpec.of("mss", u(b, off, 2));
            case 3 -> TcpOptionSpec.of("wscale", u(b, off, 1));
            case 4 -> TcpOptionSpec.of("sackOK");
            case 8 -> TcpOptionSpec.of("TS", u(b, off, 4), u(b, off + 4, 4));
            case 5 -> {
                long[] v = new long[len / 4];
                for (int j = 0; j < v.length; j++) {
                    v[j] = u(b, off + 4 * j, 4);
                }
                yield TcpOptionSpec.of("sack", v);
            }
            default -> TcpOptionSpec.of("kind" + kind);
        };
    }

    private static long u(byte[] b, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
