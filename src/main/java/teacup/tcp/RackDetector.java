package teacup.tcp;

/**
 * Finds retransmissions that were themselves lost, as RACK does (RFC 8985 6.2): one is lost when
 * something sent after it has arrived and it has not, once a reordering window has passed since
 * it went. Without this a lost retransmission waits for the RTO, since duplicate ACKs and SACK
 * holes each trigger one retransmission only. It reads the sender's {@link RetransmissionLog} and
 * scoreboard, and says when RFC 8985 6.3's reordering timer should look again if no ACK comes.
 * The timer's deadline is kept by {@link LossRecovery}; this part holds no state of its own.
 */
final class RackDetector {
    private RackDetector() {}

    /**
     * RFC 8985 6.2's reordering window: how long after a retransmission, once something sent later
     * has arrived, the sender still allows for it to be merely late: a quarter of the smoothed RTT,
     * but at least 1 ms, the granularity of the timestamps most RTT samples come from.
     */
    private static long reorderingWindow(RttEstimator rtt) {
        return Math.max(rtt.srtt() / 4, 1_000_000L);
    }

    /** The index in the sender's log of the lowest retransmission now known lost, or -1. */
    static int lostIndex(long now, Sender sender) {
        RetransmissionLog log = sender.retransmitted();
        if (log.size() == 0) {
            return -1;
        }
        return log.lostIndex(sender.una(), sender.sacked(), now, reorderingWindow(sender.rtt()));
    }

    /**
     * When the reordering timer should look again: for the earliest retransmission that later data has
     * overtaken, in recovery only; NEVER otherwise.
     */
    static long lossCheckTime(Sender sender) {
        RetransmissionLog log = sender.retransmitted();
        return sender.congestion().inRecovery() && log.size() > 0
                ? log.nextLossTime(sender.una(), sender.sacked(), reorderingWindow(sender.rtt())) : TcpConnection.NEVER;
    }
}
