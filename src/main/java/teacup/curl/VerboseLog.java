package teacup.curl;

import java.io.PrintStream;

/**
 * curl's {@code -v} lines on stderr: {@code * } for what the tool is doing, {@code > } for each
 * request header line sent and {@code < } for each response header line received. Disabled, it
 * prints nothing.
 */
final class VerboseLog {
    private final PrintStream err;
    private final boolean enabled;

    VerboseLog(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    boolean enabled() {
        return enabled;
    }

    void info(String line) {
        if (enabled) {
            err.println("* " + line);
        }
    }

    void sent(String line) {
        if (enabled) {
            err.println(line.isEmpty() ? ">" : "> " + line);
        }
    }

    void received(String line) {
        if (enabled) {
            err.println(line.isEmpty() ? "<" : "< " + line);
        }
    }
}
