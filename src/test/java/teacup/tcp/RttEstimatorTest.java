package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RttEstimatorTest {
    static final long MS = 1_000_000L;

    @Test
    @DisplayName("RFC 6298 2.1: the RTO is one second before any measurement")
    void initialRto() {
        assertEquals(1000 * MS, new RttEstimator().rto());
    }

    @Test
    @DisplayName("RFC 6298 2.2: the first sample sets SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR")
    void firstSample() {
        RttEstimator e = new RttEstimator(MS, 60_000 * MS);
        e.sample(100 * MS);
        assertEquals(100 * MS, e.srtt());
        assertEquals(50 * MS, e.rttvar());
        assertEquals(300 * MS, e.rto());
    }

    @Test
    @DisplayName("RFC 6298 2.3: later samples smooth with alpha 1/8 and beta 1/4")
    void laterSamples() {
        RttEstimator e = new RttEstimator(MS, 60_000 * MS);
        e.sample(100 * MS);
        e.sample(200 * MS);
        // RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5
        assertEquals(62_500_000L, e.rttvar());
        assertEquals(112_500_000L, e.srtt());
        assertEquals(112_500_000L + 4 * 62_500_000L, e.rto());
    }

    @Test
    @DisplayName("RFC 6298 2.4: the RTO never goes below the configured minimum")
    void minimum() {
        RttEstimator e = new RttEstimator();
        e.sample(MS);
        assertEquals(RttEstimator.DEFAULT_MIN_RTO, e.rto());
    }

    @Test
    @DisplayName("RFC 6298 5.5, RFC 9293 MUST-19: each expiry doubles the RTO up to the maximum; a new sample resets it")
    void backoff() {
        RttEstimator e = new RttEstimator(MS, 5000 * MS);
        e.sample(100 * MS);
        e.backOff();
        assertEquals(600 * MS, e.rto());
        for (int i = 0; i < 10; i++) {
            e.backOff();
        }
        assertEquals(5000 * MS, e.rto());
        assertEquals(11, e.backoffCount());
        e.sample(100 * MS);
        assertEquals(0, e.backoffCount());
        assertTrue(e.rto() < 5000 * MS);
    }

    @Test
    void rejectsBadBounds() {
        assertThrows(IllegalArgumentException.class, () -> new RttEstimator(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RttEstimator(10, 5));
    }

    @Property
    void rtoStaysWithinBounds(@ForAll @Size(max = 50) java.util.List<@LongRange(min = 0, max = 100_000_000_000L) Long> samples,
                              @ForAll @LongRange(min = 0, max = 20) long backoffs) {
        RttEstimator e = new RttEstimator();
        samples.forEach(e::sample);
        for (long i = 0; i < backoffs; i++) {
            e.backOff();
        }
        assertTrue(e.rto() >= RttEstimator.DEFAULT_MIN_RTO && e.rto() <= RttEstimator.DEFAULT_MAX_RTO, "rto " + e.rto());
    }
}
