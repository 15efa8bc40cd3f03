package teacup.tcp;

/**
 * How a connection handled loss, over its whole life (status reports; never reset). The parts
 * that do the work count here as they do it; readers on the loop thread take the figures, and
 * {@link ConnectionStatus} copies them for everyone else.
 */
public final class ConnectionCounters {
    private static final int SEGMENTS_RETRANSMITTED = 0;
    private static final int RETRANSMISSION_TIMEOUTS = 1;
    private static final int RECOVERY_EPISODES = 2;
    private static final int TAIL_LOSS_PROBES = 3;
    private static final int SPURIOUS_RECOVERIES = 4;
    private static final int PATH_MTU_BLACK_HOLES = 5;
    private static final int PATH_MTU_PROBES = 6;
    private static final int PATH_MTU_PROBES_SUCCEEDED = 7;
    private static final int PATH_MTU_PROBES_FAILED = 8;
    private static final int URGENT_POINTERS_IGNORED = 9;
    private static final int NEGATIVE_ADVICE = 10;
    private static final int COUNTS = 11;

    /** Made at the first event: most connections never lose a segment, and their counters stay all zero. */
    private long[] counts;

    /** Segments sent more than once (timeouts, fast retransmit, SACK holes, tail loss probes, SYNs). */
    public long segmentsRetransmitted() {
        return get(SEGMENTS_RETRANSMITTED);
    }

    /** Retransmission timer expiries (RFC 6298 5.5), the SYN's included. */
    public long retransmissionTimeouts() {
        return get(RETRANSMISSION_TIMEOUTS);
    }

    /** Fast recovery episodes entered (RFC 5681 3.2 / RFC 6675 5). */
    public long recoveryEpisodes() {
        return get(RECOVERY_EPISODES);
    }

    /** Tail loss probes sent (RFC 8985 7.3). */
    public long tailLossProbes() {
        return get(TAIL_LOSS_PROBES);
    }

    /** Window reductions taken back because D-SACKs showed them spurious (RFC 3708). */
    public long spuriousRecoveries() {
        return get(SPURIOUS_RECOVERIES);
    }

    /** Times full-size segments timed out until the MSS fell to the base (RFC 4821 black hole). */
    public long pathMtuBlackHoles() {
        return get(PATH_MTU_BLACK_HOLES);
    }

    /** Path MTU probes sent (RFC 4821 7.5). */
    public long pathMtuProbes() {
        return get(PATH_MTU_PROBES);
    }

    /** Path MTU probes acknowledged, each raising the MSS. */
    public long pathMtuProbesSucceeded() {
        return get(PATH_MTU_PROBES_SUCCEEDED);
    }

    /** Path MTU probes lost, each lowering the search's upper bound. */
    public long pathMtuProbesFailed() {
        return get(PATH_MTU_PROBES_FAILED);
    }

    void pathMtuBlackHole() {
        add(PATH_MTU_BLACK_HOLES);
    }

    void pathMtuProbe() {
        add(PATH_MTU_PROBES);
    }

    void pathMtuProbeSucceeded() {
        add(PATH_MTU_PROBES_SUCCEEDED);
    }

    void pathMtuProbeFailed() {
        add(PATH_MTU_PROBES_FAILED);
    }

    /** Urgent pointers ignored as invalid: zero, which names no urgent octet (RFC 9293 3.8.5, RFC 6093). */
    public long urgentPointersIgnored() {
        return get(URGENT_POINTERS_IGNORED);
    }

    void urgentPointerIgnored() {
        add(URGENT_POINTERS_IGNORED);
    }

    void segmentRetransmitted() {
        add(SEGMENTS_RETRANSMITTED);
    }

    /**
     * RFC 9293 SHLD-9: timeouts at which the retransmissions in a row had reached R1, each of which
     * gave IP negative advice; the application reads it as the sign that the path is failing
     * before R2 ends the connection (as Linux's TCP_INFO retransmits).
     */
    public long negativeAdvice() {
        return get(NEGATIVE_ADVICE);
    }

    /** A retransmission timeout; {@code advised}: it reached R1, and IP is advised. */
    void retransmissionTimeout(boolean advised) {
        add(RETRANSMISSION_TIMEOUTS);
        if (advised) {
            add(NEGATIVE_ADVICE);
        }
    }

    void recoveryEpisode() {
        add(RECOVERY_EPISODES);
    }

    void tailLossProbe() {
        add(TAIL_LOSS_PROBES);
    }

    void spuriousRecovery() {
        add(SPURIOUS_RECOVERIES);
    }

    private long get(int counter) {
        return counts == null ? 0 : counts[counter];
    }

    private void add(int counter) {
        if (counts == null) {
            counts = new long[COUNTS];
        }
        counts[counter]++;
    }
}
