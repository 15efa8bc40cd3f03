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
import java.nio.charset.StandardCharsets;
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
}
