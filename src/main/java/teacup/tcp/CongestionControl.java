package teacup.tcp;

/**
 * A TCP sender's congestion control: how many bytes it may have in flight. Implementations are
 * pure state machines (no clock, no randomness): time arrives as {@code now} in nanoseconds and
 * the connection reports what happened to its data. Which event to report when (counting
 * duplicate ACKs, the NewReno "recover" point, Karn's rule for RTT samples) is the connection's
 * part; this type only moves the window.
 *
 * <p>All windows are bytes. The window never drops below one SMSS and never grows beyond
 * {@link #MAX_WINDOW}; the slow start threshold, once set by a loss, is at least two SMSS.
 * Calls that do not fit the current state (a partial ACK outside recovery, say) are ignored
 * rather than thrown, so a connection bug cannot take the event loop down.
 */
public interface CongestionControl {
    /** The largest window TCP can advertise with window scaling (RFC 7323 2.3: shift 14), about 1 GiB. */
    int MAX_WINDOW = 1 << 30;

    /**
     * RFC 6928 2 (which updates RFC 5681 3.1 and RFC 3390): the initial window is
     * min(10*SMSS, max(2*SMSS, 14600)) bytes.
     */
    static int initialWindow(int smss) {
        return (int) Math.min(10L * smss, Math.max(2L * smss, 14_600L));
    }

    /** The congestion window, bytes. */
    int cwnd();

    /** Bytes; {@link Integer#MAX_VALUE} until the first loss ("arbitrarily high", RFC 5681 3.1). */
    int ssthresh();

    /** The sender maximum segment size the window is counted in (RFC 5681 2, SMSS). */
    int smss();

    /** RFC 5681 3.1: slow start while cwnd &lt; ssthresh; at or above it, congestion avoidance. */
    boolean inSlowStart();

    /** Between {@link #onEnterRecovery} and {@link #onExitRecovery} (or a timeout): RFC 5681 3.2 / RFC 6582 3.2. */
    boolean inRecovery();

    /**
     * New data acknowledged outside recovery (ignored inside it): grow the window, in slow start by
     * min(acked, SMSS) per ACK (RFC 5681 3.1 with RFC 3465 L = 1 SMSS), in congestion avoidance by
     * about one SMSS per RTT (Reno) or along the CUBIC curve (RFC 9438 4.2 to 4.5).
     *
     * <p>{@code flightSize} is what is still outstanding after this ACK (SND.NXT minus the new
     * SND.UNA). The window only grows when the sender was using at least half of it, as
     * RFC 7661 4.3 asks, so an application-limited connection does not build a window it never
     * tested. {@code rttNanos} is the latest smoothed RTT, or 0 before any sample.
     */
    void onAck(long now, int bytesAcked, int flightSize, long rttNanos);

    /**
     * The third duplicate ACK (RFC 5681 3.2 steps 2 and 3): ssthresh = max(FlightSize/2, 2*SMSS)
     * (RFC 5681 eq. 4; CUBIC multiplies by beta 0.7, RFC 9438 4.6) and cwnd = ssthresh + 3*SMSS.
     * Ignored when already in recovery (RFC 6582 3.2 step 2: one reduction per window of data).
     */
    void onEnterRecovery(long now, int flightSize);

    /** A further duplicate ACK during recovery inflates cwnd by one SMSS (RFC 5681 3.2 step 4). */
    void onDuplicateAckInRecovery();

    /**
     * RFC 6582 3.2 step 5: a partial ACK deflates cwnd by the amount acknowledged and adds one
     * SMSS back if at least one SMSS was acknowledged.
     */
    void onPartialAck(int bytesAcked);

    /**
     * A full ACK ends recovery: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)
     * (RFC 6582 3.2 step 3, option 1), FlightSize being what is outstanding after that ACK.
     */
    void onExitRecovery(long now, int flightSize);

    /**
     * The retransmission timer expired: cwnd becomes the loss window of one SMSS and ssthresh
     * max(FlightSize/2, 2*SMSS) (RFC 5681 3.1 eq. 4; CUBIC uses beta 0.7, RFC 9438 4.8). When the
     * timer expires again before any new data is acknowledged, the same segment was lost again
     * and ssthresh is held constant (RFC 5681 3.1). Any recovery ends.
     */
    void onRetransmissionTimeout(long now, int flightSize);

    /**
     * The last reduction was spurious: the peer's D-SACKs showed every retransmission of the
     * episode arrived twice (RFC 3708 3, RFC 4015 response): cwnd and ssthresh go back to the
     * values saved before it, and any recovery ends.
     */
    void undo(long now, int cwnd, int ssthresh);

    /**
     * RFC 5681 4.1: the sender was idle longer than an RTO, so cwnd becomes the restart window,
     * min(IW, cwnd). CUBIC also starts a new epoch, since idle time must not count towards its
     * growth (RFC 9438 5.8).
     */
    void onIdleRestart(long now);

    /**
     * The sender's MSS changed (handshake, path MTU discovery). Before any data was acknowledged
     * the window becomes the initial window for the new SMSS; later, cwnd and ssthresh keep their
     * size in segments, which is what the algorithms reason in.
     *
     * @throws IllegalArgumentException unless 0 &lt; smss &lt;= 65535
     */
    void setMss(int smss);

    /**
     * How many more bytes may be sent now. Normally cwnd minus the flight; on the first and second
     * duplicate ACK before recovery, RFC 3042 2 (limited transmit) lets the flight exceed cwnd by up
     * to that many SMSS, without changing cwnd, to keep the ACK clock going.
     */
    default int sendAllowance(int flightSize, int duplicateAcks) {
        long window = cwnd();
        if (!inRecovery() && duplicateAcks > 0) {
            window += (long) Math.min(duplicateAcks, 2) * smss();
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, window - Math.max(0, flightSize)));
    }
}
