package teacup.tcp;

/**
 * Reno congestion control (RFC 5681) with the NewReno fast recovery of RFC 6582: slow start,
 * congestion avoidance by byte counting, and a halving of the flight on loss.
 */
public final class NewReno extends LossBasedCongestionControl {
    /** Bytes acknowledged in congestion avoidance since cwnd last grew (RFC 5681 3.1, RFC 3465 2.1). */
    private long bytesAckedInAvoidance;

    public NewReno(int smss) {
        super(smss);
    }

    @Override
    void growInCongestionAvoidance(long now, int bytesAcked, long rttNanos) {
        // One SMSS each time a whole window has been acknowledged: one SMSS per RTT, exact under
        // delayed or stretch ACKs, unlike SMSS*SMSS/cwnd per ACK.
        bytesAckedInAvoidance += bytesAcked;
        if (bytesAckedInAvoidance >= cwnd) {
            bytesAckedInAvoidance -= cwnd;
            cwnd += smss;
        }
        bytesAckedInAvoidance = Math.min(bytesAckedInAvoidance, cwnd);
    }

    @Override
    long reducedSsthresh(long now, long flightSize, boolean timeout) {
        return flightSize / 2; // RFC 5681 eq. 4
    }

    @Override
    void resetGrowth() {
        bytesAckedInAvoidance = 0;
    }

    @Override
    public String toString() {
        return "NewReno[cwnd=" + cwnd + ", ssthresh=" + ssthresh + ", smss=" + smss
                + (inRecovery() ? ", recovery" : "") + "]";
    }
}
