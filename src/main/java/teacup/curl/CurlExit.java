package teacup.curl;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.RedirectException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.ProtocolException;
import teacup.curl.CurlRequest.Target;

/**
 * How a {@code teacup curl} transfer ends when it fails: curl's exit code and its one-line
 * message, {@code (CODE) what happened}. The codes are curl's own (curl(1), "EXIT CODES"), which
 * DESIGN.md adopts for every command that has a curl equivalent; {@link #classify} turns whatever
 * went wrong in a transfer into one.
 */
public final class CurlExit extends RuntimeException {
    public static final int UNSUPPORTED_PROTOCOL = 1;
    public static final int BAD_URL = 3;
    public static final int COULD_NOT_RESOLVE = 6;
    public static final int COULD_NOT_CONNECT = 7;
    public static final int WEIRD_REPLY = 8;
    public static final int PARTIAL_FILE = 18;
    public static final int HTTP_ERROR = 22;
    public static final int WRITE_ERROR = 23;
    public static final int READ_ERROR = 26;
    public static final int TIMEOUT = 28;
    public static final int TLS_CONNECT = 35;
    public static final int TOO_MANY_REDIRECTS = 47;
    public static final int EMPTY_REPLY = 52;
    public static final int SEND_ERROR = 55;
    public static final int RECEIVE_ERROR = 56;
    public static final int PEER_CERTIFICATE = 60;
    /** A CA file ({@code --cacert}) that cannot be used. */
    public static final int BAD_CA_FILE = 77;

    private final int code;

    public CurlExit(int code, String message) {
        super(message);
        this.code = code;
    }

    /** The process's exit code. */
    public int code() {
        return code;
    }

    /** Maps an exception from a transfer to curl's exit code and message (no network needed, so tests call it). */
    public static CurlExit classify(Exception e, Target target, long elapsedMillis, long receivedBytes) {
        String where = target.host() + " port " + target.port();
        if (e instanceof CurlExit f) {
            return f;
        }
        if (e instanceof UnknownHostException) {
            return new CurlExit(COULD_NOT_RESOLVE, "(6) Could not resolve host: " + target.host()
                    + detail(e.getMessage(), target.host()));
        }
        if (e instanceof SSLException ssl) {
            if (causedBy(ssl, CertificateException.class) || ssl instanceof SSLPeerUnverifiedException) {
                return new CurlExit(PEER_CERTIFICATE, "(60) SSL certificate problem: " + rootMessage(ssl));
            }
            return new CurlExit(TLS_CONNECT, "(35) TLS connect error: " + rootMessage(ssl));
        }
        if (e instanceof ConnectTimeoutException) {
            return new CurlExit(TIMEOUT, "(28) Failed to connect to " + where + " after " + elapsedMillis
                    + " ms: Connection timed out");
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            String why = e instanceof NoRouteToHostException ? "No route to host" : rootMessage(e);
            int cut = why.lastIndexOf(": ");
            return new CurlExit(COULD_NOT_CONNECT, "(7) Failed to connect to " + where + " after "
                    + elapsedMillis + " ms: " + (cut >= 0 ? why.substring(cut + 2) : why));
        }
        if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
            return timedOut(elapsedMillis, receivedBytes);
        }
        RedirectException redirect = cause(e, RedirectException.class);
        if (redirect != null) {
            return new CurlExit(TOO_MANY_REDIRECTS, "(47) Maximum redirects followed: " + redirect.getMessage());
        }
        if (e instanceof NoHttpResponseException) {
            return new CurlExit(EMPTY_REPLY, "(52) Empty reply from server");
        }
        if (e instanceof ConnectionClosedException || e instanceof MalformedChunkCodingException) {
            return new CurlExit(PARTIAL_FILE, "(18) transfer closed with outstanding read data remaining: "
                    + e.getMessage());
        }
        if (cause(e, ProtocolException.class) != null) {
            return new CurlExit(WEIRD_REPLY, "(8) Weird server reply: " + rootMessage(e));
        }
        if (e instanceof SocketException) {
            return new CurlExit(RECEIVE_ERROR, "(56) Recv failure: " + e.getMessage());
        }
        if (e instanceof IOException) {
            return new CurlExit(RECEIVE_ERROR, "(56) Failure when receiving data from the peer: " + rootMessage(e));
        }
        return new CurlExit(RECEIVE_ERROR, "(56) " + e);
    }

    /** The transfer ran out of time (--max-time, or a read that waited too long). */
    static CurlExit timedOut(long elapsedMillis, long receivedBytes) {
        return new CurlExit(TIMEOUT, "(28) Operation timed out after " + elapsedMillis
                + " milliseconds with " + receivedBytes + " bytes received");
    }

    /** What curl says about a local file that cannot be read or written. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof FileNotFoundException || e.getMessage() == null) {
            return String.valueOf(e.getMessage());
        }
        return e.getMessage();
    }

    private static String detail(String message, String host) {
        if (message == null || message.equals(host)) {
            return "";
        }
        return message.startsWith(host) ? message.substring(host.length()) : " (" + message + ")";
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        return cause(t, type) != null;
    }

    private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
        for (int i = 0; t != null && i < 20; i++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        String message = t.getMessage();
        for (int i = 0; t.getCause() != null && i < 20; i++) {
            t = t.getCause();
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message == null ? t.getClass().getSimpleName() : message;
    }
}
