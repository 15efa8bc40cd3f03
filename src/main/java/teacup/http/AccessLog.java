package teacup.http;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One line per request, in the Common Log Format with the user agent and the time taken added:
 * <pre>
 * 198.18.0.1 - - [24/Nov/2026:22:10:00 +0000] "GET /big.bin HTTP/1.1" 200 20971520 "curl/8.5.0" 1234ms
 * </pre>
 * Fields a client controls (request line, user agent) are quoted with {@code "} and {@code \}
 * escaped and every byte outside printable ASCII written as {@code \xHH}, so a hostile request
 * cannot forge a second line or break a parser of the log. A missing field is {@code -}, and so
 * is a body of no bytes, as in the Common Log Format.
 */
public final class AccessLog {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

    private static final AccessLog DISCARD = new AccessLog();

    private final Consumer<String> sink;

    /** A log that hands each line (without its line end) to {@code sink}, which must be thread-safe. */
    public AccessLog(Consumer<String> sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    private AccessLog() {
        this.sink = null;
    }

    /** False for {@link #discard()}: the server then skips what only the log needs (the time of day, the line). */
    public boolean enabled() {
        return sink != null;
    }

    /** A log printing to {@code out}, one {@code println} per line so that lines never interleave. */
    public static AccessLog to(PrintStream out) {
        return new AccessLog(out::println);
    }

    /** A log that writes nothing ({@code --quiet}). */
    public static AccessLog discard() {
        return DISCARD;
    }

    /**
     * Logs one exchange. {@code requestLine} and {@code userAgent} may be null (the request never
     * parsed); {@code bytes} is what was sent of the body.
     */
    public void log(String client, ZonedDateTime start, String requestLine, int status, long bytes, String userAgent,
            Duration took) {
        if (sink == null) {
            return;
        }
        sink.accept(format(client, start, requestLine, status, bytes, userAgent, took));
    }

    /** The line {@link #log} writes. */
    public static String format(String client, ZonedDateTime start, String requestLine, int status, long bytes,
            String userAgent, Duration took) {
        StringBuilder line = new StringBuilder(160);
        line.append(client == null ? "-" : client).append(" - - [")
                .append(TIME.format(start.withZoneSameInstant(ZoneOffset.UTC))).append("] ");
        quoted(line, requestLine);
        line.append(' ').append(status).append(' ');
        if (bytes > 0) {
            line.append(bytes);
        } else {
            line.append('-');
        }
        line.append(' ');
        quoted(line, userAgent);
        line.append(' ').append(took.toMillis()).append("ms");
        return line.toString();
    }

    private static void quoted(StringBuilder line, String text) {
        if (text == null) {
            line.append('-');
            return;
        }
        line.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                line.append(c);
            } else {
                // Non-ASCII text from the parser is ISO-8859-1 bytes widened to chars; above 0xff it is UTF-8's.
                byte[] bytes = String.valueOf(c).getBytes(c <= 0xff ? StandardCharsets.ISO_8859_1
                        : StandardCharsets.UTF_8);
                for (byte b : bytes) {
                    line.append("\\x").append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
                }
            }
        }
        line.append('"');
    }
}
