package teacup.tcp;

/**
 * CUBIC congestion control (RFC 9438). Slow start and fast recovery are Reno's; in congestion
 * avoidance the window follows W_cubic(t) = C*(t-K)^3 + W_max, concave up to the window of the
 * last loss and convex beyond it, but never slower than an estimate of what Reno would have
 * (the Reno-friendly region). On loss the window shrinks by beta 0.7 rather than 0.5.
 *
 * <p>The RFC counts in segments and seconds. The curve's state is kept that way, as doubles,
 * so an MSS change leaves it meaningful; cwnd itself stays bytes, with the fraction of a byte
 * each ACK earns carried over so slow growth is not rounded away.
 */
public final class Cubic extends LossBasedCongestionControl {
    /** RFC 9438 4.1.1: the scaling constant C, segments per second cubed. */
    public static final double C = 0.4;
    /** RFC 9438 4.1.1: multiplicative decrease factor. */
    public static final double BETA = 0.7;
    /** RFC 9438 4.3: the additive increase that gives Reno's average window with BETA. */
    public static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);
    private static final double NANOS_PER_SECOND = 1e9;

    private final boolean fastConvergence;
    /** Segments; 0 while undefined (before the first loss, and after a timeout, RFC 9438 4.8). */
    private double wMax;
    /** Segments: cwnd when ssthresh was last set (RFC 9438 4.1.2 cwnd_prior). */
    private double cwndPrior;
    private boolean epochStarted;
    private long epochStart;
    private double cwndEpoch;
    /** Seconds. */
    private double k;
    /** Segments: Reno's window estimate (RFC 9438 4.3). */
    private double wEst;
    private double alpha = ALPHA;
    /** Fraction of a byte of growth not yet added to cwnd. */
    private double carry;

    /** CUBIC with fast convergence (RFC 9438 4.7 SHOULD). */
    public Cubic(int smss) {
        this(smss, true);
    }

    /** RFC 9438 4.7 says a lone flow on an otherwise empty path should turn fast convergence off. */
    public Cubic(int smss, boolean fastConvergence) {
        super(smss);
        this.fastConvergence = fastConvergence;
    }

    /** W_max in segments, 0 when undefined. */
    public double wMax() {
        return wMax;
    }

    /** K in seconds for the current epoch (0 until one starts). */
    public double k() {
        return k;
    }

    /** RFC 9438 4.3 W_est in segments for the current epoch. */
    public double wEst() {
        return wEst;
    }

    /** RFC 9438 Figure 1 in segments, t seconds after the epoch started. */
    public double wCubic(double t) {
        double d = t - k;
        return C * d * d * d + wMax;
    }

    @Override
    void growInCongestionAvoidance(long now, int bytesAcked, long rttNanos) {
        double w = (double) cwnd / smss;
        if (!epochStarted) {
            startEpoch(now, w);
        }
        double t = Math.max(0, now - epochStart) / NANOS_PER_SECOND;
        double rtt = rttNanos / NANOS_PER_SECOND;
        double segmentsAcked = (double) bytesAcked / smss;

        wEst += alpha * segmentsAcked / w;
        if (wEst >= cwndPrior) {
            alpha = 1; // RFC 9438 4.3: past the last loss point Reno would grow by a whole segment per RTT
        }
        double next;
        if (wCubic(t) < wEst) {
            next = Math.max(w, wEst); // Reno-friendly region
        } else {
            // RFC 9438 4.2: aim one RTT ahead, between no growth and slow start's 1.5x.
            double target = Math.min(Math.max(wCubic(t + rtt), w), 1.5 * w);
            next = w + (target - w) / w * segmentsAcked;
        }
        double bytes = next * smss + carry;
        if (!(bytes < MAX_WINDOW)) {
            cwnd = MAX_WINDOW;
            carry = 0;
        } else {
            cwnd = Math.max(cwnd, (int) bytes); // bytes < MAX_WINDOW here
            carry = Math.max(0, bytes - cwnd);
        }
    }

    /** RFC 9438 4.2: a congestion avoidance stage begins; fix t_epoch, cwnd_epoch, K and W_est. */
    private void startEpoch(long now, double w) {
        epochStarted = true;
        epochStart = now;
        cwndEpoch = w;
        if (wMax <= 0) {
            // RFC 9438 4.8 and 4.10: no usable W_max, so the curve starts flat at the current window.
            wMax = w;
            k = 0;
        } else {
            k = Math.cbrt((wMax - cwndEpoch) / C);
        }
        wEst = cwndEpoch;
        alpha = wEst >= cwndPrior ? 1 : ALPHA;
        carry = 0;
    }

    @Override
    long reducedSsthresh(long now, long flightSize, boolean timeout) {
        double w = (double) cwnd / smss;
        if (timeout) {
            wMax = 0; // RFC 9438 4.8: the next epoch takes W_max from its own starting window
        } else if (fastConvergence && w < wMax) {
            wMax = w * (1 + BETA) / 2; // RFC 9438 4.7: release bandwidth to newer flows
        } else {
            wMax = w;
        }
        cwndPrior = w;
        return flightSize * 7 / 10; // RFC 9438 4.6: flight_size * beta_cubic, exact in integers
    }

    @Override
    void resetGrowth() {
        epochStarted = false;
        carry = 0;
    }

    @Override
    public String toString() {
        return "Cubic[cwnd=" + cwnd + ", ssthresh=" + ssthresh + ", smss=" + smss + ", wMax=" + wMax
                + ", K=" + k + (inRecovery() ? ", recovery" : "") + "]";
    }
}
