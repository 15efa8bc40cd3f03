package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The assembler makes room for ranges as they come, up to its bound, and no further. */
@DisplayName("Assembler room")
class AssemblerGrowthTest {
    @Test
    @DisplayName("64 disjoint ranges arriving in reverse order are all kept, the 65th is refused")
    void growsToItsBoundAndNoFurther() {
        Assembler a = new Assembler(64);
        for (int i = 63; i >= 0; i--) {
            assertTrue(a.add(10 + 20 * i, 10), "range " + i);
        }
        assertEquals(64, a.rangeCount());
        for (int i = 0; i < 64; i++) {
            assertEquals(10 + 20 * i, a.rangeStart(i));
            assertEquals(20 + 20 * i, a.rangeEnd(i));
        }
        assertFalse(a.add(5000, 1), "a 65th range");
        assertTrue(a.add(20, 10), "a range that joins two others needs no room");
        assertEquals(63, a.rangeCount());
        assertTrue(a.add(0, 10));
        assertEquals(40, a.takeFront());
        assertEquals(62, a.rangeCount());
        assertEquals(10, a.rangeStart(0));
    }
}
