package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ConnectionTable")
class ConnectionTableTest {
    @Test
    @DisplayName("after a burst of 20,000 connections the table gives its slots back as they go")
    void shrinksAfterABurst() {
        ConnectionTable<Long> table = new ConnectionTable<>(7);
        int startCapacity = table.capacity();
        for (long k = 0; k < 20_000; k++) {
            table.put(k << 16 | 80, k);
        }
        assertTrue(table.capacity() >= 40_000, "capacity " + table.capacity());
        for (long k = 0; k < 20_000; k++) {
            assertEquals(k, table.remove(k << 16 | 80));
            assertTrue(table.capacity() <= Math.max(startCapacity, 8 * table.size() + 8), "capacity " + table.capacity()
                    + " for " + table.size() + " entries");
        }
        assertEquals(0, table.size());
        assertEquals(startCapacity, table.capacity());
    }

    @Test
    @DisplayName("growing and shrinking over and over, it agrees with a HashMap")
    void growAndShrinkAgreeWithHashMap() {
        ConnectionTable<Long> table = new ConnectionTable<>(11);
        Map<Long, Long> reference = new HashMap<>();
        SplittableRandom r = new SplittableRandom(3);
        for (int round = 0; round < 6; round++) {
            boolean filling = round % 2 == 0;
            for (int i = 0; i < 30_000; i++) {
                long key = r.nextInt(8000) * 0x1_0000_0001L; // collisions in the low bits on purpose
                if (filling ? r.nextInt(4) == 0 : r.nextInt(4) != 0) {
                    assertEquals(reference.remove(key), table.remove(key));
                } else {
                    assertEquals(reference.put(key, (long) i), table.put(key, (long) i));
                }
            }
            for (long k = 0; k < 8000; k++) {
                assertEquals(reference.get(k * 0x1_0000_0001L), table.get(k * 0x1_0000_0001L));
            }
            assertEquals(reference.size(), table.size());
        }
    }

    @Test
    @DisplayName("clear empties the table and returns it to its smallest size")
    void clearShrinks() {
        ConnectionTable<Long> table = new ConnectionTable<>(5);
        int startCapacity = table.capacity();
        for (long k = 0; k < 1000; k++) {
            table.put(k, k);
        }
        table.clear();
        assertEquals(0, table.size());
        assertEquals(startCapacity, table.capacity());
        assertNull(table.get(5));
        table.put(5, 6L);
        assertEquals(6L, table.get(5));
    }
}
