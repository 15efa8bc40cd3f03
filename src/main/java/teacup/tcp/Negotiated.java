package teacup.tcp;

import teacup.wire.TcpOptions;

/**
 * What the SYN exchange settled, fixed for the rest of the connection (RFC 9293 3.7.1, RFC 7323
 * 2.2 and 3.2, RFC 2018 2): the peer's MSS (bounded by ours), the window scales both ways, and
 * whether timestamps and SACK are on. Before the exchange, {@link #BEFORE_SYN}. A value, never
 * compared by identity: the connections of a layer that settle the same one share one instance
 * ({@link Shared}).
 *
 * @param sendMss          the most the peer takes in a segment, options included
 * @param sendScale        shift applied to the windows the peer advertises
 * @param receiveScale     shift applied to the windows we advertise
 * @param peerOfferedScale the peer's SYN carried a window scale (our SYN-ACK may then carry ours)
 * @param timestamps       both SYNs carried RFC 7323 timestamps
 * @param sack             both SYNs carried SACK-permitted
 */
public record Negotiated(int sendMss, int sendScale, int receiveScale, boolean peerOfferedScale, boolean timestamps,
                  boolean sack) {
    /** Bytes the timestamps option takes in every segment once negotiated (RFC 7323 3.2, with two NOPs). */
    static final int TIMESTAMPS_LENGTH = 12;

    static final Negotiated BEFORE_SYN = new Negotiated(TcpSettings.DEFAULT_SEND_MSS, 0, 0, false, false, false);

    /**
     * What our settings and the peer's SYN (or SYN-ACK) options agree on. An MSS below
     * {@link TcpSettings#minSendMss} is raised to it ({@link #clamps}): taken as it is, an MSS of 12
     * or less leaves no room for data beside the timestamps.
     */
    static Negotiated from(TcpSettings settings, TcpOptions peer) {
        int mss = peer.hasMss() && peer.mss() > 0 ? Math.min(Math.max(peer.mss(), settings.minSendMss()), settings.mss())
                : Math.min(TcpSettings.DEFAULT_SEND_MSS, settings.mss());
        // RFC 7323 2.2: scaling is on only when both SYNs carry the option.
        boolean scaled = peer.hasWindowScale() && settings.windowScale() >= 0;
        // RFC 7323 3.2: timestamps are used only when both SYNs carry them; RFC 2018 2: SACK only when the peer allows it.
        return new Negotiated(mss, scaled ? peer.windowScale() : 0, scaled ? settings.windowScale() : 0, scaled,
                settings.timestamps() && peer.hasTimestamps(), settings.sack() && peer.sackPermitted());
    }

    /** True when the peer's SYN options announce an MSS that {@link #from} raises to the floor. */
    static boolean clamps(TcpSettings settings, TcpOptions peer) {
        return peer.hasMss() && peer.mss() > 0 && peer.mss() < settings.minSendMss();
    }

    /** Most data one segment carries: the peer's MSS less the options every segment has (RFC 6691). */
    public int segmentSize() {
        return segmentSize(Integer.MAX_VALUE);
    }

    /** As {@link #segmentSize()} on a path that takes an MSS of at most {@code pathMss} (path MTU less 40, RFC 1191). */
    public int segmentSize(int pathMss) {
        // Never below one byte, whatever value this was made with: a size of 0 or less sends nothing, or a segment left
        // for an offloading device to cut and checksum that it cannot (the settings' floor keeps it far above).
        return Math.max(1, Math.min(sendMss, pathMss) - (timestamps ? TIMESTAMPS_LENGTH : 0));
    }

    /**
     * The values a layer's connections settled, one instance for all that settled alike: peers of
     * one kind negotiate the same options, and an idle connection held by the thousand should not
     * keep a copy each. A table of a few slots and no chains: a value whose slot holds another
     * takes it over (the connections that hold the older keep it), so the table never grows, whatever
     * peers send. Loop thread only, as the layer's {@link SegmentOutput.Scratch} it is part of.
     */
    static final class Shared {
        private final Negotiated[] slots = new Negotiated[16];

        /** {@code n}, or the instance equal to it that the table holds. */
        Negotiated intern(Negotiated n) {
            int h = n.hashCode();
            int i = (h ^ h >>> 16) & (slots.length - 1);
            Negotiated held = slots[i];
            if (n.equals(held)) {
                return held;
            }
            slots[i] = n;
            return n;
        }
    }
}
