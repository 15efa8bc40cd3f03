package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class AssemblerTest {

    @Test
    void inOrderDataIsReleasedAtOnce() {
        Assembler a = new Assembler(4);
        assertTrue(a.add(0, 100));
        assertEquals(100, a.takeFront());
        assertTrue(a.isEmpty());
    }

    @Test
    void holeHoldsDataBackUntilFilled() {
        Assembler a = new Assembler(4);
        a.add(100, 50);
        a.add(200, 10);
        assertEquals(0, a.takeFront());
        assertEquals("[100-150 200-210]", a.toString());
        a.add(0, 100);
        assertEquals(150, a.takeFront());
        assertEquals("[50-60]", a.toString());
    }

    @Test
    void overlapsAndDuplicatesMerge() {
        Assembler a = new Assembler(4);
        a.add(10, 10);
        a.add(30, 10);
        a.add(15, 20);
        assertEquals("[10-40]", a.toString());
        a.add(10, 30);
        a.add(40, 5); // touching merges too
        assertEquals("[10-45]", a.toString());
    }

    @Test
    void refusesANewRangeBeyondTheBound() {
        Assembler a = new Assembler(2);
        assertTrue(a.add(10, 1));
        assertTrue(a.add(20, 1));
        assertFalse(a.add(30, 1));
        assertEquals("[10-11 20-21]", a.toString());
        assertTrue(a.add(11, 9), "filling between two ranges needs no new one");
        assertEquals("[10-21]", a.toString());
    }

    @Test
    void shiftDropsWhatFallsBelowZero() {
        Assembler a = new Assembler(4);
        a.add(10, 10);
        a.add(30, 10);
        a.shift(15);
        assertEquals("[0-5 15-25]", a.toString());
    }

    /** Against a bitmap model: after any sequence of adds, the ranges are exactly the bytes seen. */
    @Property(tries = 500)
    void matchesBitmapModel(@ForAll @Size(max = 40) List<@IntRange(min = 0, max = 400) Integer> offsets,
                            @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 60) Integer> lengths) {
        Assembler a = new Assembler(64);
        BitSet model = new BitSet();
        for (int k = 0; k < Math.min(offsets.size(), lengths.size()); k++) {
            int off = offsets.get(k) + 1; // keep byte 0 missing so nothing is released
            int len = lengths.get(k);
            assertTrue(a.add(off, len));
            model.set(off, off + len);
        }
        BitSet seen = new BitSet();
        for (int i = 0; i < a.rangeCount(); i++) {
            assertTrue(a.rangeStart(i) < a.rangeEnd(i), "non-empty");
            if (i > 0) {
                assertTrue(a.rangeEnd(i - 1) < a.rangeStart(i), "sorted, disjoint and not touching: " + a);
            }
            seen.set(a.rangeStart(i), a.rangeEnd(i));
        }
        assertEquals(model, seen);
        assertEquals(0, a.takeFront());
        a.add(0, 1);
        assertEquals(model.nextClearBit(1), a.takeFront());
    }
}
