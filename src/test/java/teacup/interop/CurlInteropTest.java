package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import teacup.cli.Main;
import teacup.host.SystemCommand;

/**
 * {@code teacup curl} run in-process ({@link Main#run}) on the TAP of a private namespace, against
 * python3 servers on the kernel's side: http.server for files, a small HTTP/1.1 script for POST
 * echo, chunked bodies, redirects and a slow answer, and the same script behind TLS with a CA the
 * test makes with openssl. Names come from {@code --resolve} or from dnsmasq through teacup's own
 * DNS; every curl exit code is provoked.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup curl against python3 http servers")
class CurlInteropTest {
    private static final String K = TapNetwork.KERNEL;
    private static final int FILES = 8000;
    private static final int APP = 8080;
    private static final int TLS = 8443;
    private static final String NAME = "web.teacup.test";
    private static final String OTHER = "other.teacup.test";
    private static final int BIG = 20 * 1024 * 1024;

    /** The HTTP/1.1 script server; with a certificate and key it speaks TLS and prints each SNI name it is sent. */
    private static final String SERVER = String.join("\n",
            "import http.server, socketserver, ssl, sys, time",
            "class H(http.server.BaseHTTPRequestHandler):",
            "    protocol_version = 'HTTP/1.1'",
            "    def log_message(self, *a): pass",
            "    def reply(self, code, body, headers=()):",
            "        self.send_response(code)",
            "        for k, v in headers: self.send_header(k, v)",
            "        self.send_header('Content-Length', str(len(body)))",
            "        self.end_headers()",
            "        if self.command != 'HEAD': self.wfile.write(body)",
            "    def do_HEAD(self): self.do_GET()",
            "    def do_GET(self):",
            "        p = self.path",
            "        if p.startswith('/redirect/'):",
            "            n = int(p.split('/')[2])",
            "            if n == 0: return self.reply(200, b'landed\\n')",
            "            return self.reply(302, b'', [('Location', '/redirect/%d' % (n - 1))])",
            "        if p == '/loop': return self.reply(302, b'', [('Location', '/loop')])",
            "        if p == '/chunked':",
            "            self.send_response(200)",
            "            self.send_header('Transfer-Encoding', 'chunked')",
            "            self.end_headers()",
            "            for i in range(50):",
            "                part = ('chunk %d\\n' % i).encode() * (i + 1)",
            "                self.wfile.write(b'%x\\r\\n' % len(part) + part + b'\\r\\n')",
            "                self.wfile.flush()",
            "            self.wfile.write(b'0\\r\\n\\r\\n')",
            "            return",
            "        if p == '/slow':",
            "            time.sleep(20)",
            "            return self.reply(200, b'late\\n')",
            "        if p == '/headers':",
            "            return self.reply(200, ''.join('%s: %s\\n' % kv for kv in self.headers.items()).encode())",
            "        if p.startswith('/status/'): return self.reply(int(p.split('/')[2]), b'status body\\n')",
            "        return self.reply(200, b'hello from python\\n')",
            "    def do_POST(self):",
            "        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))",
            "        self.reply(200, body, [('X-Method', self.command), ('X-Type', self.headers.get('Content-Type', ''))])",
            "    do_PUT = do_POST",
            "class S(socketserver.ThreadingMixIn, http.server.HTTPServer):",
            "    daemon_threads = True",
            "s = S((sys.argv[1], int(sys.argv[2])), H)",
            "if len(sys.argv) > 4:",
            "    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)",
            "    c.load_cert_chain(sys.argv[3], sys.argv[4])",
            "    c.sni_callback = lambda sock, name, ctx: print('sni', name, flush=True)",
            "    s.socket = c.wrap_socket(s.socket, server_side=True)",
            "print('listening', flush=True)",
            "s.serve_forever()") + "\n";

    private Path dir;
    private TapNetwork net;
    private TapNetwork.Background tlsServer;
    private Path ca;
    private byte[] big;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "python3", "openssl");
        Path www = Files.createDirectories(dir.resolve("www"));
        big = new byte[BIG];
        new SplittableRandom(4).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        Files.writeString(www.resolve("index.html"), "hello from the files\n");
        Files.createDirectories(www.resolve("sub"));
        Files.writeString(www.resolve("sub").resolve("index.html"), "in sub\n");
        Path script = Files.writeString(dir.resolve("server.py"), SERVER);
        makeCertificates();

        net = TapNetwork.create();
        net.start("python3", "-m", "http.server", String.valueOf(FILES), "--bind", K, "--directory", www.toString());
        net.start("python3", script.toString(), K, String.valueOf(APP));
        tlsServer = net.start("python3", script.toString(), K, String.valueOf(TLS),
                dir.resolve("server.pem").toString(), dir.resolve("server.key").toString());
        Duration wait = Duration.ofSeconds(20);
        net.awaitTcpListener(FILES, wait);
        net.awaitTcpListener(APP, wait);
        net.awaitTcpListener(TLS, wait);
    }

    @AfterAll
    void stop() throws IOException {
        if (net != null) {
            net.close();
        }
    }

    /** A CA and a server certificate for {@value #NAME} signed by it, made with openssl (no network). */
    private void makeCertificates() throws IOException {
        ca = dir.resolve("ca.pem");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("ca.key").toString(),
                "-out", ca.toString(), "-days", "2", "-subj", "/CN=teacup test CA");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("server.key").toString(),
                "-out", dir.resolve("server.csr").toString(), "-subj", "/CN=" + NAME);
        Path ext = Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:" + NAME + "\nbasicConstraints=CA:FALSE\n");
        openssl("x509", "-req", "-in", dir.resolve("server.csr").toString(), "-CA", ca.toString(),
                "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-out", dir.resolve("server.pem").toString(),
                "-days", "2", "-extfile", ext.toString());
    }

    private static void openssl(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("openssl"));
        argv.addAll(List.of(args));
        SystemCommand.Result r = SystemCommand.run(Duration.ofSeconds(30), argv.toArray(String[]::new));
        if (!r.ok()) {
            throw new IOException("openssl " + String.join(" ", args) + ": " + r.stderr());
        }
    }

    record Outcome(int exitCode, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstderr:\n" + err;
        }
    }

    /** Runs {@code teacup curl LINK args...} in this JVM with stdout and stderr captured. */
    private Outcome curl(String... args) {
        List<String> argv = new ArrayList<>(List.of("curl", "--netns", net.namespace(), "--tap", TapNetwork.TAP,
                "--ip", TapNetwork.TEACUP + "/24"));
        argv.addAll(List.of(args));
        synchronized (System.class) {
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try {
                System.setOut(new PrintStream(out, true));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                int code = Main.run(argv.toArray(String[]::new));
                System.out.flush();
                return new Outcome(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
    }

    private static String url(int port, String path) {
        return "http://" + K + ":" + port + path;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String resolve(String name, int port) {
        return name + ":" + port + ":" + K;
    }

    // ---------------------------------------------------------------- transfers

    @Test
    @DisplayName("a 20 MB file to -o arrives with the server's SHA-256, a progress meter on stderr")
    void bigFileToAFile() throws Exception {
        Path file = dir.resolve("big.out");
        Outcome o = curl("-o", file.toString(), url(FILES, "/big.bin"));
        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(sha256(big), sha256(Files.readAllBytes(file)));
        assertTrue(o.err().contains("% Total    % Received"), o.err());
        assertTrue(o.err().contains("\r100 20.0M  100 20.0M"), o.err());
        assertEquals(0, o.out().length);
    }

    @Test
    @DisplayName("the same 20 MB to stdout, by name through --resolve, equal byte for byte; -s prints nothing else")
    void bigFileToStdout() throws Exception {
        Outcome o = curl("-s", "--resolve", resolve(NAME, FILES), "http://" + NAME + ":" + FILES + "/big.bin");
        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(big.length, o.out().length);
        assertArrayEquals(big, o.out());
        assertEquals("", o.err());
    }

    @Test
    @DisplayName("-L follows three redirects on one kept-alive connection; without -L the 302 is the answer")
    void redirects() {
        Outcome followed = curl("-v", "-L", url(APP, "/redirect/3"));
        assertEquals(0, followed.exitCode(), followed.toString());
        assertEquals("landed\n", followed.text());
        assertEquals(4, followed.err().lines().filter(l -> l.startsWith("> GET /redirect/")).count(), followed.err());
        assertEquals(3, followed.err().lines().filter(l -> l.startsWith("< HTTP/1.1 302")).count(), followed.err());
        assertEquals(1, followed.err().lines().filter(l -> l.startsWith("* Connected to")).count(),
                "HTTP/1.1 keep-alive: one connection for all four requests\n" + followed.err());

        Outcome notFollowed = curl("-v", url(APP, "/redirect/3"));
        assertEquals(0, notFollowed.exitCode(), notFollowed.toString());
        assertEquals("", notFollowed.text());
        assertTrue(notFollowed.err().contains("< Location: /redirect/2"), notFollowed.err());

        Outcome directory = curl("-L", url(FILES, "/sub"));
        assertEquals(0, directory.exitCode(), directory.toString());
        assertEquals("in sub\n", directory.text());
    }

    @Test
    @DisplayName("-d is POSTed as a form and echoed; -X PUT with -d @FILE; -H adds and removes headers")
    void postAndHeaders() throws IOException {
        Outcome post = curl("-v", "-d", "a=1", "-d", "b=two words", url(APP, "/echo"));
        assertEquals(0, post.exitCode(), post.toString());
        assertEquals("a=1&b=two words", post.text());
        assertTrue(post.err().contains("> POST /echo HTTP/1.1"), post.err());
        assertTrue(post.err().contains("< X-Method: POST"), post.err());
        assertTrue(post.err().contains("< X-Type: application/x-www-form-urlencoded"), post.err());

        Path file = Files.writeString(dir.resolve("form.txt"), "from=file\r\n");
        Outcome put = curl("-v", "-X", "PUT", "-H", "Content-Type: text/plain", "-d", "@" + file, url(APP, "/echo"));
        assertEquals(0, put.exitCode(), put.toString());
        assertEquals("from=file", put.text(), "curl strips CR and LF from -d @FILE");
        assertTrue(put.err().contains("< X-Method: PUT") && put.err().contains("< X-Type: text/plain"), put.err());

        Outcome headers = curl("-H", "X-Teacup: yes", "-H", "User-Agent:", "-H", "X-Empty;", url(APP, "/headers"));
        assertEquals(0, headers.exitCode(), headers.toString());
        assertTrue(headers.text().contains("X-Teacup: yes\n"), headers.text());
        assertTrue(headers.text().contains("X-Empty: \n") || headers.text().contains("X-Empty:\n"), headers.text());
        assertTrue(!headers.text().contains("User-Agent"), headers.text());
        assertTrue(headers.text().contains("Host: " + K + ":" + APP), headers.text());
    }

    @Test
    @DisplayName("a chunked response arrives whole")
    void chunked() {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            expected.append(("chunk " + i + "\n").repeat(i + 1));
        }
        Outcome o = curl("-v", url(APP, "/chunked"));
        assertEquals(0, o.exitCode(), o.toString());
        assertTrue(o.err().contains("< Transfer-Encoding: chunked"), o.err());
        assertEquals(expected.toString(), o.text());
    }

    @Test
    @DisplayName("-I sends HEAD and prints the response headers on stdout, CRLF-ended as curl does")
    void head() {
        Outcome o = curl("-I", url(FILES, "/big.bin"));
        assertEquals(0, o.exitCode(), o.toString());
        String text = o.text();
        assertTrue(text.startsWith("HTTP/1.0 200 OK\r\n"), text);
        assertTrue(text.contains("Content-Length: " + BIG + "\r\n"), text);
        assertTrue(text.endsWith("\r\n\r\n"), text);
    }

    @Test
    @DisplayName("-v shows curl's * > < lines; --trace-packets a line per frame and the TCP states; --pcap records")
    void verboseAndTrace() throws IOException {
        Path pcap = dir.resolve("trace.pcap");
        Outcome o = curl("-v", "--trace-packets", "--pcap", pcap.toString(), url(FILES, "/index.html"));
        assertEquals(0, o.exitCode(), o.toString());
        assertEquals("hello from the files\n", o.text());
        String err = o.err();
        for (String expected : List.of("*   Trying " + K + ":" + FILES + "...", "* Connected to " + K,
                "> GET /index.html HTTP/1.1", "> Host: " + K + ":" + FILES, "> User-Agent: teacup/0.1.0",
                "< HTTP/1.0 200 OK", "< Content-Length: 21",
                " Out ARP, Request who-has " + K + " tell " + TapNetwork.TEACUP,
                " Out IP " + TapNetwork.TEACUP + ".", " > " + K + "." + FILES + ": Flags [S], seq ",
                " In  IP " + K + "." + FILES + " > " + TapNetwork.TEACUP + ".", ": Flags [S.], seq ",
                ": CLOSED -> SYN-SENT", ": SYN-SENT -> ESTABLISHED")) {
            assertTrue(err.contains(expected), "expected '" + expected + "' in:\n" + err);
        }
        assertTrue(err.lines().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{6} (Out|In ) IP .*win \\d+.*, length \\d+")), err);
        assertTrue(Files.size(pcap) > 24 + 5 * 16, "pcap holds frames: " + Files.size(pcap) + " bytes");
    }

    // ---------------------------------------------------------------- https

    @Test
    @DisplayName("https with --cacert: trusted, SNI sent, hostname checked; -v shows the TLS session")
    void httpsTrusted() throws InterruptedException {
        Outcome o = curl("-v", "--cacert", ca.toString(), "--resolve", resolve(NAME, TLS), "https://" + NAME + ":" + TLS + "/");
        assertEquals(0, o.exitCode(), o.toString());
        assertEquals("hello from python\n", o.text());
        assertTrue(o.err().contains("* SSL connection using TLSv1."), o.err());
        assertTrue(o.err().contains("*  subject: CN=" + NAME), o.err());
        assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(5), () -> tlsServer.stdoutText().contains("sni " + NAME)),
                "the server heard SNI " + NAME + ": " + tlsServer.stdoutText());
        Outcome post = curl("--cacert", ca.toString(), "--resolve", resolve(NAME, TLS), "-d", "over tls",
                "https://" + NAME + ":" + TLS + "/echo");
        assertEquals(0, post.exitCode(), post.toString());
        assertEquals("over tls", post.text());
    }

    @Test
    @DisplayName("https: no --cacert is exit 60 (untrusted), a wrong name is 60, -k accepts both")
    void httpsRefused() {
        Outcome untrusted = curl("--resolve", resolve(NAME, TLS), "https://" + NAME + ":" + TLS + "/");
        assertEquals(60, untrusted.exitCode(), untrusted.toString());
        assertTrue(untrusted.err().startsWith("teacup: (60) SSL certificate problem: "), untrusted.err());
        assertEquals(1, untrusted.err().lines().count(), untrusted.err());

        Outcome wrongName = curl("--cacert", ca.toString(), "--resolve", resolve(OTHER, TLS), "https://" + OTHER + ":" + TLS + "/");
        assertEquals(60, wrongName.exitCode(), wrongName.toString());
        assertTrue(wrongName.err().contains(OTHER), wrongName.err());

        Outcome byAddress = curl("--cacert", ca.toString(), "https://" + K + ":" + TLS + "/");
        assertEquals(60, byAddress.exitCode(), "the certificate names no IP address: " + byAddress);

        Outcome insecure = curl("-k", "--resolve", resolve(OTHER, TLS), "https://" + OTHER + ":" + TLS + "/");
        assertEquals(0, insecure.exitCode(), insecure.toString());
        assertEquals("hello from python\n", insecure.text());
    }

    // ---------------------------------------------------------------- names through DNS

    @Test
    @DisplayName("names through teacup's DNS (dnsmasq in the namespace): a CNAME to the server, https checked by name, NXDOMAIN is 6")
    void namesThroughDns() throws Exception {
        TapNetwork.requirePrograms("dnsmasq");
        TapNetwork.Background dnsmasq = net.start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file",
                "--user=nobody", "--group=nogroup", "--no-resolv", "--no-hosts", "--listen-address=" + K,
                "--bind-interfaces", "--port=53", "--local=/teacup.test/", "--host-record=" + NAME + "," + K,
                "--cname=www.teacup.test," + NAME);
        try {
            net.awaitUdpListener(53, Duration.ofSeconds(10));
            Outcome plain = curl("-v", "--dns", K, "http://www.teacup.test:" + APP + "/");
            assertEquals(0, plain.exitCode(), plain.toString());
            assertEquals("hello from python\n", plain.text());
            assertTrue(plain.err().contains("* IPv4: " + K), plain.err());

            Outcome tls = curl("--dns", K, "--cacert", ca.toString(), "https://" + NAME + ":" + TLS + "/");
            assertEquals(0, tls.exitCode(), tls.toString());
            assertEquals("hello from python\n", tls.text());

            Outcome missing = curl("--dns", K, "http://nowhere.teacup.test:" + APP + "/");
            assertEquals(6, missing.exitCode(), missing.toString());
            assertTrue(missing.err().startsWith("teacup: (6) Could not resolve host: nowhere.teacup.test"), missing.err());
        } finally {
            dnsmasq.process.destroy();
            dnsmasq.process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- exit codes

    @Test
    @DisplayName("curl's exit codes: 3 bad URL, 6 unresolved, 7 refused, 22 -f on 404, 28 --max-time, 35 TLS to a plain port, 47 redirect loop")
    void exitCodes() {
        record Case(int code, String message, String... args) {}
        List<Case> cases = List.of(
                new Case(3, "teacup: (3) URL rejected", "http://" + K + ":70000/"),
                new Case(6, "teacup: (6) Could not resolve host: " + NAME, "http://" + NAME + ":" + APP + "/"),
                new Case(7, "teacup: (7) Failed to connect to " + K + " port 9 after ", url(9, "/")),
                new Case(22, "teacup: (22) The requested URL returned error: 404", "-f", url(APP, "/status/404")),
                new Case(28, "teacup: (28) Operation timed out after ", "--max-time", "1.5", url(APP, "/slow")),
                new Case(35, "teacup: (35) TLS connect error: ", "https://" + K + ":" + APP + "/"),
                new Case(47, "teacup: (47) Maximum redirects followed", "-L", "--max-redirs", "3", url(APP, "/loop")));
        for (Case c : cases) {
            Outcome o = curl(c.args());
            assertEquals(c.code(), o.exitCode(), String.join(" ", c.args()) + ": " + o);
            assertTrue(o.err().startsWith(c.message()), "expected '" + c.message() + "' in: " + o.err());
            assertEquals(1, o.err().lines().count(), "one line: " + o.err());
        }
        Outcome notFailing = curl(url(APP, "/status/404"));
        assertEquals(0, notFailing.exitCode(), "without -f an HTTP error is a transfer like any: " + notFailing);
        assertEquals("status body\n", notFailing.text());
    }

    @Test
    @DisplayName("50 consecutive fetches, each a new stack and connection, all succeed")
    void fiftyFetches() {
        for (int i = 0; i < 50; i++) {
            Outcome o = curl("-s", "-S", url(i % 2 == 0 ? APP : FILES, i % 2 == 0 ? "/" : "/index.html"));
            assertEquals(0, o.exitCode(), "fetch " + i + ": " + o);
            assertEquals(i % 2 == 0 ? "hello from python\n" : "hello from the files\n", o.text(), "fetch " + i);
        }
    }
}
