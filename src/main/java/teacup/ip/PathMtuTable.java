package teacup.ip;

/**
 * The path MTU to each destination we learnt one for (RFC 1191): a bounded table, filled only by
 * "fragmentation needed" errors that a transport has validated as being about a datagram it has
 * in flight, and emptied by age. Without an entry the path MTU is the link's.
 *
 * <p>RFC 1191 3: an estimate only ever falls on such an error, never below 68 (RFC 791's minimum),
 * and an old router that leaves the next-hop MTU field zero is answered from the plateau table
 * (RFC 1191 7), below the length of the datagram it quotes. RFC 1191 6.3: an estimate ages out
 * after 10 minutes, so a path that grew is found again; an estimate lowered again starts its age
 * afresh. When the table is full, the oldest entry gives way. Time is an argument.
 */
public final class PathMtuTable {
    /** RFC 791: every host and router takes a datagram of 68 bytes whole. */
    public static final int MINIMUM = 68;
    /** RFC 1191 6.3's suggested lifetime of a lowered estimate. */
    public static final long LIFETIME = 10L * 60 * 1_000_000_000L;
    /** RFC 1191 7: MTUs common on real links, from large to small, for an error without a next-hop MTU. */
    private static final int[] PLATEAUS = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, MINIMUM};

    private final int[] destinations;
    private final int[] mtus;
    private final long[] learntAt;
    private int size;

    public PathMtuTable(int capacity) {
        destinations = new int[capacity];
        mtus = new int[capacity];
        learntAt = new long[capacity];
    }

    /** The path MTU to {@code destination} at {@code now}: the estimate learnt, or {@code linkMtu}. */
    public int mtu(int destination, long now, int linkMtu) {
        int i = find(destination, now);
        return i < 0 ? linkMtu : Math.min(mtus[i], linkMtu);
    }

    /**
     * The MTU a "fragmentation needed" error reports: its next-hop MTU field, or when that is zero
     * (a router older than RFC 1191) the largest plateau below the quoted datagram's total length;
     * 0 when it makes no sense (the datagram it calls too big would have fit it, or no plateau is
     * below it).
     */
    public static int reported(int nextHopMtu, int quotedTotalLength) {
        if (nextHopMtu != 0) {
            return nextHopMtu < quotedTotalLength ? nextHopMtu : 0;
        }
        for (int plateau : PLATEAUS) {
            if (plateau < quotedTotalLength) {
                return plateau;
            }
        }
        return 0;
    }

    /**
     * A validated error says the path to {@code destination} takes at most {@code reported} bytes:
     * the new path MTU when that lowers it, else 0 (not below the current estimate or the link's
     * MTU, or under {@link #MINIMUM}: RFC 1191 3 never raises an estimate on an error).
     */
    public int lower(int destination, int reported, long now, int linkMtu) {
        int i = find(destination, now);
        int current = i < 0 ? linkMtu : mtus[i];
        if (reported < MINIMUM || reported >= current) {
            return 0;
        }
        if (i < 0) {
            i = size < destinations.length ? size++ : oldest();
            destinations[i] = destination;
        }
        mtus[i] = reported;
        learntAt[i] = now;
        return reported;
    }

    /** Entries held (for tests and status). */
    public int size() {
        return size;
    }

    /** The entry for {@code destination}, or -1; an entry past its lifetime is dropped on the way. */
    private int find(int destination, long now) {
        for (int i = 0; i < size; i++) {
            if (destinations[i] != destination) {
                continue;
            }
            if (now - learntAt[i] < LIFETIME) {
                return i;
            }
            size--;
            destinations[i] = destinations[size];
            mtus[i] = mtus[size];
            learntAt[i] = learntAt[size];
            return -1;
        }
        return -1;
    }

    private int oldest() {
        int oldest = 0;
        for (int i = 1; i < size; i++) {
            if (learntAt[i] - learntAt[oldest] < 0) {
                oldest = i;
            }
        }
        return oldest;
    }
}
