package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import teacup.host.SystemCommand;
import teacup.socket.TeacupServerSocketFactory;
import teacup.socket.TeacupSocketFactory;
import teacup.stack.NetStack;

/**
 * JDK TLS, unchanged, over teacup's TCP through the javax.net adapters, against the kernel's
 * TCP and Python's TLS in a private namespace: the layered
 * {@code SSLSocketFactory.createSocket(socket, host, port, true)} as a client, and the layered
 * server form on a socket accepted by a {@link TeacupServerSocketFactory} server socket. The
 * certificate is a throwaway one made by openssl for this run, with the kernel's (or teacup's)
 * address as its subject alternative name, and verified as HTTPS would.
 */
@Tag("interop")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@DisplayName("interop: JDK TLS over teacup through the javax.net adapters")
class TlsInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int PORT = 8443;
    /** Big enough to span many TLS records and TCP segments. */
    private static final int BODY = 300_000;

    @TempDir
    Path dir;

    @BeforeEach
    void requirements() {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "openssl", "python3");
    }

    /** cert.pem and key.pem for {@code address}, valid for a day; nothing else ever trusts them. */
    private void makeCertificate(String address) throws IOException {
        SystemCommand.check(WAIT, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "1", "-subj", "/CN=" + address, "-addext", "subjectAltName=IP:" + address,
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString());
    }

    private SSLContext trusting(Path certificate) throws Exception {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(certificate)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("throwaway", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** The bytes both sides agree on: a deterministic pattern, so a lost or moved byte shows. */
    private static byte[] body() {
        byte[] b = new byte[BODY];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    private static String python(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    @Test
    @DisplayName("SSLSocketFactory.createSocket(teacupSocket, host, port, true): handshake with a kernel-side Python TLS server, request and 300 kB answer byte-exact")
    void jdkTlsClientOverTeacup() throws Exception {
        makeCertificate(TapNetwork.KERNEL);
        // Answers one request line with a header line and the body, then closes with close_notify.
        String server = python(
                "import socket, ssl, sys",
                "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)",
                "ctx.load_cert_chain(sys.argv[1], sys.argv[2])",
                "s = socket.socket()",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind((sys.argv[3], int(sys.argv[4])))",
                "s.listen(1)",
                "print('listening', flush=True)",
                "conn, peer = s.accept()",
                "t = ctx.wrap_socket(conn, server_side=True)",
                "line = b''",
                "while not line.endswith(b'\\n'):",
                "    chunk = t.recv(1)",
                "    if not chunk: break",
                "    line += chunk",
                "body = bytes(((i * 31 + (i >> 8)) & 0xff) for i in range(" + BODY + "))",
                "t.sendall(b'you said: ' + line + b'from ' + peer[0].encode() + b' over ' + t.version().encode() + b'\\n' + body)",
                "t.unwrap()",
                "conn.close()",
                "print('served', peer[0], flush=True)");
        Path script = dir.resolve("server.py");
        Files.writeString(script, server);

        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(31);
            TapNetwork.Background kernel = net.start("python3", script.toString(), dir.resolve("cert.pem").toString(),
                    dir.resolve("key.pem").toString(), TapNetwork.KERNEL, Integer.toString(PORT));
            assertTrue(TapNetwork.waitUntil(WAIT, () -> kernel.stdoutText().contains("listening") || !kernel.process.isAlive()),
                    "server did not start: " + kernel.stderrText());

            SSLSocketFactory tls = trusting(dir.resolve("cert.pem")).getSocketFactory();
            Socket plain = new TeacupSocketFactory(stack).createSocket(TapNetwork.KERNEL, PORT);
            try (SSLSocket socket = (SSLSocket) tls.createSocket(plain, TapNetwork.KERNEL, PORT, true)) {
                SSLParameters params = socket.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // check the address against the certificate
                socket.setSSLParameters(params);
                socket.setSoTimeout(15_000);
                socket.startHandshake();
                assertEquals("TLSv1.3", socket.getSession().getProtocol());
                assertEquals(InetAddress.getByName(TapNetwork.KERNEL), socket.getInetAddress());

                OutputStream out = socket.getOutputStream();
                out.write("hello from teacup\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] answer = readAll(socket.getInputStream());

                String header = "you said: hello from teacup\nfrom " + TapNetwork.TEACUP + " over TLSv1.3\n";
                byte[] expected = new byte[header.length() + BODY];
                System.arraycopy(header.getBytes(StandardCharsets.US_ASCII), 0, expected, 0, header.length());
                System.arraycopy(body(), 0, expected, header.length(), BODY);
                assertEquals(expected.length, answer.length, "answer length");
                assertArrayEquals(expected, answer);
            }
            assertTrue(plain.isClosed(), "autoClose=true closes the teacup socket with the TLS one");
            assertTrue(kernel.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "server did not finish");
            assertEquals(0, kernel.process.exitValue(), kernel.stderrText());
            assertTrue(kernel.stdoutText().contains("served " + TapNetwork.TEACUP), kernel.stdoutText());
        }
    }

    @Test
    @DisplayName("JDK TLS server on a socket accepted by a teacup ServerSocket: a kernel-side Python TLS client verifies it and gets its answer")
    void jdkTlsServerOverTeacup() throws Exception {
        makeCertificate(TapNetwork.TEACUP);
        Path keystore = dir.resolve("server.p12");
        SystemCommand.check(WAIT, "openssl", "pkcs12", "-export", "-in", dir.resolve("cert.pem").toString(),
                "-inkey", dir.resolve("key.pem").toString(), "-out", keystore.toString(), "-passout", "pass:throwaway");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, "throwaway".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "throwaway".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);

        String client = python(
                "import socket, ssl, sys",
                "ctx = ssl.create_default_context(cafile=sys.argv[1])",
                "with socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=20) as s:",
                "    with ctx.wrap_socket(s, server_hostname=sys.argv[2]) as t:",
                "        t.sendall(b'hello from the kernel\\n')",
                "        data = b''",
                "        while True:",
                "            chunk = t.recv(65536)",
                "            if not chunk: break",
                "            data += chunk",
                "        body = bytes(((i * 31 + (i >> 8)) & 0xff) for i in range(" + BODY + "))",
                "        print(t.version(), len(data), data == b'teacup heard: hello from the kernel\\n' + body, flush=True)");
        Path script = dir.resolve("client.py");
        Files.writeString(script, client);

        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(32);
            try (var listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT)) {
                TapNetwork.Background kernel = net.start("python3", script.toString(), dir.resolve("cert.pem").toString(),
                        TapNetwork.TEACUP, Integer.toString(PORT));
                listener.setSoTimeout(20_000);
                Socket accepted = listener.accept();
                SSLSocketFactory tls = context.getSocketFactory();
                try (SSLSocket socket = (SSLSocket) tls.createSocket(accepted, null, true)) {
                    socket.setUseClientMode(false);
                    socket.setSoTimeout(15_000);
                    InputStream in = socket.getInputStream();
                    ByteArrayOutputStream line = new ByteArrayOutputStream();
                    int c;
                    while ((c = in.read()) >= 0 && c != '\n') {
                        line.write(c);
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(("teacup heard: " + line.toString(StandardCharsets.US_ASCII) + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body());
                    out.flush();
                }
                assertTrue(kernel.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "client did not finish");
                assertEquals(0, kernel.process.exitValue(), kernel.stdoutText() + kernel.stderrText());
                int expectedLength = "teacup heard: hello from the kernel\n".length() + BODY;
                assertEquals("TLSv1.3 " + expectedLength + " True", kernel.stdoutText().strip(), kernel.stderrText());
            }
        }
    }
}
