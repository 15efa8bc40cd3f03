package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;

/**
 * The retransmission timeout of RFC 6298: smoothed RTT and its variation from RTT samples, the
 * RTO derived from them and clamped to configurable bounds, and exponential backoff on expiry.
 * Times are nanoseconds.
 *
 * <p>A connection's samples come from here too (RFC 6298 3, RFC 7323 4.1): the echoed timestamp
 * when both ends use them, else one timed segment at a time, never one that was retransmitted
 * (Karn, RFC 9293 MUST-18). A {@link #sample} fed from outside must keep to the same rule.
 *
 * <p>The RTO's bounds are the connection's {@link TcpSettings}' ({@code minRto}, {@code maxRto}),
 * read there rather than copied: the settings are shared by the connections made with them, and
 * an idle connection held by the thousand should not keep two longs each that never change.
 */
public final class RttEstimator {
    /** RFC 6298 2.1: before any sample the RTO is one second. */
    public static final long INITIAL_RTO = 1_000_000_000L;
    /** RFC 6298 5.7: the RTO data transmission starts with when a SYN had to go again. */
    public static final long SYN_LOSS_RTO = 3_000_000_000L;
    /** RFC 6298 2.4 says at least one second; like Linux we default lower (200 ms) and make it configurable. */
    public static final long DEFAULT_MIN_RTO = 200_000_000L;
    /** RFC 6298 2.5: a maximum of at least 60 seconds. */
    public static final long DEFAULT_MAX_RTO = 60_000_000_000L;
    /** RFC 6298 2.3's K. */
    private static final int K = 4;
    /** RFC 6298 2.3's G: the clock granularity, 1 ms, the unit of the timestamps most samples come from. */
    static final long CLOCK_GRANULARITY = 1_000_000L;

    /** Where the bounds are: {@link TcpSettings#minRto}, {@link TcpSettings#maxRto}. */
    private final TcpSettings bounds;
    private long srtt;
    private long rttvar;
    private long rto;
    private int backoff;
    private boolean hasSample;
    /** The one segment being timed when timestamps give no sample: whether one is, where it starts, when it went. */
    private boolean timing;
    private int timedSeq;
    private long timedAt;

    public RttEstimator() {
        this(DEFAULT_MIN_RTO, DEFAULT_MAX_RTO);
    }

    public RttEstimator(long minRto, long maxRto) {
        this(TcpSettings.builder().minRto(minRto).maxRto(maxRto).build());
    }

    /** A connection's, bounded by its settings' {@code minRto} and {@code maxRto}. */
    RttEstimator(TcpSettings settings) {
        if (settings.minRto() <= 0 || settings.maxRto() < settings.minRto()) {
            throw new IllegalArgumentException("need 0 < minRto <= maxRto");
        }
        this.bounds = settings;
        this.rto = clamp(INITIAL_RTO);
    }

    /** Takes one RTT measurement (RFC 6298 2.2 and 2.3) and resets the backoff. */
    public void sample(long rtt) {
        if (rtt < 0) {
            return;
        }
        if (!hasSample) {
            srtt = rtt;
            rttvar = rtt / 2;
            hasSample = true;
        } else {
            // RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT <- 7/8 SRTT + 1/8 R' (beta 1/4, alpha 1/8).
            rttvar = rttvar - rttvar / 4 + Math.abs(srtt - rtt) / 4;
            srtt = srtt - srtt / 8 + rtt / 8;
        }
        backoff = 0;
        rto = clamp(srtt + Math.max(CLOCK_GRANULARITY, K * rttvar));
    }

    /** RFC 6298 5.5: the timer expired, so double the RTO (up to the maximum). */
    public void backOff() {
        backoff++;
        rto = Math.min(bounds.maxRto(), rto * 2);
    }

    /**
     * RFC 6298 5.7: the handshake completed after a SYN (or SYN-ACK) timed out, and no round trip
     * was measured (Karn's rule forbids one from it): data transmission starts with an RTO of 3 s,
     * not the backed-off one, as Linux does (TCP_TIMEOUT_FALLBACK).
     */
    public void synLost() {
        if (!hasSample) {
            backoff = 0;
            rto = clamp(SYN_LOSS_RTO);
        }
    }

    /** The current retransmission timeout, including any backoff. */
    public long rto() {
        return rto;
    }

    public boolean hasSample() {
        return hasSample;
    }

    /** Smoothed RTT, or 0 before the first sample. */
    public long srtt() {
        return srtt;
    }

    public long rttvar() {
        return rttvar;
    }

    /** How many times the RTO has doubled since the last sample. */
    public int backoffCount() {
        return backoff;
    }

    /** The lower bound of the RTO. */
    public long minRto() {
        return bounds.minRto();
    }

    // ---------------------------------------------------------------- where samples come from

    /** A segment starting at {@code seq} went for the first time: it is timed unless another is. */
    void timeSent(long now, int seq) {
        if (!timing) {
            timing = true;
            timedSeq = seq;
            timedAt = now;
        }
    }

    /** Something went again: no sample may come from what is timed (Karn). */
    void untime() {
        timing = false;
    }

    /**
     * An acknowledgment up to {@code ack}: a sample from its echoed timestamp ({@code timestamps}:
     * both ends use them; the writer's clock dates it), else from the timed segment if it covers
     * it. None when {@code synRetried}: our SYN went more than once.
     */
    void acknowledged(long now, int ack, TcpOptions options, boolean synRetried, boolean timestamps, SegmentWriter writer) {
        if (synRetried) {
            // Our SYN went more than once, and the peer's SYN-ACK may itself be a retransmission made by its
            // timer, echoing the first SYN: a sample would then measure our SYN timeout (a second or more)
            // and start the connection with an RTO and probe timeout of seconds. Karn's rule instead: no sample
            // from the handshake; the first data acknowledged gives one.
            timing = false;
        } else if (timestamps && options.hasTimestamps() && options.tsEcr() != 0) {
            // RFC 7323 4.1: the echoed timestamp dates the segment acknowledged, retransmitted or not.
            int elapsedMillis = writer.timestamp(now) - options.tsEcr();
            if (elapsedMillis >= 0) {
                sample(elapsedMillis * 1_000_000L);
            }
            timing = false;
        } else if (timing && SeqNum.gt(ack, timedSeq)) {
            sample(now - timedAt);
            timing = false;
        }
    }

    private long clamp(long value) {
        return Math.max(bounds.minRto(), Math.min(bounds.maxRto(), value));
    }
}
