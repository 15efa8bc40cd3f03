package teacup.ip;

import java.util.random.RandomGenerator;

/**
 * The IPv4 identification field of the datagrams a stack sends (RFC 6864, RFC 7739). One counter
 * for every peer would let anyone who exchanges packets with the stack count the packets it sends
 * to others (the idle scan that makes a host a "zombie"). Here each datagram draws from one of
 * {@link #BUCKETS} counters chosen by a keyed hash of its destination and protocol, and starts at
 * a keyed offset of its own, so a peer sees only its own bucket move and cannot tell which bucket
 * another address uses. The values stay unique per destination and protocol for as long as RFC
 * 6864 needs them to be (until the counter wraps), which fragmentation and reassembly rely on.
 */
final class Ipv4Identifiers {
    static final int BUCKETS = 1024;

    private final long key;
    private final short[] counters = new short[BUCKETS];

    Ipv4Identifiers(RandomGenerator random) {
        this.key = random.nextLong();
    }

    /** The identification for the next datagram to {@code destination} carrying {@code protocol}. */
    int next(int destination, int protocol) {
        return next(destination, protocol, 1);
    }

    /**
     * The first of {@code count} identifications in a row for datagrams to {@code destination}
     * carrying {@code protocol}: a large TCP segment the link cuts takes one per piece (the cutter
     * numbers them on from the first), so the next datagram does not reuse its pieces' values.
     */
    int next(int destination, int protocol, int count) {
        long h = mix(key ^ ((destination & 0xffffffffL) << 8 | protocol));
        int bucket = (int) (h & (BUCKETS - 1));
        int offset = (int) (h >>> 48);
        int first = (offset + counters[bucket]) & 0xffff;
        counters[bucket] += (short) count;
        return first;
    }

    /**
     * A generator for what needs jitter but no secret (the neighbour table's reachable time), seeded
     * one-way from the key so that it takes no draw of its own from the stack's generator.
     */
    java.util.SplittableRandom derivedRandom() {
        return new java.util.SplittableRandom(mix(key ^ 0x6e65_6967_6862_6f72L) ^ key);
    }

    /** A 64-bit finaliser (SplitMix64's): every input bit moves every output bit; the secret key makes it unguessable. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
