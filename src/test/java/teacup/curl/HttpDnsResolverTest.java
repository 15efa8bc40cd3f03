package teacup.curl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.Ipv4Address;

/** Names for HttpClient: {@code --resolve} entries first, then teacup's resolver. */
class HttpDnsResolverTest {
    @Test
    @DisplayName("--resolve applies to its port only, matches names without case, and * matches every port")
    void overrides() {
        ResolveOverrides o = ResolveOverrides.parse(List.of("web.test:80:198.18.0.7,198.18.0.8", "Any.Test:*:198.18.0.9",
                "web.test:80:198.18.0.6"));
        assertEquals(List.of(Ipv4Address.parse("198.18.0.6")), o.lookup("WEB.test", 80), "a later entry replaces");
        assertNull(o.lookup("web.test", 8080));
        assertEquals(List.of(Ipv4Address.parse("198.18.0.9")), o.lookup("any.test", 4443));
    }

    @Test
    @DisplayName("HttpClient's resolver: --resolve first, then teacup's resolver; addresses keep the name; unknown names fail")
    void adapter() throws UnknownHostException {
        ResolveOverrides o = ResolveOverrides.parse(List.of("web.test:8000:198.18.0.1,198.18.0.3"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        teacup.dns.Resolver literals = host -> {
            try {
                return List.of(Ipv4Address.parse(host));
            } catch (IllegalArgumentException e) {
                throw new UnknownHostException(host + ": no DNS server configured");
            }
        };
        HttpDnsResolver dns = new HttpDnsResolver(literals, o,
                new VerboseLog(new PrintStream(log, true, StandardCharsets.UTF_8), true));
        List<InetSocketAddress> found = dns.resolve("web.test", 8000);
        assertEquals(2, found.size());
        assertEquals("web.test", found.get(0).getAddress().getHostName());
        assertArrayEquals(new byte[] {(byte) 198, 18, 0, 1}, found.get(0).getAddress().getAddress());
        assertEquals(8000, found.get(1).getPort());
        assertEquals(found.get(0), dns.nextAttempt());
        assertEquals(found.get(1), dns.nextAttempt());
        assertNull(dns.nextAttempt());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("* IPv4: 198.18.0.1, 198.18.0.3"), log.toString());

        InetAddress[] literal = dns.resolve("198.18.0.4");
        assertEquals("198.18.0.4", literal[0].getHostAddress());
        assertThrows(UnknownHostException.class, () -> dns.resolve("web.test", 80));
        assertThrows(UnknownHostException.class, () -> dns.resolve("nowhere.test"));
    }

    @Test
    @DisplayName("a resolver failing with another IOException still reaches HttpClient as UnknownHostException (exit 6)")
    void otherFailures() {
        HttpDnsResolver dns = new HttpDnsResolver(host -> {
            throw new IOException("no server answered");
        }, ResolveOverrides.parse(List.of()), new VerboseLog(System.err, false));
        UnknownHostException e = assertThrows(UnknownHostException.class, () -> dns.resolve("web.test", 80));
        assertTrue(e.getMessage().contains("no server answered"), e.getMessage());
    }
}
