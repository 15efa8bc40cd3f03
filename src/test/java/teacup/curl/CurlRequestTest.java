package teacup.curl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.curl.CurlRequest.HeaderEdit;
import teacup.curl.CurlRequest.Target;

/** The parts of a {@link CurlRequest} read from curl's syntax: URLs and -H. */
class CurlRequestTest {
    @Test
    @DisplayName("no scheme means http; default ports 80 and 443; fragment dropped; empty path is /")
    void defaults() {
        Target t = Target.parse("198.18.0.1");
        assertEquals("http", t.scheme());
        assertEquals(80, t.port());
        assertEquals("http://198.18.0.1/", t.uri().toString());
        Target s = Target.parse("HTTPS://Web.Test/a/b?x=1&y=2#frag");
        assertEquals("https", s.scheme());
        assertEquals(443, s.port());
        assertEquals("Web.Test", s.host());
        assertEquals("https://Web.Test/a/b?x=1&y=2", s.uri().toString());
        assertEquals(8080, Target.parse("http://198.18.0.1:8080").port());
    }

    @Test
    @DisplayName("-H adds a header, removes one with 'NAME:', sends one empty with 'NAME;', and refuses a line break")
    void addRemoveAndEmpty() {
        assertEquals(new HeaderEdit("X-A", "b c", false), HeaderEdit.parse("X-A:  b c "));
        assertEquals(new HeaderEdit("User-Agent", "", true), HeaderEdit.parse("User-Agent:"));
        assertEquals(new HeaderEdit("X-Empty", "", false), HeaderEdit.parse("X-Empty;"));
        assertThrows(IllegalArgumentException.class, () -> HeaderEdit.parse("X-A: b\r\nInjected: 1"));
    }
}
