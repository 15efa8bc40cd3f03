package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.proxy.Dialer;
import teacup.proxy.RelayGroup;
import teacup.proxy.Socks5Credentials;
import teacup.proxy.Socks5Server;
import teacup.wire.Ipv4Address;

/**
 * Real curl logging in to teacup's SOCKS5 server (RFC 1929), all on loopback: the server dials
 * with the kernel's TCP here, so the test needs neither root nor a TAP; DaemonInteropTest covers
 * the path through teacup's own TCP.
 */
@Tag("interop")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("interop: real curl logs in to teacup's SOCKS5 server")
class SocksLoginInteropTest {
    private static final Duration CURL = Duration.ofSeconds(30);

    private HttpServer origin;
    private Socks5Server socks;
    private byte[] body;
    private Path dir;

    @BeforeEach
    void start() throws Exception {
        TapNetwork.requirePrograms("curl");
        body = new byte[300_000];
        new SplittableRandom(1929).nextBytes(body);
        origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        origin.createContext("/blob", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();
        // Names are not needed (curl sends the loopback address); a resolver that would be asked fails loudly.
        socks = Socks5Server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Dialer.kernel(Duration.ofSeconds(5)),
                host -> List.of(Ipv4Address.parse(host)), new RelayGroup(),
                Socks5Server.Settings.defaults().withCredentials(Socks5Credentials.parse("alice:s3cret")), null);
        dir = Files.createTempDirectory("teacup-socks-login-");
    }

    @AfterEach
    void stop() throws Exception {
        if (socks != null) {
            socks.close();
        }
        if (origin != null) {
            origin.stop(0);
        }
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("out"));
            Files.deleteIfExists(dir);
        }
    }

    private SystemCommand.Result curl(String user) throws Exception {
        return SystemCommand.run(CURL, "curl", "-sS", "-f", "--max-time", "20",
                "--socks5", "127.0.0.1:" + socks.address().getPort(), "--proxy-user", user,
                "-o", dir.resolve("out").toString(), "http://127.0.0.1:" + origin.getAddress().getPort() + "/blob");
    }

    @Test
    @DisplayName("RFC 1929: curl with the right user and password gets the body byte-exact")
    void rightPasswordIsLetThrough() throws Exception {
        SystemCommand.Result r = curl("alice:s3cret");
        assertEquals(0, r.exitCode(), r.stderr());
        assertArrayEquals(body, Files.readAllBytes(dir.resolve("out")));
        assertEquals(1, socks.connected());
    }

    @Test
    @DisplayName("RFC 1929: a wrong password is refused before any connection is made")
    void wrongPasswordIsRefused() throws Exception {
        SystemCommand.Result r = curl("alice:guess");
        assertNotEquals(0, r.exitCode(), "curl succeeded with a wrong password");
        assertTrue(Files.notExists(dir.resolve("out")) || Files.size(dir.resolve("out")) == 0, "a body came through");
        assertEquals(0, socks.connected());
        // The refusal did not hurt the server: the right login still works afterwards.
        assertEquals(0, curl("alice:s3cret").exitCode());
    }
}
