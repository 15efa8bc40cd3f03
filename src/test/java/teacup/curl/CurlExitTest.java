package teacup.curl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
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
import org.junit.jupiter.api.Test;
import teacup.curl.CurlRequest.Target;

/** curl's exit code and one-line message for each way a transfer fails. */
class CurlExitTest {
    private final Target target = Target.parse("https://web.test:8443/");

    private CurlExit classify(Exception e) {
        return CurlExit.classify(e, target, 123, 456);
    }

    @Test
    @DisplayName("each failure gets curl's exit code and a one-line message")
    void exitCodes() {
        assertEquals(6, classify(new UnknownHostException("web.test")).code());
        assertEquals("(6) Could not resolve host: web.test", classify(new UnknownHostException("web.test")).getMessage());
        assertEquals(7, classify(new HttpHostConnectException("Connect to web.test failed: Connection refused")).code());
        assertEquals("(7) Failed to connect to web.test port 8443 after 123 ms: Connection refused",
                classify(new ConnectException("Connection refused")).getMessage());
        assertEquals(7, classify(new NoRouteToHostException("no route")).code());
        assertEquals(28, classify(new ConnectTimeoutException("connect timed out")).code());
        assertEquals("(28) Operation timed out after 123 milliseconds with 456 bytes received",
                classify(new SocketTimeoutException("Read timed out")).getMessage());
        SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
        untrusted.initCause(new CertificateException("unable to find valid certification path"));
        assertEquals(60, classify(untrusted).code());
        assertEquals(60, classify(new SSLPeerUnverifiedException("Certificate for <web.test> doesn't match")).code());
        assertEquals(35, classify(new SSLException("Unsupported or unrecognized SSL message")).code());
        assertEquals(35, classify(new SSLHandshakeException("Received fatal alert: handshake_failure")).code());
        assertEquals(47, classify(new ClientProtocolException(new RedirectException("Maximum redirects (50) exceeded"))).code());
        assertEquals(52, classify(new NoHttpResponseException("web.test:8443 failed to respond")).code());
        assertEquals(18, classify(new ConnectionClosedException("Premature end of chunk coded message body")).code());
        assertEquals(56, classify(new SocketException("Connection reset")).code());
        for (Exception e : List.of(new UnknownHostException("x"), new SocketException("Connection reset"), untrusted)) {
            String m = classify(e).getMessage();
            assertFalse(m.contains("\n"), m);
            assertTrue(m.matches("\\(\\d+\\) .+"), m);
        }
    }
}
