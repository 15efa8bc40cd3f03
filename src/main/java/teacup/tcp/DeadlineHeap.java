package teacup.tcp;

import java.util.Arrays;

/**
 * Timers as deadlines, earliest first: a binary min-heap whose members carry their own deadline
 * and their place in the heap, so that moving a member's deadline or taking it out costs a sift
 * (O(log n)) with no search and nothing allocated. A member whose deadline is
 * {@code Long.MAX_VALUE} (none) is not in the heap. Members with the same deadline come out in
 * an order the heap does not promise, but the same calls always leave the same order, so runs
 * that replay from a seed stay the same. Owned by one thread, like the connections it times.
 */
final class DeadlineHeap<M extends DeadlineHeap.Member> {
    /** What the heap keeps in each of its members; only the heap changes it. */
    abstract static class Member {
        private long deadline = Long.MAX_VALUE;
        private int index = -1;

        /** When this member is due (Long.MAX_VALUE: never, and not in the heap). */
        final long deadline() {
            return deadline;
        }
    }

    private static final int INITIAL_CAPACITY = 64;
    private Member[] heap = new Member[INITIAL_CAPACITY];
    private int size;

    /** Gives {@code member} a new deadline, adding it to the heap or taking it out (Long.MAX_VALUE) as needed. */
    void schedule(M member, long deadline) {
        Member m = member; // the heap's own fields, which a type variable does not reach
        if (deadline == m.deadline) {
            return;
        }
        long old = m.deadline;
        m.deadline = deadline;
        if (m.index < 0) {
            if (deadline != Long.MAX_VALUE) {
                if (size == heap.length) {
                    heap = Arrays.copyOf(heap, size * 2);
                }
                m.index = size;
                heap[size++] = m;
                siftUp(m.index);
            }
            return;
        }
        if (deadline == Long.MAX_VALUE) {
            removeAt(m.index);
        } else if (deadline < old) {
            siftUp(m.index);
        } else {
            siftDown(m.index);
        }
    }

    /** The member due first, or null when the heap is empty. */
    @SuppressWarnings("unchecked")
    M first() {
        return size == 0 ? null : (M) heap[0];
    }

    /** The earliest deadline (Long.MAX_VALUE: none). */
    long firstDeadline() {
        return size == 0 ? Long.MAX_VALUE : heap[0].deadline;
    }

    /** Members with a deadline. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Room for members before the heap grows again (it shrinks after a burst has gone). */
    int capacity() {
        return heap.length;
    }

    private void removeAt(int i) {
        Member gone = heap[i];
        gone.index = -1;
        Member last = heap[--size];
        heap[size] = null;
        if (i < size) {
            heap[i] = last;
            last.index = i;
            siftDown(i);
            siftUp(last.index);
        }
        if (size * 8 < heap.length && heap.length > INITIAL_CAPACITY) {
            heap = Arrays.copyOf(heap, heap.length / 2); // after a burst of TIME-WAITs, as the connection table does
        }
    }

    private void siftUp(int i) {
        Member m = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Member p = heap[parent];
            if (p.deadline <= m.deadline) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = m;
        m.index = i;
    }

    private void siftDown(int i) {
        Member m = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1].deadline < heap[child].deadline) {
                child++;
            }
            Member c = heap[child];
            if (m.deadline <= c.deadline) {
                break;
            }
            heap[i] = c;
            c.index = i;
            i = child;
        }
        heap[i] = m;
        m.index = i;
    }
}
