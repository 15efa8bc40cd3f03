package teacup.ip;

/**
 * The ARP requests sent for packets that are not held while ARP resolves ({@link
 * IpLayer#sendIfResolved}): a SYN-ACK to a neighbour whose MAC we do not know is dropped, and a
 * request asks for the MAC so that the peer's next SYN is answered. A flood of spoofed on-link
 * sources would turn each of its SYNs into a broadcast, so the requests are bounded twice: one a
 * second per address (a small table keyed by the address, an older entry overwritten), and
 * {@link #perSecond} a second in all ({@link #DEFAULT_PER_SECOND} unless configured), drawn from a bucket
 * that refills with time. Pure state: time
 * comes in as {@code now}; nothing is allocated.
 */
final class ArpSolicitations {
    /** Requests a second in all at most (and the burst allowed), unless configured. */
    static final int DEFAULT_PER_SECOND = 256;
    /** The most a configuration may allow: one request a microsecond. */
    static final int MAX_PER_SECOND = 1_000_000;
    private static final long SECOND = 1_000_000_000L;
    private static final int SLOTS = 256;

    private final int[] asked = new int[SLOTS];
    private final long[] askedAt = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private int perSecond = DEFAULT_PER_SECOND;
    private long refillNanos = SECOND / DEFAULT_PER_SECOND;
    private int tokens = DEFAULT_PER_SECOND;
    private long refilledAt;
    private boolean started;

    /** A new bound on requests a second in all (1 to {@link #MAX_PER_SECOND}); the bucket is full again. */
    void perSecond(int requests) {
        if (requests < 1 || requests > MAX_PER_SECOND) {
            throw new IllegalArgumentException("ARP requests a second must be 1 to " + MAX_PER_SECOND + ": " + requests);
        }
        perSecond = requests;
        refillNanos = SECOND / requests;
        tokens = requests;
    }

    int perSecond() {
        return perSecond;
    }

    /** What {@link #ask} decided. */
    enum Outcome { SEND, ASKED_ALREADY, LIMITED }

    /** Whether to send a request for {@code ip} now. */
    Outcome ask(int ip, long now) {
        refill(now);
        int slot = (ip * 0x9E3779B9) >>> 24; // the top byte of a multiplicative hash: 256 slots
        if (used[slot] && asked[slot] == ip && now - askedAt[slot] < SECOND) {
            return Outcome.ASKED_ALREADY;
        }
        if (tokens == 0) {
            return Outcome.LIMITED;
        }
        tokens--;
        used[slot] = true;
        asked[slot] = ip;
        askedAt[slot] = now;
        return Outcome.SEND;
    }

    private void refill(long now) {
        if (!started) {
            started = true;
            refilledAt = now;
            return;
        }
        long earned = (now - refilledAt) / refillNanos;
        if (earned > 0) {
            tokens = (int) Math.min(perSecond, tokens + earned);
            refilledAt += earned * refillNanos;
        }
    }
}
