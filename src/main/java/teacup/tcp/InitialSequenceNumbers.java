package teacup.tcp;

import java.util.random.RandomGenerator;

/**
 * Initial sequence numbers as RFC 9293 3.4.1 (SHLD-1) and RFC 6528 describe: a clock that ticks
 * every 4 microseconds plus a keyed hash of the connection's addresses and ports, so numbers
 * for one four-tuple climb with time (old duplicates stay outside new windows) while an
 * off-path attacker cannot guess another tuple's. The hash is SipHash-2-4 with a key drawn once
 * from the injected generator.
 */
public final class InitialSequenceNumbers {
    private static final long TICK_NANOS = 4_000L;
    /** Sets the timestamp offset's messages apart from the ISN's, whose top 32 bits are zero. */
    private static final long TIMESTAMP_TAG = 0x5473_4f66L << 32; // "TsOf"

    /** The SYN cookie's two hashes, set apart from the ISN's and the timestamp offset's messages by their top 16 bits. */
    private static final long COOKIE_TUPLE_TAG = 0x4331L << 48;   // "C1"
    private static final long COOKIE_COUNTER_TAG = 0x4332L << 48; // "C2"

    private final long k0;
    private final long k1;

    public InitialSequenceNumbers(RandomGenerator random) {
        this.k0 = random.nextLong();
        this.k1 = random.nextLong();
    }

    /** The ISN for a connection from {@code localIp:localPort} to {@code remoteIp:remotePort} at time {@code now}. */
    public int next(long now, int localIp, int localPort, int remoteIp, int remotePort) {
        long m0 = ((long) localIp << 32) | (remoteIp & 0xffffffffL);
        long m1 = ((long) (localPort & 0xffff) << 16) | (remotePort & 0xffff);
        int clock = (int) Math.floorDiv(now, TICK_NANOS);
        return clock + (int) sipHash24(k0, k1, m0, m1);
    }

    /**
     * RFC 7323 5.4 and 7: the offset of our timestamp clock for the connection from
     * {@code localIp:localPort} to {@code remoteIp:remotePort}. A keyed hash of the four-tuple and
     * nothing else: the same tuple always gets the same offset, so with the clock its TSvals climb
     * across incarnations (PAWS at the peer, RFC 6191 reuse), while TSval minus the offset, our
     * uptime, stays hidden. The same key as the ISN, kept apart by a tag in the message (SipHash
     * is a PRF, so the two outputs are independent), unlike the ISN it has no clock term.
     */
    public int timestampOffset(int localIp, int localPort, int remoteIp, int remotePort) {
        long m0 = ((long) localIp << 32) | (remoteIp & 0xffffffffL);
        long m1 = TIMESTAMP_TAG | ((long) (localPort & 0xffff) << 16) | (remotePort & 0xffff);
        return (int) sipHash24(k0, k1, m0, m1);
    }

    /**
     * RFC 4987 3.6: a keyed hash for {@link SynCookies}, of the four-tuple alone ({@code withCounter}
     * false) or of the four-tuple and the cookie's time {@code counter} (its low 16 bits). The key is
     * the ISN's, kept apart by a tag as {@link #timestampOffset} is, so that a stack draws no more
     * from its generator than before.
     */
    int cookieHash(boolean withCounter, int counter, int localIp, int localPort, int remoteIp, int remotePort) {
        long m0 = ((long) localIp << 32) | (remoteIp & 0xffffffffL);
        long m1 = (withCounter ? COOKIE_COUNTER_TAG | ((long) (counter & 0xffff) << 32) : COOKIE_TUPLE_TAG)
                | ((long) (localPort & 0xffff) << 16) | (remotePort & 0xffff);
        return (int) sipHash24(k0, k1, m0, m1);
    }

    /** SipHash-2-4 of a 16-byte message given as two 64-bit little-endian words. */
    static long sipHash24(long k0, long k1, long m0, long m1) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        long[] v = {v0, v1, v2, v3};
        for (long m : new long[] {m0, m1}) {
            v[3] ^= m;
            round(v);
            round(v);
            v[0] ^= m;
        }
        long last = 16L << 56; // message length in the top byte, no tail bytes
        v[3] ^= last;
        round(v);
        round(v);
        v[0] ^= last;
        v[2] ^= 0xff;
        for (int i = 0; i < 4; i++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13);
        v[1] ^= v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17);
        v[1] ^= v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }
}
