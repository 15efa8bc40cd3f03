package teacup.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ContentTypesTest {
    @Test
    @DisplayName("common extensions map to their media types, text ones with charset=utf-8")
    void common() {
        assertEquals("text/html; charset=utf-8", ContentTypes.forFileName("index.html"));
        assertEquals("text/html; charset=utf-8", ContentTypes.forFileName("old.HTM"));
        assertEquals("text/plain; charset=utf-8", ContentTypes.forFileName("notes.txt"));
        assertEquals("text/css; charset=utf-8", ContentTypes.forFileName("a.css"));
        assertEquals("text/javascript; charset=utf-8", ContentTypes.forFileName("app.js"));
        assertEquals("application/json", ContentTypes.forFileName("data.json"));
        assertEquals("image/png", ContentTypes.forFileName("a.b.PNG"));
        assertEquals("image/jpeg", ContentTypes.forFileName("photo.jpeg"));
        assertEquals("application/pdf", ContentTypes.forFileName("paper.pdf"));
        assertEquals("application/gzip", ContentTypes.forFileName("x.tar.gz"));
    }

    @Test
    @DisplayName("no extension, an empty one, or an unknown one is application/octet-stream")
    void unknown() {
        assertEquals(ContentTypes.UNKNOWN, ContentTypes.forFileName("README"));
        assertEquals(ContentTypes.UNKNOWN, ContentTypes.forFileName("trailing."));
        assertEquals(ContentTypes.UNKNOWN, ContentTypes.forFileName("x.exe"));
        assertEquals(ContentTypes.UNKNOWN, ContentTypes.forFileName(".bashrc"));
    }
}
