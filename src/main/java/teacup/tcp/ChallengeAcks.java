package teacup.tcp;

/**
 * RFC 5961 7: the challenge ACKs a connection sends (for a RST in the window, 3.2; a SYN in a
 * synchronized state, 4.2; an unacceptable ACK, 5.2) are limited, so a blind attacker's flood of
 * forged segments cannot make us send one ACK per forgery. Two budgets per second: this
 * connection's ({@link TcpSettings#challengeAcksPerSecond}), then the stack's, which the
 * {@link SegmentOutput} keeps ({@link TcpLayer#challengeAckLimit}). An ACK either refuses is not
 * sent, and the output counts it.
 */
final class ChallengeAcks {
    private static final long SECOND = 1_000_000_000L;

    private final int perSecond;
    /** When this connection's current one-second budget began, and how much of it is spent. */
    private long secondStart;
    private int sent;

    ChallengeAcks(TcpSettings settings, long now) {
        this.perSecond = settings.challengeAcksPerSecond();
        this.secondStart = now;
    }

    /** A challenge ACK, if both budgets have one left now. */
    void send(long now, Sender sender, SegmentWriter writer) {
        if (take(now, writer.output())) {
            sender.sendAck(now);
        }
    }

    /** One challenge ACK from both budgets (a {@link TimeWait} sends its own); false, and counted, when either is spent. */
    boolean take(long now, SegmentOutput output) {
        if (now - secondStart >= SECOND) {
            secondStart = now;
            sent = 0;
        }
        if (sent >= perSecond || !output.takeChallengeAck(now)) {
            output.challengeAckLimited();
            return false;
        }
        sent++;
        return true;
    }
}
