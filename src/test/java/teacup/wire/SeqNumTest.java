package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SeqNumTest {
    private static final int TOP = 0xffffff00;

    @Test
    @DisplayName("RFC 9293 3.4: comparison wraps around 2^32")
    void comparisonWraps() {
        assertTrue(SeqNum.lt(TOP, 0x10), "0xffffff00 is before 0x10, 0x110 ahead of it");
        assertTrue(SeqNum.gt(0x10, TOP));
        assertTrue(SeqNum.le(TOP, 0x10));
        assertTrue(SeqNum.ge(0x10, TOP));
        assertFalse(SeqNum.lt(0x10, TOP));
        assertTrue(SeqNum.le(5, 5));
        assertTrue(SeqNum.ge(5, 5));
        assertFalse(SeqNum.lt(5, 5));
        assertFalse(SeqNum.gt(5, 5));
        assertTrue(SeqNum.lt(Integer.MAX_VALUE, Integer.MIN_VALUE), "the sign bit is just another bit");
        assertEquals(0x10, SeqNum.add(TOP, 0x110));
        assertEquals(0x110, SeqNum.diff(0x10, TOP));
        assertEquals(-0x110, SeqNum.diff(TOP, 0x10));
        assertEquals(0x10, SeqNum.max(TOP, 0x10));
        assertEquals(TOP, SeqNum.min(TOP, 0x10));
        assertEquals("4294967040", SeqNum.toString(TOP));
    }

    @Test
    @DisplayName("RFC 9293 3.4: acceptability tests across the wrap")
    void rangesAcrossTheWrap() {
        // RCV.NXT = 0xffffff00, RCV.WND = 0x200: 0xffffff00..0x000000ff are acceptable.
        assertTrue(SeqNum.inWindow(TOP, TOP, 0x200));
        assertTrue(SeqNum.inWindow(0xff, TOP, 0x200));
        assertFalse(SeqNum.inWindow(0x100, TOP, 0x200));
        assertFalse(SeqNum.inWindow(TOP - 1, TOP, 0x200));
        assertFalse(SeqNum.inWindow(TOP, TOP, 0), "a zero window accepts no sequence number");
        assertTrue(SeqNum.between(TOP, 0, 0x100));
        assertFalse(SeqNum.between(TOP, 0x100, 0x100), "the high end is excluded");
        assertFalse(SeqNum.between(7, 7, 7), "an empty range");
        // SND.UNA < SEG.ACK =< SND.NXT
        assertFalse(SeqNum.betweenExclusiveInclusive(TOP, TOP, 0x10), "an ACK of SND.UNA acknowledges nothing new");
        assertTrue(SeqNum.betweenExclusiveInclusive(TOP, 0, 0x10));
        assertTrue(SeqNum.betweenExclusiveInclusive(TOP, 0x10, 0x10));
        assertFalse(SeqNum.betweenExclusiveInclusive(TOP, 0x11, 0x10), "an ACK of unsent data");
    }

    @Property
    @Label("a is before a + d for every 0 < d < 2^31")
    void aheadIsGreater(@ForAll int a, @ForAll @IntRange(min = 1) int d) {
        int b = SeqNum.add(a, d);
        assertTrue(SeqNum.lt(a, b));
        assertTrue(SeqNum.le(a, b));
        assertTrue(SeqNum.gt(b, a));
        assertTrue(SeqNum.ge(b, a));
        assertFalse(SeqNum.lt(b, a));
        assertFalse(SeqNum.ge(a, b));
        assertEquals(d, SeqNum.diff(b, a));
        assertEquals(-d, SeqNum.diff(a, b));
        assertEquals(b, SeqNum.max(a, b));
        assertEquals(a, SeqNum.min(b, a));
    }

    @Property
    @Label("between(low, low + k, low + size) exactly when k < size, for any low")
    void betweenIsExactOnTheCircle(@ForAll int low, @ForAll int k, @ForAll int size) {
        boolean inside = Integer.compareUnsigned(k, size) < 0;
        assertEquals(inside, SeqNum.between(low, low + k, low + size));
        assertEquals(inside, SeqNum.inWindow(low + k, low, size));
        boolean insideExclusiveInclusive = k != 0 && Integer.compareUnsigned(k, size) <= 0;
        assertEquals(insideExclusiveInclusive, SeqNum.betweenExclusiveInclusive(low, low + k, low + size));
    }

    @Property
    void orderIsAntisymmetricAwayFromHalfTheCircle(@ForAll int a, @ForAll int b) {
        if (a - b != Integer.MIN_VALUE) {
            if (a != b) {
                assertTrue(SeqNum.lt(a, b) ^ SeqNum.lt(b, a));
            }
            assertEquals(a == b, SeqNum.le(a, b) && SeqNum.ge(a, b));
        }
    }

    @Test
    void exactlyHalfTheCircleApartIsUndefinedAndSaysBoth() {
        int a = 12345;
        int b = a + Integer.MIN_VALUE;
        assertTrue(SeqNum.lt(a, b) && SeqNum.lt(b, a), "documented: no order exists at 2^31");
    }
}
