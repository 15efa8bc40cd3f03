package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;

/**
 * Where the connection's RTT samples come from (RFC 6298 3, RFC 7323 4.1): the echoed timestamp
 * when both ends use them, else one timed segment at a time, never one that was retransmitted
 * (Karn, RFC 9293 MUST-18). It owns the timed segment and feeds the {@link RttEstimator}.
 */
final class RttSampling {
    private final RttEstimator rtt;
    private boolean timing;
    private int timedSeq;
    private long timedAt;

    RttSampling(RttEstimator rtt) {
        this.rtt = rtt;
    }

    /** A segment starting at {@code seq} went for the first time: it is timed unless another is. */
    void sent(long now, int seq) {
        if (!timing) {
            timing = true;
            timedSeq = seq;
            timedAt = now;
        }
    }

    /** Something went again: no sample may come from what is timed (Karn). */
    void retransmitted() {
        timing = false;
    }

    /**
     * An acknowledgment up to {@code ack}: a sample from its echoed timestamp ({@code timestamps}:
     * both ends use them; {@code tsNow}: our timestamp clock now), else from the timed segment if
     * it covers it. None when {@code synRetried}: our SYN went more than once.
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
                rtt.sample(elapsedMillis * 1_000_000L);
            }
            timing = false;
        } else if (timing && SeqNum.gt(ack, timedSeq)) {
            rtt.sample(now - timedAt);
            timing = false;
        }
    }
}
