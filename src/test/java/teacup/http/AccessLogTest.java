package teacup.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AccessLogTest {
    private static final ZonedDateTime T = ZonedDateTime.of(2026, 11, 24, 23, 5, 9, 0, ZoneId.of("Europe/Berlin"));

    @Test
    @DisplayName("Common Log Format in UTC, with user agent and milliseconds taken")
    void format() {
        assertEquals("198.18.0.1 - - [24/Nov/2026:22:05:09 +0000] \"GET /a.bin HTTP/1.1\" 200 20971520 \"curl/8.5.0\" 1234ms",
                AccessLog.format("198.18.0.1", T, "GET /a.bin HTTP/1.1", 200, 20_971_520, "curl/8.5.0", Duration.ofMillis(1234)));
    }

    @Test
    @DisplayName("missing fields and empty bodies are '-'")
    void dashes() {
        assertEquals("10.0.0.1 - - [24/Nov/2026:22:05:09 +0000] - 408 - - 0ms",
                AccessLog.format("10.0.0.1", T, null, 408, 0, null, Duration.ZERO));
    }

    @Test
    @DisplayName("quotes, backslashes, control and non-ASCII characters are escaped: one request is one line")
    void escaped() {
        String line = AccessLog.format("10.0.0.1", T, "GET /\"x\\\r\n1.2.3.4 - - fake é HTTP/1.1", 404, 0, "a\u0000b",
                Duration.ZERO);
        assertEquals("10.0.0.1 - - [24/Nov/2026:22:05:09 +0000] \"GET /\\\"x\\\\\\x0d\\x0a1.2.3.4 - - fake \\xe9 HTTP/1.1\" 404 - "
                + "\"a\\x00b\" 0ms", line);
    }

    @Test
    @DisplayName("log() hands the formatted line to the sink")
    void sink() {
        List<String> lines = new ArrayList<>();
        new AccessLog(lines::add).log("1.2.3.4", T, "HEAD / HTTP/1.0", 200, 0, "ua", Duration.ofMillis(3));
        assertEquals(List.of("1.2.3.4 - - [24/Nov/2026:22:05:09 +0000] \"HEAD / HTTP/1.0\" 200 - \"ua\" 3ms"), lines);
    }
}
