package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.RedirectException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import teacup.wire.Ipv4Address;

/** {@code teacup curl} without a network: its command line, URLs, headers, names, failures and meter. */
class CurlCommandTest {
    /**
     * An address but no device: a command line that got past every check fails at "no link" (exit 2)
     * instead of opening anything, so no test here can reach a network, even by mistake.
     */
    private static final String LINK = "--ip 198.18.0.2/24 ";

    private static CommandLineTest.Outcome curl(String line) {
        List<String> args = new ArrayList<>(List.of("curl"));
        for (String a : line.trim().split("\\s+")) {
            args.add(a.replace('\u00a0', ' ')); // a no-break space stands for a space inside one argument
        }
        return CommandLineTest.run(args.toArray(String[]::new));
    }

    private static void assertOneLine(CommandLineTest.Outcome o) {
        assertFalse(o.err().contains("Exception") || o.err().contains("\tat "), "no stack trace: " + o.err());
        assertTrue(o.err().lines().count() <= 2, "at most the message and a hint: " + o.err());
    }

    @Nested
    @DisplayName("command line")
    class CommandLine {
        @ParameterizedTest(name = "{0} -> exit {1}")
        @CsvSource(delimiter = '|', value = {
            "http://                             | 3 | (3) URL rejected: No host part in the URL",
            "http://:80/                         | 3 | (3) URL rejected",
            "'http://198.18.0.1:99999/'          | 3 | Port number was not a decimal number",
            "'http://198.18.0.1:0/'              | 3 | Port number was not a decimal number",
            "'http://exa\u00a0mple/'             | 3 | (3) URL rejected: Malformed input",
            "'http://[zz/'                       | 3 | (3) URL rejected",
            "'1http://x/'                        | 3 | (3) URL rejected: Bad scheme",
            "'http://user:pw@198.18.0.1/'        | 3 | credentials in the URL",
            "ftp://198.18.0.1/                   | 1 | (1) Protocol \"ftp\" not supported",
            "gopher://198.18.0.1/                | 1 | Protocol \"gopher\" not supported",
        })
        @DisplayName("a URL curl rejects gives curl's exit code and one line, before any link is opened")
        void badUrls(String url, int code, String expected) {
            CommandLineTest.Outcome o = curl(LINK + url);
            assertEquals(code, o.exitCode(), o.err());
            String first = o.err().lines().findFirst().orElse("");
            assertTrue(first.startsWith("teacup: "), first);
            assertTrue(first.contains(expected), "expected '" + expected + "' in: " + first);
            assertOneLine(o);
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @CsvSource(delimiter = '|', value = {
            "''                                                    | Missing required parameter: 'URL'",
            "-d x -I http://198.18.0.1/                            | You can only select one HTTP request method",
            "--max-time 0 http://198.18.0.1/                       | --max-time must be a positive number",
            "--max-time -2 http://198.18.0.1/                      | --max-time must be a positive number",
            "--max-time abc http://198.18.0.1/                     | Invalid value for option '--max-time'",
            "--max-redirs -5 http://198.18.0.1/                    | --max-redirs must be",
            "-H NoColon http://198.18.0.1/                         | -H expects 'NAME: VALUE'",
            "-H :v http://198.18.0.1/                              | -H expects 'NAME: VALUE'",
            "-H Bad\u00a0name:\u00a0v http://198.18.0.1/            | -H expects 'NAME: VALUE'",
            "--resolve web.test http://web.test/                   | --resolve expects HOST:PORT:ADDRESS",
            "--resolve web.test:80 http://web.test/                | --resolve expects HOST:PORT:ADDRESS",
            "--resolve web.test:http:198.18.0.1 http://web.test/   | port must be 1..65535 or *",
            "--resolve web.test:80:300.0.0.1 http://web.test/      | not an IPv4 address",
            "--resolve web.test:80:[::1] http://web.test/          | teacup speaks IPv4 only",
        })
        @DisplayName("a bad option gives exit 2 and one line")
        void badOptions(String line, String expected) {
            CommandLineTest.Outcome o = line.isBlank() ? CommandLineTest.run("curl", "--tap", "t0") : curl(LINK + line);
            assertEquals(Main.EXIT_USAGE, o.exitCode(), o.err());
            String first = o.err().lines().findFirst().orElse("");
            assertTrue(first.contains(expected), "expected '" + expected + "' in: " + first);
            assertOneLine(o);
        }

        @Test
        @DisplayName("a good command line without LINK options stops at the link, exit 2, after the URL was accepted")
        void needsALink() {
            CommandLineTest.Outcome o = curl("http://198.18.0.1/");
            assertEquals(Main.EXIT_USAGE, o.exitCode(), o.err());
            // Test JVMs may not use the host's teacup setup, so no link options is a usage error here.
            assertTrue(o.err().contains("no link: give --tap NAME or --interface IFACE"), o.err());
            CommandLineTest.Outcome good = curl(LINK + "-v -s -L -f -I -X GET -H X-A:b --max-time 5 --resolve a.test:80:198.18.0.1"
                    + " -k --trace-packets http://a.test/");
            assertEquals(Main.EXIT_USAGE, good.exitCode(), good.err());
            assertTrue(good.err().contains("no link: give --tap NAME or --interface IFACE"), good.err());
        }

        @Test
        @DisplayName("-s silences the error line but keeps the exit code; -sS shows it again")
        void silent() {
            CommandLineTest.Outcome quiet = curl(LINK + "-s ftp://198.18.0.1/");
            assertEquals(1, quiet.exitCode());
            assertEquals("", quiet.err());
            CommandLineTest.Outcome shown = curl(LINK + "-sS ftp://198.18.0.1/");
            assertEquals(1, shown.exitCode());
            assertTrue(shown.err().contains("Protocol \"ftp\" not supported"), shown.err());
        }

        @Test
        @DisplayName("--cacert naming no file is curl's exit 77; a file with no certificate too")
        void badCaFile(@TempDir Path dir) throws IOException {
            CommandLineTest.Outcome missing = curl(LINK + "--cacert " + dir.resolve("none.pem") + " https://198.18.0.1/");
            assertEquals(77, missing.exitCode(), missing.err());
            assertTrue(missing.err().contains("no such file"), missing.err());
            Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
            CommandLineTest.Outcome bad = curl(LINK + "--cacert " + junk + " https://198.18.0.1/");
            assertEquals(77, bad.exitCode(), bad.err());
            assertOneLine(bad);
        }

        @Test
        @DisplayName("-d @FILE that cannot be read is curl's exit 26")
        void unreadableData(@TempDir Path dir) {
            CommandLineTest.Outcome o = curl(LINK + "-d @" + dir.resolve("absent") + " http://198.18.0.1/");
            assertEquals(26, o.exitCode(), o.err());
            assertTrue(o.err().contains("(26) Failed to open/read local data"), o.err());
        }

        @Test
        @DisplayName("--help lists curl's options and the LINK options")
        void help() {
            CommandLineTest.Outcome h = CommandLineTest.run("curl", "--help");
            assertEquals(0, h.exitCode());
            for (String option : List.of("-o", "-v", "-s", "-I", "-X", "-H", "-d", "-L", "-f", "--max-time", "--resolve",
                    "--cacert", "-k", "--trace-packets", "--pcap", "--tap", "--interface", "--ip", "--gateway", "--dns")) {
                assertTrue(h.out().contains(option), option + " in:\n" + h.out());
            }
        }
    }

    @Nested
    @DisplayName("URLs")
    class Urls {
        @Test
        @DisplayName("no scheme means http; default ports 80 and 443; fragment dropped; empty path is /")
        void defaults() {
            CurlCommand.Target t = CurlCommand.Target.parse("198.18.0.1");
            assertEquals("http", t.scheme());
            assertEquals(80, t.port());
            assertEquals("http://198.18.0.1/", t.uri().toString());
            CurlCommand.Target s = CurlCommand.Target.parse("HTTPS://Web.Test/a/b?x=1&y=2#frag");
            assertEquals("https", s.scheme());
            assertEquals(443, s.port());
            assertEquals("Web.Test", s.host());
            assertEquals("https://Web.Test/a/b?x=1&y=2", s.uri().toString());
            assertEquals(8080, CurlCommand.Target.parse("http://198.18.0.1:8080").port());
        }
    }

    @Nested
    @DisplayName("-H")
    class Headers {
        @Test
        void addRemoveAndEmpty() {
            assertEquals(new CurlCommand.HeaderEdit("X-A", "b c", false), CurlCommand.HeaderEdit.parse("X-A:  b c "));
            assertEquals(new CurlCommand.HeaderEdit("User-Agent", "", true), CurlCommand.HeaderEdit.parse("User-Agent:"));
            assertEquals(new CurlCommand.HeaderEdit("X-Empty", "", false), CurlCommand.HeaderEdit.parse("X-Empty;"));
            assertThrows(UsageException.class, () -> CurlCommand.HeaderEdit.parse("X-A: b\r\nInjected: 1"));
        }
    }

    @Nested
    @DisplayName("names")
    class Names {
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

    @Nested
    @DisplayName("failures")
    class Failures {
        private final CurlCommand.Target target = CurlCommand.Target.parse("https://web.test:8443/");

        private CommandFailure classify(Exception e) {
            return HttpTransfer.classify(e, target, 123, 456);
        }

        @Test
        @DisplayName("each failure gets curl's exit code and a one-line message")
        void exitCodes() {
            assertEquals(6, classify(new UnknownHostException("web.test")).exitCode());
            assertEquals("(6) Could not resolve host: web.test", classify(new UnknownHostException("web.test")).getMessage());
            assertEquals(7, classify(new HttpHostConnectException("Connect to web.test failed: Connection refused")).exitCode());
            assertEquals("(7) Failed to connect to web.test port 8443 after 123 ms: Connection refused",
                    classify(new ConnectException("Connection refused")).getMessage());
            assertEquals(7, classify(new NoRouteToHostException("no route")).exitCode());
            assertEquals(28, classify(new ConnectTimeoutException("connect timed out")).exitCode());
            assertEquals("(28) Operation timed out after 123 milliseconds with 456 bytes received",
                    classify(new SocketTimeoutException("Read timed out")).getMessage());
            SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
            untrusted.initCause(new CertificateException("unable to find valid certification path"));
            assertEquals(60, classify(untrusted).exitCode());
            assertEquals(60, classify(new SSLPeerUnverifiedException("Certificate for <web.test> doesn't match")).exitCode());
            assertEquals(35, classify(new SSLException("Unsupported or unrecognized SSL message")).exitCode());
            assertEquals(35, classify(new SSLHandshakeException("Received fatal alert: handshake_failure")).exitCode());
            assertEquals(47, classify(new ClientProtocolException(new RedirectException("Maximum redirects (50) exceeded"))).exitCode());
            assertEquals(52, classify(new NoHttpResponseException("web.test:8443 failed to respond")).exitCode());
            assertEquals(18, classify(new ConnectionClosedException("Premature end of chunk coded message body")).exitCode());
            assertEquals(56, classify(new SocketException("Connection reset")).exitCode());
            for (Exception e : List.of(new UnknownHostException("x"), new SocketException("Connection reset"), untrusted)) {
                String m = classify(e).getMessage();
                assertFalse(m.contains("\n"), m);
                assertTrue(m.matches("\\(\\d+\\) .+"), m);
            }
        }
    }

    @Nested
    @DisplayName("progress meter")
    class Meter {
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
}
