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
    @DisplayName("RFC 6528, RFC 9293 SHLD-1: different four-tuples and different keys give unrelated ISNs")
    void tuplesAndKeysDiffer() {
        InitialSequenceNumbers isn = new InitialSequenceNumbers(new SplittableRandom(1));
        Set<Integer> seen = new HashSet<>();
        for (int port = 0; port < 1000; port++) {
            seen.add(isn.next(0, 1, port, 3, 80));
        }
        assertEquals(1000, seen.size());
        assertNotEquals(isn.next(0, 1, 2, 3, 4), new InitialSequenceNumbers(new SplittableRandom(2)).next(0, 1, 2, 3, 4));
    }
}
