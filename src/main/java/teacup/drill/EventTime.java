package teacup.drill;

/**
 * When a script event happens, in microseconds, as packetdrill writes it: {@code +0.1} relative
 * to the previous event, {@code 0.100} absolute from the start of the script, {@code *} any
 * time, or a range {@code 0.1~0.2} (either end may be relative). {@code end} equals
 * {@code start} when there is no range.
 */
public record EventTime(Kind kind, long startMicros, long endMicros, boolean endRelative) {
    public enum Kind { ABSOLUTE, RELATIVE, ANY }

    public static EventTime absolute(long micros) {
        return new EventTime(Kind.ABSOLUTE, micros, micros, false);
    }

    public static EventTime relative(long micros) {
        return new EventTime(Kind.RELATIVE, micros, micros, true);
    }

    public static final EventTime ANY = new EventTime(Kind.ANY, 0, 0, false);

    public boolean isRange() {
        return endMicros != startMicros || endRelative != (kind == Kind.RELATIVE);
    }

    /** The script time this event starts at, given the time of the event before it. */
    public long start(long previousMicros) {
        return kind == Kind.RELATIVE ? previousMicros + startMicros : startMicros;
    }

    /** The latest script time this event may happen at, given the time of the event before it. */
    public long end(long previousMicros) {
        return endRelative ? previousMicros + endMicros : endMicros;
    }
}
