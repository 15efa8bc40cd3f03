package teacup.stats;

import java.util.EnumMap;
import java.util.Map;

/**
 * The stack's counters. Written only by the event-loop thread; other threads read a
 * {@link #snapshot()} taken on that thread (or accept slightly stale values).
 */
public final class Statistics {
    private static final Counter[] ALL = Counter.values();
    private final long[] counts = new long[ALL.length];

    public void increment(Counter c) {
        counts[c.ordinal()]++;
    }

    public void add(Counter c, long n) {
        counts[c.ordinal()] += n;
    }

    public long get(Counter c) {
        return counts[c.ordinal()];
    }

    /** Sum of all counters of a kind. */
    public long total(Counter.Kind kind) {
        long sum = 0;
        for (Counter c : ALL) {
            if (c.kind() == kind) {
                sum += counts[c.ordinal()];
            }
        }
        return sum;
    }

    /** Copy of all non-zero counters, in declaration order. */
    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> copy = new EnumMap<>(Counter.class);
        for (Counter c : ALL) {
            if (counts[c.ordinal()] != 0) {
                copy.put(c, counts[c.ordinal()]);
            }
        }
        return copy;
    }

    /** Multi-line report of the non-zero counters, drops last and marked. */
    public static String format(Map<Counter, Long> snapshot) {
        StringBuilder sb = new StringBuilder();
        for (Counter.Kind kind : Counter.Kind.values()) {
            for (Map.Entry<Counter, Long> e : snapshot.entrySet()) {
                if (e.getKey().kind() == kind) {
                    sb.append(String.format("  %10d  %s%s%n", e.getValue(),
                            kind == Counter.Kind.DROPPED ? "dropped: " : "", e.getKey().description()));
                }
            }
        }
        return sb.toString();
    }
}
