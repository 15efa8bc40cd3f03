package teacup.ip;

/**
 * The ARP requests sent for packets that are not held while ARP resolves ({@link
 * IpLayer#sendIfResolved}): a SYN-ACK to a neighbour whose MAC we do not know is dropped, and a
 * request asks for the MAC so that the peer's next SYN is answered. A flood of spoofed on-link
 * sources would turn each of its SYNs into a broadcast, so the requests are bounded twice: one a
 * second per address (a small table keyed by the address, an older entry overwritten), and
 * {@link #PER_SECOND} a second in all, drawn from a bucket that refills with time. Pure state: time
 * comes in as {@code now}; nothing is allocated.
 */
final class ArpSolicitations {
    /** Requests a second in all at most (and the burst allowed). */
    static final int PER_SECOND = 256;
    private static final long SECOND = 1_000_000_000L;
    private static final long REFILL_NANOS = SECOND / PER_SECOND;
    private static final int SLOTS = 256;

    private final int[] asked = new int[SLOTS];
    private final long[] askedAt = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private int tokens = PER_SECOND;
    private long refilledAt;
    private boolean started;

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
        long earned = (now - refilledAt) / REFILL_NANOS;
        if (earned > 0) {
            tokens = (int) Math.min(PER_SECOND, tokens + earned);
            refilledAt += earned * REFILL_NANOS;
        }
    }
}
