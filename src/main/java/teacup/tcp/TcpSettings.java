package teacup.tcp;

import teacup.wire.TcpOptions;

/**
 * A connection's tunables; times in nanoseconds. Built with {@link #builder()} or changed from an
 * existing value with {@link #toBuilder()}, so a new tunable is a component, a builder field and
 * its setter, all in this file. The {@code with...} methods are shorthands for the common changes.
 *
 * @param mss                 the MSS we announce and the most data we put in a segment (RFC 9293 3.7.1)
 * @param receiveBuffer       bytes of received data held for the application at first; it bounds the window we offer
 *                            until the connection measures that it needs more ({@link ReceiveSpace})
 * @param maxReceiveBuffer    the most the receive buffer grows to with the measured bandwidth-delay product
 *                            ({@link ReceiveSpace}, as Linux's tcp_rmem[2]); at or below {@code receiveBuffer}: a
 *                            fixed buffer, as SO_RCVBUF makes one on Linux. Rounded down to a power of two, and
 *                            never past the largest window our shift can announce (65535 &lt;&lt; windowScale)
 * @param sendBuffer          bytes the application may write ahead of the peer's acknowledgments
 * @param windowScale         the shift we offer (RFC 7323 2), or -1 to offer none; RFC 7323 2.3 has it follow the
 *                            largest buffer: the default 7 lets a window reach 8 MB, past {@code maxReceiveBuffer}'s default
 * @param msl                 maximum segment lifetime; TIME-WAIT lasts two of them (RFC 9293 3.4.2)
 * @param minRto              floor of the retransmission timeout (RFC 6298 2.4)
 * @param maxRto              ceiling of the retransmission timeout, and of the persist interval
 * @param maxRetransmissions  timeouts (or unanswered zero-window probes) before the connection gives up (R2)
 * @param maxOutOfOrderRanges disjoint ranges of out-of-order data kept at most (the rest is dropped)
 * @param ackDelay            longest an ACK for in-order data waits (RFC 9293 SHLD-18: under 500 ms)
 * @param timestamps          offer RFC 7323 timestamps on the SYN
 * @param sack                offer SACK-permitted on the SYN and, when agreed, report out-of-order data in SACK blocks (RFC 2018)
 * @param congestion          which congestion control the connection runs
 * @param keepAliveIdle       idle time before the first keep-alive (RFC 9293 MUST-28: at least two hours by default)
 * @param keepAliveInterval   time between unanswered keep-alives
 * @param keepAliveProbes     unanswered keep-alives before the connection is declared dead
 * @param challengeAcksPerSecond challenge ACKs (RFC 5961 3.2, 4.2, 5.2) one connection sends in a second at most
 *                            (RFC 5961 7); the stack-wide bound is {@link TcpLayer#challengeAckLimit}
 * @param synAckRetries       SYN-ACK retransmissions before a half-open connection (SYN-RECEIVED) is forgotten: 5, as
 *                            Linux's tcp_synack_retries, gives up about 63 s after the SYN with the 1 s initial RTO
 *                            (RFC 4987 3.3: a SYN queue entry should not outlive its usefulness by minutes)
 * @param synCookies          a listener whose SYN queue is full answers with a SYN cookie (RFC 4987 3.6) rather than
 *                            dropping the SYN; off only to test the queue itself
 * @param ttl                 the TTL of the connection's datagrams (RFC 1122 3.2.1.7, RFC 9293 MUST-49), 1 to 255, or
 *                            0 for the IP layer's default (64)
 * @param trafficClass        the TOS/Diffserv octet of the connection's datagrams (RFC 1122 3.2.1.6, MUST-48), 0 to 255
 * @param adviseRetransmissions R1: timeouts in a row for the same segment after which the connection gives IP negative
 *                            advice and tells the application (RFC 9293 MUST-20, SHLD-9; SHLD-10: at least 3)
 * @param minSendMss          the least MSS we take from a peer (options included), 41 to 536: a smaller announced MSS is
 *                            raised to it and counted (TCP_PEER_MSS_CLAMPED); 48 by default, Linux's tcp_min_snd_mss
 *                            and our path MTU floor ({@code PathMtuSearch.MIN_MSS}), so a segment carries at least 36
 *                            bytes beside the timestamps (one that announces 1 would have us send 40 bytes of headers
 *                            per byte of data, or nothing at all once the options take the whole MSS)
 * @param sendSegmentsPerTurn segments one connection sends at most in one turn of the event loop; the rest goes on
 *                            in the next turn ({@code SendBudget}), so a peer with a tiny MSS cannot keep the loop from
 *                            the others (counted as TCP_SEND_TURNS_SPENT when it bites)
 * @param orphanRetries       R2 for an orphan (closed by the application, data or FIN unacknowledged; {@link OrphanLimits}):
 *                            timeouts in a row, or unanswered zero-window probes, before it is reset; 6 frees one whose
 *                            peer vanished 25.4 s after the lost segment at the 200 ms RTO floor (Linux's tcp_orphan_retries
 *                            means 8, about 100 s); at most {@code maxRetransmissions}
 * @param orphanLifetime      the longest an orphan may go on with data or FIN unacknowledged, answered or not (a peer that
 *                            answers zero-window probes for ever would keep it for ever), from the application's close;
 *                            then it is reset. 0: no bound. FIN-WAIT-2 and TIME-WAIT have their own ({@link ClosingTimers})
 * @param userTimeout         RFC 5482 (TCP_USER_TIMEOUT): the longest written data may wait unacknowledged, through
 *                            retransmissions and answered zero-window probes alike, before the connection is given up;
 *                            0 (the default) for none ({@link UserTimeout})
 */
public record TcpSettings(int mss, int receiveBuffer, int maxReceiveBuffer, int sendBuffer, int windowScale, long msl,
                          long minRto, long maxRto, int maxRetransmissions, int maxOutOfOrderRanges,
                          long ackDelay, boolean timestamps, boolean sack, Congestion congestion,
                          long keepAliveIdle, long keepAliveInterval, int keepAliveProbes, int challengeAcksPerSecond,
                          int synAckRetries, boolean synCookies, int ttl, int trafficClass, int adviseRetransmissions,
                          int minSendMss, int sendSegmentsPerTurn, int orphanRetries, long orphanLifetime, long userTimeout) {
    /** RFC 9293 3.7.1 / RFC 6691: without an MSS option the peer takes 536. */
    public static final int DEFAULT_SEND_MSS = 536;
    public static final long DEFAULT_ACK_DELAY = 40_000_000L;
    public static final long DEFAULT_KEEP_ALIVE_IDLE = 7_200_000_000_000L;
    public static final long DEFAULT_KEEP_ALIVE_INTERVAL = 75_000_000_000L;
    /**
     * RFC 5961 7 leaves the number to us. Linux answers at most one out-of-window or challenge
     * segment per 500 ms per socket (tcp_invalid_ratelimit); a peer that really lost its state
     * needs one challenge ACK (its SYN or RST comes again after a second or more), so two a second
     * loses nothing and keeps a flooded connection from spending the stack-wide budget.
     */
    public static final int DEFAULT_CHALLENGE_ACKS_PER_SECOND = 2;
    /** Linux's tcp_min_snd_mss: the least peer MSS taken (see {@code minSendMss}). */
    public static final int DEFAULT_MIN_SEND_MSS = 48;
    /**
     * Segments a connection sends in one turn of the event loop at most: with segmentation offload
     * each may be 64 KB; without it 256 full segments are some 370 KB, more than the window of a
     * default receive buffer, so a normal connection is seldom held (no simulation's segments
     * changed), while one whose peer sits at the MSS floor sends 9 KB a turn and waits its turn.
     */
    public static final int DEFAULT_SEND_SEGMENTS_PER_TURN = 256;
    /**
     * Two minutes: a reader taking at least 2.2 KB a second drains a full 256 KB send ring in that
     * time, and it is of the order of Linux's life for an orphan behind a zero window (its probes back
     * off until the interval reaches TCP_RTO_MAX, about 200 s, then it is reset).
     */
    public static final long DEFAULT_ORPHAN_LIFETIME = 120_000_000_000L;

    /**
     * 4 MB: a window that keeps a 300 Mbit/s path of 50 ms busy with the 2x margin {@link ReceiveSpace}
     * keeps; Linux's tcp_rmem[2] is 6 MB, of which about 4.5 MB is window with its default overhead.
     */
    public static final int DEFAULT_MAX_RECEIVE_BUFFER = 4 * 1024 * 1024;

    /** Which congestion control a connection runs. */
    public enum Congestion { NEW_RENO, CUBIC }

    public TcpSettings {
        if (mss < 64 || mss > 65495) {
            throw new IllegalArgumentException("MSS out of range: " + mss);
        }
        if (receiveBuffer < 1 || sendBuffer < 1 || maxReceiveBuffer < 1) {
            throw new IllegalArgumentException("buffers must hold at least one byte");
        }
        if (receiveBuffer > 1 << 30 || maxReceiveBuffer > 1 << 30) {
            throw new IllegalArgumentException("a receive buffer holds 1 GB at most");
        }
        if (windowScale > TcpOptions.MAX_WINDOW_SCALE) {
            throw new IllegalArgumentException("window scale above 14: " + windowScale);
        }
        if (challengeAcksPerSecond < 1) {
            throw new IllegalArgumentException("at least one challenge ACK a second, not " + challengeAcksPerSecond);
        }
        if (synAckRetries < 0) {
            throw new IllegalArgumentException("SYN-ACK retransmissions cannot be negative: " + synAckRetries);
        }
        if (ttl < 0 || ttl > 255 || trafficClass < 0 || trafficClass > 255) {
            throw new IllegalArgumentException("TTL and traffic class are octets: " + ttl + ", " + trafficClass);
        }
        if (adviseRetransmissions < 1) {
            throw new IllegalArgumentException("R1 must be at least one retransmission, not " + adviseRetransmissions);
        }
        if (minSendMss <= TcpOptions.MAX_LENGTH || minSendMss > DEFAULT_SEND_MSS || sendSegmentsPerTurn < 1) {
            throw new IllegalArgumentException("least peer MSS must be 41 to 536 and segments per turn at least 1, not "
                    + minSendMss + ", " + sendSegmentsPerTurn);
        }
        if (orphanRetries < 0 || orphanLifetime < 0) {
            throw new IllegalArgumentException("orphan limits cannot be negative: " + orphanRetries + ", " + orphanLifetime);
        }
        if (userTimeout < 0) {
            throw new IllegalArgumentException("the user timeout cannot be negative: " + userTimeout);
        }
        if (ackDelay < 0 || ackDelay >= 500_000_000L) {
            throw new IllegalArgumentException("ACK delay must be under 500 ms (RFC 9293 SHLD-18)");
        }
    }

    public static TcpSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public TcpSettings withMsl(long nanos) {
        return toBuilder().msl(nanos).build();
    }

    public TcpSettings withBuffers(int receive, int send) {
        return toBuilder().receiveBuffer(receive).sendBuffer(send).build();
    }

    public TcpSettings withMss(int newMss) {
        return toBuilder().mss(newMss).build();
    }

    public TcpSettings withWindowScale(int shift) {
        return toBuilder().windowScale(shift).build();
    }

    public TcpSettings withRetransmission(long newMinRto, long newMaxRto, int newMaxRetransmissions) {
        return toBuilder().minRto(newMinRto).maxRto(newMaxRto).maxRetransmissions(newMaxRetransmissions).build();
    }

    public TcpSettings withAckDelay(long nanos) {
        return toBuilder().ackDelay(nanos).build();
    }

    public TcpSettings withTimestamps(boolean on) {
        return toBuilder().timestamps(on).build();
    }

    public TcpSettings withSack(boolean on) {
        return toBuilder().sack(on).build();
    }

    public TcpSettings withCongestion(Congestion algorithm) {
        return toBuilder().congestion(algorithm).build();
    }

    public TcpSettings withKeepAlive(long idle, long interval, int probes) {
        return toBuilder().keepAliveIdle(idle).keepAliveInterval(interval).keepAliveProbes(probes).build();
    }

    /** RFC 1122 3.2.1.6 and 3.2.1.7: the IP header fields of the connection's datagrams (TTL 0: IP's default). */
    public TcpSettings withIpHeader(int newTtl, int newTrafficClass) {
        return toBuilder().ttl(newTtl).trafficClass(newTrafficClass).build();
    }

    /** Mutable settings under construction; starts from the defaults. */
    public static final class Builder {
        private int mss = 1460;
        private int receiveBuffer = 256 * 1024;
        private int maxReceiveBuffer = DEFAULT_MAX_RECEIVE_BUFFER;
        private int sendBuffer = 256 * 1024;
        private int windowScale = 7;
        private long msl = 30_000_000_000L;
        private long minRto = RttEstimator.DEFAULT_MIN_RTO;
        private long maxRto = RttEstimator.DEFAULT_MAX_RTO;
        private int maxRetransmissions = 12;
        private int maxOutOfOrderRanges = 64;
        private long ackDelay = DEFAULT_ACK_DELAY;
        private boolean timestamps = true;
        private boolean sack = true;
        private Congestion congestion = Congestion.NEW_RENO;
        private long keepAliveIdle = DEFAULT_KEEP_ALIVE_IDLE;
        private long keepAliveInterval = DEFAULT_KEEP_ALIVE_INTERVAL;
        private int keepAliveProbes = 9;
        private int challengeAcksPerSecond = DEFAULT_CHALLENGE_ACKS_PER_SECOND;
        private int synAckRetries = 5;
        private boolean synCookies = true;
        private int ttl;
        private int trafficClass;
        private int adviseRetransmissions = 3;
        private int minSendMss = DEFAULT_MIN_SEND_MSS;
        private int sendSegmentsPerTurn = DEFAULT_SEND_SEGMENTS_PER_TURN;
        private int orphanRetries = 6;
        private long orphanLifetime = DEFAULT_ORPHAN_LIFETIME;
        private long userTimeout;

        private Builder() {
        }

        private Builder(TcpSettings s) {
            mss = s.mss;
            receiveBuffer = s.receiveBuffer;
            maxReceiveBuffer = s.maxReceiveBuffer;
            sendBuffer = s.sendBuffer;
            windowScale = s.windowScale;
            msl = s.msl;
            minRto = s.minRto;
            maxRto = s.maxRto;
            maxRetransmissions = s.maxRetransmissions;
            maxOutOfOrderRanges = s.maxOutOfOrderRanges;
            ackDelay = s.ackDelay;
            timestamps = s.timestamps;
            sack = s.sack;
            congestion = s.congestion;
            keepAliveIdle = s.keepAliveIdle;
            keepAliveInterval = s.keepAliveInterval;
            keepAliveProbes = s.keepAliveProbes;
            challengeAcksPerSecond = s.challengeAcksPerSecond;
            synAckRetries = s.synAckRetries;
            synCookies = s.synCookies;
            ttl = s.ttl;
            trafficClass = s.trafficClass;
            adviseRetransmissions = s.adviseRetransmissions;
            minSendMss = s.minSendMss;
            sendSegmentsPerTurn = s.sendSegmentsPerTurn;
            orphanRetries = s.orphanRetries;
            orphanLifetime = s.orphanLifetime;
            userTimeout = s.userTimeout;
        }

        public Builder mss(int v) {
            mss = v;
            return this;
        }

        public Builder receiveBuffer(int v) {
            receiveBuffer = v;
            return this;
        }

        /** The most the receive buffer grows to ({@link ReceiveSpace}); at or below {@code receiveBuffer}, it stays fixed. */
        public Builder maxReceiveBuffer(int v) {
            maxReceiveBuffer = v;
            return this;
        }

        public Builder sendBuffer(int v) {
            sendBuffer = v;
            return this;
        }

        public Builder windowScale(int v) {
            windowScale = v;
            return this;
        }

        public Builder msl(long v) {
            msl = v;
            return this;
        }

        public Builder minRto(long v) {
            minRto = v;
            return this;
        }

        public Builder maxRto(long v) {
            maxRto = v;
            return this;
        }

        public Builder maxRetransmissions(int v) {
            maxRetransmissions = v;
            return this;
        }

        public Builder maxOutOfOrderRanges(int v) {
            maxOutOfOrderRanges = v;
            return this;
        }

        public Builder ackDelay(long v) {
            ackDelay = v;
            return this;
        }

        public Builder timestamps(boolean v) {
            timestamps = v;
            return this;
        }

        public Builder sack(boolean v) {
            sack = v;
            return this;
        }

        public Builder congestion(Congestion v) {
            congestion = v;
            return this;
        }

        /** RFC 5961 7: challenge ACKs a connection sends in one second at most. */
        public Builder challengeAcksPerSecond(int v) {
            challengeAcksPerSecond = v;
            return this;
        }

        /** SYN-ACK retransmissions before a half-open connection is forgotten. */
        public Builder synAckRetries(int v) {
            synAckRetries = v;
            return this;
        }

        /** RFC 4987 3.6: SYN cookies when the SYN queue is full (on by default). */
        public Builder synCookies(boolean v) {
            synCookies = v;
            return this;
        }

        public Builder keepAliveIdle(long v) {
            keepAliveIdle = v;
            return this;
        }

        public Builder keepAliveInterval(long v) {
            keepAliveInterval = v;
            return this;
        }

        public Builder keepAliveProbes(int v) {
            keepAliveProbes = v;
            return this;
        }

        /** RFC 1122 3.2.1.7: 1 to 255, or 0 for the IP layer's default. */
        public Builder ttl(int v) {
            ttl = v;
            return this;
        }

        /** RFC 1122 3.2.1.6: the TOS octet (DSCP and ECN bits) as IP_TOS sets it. */
        public Builder trafficClass(int v) {
            trafficClass = v;
            return this;
        }

        /** R1 (RFC 9293 MUST-20): timeouts in a row before negative advice to IP; SHLD-10 asks at least 3. */
        public Builder adviseRetransmissions(int v) {
            adviseRetransmissions = v;
            return this;
        }

        /** The least MSS taken from a peer's SYN (41 to 536): below it the peer's is raised to it. */
        public Builder minSendMss(int v) {
            minSendMss = v;
            return this;
        }

        /** Segments one connection sends in a turn of the event loop at most; the rest waits for the next turn. */
        public Builder sendSegmentsPerTurn(int v) {
            sendSegmentsPerTurn = v;
            return this;
        }

        /** R2 for an orphan: timeouts in a row or unanswered zero-window probes before it is reset. */
        public Builder orphanRetries(int v) {
            orphanRetries = v;
            return this;
        }

        /** How long an orphan may go on with data or FIN unacknowledged (0: no bound). */
        public Builder orphanLifetime(long v) {
            orphanLifetime = v;
            return this;
        }

        /** RFC 5482: nanoseconds data may wait without progress before the connection is given up; 0 for none. */
        public Builder userTimeout(long v) {
            userTimeout = v;
            return this;
        }

        public TcpSettings build() {
            return new TcpSettings(mss, receiveBuffer, maxReceiveBuffer, sendBuffer, windowScale, msl, minRto, maxRto, maxRetransmissions,
                    maxOutOfOrderRanges, ackDelay, timestamps, sack, congestion, keepAliveIdle, keepAliveInterval,
                    keepAliveProbes, challengeAcksPerSecond, synAckRetries, synCookies, ttl, trafficClass, adviseRetransmissions,
                    minSendMss, sendSegmentsPerTurn, orphanRetries, orphanLifetime, userTimeout);
        }
    }
}
