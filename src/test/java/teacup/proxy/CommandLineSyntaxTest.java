package teacup.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The daemon's HOST:PORT, PORT=HOST:PORT and USER:PASS arguments. */
class CommandLineSyntaxTest {

    @Test
    @DisplayName("HOST:PORT parses; port 0 only where a listening address allows it")
    void hostPort() {
        assertEquals(new HostPort("127.0.0.1", 1080), HostPort.parse("127.0.0.1:1080", false));
        assertEquals(new HostPort("localhost", 0), HostPort.parse("localhost:0", true));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("localhost:0", false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1080", ":1080", "host:", "host:65536", "host:-1", "host:+80", "host:x", "::1:80"})
    @DisplayName("a malformed HOST:PORT is refused with a reason")
    void badHostPort(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text, true));
        assertTrue(e.getMessage().length() > 5);
    }

    @Test
    @DisplayName("PORT=HOST:PORT parses into teacup's port and the kernel-side target")
    void forwardRule() {
        ForwardRule r = ForwardRule.parse("8080=127.0.0.1:9000");
        assertEquals(8080, r.listenPort());
        assertEquals(new HostPort("127.0.0.1", 9000), r.target());
    }

    @ParameterizedTest
    @ValueSource(strings = {"8080", "8080:127.0.0.1:9000", "0=127.0.0.1:9000", "x=h:1", "8080=h", "8080=h:0", "=h:1"})
    @DisplayName("a malformed PORT=HOST:PORT is refused")
    void badForwardRule(String text) {
        assertThrows(IllegalArgumentException.class, () -> ForwardRule.parse(text));
    }

    @Test
    @DisplayName("RFC 1929: USER:PASS splits at the first colon; each part must fit in a one-byte length")
    void credentials() {
        Socks5Credentials c = Socks5Credentials.parse("bob:pa:ss");
        assertTrue(c.matches(bytes("bob"), bytes("pa:ss")));
        assertTrue(!c.matches(bytes("bob"), bytes("pa")));
        assertTrue(!c.matches(bytes("bo"), bytes("pa:ss")));
        assertThrows(IllegalArgumentException.class, () -> Socks5Credentials.parse("nocolon"));
        assertThrows(IllegalArgumentException.class, () -> Socks5Credentials.parse(":pass"));
        assertThrows(IllegalArgumentException.class, () -> Socks5Credentials.parse("user:"));
        assertThrows(IllegalArgumentException.class, () -> Socks5Credentials.parse("u:" + "p".repeat(256)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
