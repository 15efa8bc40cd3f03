package teacup.tcp;

/**
 * Finds retransmissions that were themselves lost, as RACK does (RFC 8985 6.2): one is lost when
 * something sent after it has arrived and it has not, once a reordering window has passed since
 * it went. Without this a lost retransmission waits for the RTO, since duplicate ACKs and SACK
 * holes each trigger one retransmission only. It reads the sender's {@link RetransmissionLog} and
 * scoreboard, and runs RFC 8985 6.3's reordering timer for when no ACK comes to look again.
 */
final class RackDetector {
    private long lossCheckAt = TcpConnection.NEVER;

    /**
     * RFC 8985 6.2's reordering window: how long after a retransmission, once something sent later
     * has arrived, the sender still allows for it to be merely late: a quarter of the smoothed RTT,
     * but at least 1 ms, the granularity of the timestamps most RTT samples come from.
     */
    private static long reorderingWindow(RttEstimator rtt) {
        return Math.max(rtt.srtt() / 4, 1_000_000L);
    }

    /** The index in the sender's log of the lowest retransmission now known lost, or -1. */
    int lostIndex(long now, Sender sender) {
        RetransmissionLog log = sender.retransmitted();
        if (log.size() == 0) {
            return -1;
        }
        return log.lostIndex(sender.una(), sender.sacked(), now, reorderingWindow(sender.rtt()));
    }

    /** Runs the reordering timer for the earliest retransmission that later data has overtaken (in recovery only). */
    void arm(Sender sender) {
        RetransmissionLog log = sender.retransmitted();
        lossCheckAt = sender.congestion().inRecovery() && log.size() > 0
                ? log.nextLossTime(sender.una(), sender.sacked(), reorderingWindow(sender.rtt())) : TcpConnection.NEVER;
    }

    long nextDeadline() {
        return lossCheckAt;
    }

    /** True when the reordering timer is due; it stops, and the caller looks for lost retransmissions. */
    boolean fired(long now) {
        if (now < lossCheckAt) {
            return false;
        }
        lossCheckAt = TcpConnection.NEVER;
        return true;
    }

    void stop() {
        lossCheckAt = TcpConnection.NEVER;
    }
}
