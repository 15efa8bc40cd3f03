package teacup.tcp;

/**
 * How a connection handled loss, over its whole life (status reports; never reset). The parts
 * that do the work count here as they do it; readers on the loop thread take the figures, and
 * {@link ConnectionStatus} copies them for everyone else.
 */
public final class ConnectionCounters {
    private long segmentsRetransmitted;
    private long retransmissionTimeouts;
    private long recoveryEpisodes;
    private long tailLossProbes;
    private long spuriousRecoveries;
    private long pathMtuBlackHoles;
    private long pathMtuProbes;
    private long pathMtuProbesSucceeded;
    private long pathMtuProbesFailed;
    private long urgentPointersIgnored;
    private long negativeAdvice;

    /** Segments sent more than once (timeouts, fast retransmit, SACK holes, tail loss probes, SYNs). */
    public long segmentsRetransmitted() {
        return segmentsRetransmitted;
    }

    /** Retransmission timer expiries (RFC 6298 5.5), the SYN's included. */
    public long retransmissionTimeouts() {
        return retransmissionTimeouts;
    }

    /** Fast recovery episodes entered (RFC 5681 3.2 / RFC 6675 5). */
    public long recoveryEpisodes() {
        return recoveryEpisodes;
    }

    /** Tail loss probes sent (RFC 8985 7.3). */
    public long tailLossProbes() {
        return tailLossProbes;
    }

    /** Window reductions taken back because D-SACKs showed them spurious (RFC 3708). */
    public long spuriousRecoveries() {
        return spuriousRecoveries;
    }

    /** Times full-size segments timed out until the MSS fell to the base (RFC 4821 black hole). */
    public long pathMtuBlackHoles() {
        return pathMtuBlackHoles;
    }

    /** Path MTU probes sent (RFC 4821 7.5). */
    public long pathMtuProbes() {
        return pathMtuProbes;
    }

    /** Path MTU probes acknowledged, each raising the MSS. */
    public long pathMtuProbesSucceeded() {
        return pathMtuProbesSucceeded;
    }

    /** Path MTU probes lost, each lowering the search's upper bound. */
    public long pathMtuProbesFailed() {
        return pathMtuProbesFailed;
    }

    void pathMtuBlackHole() {
        pathMtuBlackHoles++;
    }

    void pathMtuProbe() {
        pathMtuProbes++;
    }

    void pathMtuProbeSucceeded() {
        pathMtuProbesSucceeded++;
    }

    void pathMtuProbeFailed() {
        pathMtuProbesFailed++;
    }

    /** Urgent pointers ignored as invalid: zero, which names no urgent octet (RFC 9293 3.8.5, RFC 6093). */
    public long urgentPointersIgnored() {
        return urgentPointersIgnored;
    }

    void urgentPointerIgnored() {
        urgentPointersIgnored++;
    }

    void segmentRetransmitted() {
        segmentsRetransmitted++;
    }

    /**
     * RFC 9293 SHLD-9: timeouts at which the retransmissions in a row had reached R1, each of which
     * gave IP negative advice; the application reads it as the sign that the path is failing
     * before R2 ends the connection (as Linux's TCP_INFO retransmits).
     */
    public long negativeAdvice() {
        return negativeAdvice;
    }

    /** A retransmission timeout; {@code advised}: it reached R1, and IP is advised. */
    void retransmissionTimeout(boolean advised) {
        retransmissionTimeouts++;
        if (advised) {
            negativeAdvice++;
        }
    }

    void recoveryEpisode() {
        recoveryEpisodes++;
    }

    void tailLossProbe() {
        tailLossProbes++;
    }

    void spuriousRecovery() {
        spuriousRecoveries++;
    }
}
