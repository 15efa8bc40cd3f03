package teacup.tcp;

/**
 * What NewReno and CUBIC share: the initial window, Reno slow start, fast recovery with window
 * inflation and partial-ACK deflation (CUBIC leaves these unchanged, RFC 9438 4.2), the loss
 * window after a timeout, the restart window and MSS changes. Subclasses supply the congestion
 * avoidance growth and the multiplicative decrease.
 */
abstract sealed class LossBasedCongestionControl implements CongestionControl permits NewReno, Cubic {
    private static final int MAX_SMSS = 65_535;

    int smss;
    /**
     * Bytes. An int is enough: every call leaves it in [SMSS, {@link CongestionControl#MAX_WINDOW}]
     * (2^30; {@link #clampWindow}, the loss or initial window), and one step of growth before the clamp
     * adds at most an SMSS (65,535); arithmetic that could go further (scaling by a new SMSS) is done in long.
     */
    int cwnd;
    int ssthresh = Integer.MAX_VALUE;
    private boolean inRecovery;
    /** An RTO fired and no new data has been acknowledged since: a further RTO is the same loss. */
    private boolean timedOut;
    /** Nothing has happened yet, so an MSS change simply picks the new initial window. */
    private boolean pristine = true;

    LossBasedCongestionControl(int smss) {
        this.smss = checkedSmss(smss);
        this.cwnd = CongestionControl.initialWindow(smss);
    }

    /** Congestion avoidance growth for a new ACK, outside recovery, while the sender uses its window. */
    abstract void growInCongestionAvoidance(long now, int bytesAcked, long rttNanos);

    /**
     * The multiplicative decrease on a loss: remember what the algorithm needs and return the new
     * ssthresh, before the {@code >= 2*SMSS} floor. {@code timeout} tells an RTO from fast
     * retransmit.
     */
    abstract long reducedSsthresh(long now, long flightSize, boolean timeout);

    /** Anything that ends the current growth period (loss, idle) also ends derived state. */
    abstract void resetGrowth();

    @Override
    public final int cwnd() {
        return cwnd;
    }

    @Override
    public final int ssthresh() {
        return ssthresh;
    }

    @Override
    public final int smss() {
        return smss;
    }

    @Override
    public final boolean inSlowStart() {
        return cwnd < ssthresh;
    }

    @Override
    public final boolean inRecovery() {
        return inRecovery;
    }

    @Override
    public final void onAck(long now, int bytesAcked, int flightSize, long rttNanos) {
        if (bytesAcked <= 0 || inRecovery) {
            return;
        }
        pristine = false;
        timedOut = false;
        // RFC 7661 4.3: a window less than half used has not been validated, so it must not grow.
        if (2L * (Math.max(0, flightSize) + (long) bytesAcked) < cwnd) {
            return;
        }
        if (inSlowStart()) {
            // RFC 3465 2.2 with L = 1: at most one SMSS per ACK, so a stretch ACK cannot burst.
            // Stopping at ssthresh hands over to congestion avoidance exactly there.
            cwnd = Math.min(cwnd + Math.min(bytesAcked, smss), ssthresh);
        } else {
            growInCongestionAvoidance(now, bytesAcked, Math.max(0, rttNanos));
        }
        cwnd = clampWindow(cwnd);
    }

    @Override
    public final void onEnterRecovery(long now, int flightSize) {
        if (inRecovery) {
            return;
        }
        pristine = false;
        ssthresh = floorSsthresh(reducedSsthresh(now, Math.max(0, flightSize), false));
        resetGrowth();
        // RFC 5681 3.2 step 3: the three segments that left the network (they caused the duplicate ACKs).
        cwnd = clampWindow(ssthresh + 3L * smss);
        inRecovery = true;
    }

    @Override
    public final void onDuplicateAckInRecovery() {
        if (inRecovery) {
            cwnd = clampWindow(cwnd + (long) smss);
        }
    }

    @Override
    public final void onPartialAck(int bytesAcked) {
        if (!inRecovery || bytesAcked <= 0) {
            return;
        }
        long deflated = (long) cwnd - bytesAcked;
        if (bytesAcked >= smss) {
            deflated += smss;
        }
        cwnd = clampWindow(deflated);
    }

    @Override
    public final void onExitRecovery(long now, int flightSize) {
        if (!inRecovery) {
            return;
        }
        inRecovery = false;
        // RFC 6582 3.2 step 3 option 1: never leave recovery with a burst larger than flight + 1 SMSS.
        cwnd = clampWindow(Math.min(ssthresh, Math.max(Math.max(0, flightSize), smss) + (long) smss));
        resetGrowth();
    }

    @Override
    public final void undo(long now, int savedCwnd, int savedSsthresh) {
        inRecovery = false;
        timedOut = false;
        ssthresh = savedSsthresh == Integer.MAX_VALUE ? savedSsthresh : floorSsthresh(savedSsthresh);
        cwnd = clampWindow(Math.max(cwnd, savedCwnd));
        resetGrowth();
    }

    @Override
    public final void onRetransmissionTimeout(long now, int flightSize) {
        pristine = false;
        if (!timedOut) {
            ssthresh = floorSsthresh(reducedSsthresh(now, Math.max(0, flightSize), true));
        }
        timedOut = true;
        inRecovery = false;
        resetGrowth();
        cwnd = smss; // the loss window, RFC 5681 3.1
    }

    @Override
    public final void onIdleRestart(long now) {
        cwnd = clampWindow(Math.min(cwnd, CongestionControl.initialWindow(smss)));
        resetGrowth();
    }

    @Override
    public final void setMss(int newSmss) {
        int old = smss;
        smss = checkedSmss(newSmss);
        if (pristine) {
            cwnd = CongestionControl.initialWindow(smss);
            return;
        }
        cwnd = clampWindow((long) cwnd * smss / old);
        if (ssthresh != Integer.MAX_VALUE) {
            ssthresh = floorSsthresh((long) ssthresh * smss / old);
        }
        resetGrowth();
    }

    final int clampWindow(long bytes) {
        return (int) Math.max(smss, Math.min(MAX_WINDOW, bytes));
    }

    private int floorSsthresh(long bytes) {
        return (int) Math.max(2L * smss, Math.min(MAX_WINDOW, bytes));
    }

    private static int checkedSmss(int smss) {
        if (smss <= 0 || smss > MAX_SMSS) {
            throw new IllegalArgumentException("SMSS must be in 1..65535: " + smss);
        }
        return smss;
    }
}
