package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The timers of TcpLayer: deadlines earliest first, moved and removed in place. */
class DeadlineHeapTest {
    private static final long NONE = Long.MAX_VALUE;

    private static final class Timer extends DeadlineHeap.Member {
        final String name;

        Timer(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name + "@" + deadline();
        }
    }

    private final DeadlineHeap<Timer> heap = new DeadlineHeap<>();

    private Timer at(String name, long deadline) {
        Timer t = new Timer(name);
        heap.schedule(t, deadline);
        return t;
    }

    /** Takes every member out, earliest first, as TcpLayer's poll does. */
    private static List<Timer> drain(DeadlineHeap<Timer> heap) {
        List<Timer> order = new ArrayList<>();
        while (!heap.isEmpty()) {
            Timer t = heap.first();
            order.add(t);
            heap.schedule(t, NONE);
        }
        return order;
    }

    private static List<String> names(List<Timer> timers) {
        return timers.stream().map(t -> t.name).toList();
    }

    @Test
    @DisplayName("the earliest deadline comes first, whatever the order they were given in; an empty heap has none")
    void earliestFirst() {
        assertNull(heap.first());
        assertEquals(NONE, heap.firstDeadline());
        at("a", 30);
        Timer b = at("b", 10);
        at("c", 20);
        assertSame(b, heap.first());
        assertEquals(10, heap.firstDeadline());
        assertEquals(3, heap.size());
        assertEquals(List.of("b", "c", "a"), names(drain(heap)));
        assertTrue(heap.isEmpty());
        assertNull(heap.first());
        assertEquals(NONE, heap.firstDeadline());
    }

    @Test
    @DisplayName("moving a deadline later or earlier re-sorts that member in place")
    void moveDeadline() {
        Timer a = at("a", 10);
        Timer b = at("b", 20);
        Timer c = at("c", 30);
        heap.schedule(a, 40); // later: b is first now
        assertSame(b, heap.first());
        assertEquals(40, a.deadline());
        heap.schedule(c, 5); // earlier: c goes to the top
        assertSame(c, heap.first());
        heap.schedule(c, 5); // the same deadline again changes nothing
        assertEquals(3, heap.size());
        assertEquals(List.of("c", "b", "a"), names(drain(heap)));
    }

    @Test
    @DisplayName("no deadline takes a member out, from the top, the middle or the end; it can come back later")
    void removal() {
        Timer a = at("a", 10);
        Timer b = at("b", 20);
        Timer c = at("c", 30);
        Timer d = at("d", 40);
        heap.schedule(b, NONE);
        assertEquals(NONE, b.deadline());
        assertEquals(3, heap.size());
        heap.schedule(a, NONE);
        assertSame(c, heap.first());
        heap.schedule(d, NONE);
        assertEquals(1, heap.size());
        heap.schedule(b, NONE); // not in the heap: nothing to do
        assertEquals(1, heap.size());
        heap.schedule(b, 25);
        assertEquals(List.of("b", "c"), names(drain(heap)));
        Timer never = at("never", NONE);
        assertTrue(heap.isEmpty(), "a member with no deadline is never in the heap: " + never);
    }

    @Test
    @DisplayName("ten thousand members moved and removed at random come out in deadline order; the heap shrinks once they are gone")
    void manyMembers() {
        SplittableRandom random = new SplittableRandom(7);
        List<Timer> all = new ArrayList<>();
        Map<Timer, Long> model = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            long deadline = random.nextLong(1_000_000);
            all.add(at("t" + i, deadline));
            model.put(all.get(i), deadline);
        }
        int grown = heap.capacity();
        assertTrue(grown >= 10_000, "grew to hold them all: " + grown);
        for (int i = 0; i < 20_000; i++) {
            Timer t = all.get(random.nextInt(all.size()));
            long deadline = random.nextInt(4) == 0 ? NONE : random.nextLong(1_000_000);
            heap.schedule(t, deadline);
            if (deadline == NONE) {
                model.remove(t);
            } else {
                model.put(t, deadline);
            }
        }
        assertEquals(model.size(), heap.size());
        List<Timer> order = drain(heap);
        assertEquals(model.size(), order.size());
        assertEquals(model.keySet(), new HashSet<>(order), "each member still scheduled came out once");
        for (int i = 1; i < order.size(); i++) {
            assertTrue(model.get(order.get(i - 1)) <= model.get(order.get(i)), "in deadline order at " + i);
        }
        assertTrue(heap.capacity() < grown / 8, "gave the room back: " + heap.capacity() + " of " + grown);
        at("again", 1);
        assertEquals(1, heap.size());
    }

    @Test
    @DisplayName("members with the same deadline all come out, each once, in the same order for the same calls")
    void ties() {
        DeadlineHeap<Timer> other = new DeadlineHeap<>();
        List<Timer> mine = new ArrayList<>();
        List<Timer> theirs = new ArrayList<>();
        Map<String, Long> deadlines = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            long deadline = i % 3 == 0 ? 50 : 100;
            mine.add(at("t" + i, deadline));
            Timer t = new Timer("t" + i);
            other.schedule(t, deadline);
            theirs.add(t);
            deadlines.put("t" + i, deadline);
        }
        for (int i = 0; i < 100; i += 7) { // some move to the other tie
            heap.schedule(mine.get(i), 100);
            other.schedule(theirs.get(i), 100);
            deadlines.put("t" + i, 100L);
        }
        List<String> first = names(drain(heap));
        assertEquals(first, names(drain(other)), "the same calls leave the same order");
        assertEquals(100, new HashSet<>(first).size(), "each member once");
        for (int i = 1; i < first.size(); i++) {
            assertTrue(deadlines.get(first.get(i - 1)) <= deadlines.get(first.get(i)), "the 50s before the 100s, at " + i);
        }
        assertEquals(50L, deadlines.get(first.getFirst()));
        assertEquals(100L, deadlines.get(first.getLast()));
    }
}
