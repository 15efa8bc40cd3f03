package teacup.tcp;

import teacup.wire.Ipv4Packet;
import teacup.wire.TcpSegment;

/**
 * The segment sizes a connection starts with: the MSS it announces and uses is at most the link's
 * MTU less the IPv4 and TCP headers (RFC 9293 SHLD-6, MUST-16, RFC 1122 3.3.3: MMS_R, MMS_S), on an
 * offload link too (not its 64 KB segment), and what it sends starts at the path MTU IP has learnt
 * for its peer (RFC 1191), which can be smaller still.
 */
final class LinkFit {
    /** The last settings {@link #settings} lowered, and what it made of them (one listener's SYNs allocate nothing). */
    private TcpSettings fittedFrom;
    private TcpSettings fitted;

    /** {@code settings}, with a configured MSS above what {@code linkMtu} takes lowered. */
    TcpSettings settings(TcpSettings settings, int linkMtu) {
        int linkMss = linkMtu - Ipv4Packet.MIN_HEADER_LENGTH - TcpSegment.MIN_HEADER_LENGTH;
        if (settings.mss() <= linkMss) {
            return settings;
        }
        if (settings != fittedFrom) {
            fitted = settings.withMss(linkMss);
            fittedFrom = settings;
        }
        return fitted;
    }

    /** A new connection's segments fit {@code pathMtu}, what IP knows of the path to its peer, when that is below the link's. */
    static void path(long now, TcpConnection c, int pathMtu, int linkMtu) {
        if (pathMtu < linkMtu) {
            c.pathMtu(now, pathMtu);
        }
    }
}
