package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InitialSequenceNumbersTest {

    @Test
    @DisplayName("SipHash-2-4 matches the reference test vector for a 16-byte message")
    void sipHashReferenceVector() {
        // Reference vectors from the SipHash paper's appendix: key 00..0f, message 00..0f (16 bytes).
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        long m0 = 0x0706050403020100L;
        long m1 = 0x0f0e0d0c0b0a0908L;
        assertEquals(0x3f2acc7f57c29bdbL, InitialSequenceNumbers.sipHash24(k0, k1, m0, m1));
    }

    @Test
    @DisplayName("RFC 9293 3.4.1 MUST-8: for one four-tuple the ISN advances with a 4 microsecond clock")
    void advancesWithTime() {
        InitialSequenceNumbers isn = new InitialSequenceNumbers(new SplittableRandom(1));
        int a = isn.next(0, 1, 2, 3, 4);
        assertEquals(a + 1, isn.next(4_000, 1, 2, 3, 4));
        assertEquals(a + 250_000, isn.next(1_000_000_000L, 1, 2, 3, 4));
    }

    @Test
    @DisplayName("RFC 6528, RFC 9293 SHLD-1, MUST-9: different four-tuples and different secret keys give unrelated ISNs")
    void tuplesAndKeysDiffer() {
        InitialSequenceNumbers isn = new InitialSequenceNumbers(new SplittableRandom(1));
        Set<Integer> seen = new HashSet<>();
        for (int port = 0; port < 1000; port++) {
            seen.add(isn.next(0, 1, port, 3, 80));
        }
        assertEquals(1000, seen.size());
        assertNotEquals(isn.next(0, 1, 2, 3, 4), new InitialSequenceNumbers(new SplittableRandom(2)).next(0, 1, 2, 3, 4));
    }

    @Test
    @DisplayName("RFC 7323 5.4: the timestamp offset is a keyed function of the four-tuple alone: the same tuple, the same offset")
    void timestampOffsetIsPerTuple() {
        InitialSequenceNumbers isn = new InitialSequenceNumbers(new SplittableRandom(1));
        int offset = isn.timestampOffset(1, 40000, 3, 80);
        assertEquals(offset, isn.timestampOffset(1, 40000, 3, 80), "no clock term: every incarnation of the tuple starts the same");
        Set<Integer> seen = new HashSet<>();
        for (int port = 0; port < 1000; port++) {
            seen.add(isn.timestampOffset(1, port, 3, 80));
        }
        assertEquals(1000, seen.size(), "different four-tuples, different offsets");
        assertNotEquals(offset, isn.timestampOffset(1, 40000, 4, 80));
        assertNotEquals(offset, isn.timestampOffset(2, 40000, 3, 80));
        assertNotEquals(offset, isn.timestampOffset(1, 40000, 3, 81));
    }

    @Test
    @DisplayName("RFC 7323 7: the timestamp offset is secret (keyed) and unrelated to the ISN, so TSval reveals no uptime")
    void timestampOffsetIsKeyedAndApartFromTheIsn() {
        InitialSequenceNumbers isn = new InitialSequenceNumbers(new SplittableRandom(1));
        InitialSequenceNumbers other = new InitialSequenceNumbers(new SplittableRandom(2));
        assertNotEquals(isn.timestampOffset(1, 2, 3, 4), other.timestampOffset(1, 2, 3, 4), "another key, another offset");
        // The ISN's hash part (its value at time 0) and the offset are separate outputs of the PRF.
        assertNotEquals(isn.next(0, 1, 2, 3, 4), isn.timestampOffset(1, 2, 3, 4));
        int disagreements = 0;
        for (int port = 0; port < 1000; port++) {
            int isnHash = isn.next(0, 1, port, 3, 80);
            if (isn.timestampOffset(1, port, 3, 80) != Integer.rotateLeft(isnHash, 11) * 0x9E3779B1) {
                disagreements++;
            }
        }
        assertEquals(1000, disagreements, "the offset is no function of the public ISN (it used to be)");
    }
}
