package teacup.tcp;

import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * SYN cookies (RFC 4987 3.6): what a listener whose SYN queue is full answers with, so that a
 * flood of spoofed SYNs costs it no state and a real client still gets in. The SYN-ACK goes at
 * once and nothing is kept; our initial sequence number carries what the connection needs later:
 *
 * <pre>
 *   ISS = H1(tuple) + IRS + (counter &lt;&lt; 24) + ((H2(tuple, counter) + (m &lt;&lt; 21)) mod 2^24)
 * </pre>
 *
 * where {@code counter} is the time in periods of 2^36 ns (about 69 s), {@code m} the index of
 * the peer's MSS in {@link #MSS_TABLE}, and H1, H2 keyed SipHashes ({@link
 * InitialSequenceNumbers#cookieHash}). The ACK that comes back, SEG.ACK - 1 = ISS and SEG.SEQ - 1 =
 * IRS, is checked by undoing the sum: the counter must be the present period or the one before, and
 * the 21 bits below the index must come out zero, which a guess does with a chance of 1 in 2^21 per
 * period.
 *
 * <p>The window scale and SACK-permitted the peer offered go, when it offered timestamps, in the
 * low five bits of our SYN-ACK's TSval (four bits of shift, 15 meaning none, and one bit of SACK),
 * which the peer echoes in the ACK's TSecr; common practice (Linux) does the same. The TSval is
 * moved back by less than 32 ms for it, never forward, so the connection's later TSvals still only
 * grow. Without timestamps there is no room for them: the cookie's SYN-ACK then offers only an MSS,
 * and such a connection runs without window scaling and SACK. ECN is not negotiated by teacup.
 *
 * <p>The connection an accepted cookie makes is the one a SYN queue entry would have become: a
 * SYN is rebuilt from what the cookie says, a connection made from it in SYN-RECEIVED without
 * sending its SYN-ACK again (that went already), and the ACK then handed to it as to any other.
 */
final class SynCookies {
    /** The MSS values a cookie can say (3 bits); a peer's MSS is rounded down to one of them. */
    static final int[] MSS_TABLE = {256, 536, 1200, 1300, 1380, 1440, 1460, 8960};
    /** A cookie's time counter ticks every 2^36 ns. */
    private static final int PERIOD_SHIFT = 36;
    /** How long after the last cookie an ACK to a listener is checked as one: the counter's two accepted periods. */
    static final long LIFETIME = 2L << PERIOD_SHIFT;
    private static final int LOW_MASK = 0xff_ffff;
    /**
     * The index sits in the top three of the low 24 bits, the 21 below it zero: an ACK whose
     * sequence or acknowledgment number is off by less than 2^21 then fails, rather than decoding
     * to a neighbouring index as it would if the index were added at the bottom.
     */
    private static final int INDEX_SHIFT = 21;
    private static final int OPTION_BITS = 0x1f;
    private static final int NO_SCALE = 0xf;
    private static final int SACK_BIT = 0x10;

    private final InitialSequenceNumbers keys;
    private final Statistics stats;
    private final TcpOptions answer = new TcpOptions();
    private final TcpOptions rebuiltOptions = new TcpOptions();
    private final InboundSegment rebuilt = new InboundSegment().options(rebuiltOptions);
    /** The output of connections made from cookies: the layer's, but silent for the one being made. */
    private final QuietOutput output;

    SynCookies(InitialSequenceNumbers keys, Statistics stats, SegmentOutput layerOutput) {
        this.keys = keys;
        this.stats = stats;
        this.output = new QuietOutput(layerOutput);
    }

    // ---------------------------------------------------------------- the cookie itself

    /** The cookie ISS for a SYN with sequence number {@code irs} and MSS table index {@code index}, at {@code now}. */
    int encode(long now, int localIp, int localPort, int remoteIp, int remotePort, int irs, int index) {
        int counter = counter(now);
        int h1 = keys.cookieHash(false, 0, localIp, localPort, remoteIp, remotePort);
        int h2 = keys.cookieHash(true, counter, localIp, localPort, remoteIp, remotePort);
        return h1 + irs + (counter << 24) + ((h2 + (index << INDEX_SHIFT)) & LOW_MASK);
    }

    /** The MSS table index {@code iss} carries for a peer whose ISN was {@code irs}, or -1 when it is no cookie of ours (or too old). */
    int decode(long now, int localIp, int localPort, int remoteIp, int remotePort, int irs, int iss) {
        int v = iss - keys.cookieHash(false, 0, localIp, localPort, remoteIp, remotePort) - irs;
        int present = counter(now);
        int age = (present - (v >>> 24)) & 0xff;
        if (age > 1) {
            return -1;
        }
        int h2 = keys.cookieHash(true, present - age, localIp, localPort, remoteIp, remotePort);
        int rest = ((v & LOW_MASK) - h2) & LOW_MASK;
        return (rest & ((1 << INDEX_SHIFT) - 1)) == 0 ? rest >>> INDEX_SHIFT : -1;
    }

    private static int counter(long now) {
        return (int) (now >> PERIOD_SHIFT);
    }

    /** The largest table entry not above the peer's MSS ({@code peerMss}), or -1 when it is below them all. */
    static int mssIndex(int peerMss) {
        for (int i = MSS_TABLE.length - 1; i >= 0; i--) {
            if (MSS_TABLE[i] <= peerMss) {
                return i;
            }
        }
        return -1;
    }

    /** {@code tsVal} moved back (by less than 32) to carry {@code bits} in its low five bits. */
    static int timestampCarrying(int tsVal, int bits) {
        int carrying = (tsVal & ~OPTION_BITS) | bits;
        return SeqNum.gt(carrying, tsVal) ? carrying - (OPTION_BITS + 1) : carrying;
    }

    // ---------------------------------------------------------------- a SYN, answered

    /**
     * Answers the SYN in {@code syn} (options {@code synOptions}) to {@code listener}, whose SYN queue
     * is full, with a cookie SYN-ACK: false when cookies are off or the peer's MSS is below the
     * table, and the SYN is dropped as before. The SYN-ACK is not held for ARP ({@link
     * IpLayer#sendIfResolved}): without state there is nothing to send it again from, and the peer's
     * next SYN gets another.
     */
    boolean answer(long now, IpLayer ip, TcpListener listener, TcpSettings settings, int remoteIp, TcpSegment syn,
                   TcpOptions synOptions) {
        int peerMss = synOptions.hasMss() && synOptions.mss() > 0 ? synOptions.mss() : TcpSettings.DEFAULT_SEND_MSS;
        int index = mssIndex(peerMss);
        if (!settings.synCookies() || index < 0) {
            return false;
        }
        int localIp = ip.address();
        int localPort = listener.port();
        int remotePort = syn.sourcePort();
        int iss = encode(now, localIp, localPort, remoteIp, remotePort, syn.sequence(), index);
        answer.clear().mss(settings.mss());
        if (settings.timestamps() && synOptions.hasTimestamps()) {
            boolean scaled = settings.windowScale() >= 0 && synOptions.hasWindowScale();
            boolean sack = settings.sack() && synOptions.sackPermitted();
            if (scaled) {
                answer.windowScale(settings.windowScale());
            }
            if (sack) {
                answer.sackPermitted(true);
            }
            int bits = (scaled ? synOptions.windowScale() : NO_SCALE) | (sack ? SACK_BIT : 0);
            int tsVal = (int) (now / 1_000_000L) + keys.timestampOffset(localIp, localPort, remoteIp, remotePort);
            answer.timestamps(timestampCarrying(tsVal, bits), synOptions.tsVal());
        }
        int window = Math.min(Rings.capacity(settings.receiveBuffer()), 65535); // as a SYN queue entry's SYN-ACK offers
        byte[] frame = ip.txBuffer();
        int n = TcpSegment.write(frame, IpLayer.PAYLOAD_OFFSET, localPort, remotePort, iss, SeqNum.add(syn.sequence(), 1),
                TcpSegment.SYN | TcpSegment.ACK, window, 0, answer, 0, localIp, remoteIp);
        stats.increment(Counter.TCP_SEGMENTS_SENT);
        stats.increment(Counter.TCP_SYN_COOKIES_SENT);
        listener.cookieSent(now);
        ip.sendIfResolved(now, remoteIp, Ipv4Packet.PROTOCOL_TCP, frame, n, settings.ttl(), settings.trafficClass(), ip.frameSource());
        return true;
    }

    // ---------------------------------------------------------------- its ACK, taken

    /**
     * The connection {@code ack} (an ACK without SYN or RST to {@code listener}, for no
     * connection) makes if it carries a cookie of ours, already past the handshake; null when it
     * does not (counted as rejected: the caller resets it as any stray ACK).
     */
    TcpConnection connection(long now, TcpListener listener, TcpSettings settings, int localIp, int remoteIp, int remotePort,
                             InboundSegment ack, int tsOffset) {
        int irs = SeqNum.add(ack.seq(), -1);
        int iss = SeqNum.add(ack.ack(), -1);
        int index = decode(now, localIp, listener.port(), remoteIp, remotePort, irs, iss);
        if (index < 0) {
            stats.increment(Counter.TCP_SYN_COOKIES_REJECTED);
            return null;
        }
        stats.increment(Counter.TCP_SYN_COOKIES_ACCEPTED);
        TcpOptions seen = ack.options();
        rebuiltOptions.clear().mss(MSS_TABLE[index]);
        if (settings.timestamps() && seen.hasTimestamps()) {
            int bits = seen.tsEcr() & OPTION_BITS;
            if ((bits & NO_SCALE) != NO_SCALE) {
                rebuiltOptions.windowScale(Math.min(bits & NO_SCALE, TcpOptions.MAX_WINDOW_SCALE));
            }
            rebuiltOptions.sackPermitted((bits & SACK_BIT) != 0);
            rebuiltOptions.timestamps(seen.tsVal(), 0);
        }
        rebuilt.seq(irs).ack(0).flags(TcpSegment.SYN).window(ack.window());
        TcpConnection c = output.quietly(now, settings, localIp, listener.port(), remoteIp, remotePort, iss, tsOffset, rebuilt);
        c.sender.untimed(); // our SYN-ACK left at a time nobody kept: the handshake gives no RTT sample
        c.process(now, ack);
        return c;
    }

    /**
     * Forwards every segment to the layer's output except those of the connection being made from
     * a cookie while it is made: its SYN-ACK is the one the cookie went out in.
     */
    private static final class QuietOutput implements SegmentOutput {
        private final SegmentOutput layer;
        private boolean making;

        QuietOutput(SegmentOutput layer) {
            this.layer = layer;
        }

        TcpConnection quietly(long now, TcpSettings settings, int localIp, int localPort, int remoteIp, int remotePort,
                              int iss, int tsOffset, InboundSegment syn) {
            making = true;
            try {
                return TcpConnection.accept(now, settings, this, localIp, localPort, remoteIp, remotePort, iss, tsOffset, syn);
            } finally {
                making = false;
            }
        }

        @Override
        public void segment(TcpConnection c, OutboundSegment s) {
            if (!making) {
                layer.segment(c, s);
            }
        }

        @Override
        public int largestSegment() {
            return layer.largestSegment();
        }

        @Override
        public boolean takeChallengeAck(long now) {
            return layer.takeChallengeAck(now);
        }

        @Override
        public void challengeAckLimited() {
            layer.challengeAckLimited();
        }

        // The connection keeps this output for life: the layer's counters, turns and budgets are its own too.
        @Override
        public void count(teacup.stats.Counter counter) {
            layer.count(counter);
        }

        @Override
        public long turn() {
            return layer.turn();
        }

        @Override
        public SendMemory sendMemory() {
            return layer.sendMemory();
        }

        @Override
        public ReceiveMemory receiveMemory() {
            return layer.receiveMemory();
        }

        @Override
        public Scratch scratch() {
            return layer.scratch();
        }
    }
}
