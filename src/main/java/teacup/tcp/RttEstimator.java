package teacup.tcp;

/**
 * The retransmission timeout of RFC 6298: smoothed RTT and its variation from RTT samples, the
 * RTO derived from them and clamped to configurable bounds, and exponential backoff on expiry.
 * Times are nanoseconds. Karn's algorithm (RFC 9293 MUST-18) is the caller's part: it must not
 * feed samples from retransmitted segments unless they are timestamp-based (RFC 7323 4.2).
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

    private final long minRto;
    private final long maxRto;
    private final long clockGranularity;
    private long srtt;
    private long rttvar;
    private long rto;
    private int backoff;
    private boolean hasSample;

    public RttEstimator() {
        this(DEFAULT_MIN_RTO, DEFAULT_MAX_RTO, 1_000_000L);
    }

    public RttEstimator(long minRto, long maxRto, long clockGranularity) {
        if (minRto <= 0 || maxRto < minRto || clockGranularity < 0) {
            throw new IllegalArgumentException("need 0 < minRto <= maxRto and granularity >= 0");
        }
        this.minRto = minRto;
        this.maxRto = maxRto;
        this.clockGranularity = clockGranularity;
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
        rto = clamp(srtt + Math.max(clockGranularity, K * rttvar));
    }

    /** RFC 6298 5.5: the timer expired, so double the RTO (up to the maximum). */
    public void backOff() {
        backoff++;
        rto = Math.min(maxRto, rto * 2);
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

    private long clamp(long value) {
        return Math.max(minRto, Math.min(maxRto, value));
    }
}
