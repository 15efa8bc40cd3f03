package teacup.tcp;

/**
 * The IP header fields one connection chooses for all its datagrams: the TTL (RFC 1122 3.2.1.7,
 * RFC 9293 MUST-49) and the TOS octet, Diffserv and ECN (RFC 1122 3.2.1.6, MUST-48). They start
 * from the connection's {@link TcpSettings} (an accepted connection's from its listener's) and the
 * application may change them at any time, as IP_TOS and IP_TTL do on a kernel socket; every
 * segment after the change carries them, retransmissions too. A view: the connection's
 * {@link SegmentWriter} keeps the two octets, so a connection that never changes them holds no
 * object for them. Loop thread only.
 */
public final class IpHeader {
    private final SegmentWriter writer;

    private IpHeader(SegmentWriter writer) {
        this.writer = writer;
    }

    /** The fields of {@code c}'s datagrams (call on the loop thread). */
    public static IpHeader of(TcpConnection c) {
        return new IpHeader(c.writer);
    }

    /** 1 to 255, or 0: the IP layer's default TTL. */
    public int ttl() {
        return writer.ttl();
    }

    public int trafficClass() {
        return writer.trafficClass();
    }

    /** 1 to 255, or 0 for the IP layer's default (never 0 on the wire, RFC 1122 3.2.1.7). */
    public void ttl(int v) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("TTL out of range 0 to 255: " + v);
        }
        writer.ttl(v);
    }

    /** The TOS octet, 0 to 255, as IP_TOS takes it. */
    public void trafficClass(int v) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("traffic class out of range 0 to 255: " + v);
        }
        writer.trafficClass(v);
    }
}
