package teacup.tcp;

import java.util.random.RandomGenerator;

/**
 * RFC 5961 7: the stack-wide budget of challenge ACKs, renewed each second ({@link TcpLayer}
 * keeps one; each connection has its own {@link ChallengeAcks} besides). A second's budget is a
 * random number from half the limit to the limit, so the count shared by every connection cannot
 * be read from outside (CVE-2016-5696).
 */
final class ChallengeAckBudget {
    /**
     * Linux's tcp_challenge_ack_limit was 1000 a second: a flood of forgeries spread over many
     * connections then costs at most that much upstream, while one connection is held to its own
     * few a second ({@link TcpSettings#DEFAULT_CHALLENGE_ACKS_PER_SECOND}). Each second's budget is
     * drawn at random between half the limit and the limit, as Linux does since CVE-2016-5696:
     * with an exact shared count, an off-path attacker could learn from its own connection's
     * challenge ACKs how many another connection had sent, and so find its sequence numbers.
     */
    static final int DEFAULT_LIMIT = 1000;
    private static final long SECOND = 1_000_000_000L;

    private final RandomGenerator random;
    private int limit;
    private boolean started;
    private long secondStart;
    private int left;

    ChallengeAckBudget(int limit, RandomGenerator random) {
        this.random = random;
        limit(limit);
    }

    void limit(int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("at least one challenge ACK a second, not " + perSecond);
        }
        limit = perSecond;
        started = false;
    }

    /** One challenge ACK from this second's budget; false when it is spent. */
    boolean take(long now) {
        if (!started || now - secondStart >= SECOND) {
            started = true;
            secondStart = now;
            left = limit - random.nextInt(limit / 2 + 1);
        }
        if (left == 0) {
            return false;
        }
        left--;
        return true;
    }
}
