package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Statistics;

/** The cookie itself: what it encodes, for how long, and how rarely a guess passes. */
class SynCookiesTest {
    static final long PERIOD = 1L << 36;
    final SynCookies cookies = new SynCookies(new InitialSequenceNumbers(new SplittableRandom(9)), new Statistics(),
            new SegmentOutput() {
                @Override
                public void segment(TcpConnection connection, OutboundSegment segment) {
                }
            });
    static final int US = 0xC612_0002;
    static final int PEER = 0xC612_0001;

    @Test
    @DisplayName("RFC 4987 3.6: every MSS index comes back from its cookie, in the cookie's period and the next, not after, not for a neighbouring ISS or peer ISN")
    void encodesIndexForTwoPeriods() {
        long now = 77 * PERIOD + 12345;
        for (int index = 0; index < SynCookies.MSS_TABLE.length; index++) {
            int iss = cookies.encode(now, US, 80, PEER, 40000, 1000, index);
            assertEquals(index, cookies.decode(now, US, 80, PEER, 40000, 1000, iss));
            assertEquals(index, cookies.decode(now + PERIOD, US, 80, PEER, 40000, 1000, iss));
            assertEquals(-1, cookies.decode(now + 2 * PERIOD, US, 80, PEER, 40000, 1000, iss));
            assertEquals(-1, cookies.decode(now - PERIOD, US, 80, PEER, 40000, 1000, iss), "not before it was made");
            assertEquals(-1, cookies.decode(now, US, 80, PEER, 40000, 1001, iss), "another peer ISN");
            assertEquals(-1, cookies.decode(now, US, 80, PEER, 40000, 999, iss), "another peer ISN");
            assertEquals(-1, cookies.decode(now, US, 80, PEER, 40000, 1000, iss + 1), "a neighbouring ISS");
            assertEquals(-1, cookies.decode(now, US, 80, PEER, 40000, 1000, iss - 1), "a neighbouring ISS");
            assertEquals(-1, cookies.decode(now, US, 80, PEER, 40001, 1000, iss), "another port");
            assertEquals(-1, cookies.decode(now, US, 80, PEER + 1, 40000, 1000, iss), "another address");
        }
    }

    @Test
    @DisplayName("RFC 4987 3.6: of 1,000,000 guessed cookies about 1 in 2^21 per period passes, and cookies differ per key")
    void guessesFail() {
        SplittableRandom r = new SplittableRandom(1);
        long now = 5 * PERIOD;
        int passed = 0;
        for (int i = 0; i < 1_000_000; i++) {
            if (cookies.decode(now, US, 80, PEER, 40000, 1000, r.nextInt()) >= 0) {
                passed++;
            }
        }
        int guessed = passed;
        assertTrue(guessed <= 3, () -> "guesses passed: " + guessed); // 2 periods x 10^6 / 2^21 is about 1
        SynCookies other = new SynCookies(new InitialSequenceNumbers(new SplittableRandom(10)), new Statistics(),
                new SegmentOutput() {
                    @Override
                    public void segment(TcpConnection connection, OutboundSegment segment) {
                    }
                });
        assertNotEquals(cookies.encode(now, US, 80, PEER, 40000, 1000, 3), other.encode(now, US, 80, PEER, 40000, 1000, 3));
    }

    @Test
    @DisplayName("RFC 4987 3.6: the MSS table rounds down; the TSval carrying the option bits never moves forward, and by less than 32")
    void tableAndTimestamp() {
        assertEquals(-1, SynCookies.mssIndex(255));
        assertEquals(256, SynCookies.MSS_TABLE[SynCookies.mssIndex(500)]);
        assertEquals(536, SynCookies.MSS_TABLE[SynCookies.mssIndex(536)]);
        assertEquals(1460, SynCookies.MSS_TABLE[SynCookies.mssIndex(1460)]);
        assertEquals(1460, SynCookies.MSS_TABLE[SynCookies.mssIndex(8000)]);
        assertEquals(8960, SynCookies.MSS_TABLE[SynCookies.mssIndex(9000)]);
        for (int ts : new int[] {0, 31, 32, 1000, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            for (int bits = 0; bits < 32; bits++) {
                int carrying = SynCookies.timestampCarrying(ts, bits);
                assertEquals(bits, carrying & 0x1f);
                int back = ts - carrying;
                assertTrue(back >= 0 && back < 32, ts + " " + bits + " -> " + carrying);
            }
        }
    }
}
