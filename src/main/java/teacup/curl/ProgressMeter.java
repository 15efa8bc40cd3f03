package teacup.curl;

import java.io.PrintStream;
import java.util.Objects;

/**
 * curl's progress meter, for a body that goes to a file: two heading lines, then one line that
 * is rewritten in place (carriage return) at most once a second and ended with a newline when
 * the transfer is over. Time is passed in ({@code now}, nanoseconds), so tests need no clock.
 *
 * <p>Columns as curl has them: percent and size of the total, of what was received and of
 * what was sent (teacup curl reports downloads only, so the upload columns stay 0), average
 * download and upload speeds, total, spent and left time, and the current speed.
 */
final class ProgressMeter {
    static final String HEADING = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
            + "                                 Dload  Upload   Total   Spent    Left  Speed\n";
    private static final long SECOND = 1_000_000_000L;

    private final PrintStream out;
    private final long start;
    private long total = -1;
    private long received;
    private long lastPrint;
    private long lastPrintReceived;
    private long currentSpeed;
    private boolean started;
    private boolean finished;

    ProgressMeter(PrintStream out, long now) {
        this.out = Objects.requireNonNull(out, "out");
        this.start = now;
        this.lastPrint = now;
    }

    /** The body's length once the response says it (Content-Length), or -1 when it does not. */
    void expect(long totalBytes) {
        total = totalBytes;
    }

    /** Prints the heading and a first line at once, as curl does before any byte arrives. */
    void begin(long now) {
        if (!started) {
            started = true;
            out.print(HEADING);
            print(now);
        }
    }

    /** {@code count} more bytes arrived; rewrites the line when a second has passed since the last. */
    void received(long now, long count) {
        received += count;
        begin(now);
        if (now - lastPrint >= SECOND) {
            currentSpeed = (received - lastPrintReceived) * SECOND / Math.max(1, now - lastPrint);
            lastPrint = now;
            lastPrintReceived = received;
            print(now);
        }
    }

    /** Prints the final line and ends it; later calls do nothing. */
    void finish(long now) {
        if (finished) {
            return;
        }
        begin(now);
        finished = true;
        if (now > lastPrint) {
            currentSpeed = (received - lastPrintReceived) * SECOND / Math.max(1, now - lastPrint);
        }
        print(now);
        out.print('\n');
        out.flush();
    }

    long receivedBytes() {
        return received;
    }

    private void print(long now) {
        out.print(line(now));
        out.flush();
    }

    /** The meter's line at {@code now}, starting with the carriage return that rewrites it. */
    String line(long now) {
        long spentNanos = Math.max(0, now - start);
        long average = spentNanos == 0 ? 0 : (long) (received * (double) SECOND / spentNanos);
        long known = Math.max(total, 0);
        int percent = total > 0 ? (int) Math.min(100, received * 100 / total) : (total == 0 && finished ? 100 : 0);
        String totalTime = "--:--:--";
        String left = "--:--:--";
        if (total > 0 && average > 0) {
            long totalSeconds = total / average;
            totalTime = time(totalSeconds);
            left = time(Math.max(0, totalSeconds - spentNanos / SECOND));
        }
        return String.format("\r%3d %s  %3d %s  %3d %s  %s  %s %s %s %s %s",
                percent, size(known), percent, size(received), 0, size(0),
                size(average), size(0), totalTime, time(spentNanos / SECOND), left, size(currentSpeed));
    }

    /** A byte count in five columns, the way curl shrinks it: 12345, 1205k, 20.0M, 1234M, 12.3G... */
    static String size(long bytes) {
        final long k = 1024;
        final long m = k * k;
        final long g = m * k;
        if (bytes < 100_000) {
            return String.format("%5d", bytes);
        }
        if (bytes < 10_000 * k) {
            return String.format("%4dk", bytes / k);
        }
        if (bytes < 100 * m) {
            return String.format("%2d.%dM", bytes / m, (bytes % m) * 10 / m);
        }
        if (bytes < 10_000 * m) {
            return String.format("%4dM", bytes / m);
        }
        if (bytes < 100 * g) {
            return String.format("%2d.%dG", bytes / g, (bytes % g) * 10 / g);
        }
        if (bytes < 10_000 * g) {
            return String.format("%4dG", bytes / g);
        }
        return String.format("%4dT", bytes / (g * k));
    }

    /** Seconds as h:mm:ss in eight columns (dashes under a second, as curl has it); beyond 99 hours as days and hours. */
    static String time(long seconds) {
        if (seconds <= 0) {
            return "--:--:--";
        }
        long h = seconds / 3600;
        if (h <= 99) {
            return String.format("%2d:%02d:%02d", h, (seconds / 60) % 60, seconds % 60);
        }
        long days = h / 24;
        if (days <= 999) {
            return String.format("%3dd %02dh", days, h % 24);
        }
        return String.format("%7dd", days);
    }
}
