package teacup.interop;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What wrk printed at the end of a run, parsed: requests and their rate, bytes per second,
 * latency (mean, and the 50th and 99th percentiles when it ran with {@code --latency}), socket
 * errors by kind, and the responses outside 2xx/3xx. wrk prints the errors and the non-2xx/3xx
 * line only when there were some; absent, they are zero here.
 */
record WrkReport(long requests, double seconds, double requestsPerSecond, String transferPerSecond,
                 String latencyMean, String latencyMax, String latency50, String latency99,
                 long connectErrors, long readErrors, long writeErrors, long timeouts, long non2xx3xx) {
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(m?s|m)\\b");
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern TRANSFER = Pattern.compile("Transfer/sec:\\s+(\\S+)");
    /** The thread statistics' latency line: mean, standard deviation, maximum. */
    private static final Pattern LATENCY = Pattern.compile("^\\s*Latency\\s+(\\S+)\\s+\\S+\\s+(\\S+)", Pattern.MULTILINE);
    private static final Pattern P50 = Pattern.compile("^\\s*50%\\s+(\\S+)", Pattern.MULTILINE);
    private static final Pattern P99 = Pattern.compile("^\\s*99%\\s+(\\S+)", Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    /** Parses wrk's output; throws IllegalArgumentException when it has no summary (wrk failed). */
    static WrkReport parse(String output) {
        Matcher requests = REQUESTS.matcher(output);
        Matcher rate = RATE.matcher(output);
        if (!requests.find() || !rate.find()) {
            throw new IllegalArgumentException("no summary in wrk's output:\n" + output);
        }
        double seconds = Double.parseDouble(requests.group(2));
        seconds = switch (requests.group(3)) {
            case "ms" -> seconds / 1000;
            case "m" -> seconds * 60;
            default -> seconds;
        };
        Matcher errors = SOCKET_ERRORS.matcher(output);
        boolean anyErrors = errors.find();
        Matcher non2xx = NON_2XX.matcher(output);
        Matcher latency = LATENCY.matcher(output);
        boolean anyLatency = latency.find();
        return new WrkReport(Long.parseLong(requests.group(1)), seconds, Double.parseDouble(rate.group(1)),
                first(TRANSFER, output), anyLatency ? latency.group(1) : "-", anyLatency ? latency.group(2) : "-",
                first(P50, output), first(P99, output),
                anyErrors ? Long.parseLong(errors.group(1)) : 0, anyErrors ? Long.parseLong(errors.group(2)) : 0,
                anyErrors ? Long.parseLong(errors.group(3)) : 0, anyErrors ? Long.parseLong(errors.group(4)) : 0,
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0);
    }

    private static String first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : "-";
    }

    long socketErrors() {
        return connectErrors + readErrors + writeErrors + timeouts;
    }

    @Override
    public String toString() {
        return String.format("%d requests in %.2f s, %.0f requests/s, %s/s, latency mean %s max %s p50 %s p99 %s, "
                        + "socket errors connect %d read %d write %d timeout %d, non-2xx/3xx %d",
                requests, seconds, requestsPerSecond, transferPerSecond, latencyMean, latencyMax, latency50, latency99,
                connectErrors, readErrors, writeErrors, timeouts, non2xx3xx);
    }
}
