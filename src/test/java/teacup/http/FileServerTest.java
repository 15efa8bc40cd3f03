package teacup.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** FileServer over the kernel's loopback (127.0.0.1, an ephemeral port), driven by raw sockets. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileServerTest {
    @TempDir
    Path dir;

    Path root;
    byte[] data;
    final BlockingQueue<String> log = new LinkedBlockingQueue<>();
    FileServer server;

    @BeforeEach
    void files() throws IOException {
        root = Files.createDirectory(dir.resolve("root"));
        data = new byte[300_000];
        new SplittableRandom(7).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        Files.writeString(root.resolve("page.html"), "<p>hi</p>");
        Files.write(root.resolve("image.png"), new byte[] {1, 2, 3});
        Files.write(root.resolve("empty"), new byte[0]);
        Files.createDirectory(root.resolve("docs"));
        Files.writeString(root.resolve("docs/index.html"), "<h1>docs</h1>");
        Files.createDirectory(root.resolve("plain"));
        Files.writeString(root.resolve("plain/a <b> & \"c\".txt"), "odd name");
        Files.writeString(root.resolve("plain/ünï code.txt"), "unicode");
        Files.createDirectory(root.resolve("plain/sub"));
        Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET outside the root");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    FileServer start(FileServer.Settings settings) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server = FileServer.start(listener, settings, new AccessLog(log::add));
        return server;
    }

    FileServer start() throws IOException {
        return start(FileServer.Settings.of(root));
    }

    RawHttp client() throws IOException {
        return new RawHttp(server.port());
    }

    @Nested
    @DisplayName("GET and HEAD")
    class GetAndHead {
        @Test
        @DisplayName("GET sends the file's bytes with Content-Length, Content-Type, ETag, Last-Modified and Accept-Ranges")
        void getSendsTheFile() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/data.bin");
                assertEquals(200, r.status());
                assertArrayEquals(data, r.body());
                assertEquals(String.valueOf(data.length), r.header("Content-Length"));
                assertEquals("application/octet-stream", r.header("Content-Type"));
                assertEquals("bytes", r.header("Accept-Ranges"));
                assertNotNull(r.header("ETag"));
                assertNotNull(r.header("Last-Modified"));
            }
        }

        @Test
        @DisplayName("HEAD sends the same headers as GET and no body")
        void headSendsNoBody() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("HEAD", "/data.bin");
                assertEquals(200, r.status());
                assertEquals(String.valueOf(data.length), r.header("Content-Length"));
                // The connection stays usable: had a body been sent, this response would read as garbage.
                RawHttp.Response next = c.request("GET", "/hello.txt");
                assertEquals(200, next.status());
                assertEquals("hello, world\n", next.text());
            }
        }

        @Test
        @DisplayName("an empty file is 200 with Content-Length 0")
        void emptyFile() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/empty");
                assertEquals(200, r.status());
                assertEquals("0", r.header("Content-Length"));
            }
        }

        @Test
        @DisplayName("a missing file is 404; the query string is ignored")
        void missingAndQuery() throws IOException {
            start();
            try (RawHttp c = client()) {
                assertEquals(404, c.request("GET", "/nothing-here").status());
                RawHttp.Response r = c.request("GET", "/hello.txt?x=1&y=../../secret.txt");
                assertEquals(200, r.status());
                assertEquals("hello, world\n", r.text());
            }
        }
    }

    @Nested
    @DisplayName("ranges")
    class Ranges {
        @Test
        @DisplayName("RFC 9110 14.2: bytes=a-b is 206 with exactly those bytes and Content-Range")
        void firstToLast() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/data.bin", "Range: bytes=100-199");
                assertEquals(206, r.status());
                assertEquals("bytes 100-199/" + data.length, r.header("Content-Range"));
                assertEquals("100", r.header("Content-Length"));
                assertArrayEquals(Arrays.copyOfRange(data, 100, 200), r.body());
            }
        }

        @Test
        @DisplayName("RFC 9110 14.1.2: bytes=a- runs to the end; a last-pos past the end is cut to the end")
        void openEnded() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/data.bin", "Range: bytes=299000-");
                assertEquals(206, r.status());
                assertEquals("bytes 299000-299999/300000", r.header("Content-Range"));
                assertArrayEquals(Arrays.copyOfRange(data, 299_000, 300_000), r.body());
                RawHttp.Response past = c.request("GET", "/data.bin", "Range: bytes=299990-999999999999999999999");
                assertEquals(206, past.status());
                assertEquals("bytes 299990-299999/300000", past.header("Content-Range"));
            }
        }

        @Test
        @DisplayName("RFC 9110 14.1.2: bytes=-n is the final n bytes (the whole file when n exceeds it)")
        void suffix() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/data.bin", "Range: bytes=-500");
                assertEquals(206, r.status());
                assertEquals("bytes 299500-299999/300000", r.header("Content-Range"));
                assertArrayEquals(Arrays.copyOfRange(data, 299_500, 300_000), r.body());
                RawHttp.Response all = c.request("GET", "/hello.txt", "Range: bytes=-1000");
                assertEquals(206, all.status());
                assertEquals("bytes 0-12/13", all.header("Content-Range"));
                assertEquals("hello, world\n", all.text());
            }
        }

        @Test
        @DisplayName("RFC 9110 15.5.17: a range starting past the end is 416 with Content-Range: bytes */length")
        void unsatisfiable() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/data.bin", "Range: bytes=300000-");
                assertEquals(416, r.status());
                assertEquals("bytes */300000", r.header("Content-Range"));
                assertEquals(416, c.request("GET", "/data.bin", "Range: bytes=-0").status());
            }
        }

        @Test
        @DisplayName("several ranges are answered with the whole file (200), as RFC 9110 14.2 allows")
        void multipleRangesGetTheWhole() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/data.bin", "Range: bytes=0-9,100-109");
                assertEquals(200, r.status());
                assertNull(r.header("Content-Range"));
                assertArrayEquals(data, r.body());
            }
        }

        @Test
        @DisplayName("an invalid Range header or another unit is ignored: 200 with the whole file")
        void invalidIgnored() throws IOException {
            start();
            try (RawHttp c = client()) {
                assertEquals(200, c.request("GET", "/hello.txt", "Range: bytes=5-2").status());
                assertEquals(200, c.request("GET", "/hello.txt", "Range: lines=1-2").status());
                assertEquals(200, c.request("GET", "/hello.txt", "Range: bytes=x-y").status());
            }
        }

        @Test
        @DisplayName("RFC 9110 13.1.5: If-Range with the current ETag or Last-Modified honours Range; a stale one gets the whole file")
        void ifRange() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response plain = c.request("GET", "/hello.txt");
                String etag = plain.header("ETag");
                String modified = plain.header("Last-Modified");
                assertEquals(206, c.request("GET", "/hello.txt", "Range: bytes=0-4", "If-Range: " + etag).status());
                assertEquals(206, c.request("GET", "/hello.txt", "Range: bytes=0-4", "If-Range: " + modified).status());
                RawHttp.Response stale = c.request("GET", "/hello.txt", "Range: bytes=0-4", "If-Range: \"other\"");
                assertEquals(200, stale.status());
                assertEquals("hello, world\n", stale.text());
                assertEquals(200, c.request("GET", "/hello.txt", "Range: bytes=0-4",
                        "If-Range: Thu, 01 Jan 1970 00:00:00 GMT").status());
            }
        }

        @Test
        @DisplayName("HEAD ignores Range: 200 with the full length")
        void headIgnoresRange() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("HEAD", "/data.bin", "Range: bytes=0-9");
                assertEquals(200, r.status());
                assertEquals(String.valueOf(data.length), r.header("Content-Length"));
            }
        }
    }

    @Nested
    @DisplayName("conditional requests")
    class Conditional {
        @Test
        @DisplayName("RFC 9110 13.1.2: If-None-Match with the current ETag (or *) is 304 with no body")
        void ifNoneMatch() throws IOException {
            start();
            try (RawHttp c = client()) {
                String etag = c.request("GET", "/hello.txt").header("ETag");
                RawHttp.Response r = c.request("GET", "/hello.txt", "If-None-Match: \"x\", " + etag);
                assertEquals(304, r.status());
                assertEquals(etag, r.header("ETag"));
                assertEquals(304, c.request("GET", "/hello.txt", "If-None-Match: W/" + etag).status());
                assertEquals(304, c.request("HEAD", "/hello.txt", "If-None-Match: *").status());
                assertEquals(200, c.request("GET", "/hello.txt", "If-None-Match: \"other\"").status());
            }
        }

        @Test
        @DisplayName("RFC 9110 13.1.3: If-Modified-Since at or after Last-Modified is 304; earlier, or a bad date, is 200")
        void ifModifiedSince() throws IOException {
            start();
            try (RawHttp c = client()) {
                String modified = c.request("GET", "/hello.txt").header("Last-Modified");
                assertEquals(304, c.request("GET", "/hello.txt", "If-Modified-Since: " + modified).status());
                assertEquals(200, c.request("GET", "/hello.txt", "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT").status());
                assertEquals(200, c.request("GET", "/hello.txt", "If-Modified-Since: yesterday").status());
                // If-None-Match decides when both are present (13.2.2).
                assertEquals(200, c.request("GET", "/hello.txt", "If-None-Match: \"other\"",
                        "If-Modified-Since: " + modified).status());
            }
        }
    }

    @Nested
    @DisplayName("connections")
    class Connections {
        @Test
        @DisplayName("RFC 9112 9.3: HTTP/1.1 connections persist: two requests on one socket")
        void keepAlive() throws IOException {
            start();
            try (RawHttp c = client()) {
                assertEquals("hello, world\n", c.request("GET", "/hello.txt").text());
                assertArrayEquals(data, c.request("GET", "/data.bin").body());
            }
        }

        @Test
        @DisplayName("two requests sent at once (pipelined) are both answered, in order")
        void pipelined() throws IOException {
            start();
            try (RawHttp c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /page.html HTTP/1.1\r\nHost: t\r\n\r\n");
                assertEquals("hello, world\n", c.read(false).text());
                assertEquals("<p>hi</p>", c.read(false).text());
            }
        }

        @Test
        @DisplayName("RFC 9112 9.6: Connection: close is honoured: the server closes after the response")
        void connectionClose() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/hello.txt", "Connection: close");
                assertEquals(200, r.status());
                assertEquals("close", r.header("Connection"));
                assertTrue(c.closedByServer());
            }
        }

        @Test
        @DisplayName("RFC 9112 9.3: HTTP/1.0 closes after the response unless it asks for keep-alive")
        void http10() throws IOException {
            start();
            try (RawHttp c = client()) {
                c.send("GET /hello.txt HTTP/1.0\r\n\r\n");
                assertEquals(200, c.read(false).status());
                assertTrue(c.closedByServer());
            }
            try (RawHttp c = client()) {
                c.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                RawHttp.Response r = c.read(false);
                assertEquals("keep-alive", r.header("Connection").toLowerCase(java.util.Locale.ROOT));
                c.send("GET /page.html HTTP/1.0\r\n\r\n");
                assertEquals("<p>hi</p>", c.read(false).text());
                assertTrue(c.closedByServer());
            }
        }

        @Test
        @DisplayName("an idle keep-alive connection is closed after the idle timeout")
        void idleTimeout() throws IOException {
            start(FileServer.Settings.of(root).withIdleTimeout(Duration.ofMillis(300)));
            try (RawHttp c = client()) {
                assertEquals(200, c.request("GET", "/hello.txt").status());
                long start = System.nanoTime();
                assertTrue(c.closedByServer());
                long took = (System.nanoTime() - start) / 1_000_000;
                assertTrue(took >= 200 && took < 4000, "closed after " + took + " ms");
            }
        }
    }

    @Nested
    @DisplayName("methods and types")
    class MethodsAndTypes {
        @Test
        @DisplayName("RFC 9110 15.5.6: methods other than GET and HEAD are 405 with Allow: GET, HEAD")
        void otherMethods() throws IOException {
            start();
            try (RawHttp c = client()) {
                for (String method : new String[] {"DELETE", "PUT", "OPTIONS", "get"}) {
                    RawHttp.Response r = c.request(method, "/hello.txt");
                    assertEquals(405, r.status(), method);
                    assertEquals("GET, HEAD", r.header("Allow"), method);
                }
                // A small body is read and dropped: the connection goes on.
                c.send("POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde");
                RawHttp.Response r = c.read(false);
                assertEquals(405, r.status());
                assertEquals("GET, HEAD", r.header("Allow"));
                assertEquals("hello, world\n", c.request("GET", "/hello.txt").text());
            }
            assertTrue(Files.exists(root.resolve("hello.txt")));
        }

        @Test
        @DisplayName("a large or chunked request body is not read: the answer says Connection: close and the connection ends")
        void largeBodyCloses() throws IOException {
            start();
            try (RawHttp c = client()) {
                c.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n" + "z".repeat(1000));
                RawHttp.Response r = c.read(false);
                assertEquals(405, r.status());
                assertEquals("close", r.header("Connection"));
                assertTrue(c.closedByServer());
            }
            try (RawHttp c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n");
                RawHttp.Response r = c.read(false);
                assertEquals(200, r.status());
                assertEquals("close", r.header("Connection"));
            }
        }

        @Test
        @DisplayName("Content-Type comes from the extension, with charset=utf-8 for text; unknown is octet-stream")
        void contentTypes() throws IOException {
            start();
            try (RawHttp c = client()) {
                assertEquals("text/plain; charset=utf-8", c.request("HEAD", "/hello.txt").header("Content-Type"));
                assertEquals("text/html; charset=utf-8", c.request("HEAD", "/page.html").header("Content-Type"));
                assertEquals("image/png", c.request("HEAD", "/image.png").header("Content-Type"));
                assertEquals("application/octet-stream", c.request("HEAD", "/empty").header("Content-Type"));
            }
        }
    }

    @Nested
    @DisplayName("directories")
    class Directories {
        @Test
        @DisplayName("a directory with index.html serves it")
        void index() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/docs/");
                assertEquals(200, r.status());
                assertEquals("<h1>docs</h1>", r.text());
                assertEquals("text/html; charset=utf-8", r.header("Content-Type"));
            }
        }

        @Test
        @DisplayName("a directory without its trailing slash is 301 to the same path with it")
        void redirect() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/docs?q=1");
                assertEquals(301, r.status());
                assertEquals("/docs/", r.header("Location"));
                assertEquals("/plain/sub/", c.request("GET", "/plain//sub").header("Location"));
                assertEquals("/docs/", c.request("GET", "/docs/.").header("Location"));
                assertEquals("/", c.request("GET", "/.").header("Location"), "never the protocol-relative //");
            }
        }

        @Test
        @DisplayName("without --list a directory with no index.html is 404")
        void noListing() throws IOException {
            start();
            try (RawHttp c = client()) {
                assertEquals(404, c.request("GET", "/plain/").status());
                assertEquals(404, c.request("GET", "/").status());
            }
        }

        @Test
        @DisplayName("with --list a directory is listed: names HTML-escaped, links percent-encoded, directories with /")
        void listing() throws IOException {
            start(FileServer.Settings.of(root).withListing(true));
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/plain/");
                assertEquals(200, r.status());
                assertEquals("text/html; charset=utf-8", r.header("Content-Type"));
                String page = r.text();
                assertTrue(page.contains("<a href=\"a%20%3Cb%3E%20%26%20%22c%22.txt\">a &lt;b&gt; &amp; &quot;c&quot;.txt</a>"), page);
                assertTrue(page.contains("<a href=\"%C3%BCn%C3%AF%20code.txt\">ünï code.txt</a>"), page);
                assertTrue(page.contains("<a href=\"sub/\">sub/</a>"), page);
                assertTrue(page.contains("<a href=\"../\">"), page);
                assertFalse(page.contains("<b>"), page);
                // and the links work
                assertEquals("odd name", c.request("GET", "/plain/a%20%3Cb%3E%20%26%20%22c%22.txt").text());
                assertEquals("unicode", c.request("GET", "/plain/%C3%BCn%C3%AF%20code.txt").text());
            }
        }
    }

    @Nested
    @DisplayName("path traversal")
    class Traversal {
        private void refused(RawHttp c, String target) throws IOException {
            RawHttp.Response r = c.request("GET", target);
            assertTrue(r.status() == 400 || r.status() == 403 || r.status() == 404, target + " gave " + r.status());
            assertFalse(r.text().contains("TOP-SECRET"), target);
            assertFalse(r.text().contains("root:"), target);
        }

        @Test
        @DisplayName("../, encoded dots, encoded slashes, backslashes, NUL and absolute paths never reach outside the root")
        void attempts() throws IOException {
            start(FileServer.Settings.of(root).withListing(true));
            String[] targets = {"/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                "/.%2e/secret.txt", "/docs/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%2fsecret.txt", "/%2fetc%2fpasswd",
                "//etc/passwd", "/..\\secret.txt", "/docs/..%5c..%5csecret.txt", "/secret.txt%00.txt", "/%c0%ae%c0%ae/secret.txt",
                "/%zz", "http://test/../secret.txt", "/" + dir.resolve("secret.txt")};
            for (String target : targets) {
                try (RawHttp c = client()) {
                    refused(c, target);
                }
            }
        }

        @Test
        @DisplayName("a symbolic link inside the root that points outside it serves nothing (file or directory)")
        void symlinkOut() throws IOException {
            Files.createSymbolicLink(root.resolve("escape.txt"), dir.resolve("secret.txt"));
            Files.createSymbolicLink(root.resolve("up"), dir);
            Files.createSymbolicLink(root.resolve("inside.txt"), root.resolve("hello.txt"));
            start(FileServer.Settings.of(root).withListing(true));
            try (RawHttp c = client()) {
                refused(c, "/escape.txt");
                refused(c, "/up/secret.txt");
                refused(c, "/up/");
                assertEquals("hello, world\n", c.request("GET", "/inside.txt").text(), "a link within the root works");
            }
        }
    }

    @Nested
    @DisplayName("bad and slow clients")
    class BadClients {
        @Test
        @DisplayName("RFC 9112 2.2: a malformed request is 400, the connection closes, and the next client is served")
        void malformed() throws IOException {
            start();
            try (RawHttp c = client()) {
                c.send("THIS IS NOT HTTP\r\n\r\n");
                RawHttp.Response r = c.read(false);
                assertEquals(400, r.status());
                assertTrue(c.closedByServer());
            }
            try (RawHttp c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\nBroken header line\r\n\r\n");
                assertEquals(400, c.read(false).status());
            }
            try (RawHttp c = client()) {
                assertEquals("hello, world\n", c.request("GET", "/hello.txt").text());
            }
        }

        @Test
        @DisplayName("RFC 9112 3.2: an HTTP/1.1 request without Host is 400")
        void missingHost() throws IOException {
            start();
            try (RawHttp c = client()) {
                c.send("GET /hello.txt HTTP/1.1\r\n\r\n");
                assertEquals(400, c.read(false).status());
            }
        }

        @Test
        @DisplayName("RFC 6585 5: an overlong header line or too many header fields is 431 and close")
        void overlongHeaders() throws IOException {
            start();
            try (RawHttp c = client()) {
                RawHttp.Response r = c.request("GET", "/hello.txt", "X-Long: " + "a".repeat(FileServer.MAX_LINE + 10));
                assertEquals(431, r.status());
                assertTrue(c.closedByServer());
            }
            try (RawHttp c = client()) {
                String[] many = new String[FileServer.MAX_HEADERS + 5];
                for (int i = 0; i < many.length; i++) {
                    many[i] = "X-H" + i + ": v";
                }
                assertEquals(431, c.request("GET", "/hello.txt", many).status());
            }
            try (RawHttp c = client()) {
                assertEquals(200, c.request("GET", "/hello.txt").status());
            }
        }

        @Test
        @DisplayName("a client trickling its request head is cut off at the header timeout while another is served")
        void slowHeadCutOff() throws Exception {
            start(FileServer.Settings.of(root).withHeaderTimeout(Duration.ofSeconds(1)));
            try (RawHttp slow = client()) {
                String head = "GET /hello.txt HTTP/1.1\r\nHost: test\r\nX-Slow: ";
                slow.send(head);
                long start = System.nanoTime();
                boolean cut = false;
                // A byte every 100 ms: each read would see data long before any read timeout.
                for (int i = 0; i < 60 && !cut; i++) {
                    try (RawHttp fast = client()) {
                        assertEquals("hello, world\n", fast.request("GET", "/hello.txt").text());
                    }
                    try {
                        slow.send("a");
                    } catch (IOException e) {
                        cut = true;
                    }
                    Thread.sleep(100);
                }
                if (!cut) {
                    cut = slow.closedByServer();
                }
                long took = (System.nanoTime() - start) / 1_000_000;
                assertTrue(cut, "the trickling client was never cut off");
                assertTrue(took >= 900 && took < 5000, "cut off after " + took + " ms");
            }
            assertTrue(log.stream().anyMatch(l -> l.contains("\" 408 ") || l.contains(" - 408 ")), String.join("\n", log));
        }

        @Test
        @DisplayName("a client that stops reading a body is reset after the idle timeout passes with no progress")
        void stalledReader() throws Exception {
            byte[] big = new byte[24 << 20];
            Files.write(root.resolve("huge.bin"), big);
            start(FileServer.Settings.of(root).withIdleTimeout(Duration.ofMillis(300)));
            try (RawHttp c = new RawHttp(server.port(), 4096)) {
                c.send("GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n");
                c.awaitResponse();
                assertTrue(waitFor(() -> server.connectionCount() == 0), "the stalled connection was kept");
            }
            assertTrue(waitFor(() -> log.stream().anyMatch(l -> l.contains("GET /huge.bin"))));
        }

        @Test
        @DisplayName("a client that connects and sends nothing is closed at the header timeout")
        void silentClient() throws IOException {
            start(FileServer.Settings.of(root).withHeaderTimeout(Duration.ofMillis(500)));
            try (RawHttp c = client()) {
                long start = System.nanoTime();
                assertTrue(c.closedByServer());
                long took = (System.nanoTime() - start) / 1_000_000;
                assertTrue(took >= 400 && took < 4000, "closed after " + took + " ms");
            }
        }
    }

    @Nested
    @DisplayName("access log and stop")
    class LogAndStop {
        @Test
        @DisplayName("each request logs one line: client, time, request line, status, bytes, user agent, duration")
        void accessLogLine() throws Exception {
            start();
            try (RawHttp c = client()) {
                c.request("GET", "/hello.txt", "User-Agent: probe/1.0");
                c.request("HEAD", "/hello.txt");
                c.request("GET", "/missing");
            }
            String get = log.poll(5, TimeUnit.SECONDS);
            String head = log.poll(5, TimeUnit.SECONDS);
            String missing = log.poll(5, TimeUnit.SECONDS);
            assertNotNull(missing, "three lines expected, got " + get + " / " + head);
            assertTrue(get.matches("127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000\\] "
                    + "\"GET /hello\\.txt HTTP/1\\.1\" 200 13 \"probe/1\\.0\" \\d+ms"), get);
            assertTrue(head.contains("\"HEAD /hello.txt HTTP/1.1\" 200 - -"), head);
            assertTrue(missing.contains("\"GET /missing HTTP/1.1\" 404 "), missing);
        }

        @Test
        @DisplayName("a malformed request is logged too")
        void malformedLogged() throws Exception {
            start();
            try (RawHttp c = client()) {
                c.send("NOT HTTP\r\n\r\n");
                c.read(false);
            }
            String line = log.poll(5, TimeUnit.SECONDS);
            assertNotNull(line);
            assertTrue(line.contains(" - 400 "), line);
        }

        @Test
        @DisplayName("close() lets a transfer in flight finish, closes idle connections and refuses new ones")
        void gracefulStop() throws Exception {
            byte[] big = new byte[8 << 20];
            new SplittableRandom(3).nextBytes(big);
            Files.write(root.resolve("big.bin"), big);
            start();
            try (RawHttp idle = client(); RawHttp busy = client()) {
                assertEquals(200, idle.request("GET", "/hello.txt").status());
                busy.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
                // The response has started and, unread, fills the socket buffers: the exchange is in flight.
                busy.awaitResponse();
                Thread stopper = Thread.ofVirtual().start(server::close);
                RawHttp.Response r = busy.read(false);
                assertEquals(200, r.status());
                assertArrayEquals(big, r.body());
                assertTrue(idle.closedByServer());
                stopper.join(10_000);
                assertFalse(stopper.isAlive());
                assertEquals(0, server.connectionCount());
            }
            assertThrowsConnect();
        }

        @Test
        @DisplayName("close() resets a transfer still in flight when the stop grace runs out")
        void stopGraceBound() throws Exception {
            Files.write(root.resolve("huge.bin"), new byte[24 << 20]);
            start(FileServer.Settings.of(root).withStopGrace(Duration.ofMillis(300)));
            try (RawHttp stuck = new RawHttp(server.port(), 4096)) {
                stuck.send("GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n");
                stuck.awaitResponse();
                long start = System.nanoTime();
                server.close();
                long took = (System.nanoTime() - start) / 1_000_000;
                assertTrue(took >= 250 && took < 3000, "close() took " + took + " ms");
                assertEquals(0, server.connectionCount());
            }
        }

        private void assertThrowsConnect() {
            try (RawHttp c = client()) {
                c.request("GET", "/hello.txt");
                org.junit.jupiter.api.Assertions.fail("a stopped server answered");
            } catch (IOException expected) {
                // refused, or closed at once
            }
        }
    }

    static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    @DisplayName("a root that does not exist is refused at start")
    void missingRoot() {
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> start(FileServer.Settings.of(dir.resolve("nope"))));
    }

    @Test
    @DisplayName("many clients at once are all served")
    void manyClients() throws Exception {
        start();
        int n = 50;
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (RawHttp c = client()) {
                    if (Arrays.equals(data, c.request("GET", "/data.bin").body())) {
                        ok.incrementAndGet();
                    }
                } catch (IOException e) {
                    // counted as a failure below
                }
            }));
        }
        for (Thread t : threads) {
            t.join(20_000);
        }
        assertEquals(n, ok.get());
    }
}
