package teacup.time;

/**
 * Monotonic time in nanoseconds. The protocol core never reads time itself; it is handed a
 * {@code now} taken from a Clock by the event-loop driver, so tests can substitute a simulated one.
 */
@FunctionalInterface
public interface Clock {
    long nanos();

    Clock SYSTEM = System::nanoTime;
}
