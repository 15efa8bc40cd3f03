package teacup.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The path checks on their own, before any file system access. */
class FileRequestHandlerTest {
    @Test
    @DisplayName("segments are percent-decoded as UTF-8; empty and '.' segments drop out; the query is ignored")
    void decoding() {
        assertEquals(List.of("a b", "ü"), FileRequestHandler.segments("/a%20b/%C3%BC"));
        assertEquals(List.of("a", "b"), FileRequestHandler.segments("//a/./b/?x=../.."));
        assertEquals(List.of(), FileRequestHandler.segments("/"));
        assertEquals(List.of("x"), FileRequestHandler.segments("http://host:80/x"));
    }

    @Test
    @DisplayName("'..' (plain or encoded), encoded slashes, backslashes, NUL, bad escapes and bad UTF-8 are refused")
    void refused() {
        for (String target : new String[] {"/..", "/a/../b", "/%2e%2e/x", "/%2E./x", "/a%2fb", "/a%2F..%2Fb", "/a\\b", "/a%5cb",
            "/a%00b", "/%", "/%g0", "/%c0%ae%c0%ae", "/%ff", "relative", "*", ""}) {
            assertNull(FileRequestHandler.segments(target), target);
        }
    }

    @Test
    @DisplayName("paths are re-encoded with only unreserved characters left as they are")
    void encoding() {
        assertEquals("/a%20b/%C3%BC/x-y_z.~", FileRequestHandler.encodedPath(List.of("a b", "ü", "x-y_z.~")));
        assertEquals("/javascript%3Aalert%281%29", FileRequestHandler.encodedPath(List.of("javascript:alert(1)")));
        assertEquals("/", FileRequestHandler.encodedPath(List.of()));
    }

    @Test
    @DisplayName("HTML escaping covers the five special characters")
    void html() {
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;&#39;", FileRequestHandler.html("<a href=\"x\">&'"));
    }
}
