package teacup.curl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** curl's progress meter, with time passed in. */
class ProgressMeterTest {
    private static final long S = 1_000_000_000L;

    @Test
    @DisplayName("sizes and times in curl's columns")
    void columns() {
        assertEquals("    0", ProgressMeter.size(0));
        assertEquals("99999", ProgressMeter.size(99_999));
        assertEquals("  97k", ProgressMeter.size(100_000));
        assertEquals("19.0M", ProgressMeter.size(20_000_000));
        assertEquals(" 1907M", " " + ProgressMeter.size(2_000_000_000L).strip());
        assertEquals("--:--:--", ProgressMeter.time(0));
        assertEquals(" 0:01:05", ProgressMeter.time(65));
        assertEquals("27:46:40", ProgressMeter.time(100_000));
        assertEquals("  5d 13h", ProgressMeter.time(480_000));
        for (long n : new long[] {0, 1, 99_999, 100_000, 10_239_999, 10_240_000, 104_857_599, 104_857_600, 1L << 40}) {
            assertEquals(5, ProgressMeter.size(n).length(), "size(" + n + ")");
        }
    }

    @Test
    @DisplayName("heading once, the line rewritten at most once a second, a newline at the end")
    void updates() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressMeter m = new ProgressMeter(new PrintStream(bytes, true, StandardCharsets.UTF_8), 0);
        m.expect(2_000_000);
        m.begin(0);
        m.received(S / 2, 500_000);
        m.received(S, 500_000);
        m.received(S + S / 2, 500_000);
        m.received(2 * S, 500_000);
        m.finish(2 * S);
        m.finish(3 * S);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith(ProgressMeter.HEADING), text);
        String lines = text.substring(ProgressMeter.HEADING.length());
        assertEquals(4, lines.chars().filter(c -> c == '\r').count(), "first, at 1 s, at 2 s, final: " + lines);
        assertTrue(lines.endsWith("\n"));
        String last = lines.substring(lines.lastIndexOf('\r') + 1).strip();
        assertTrue(last.startsWith("100 1953k  100 1953k    0     0   976k      0  0:00:02  0:00:02 --:--:--"), last);
    }
}
