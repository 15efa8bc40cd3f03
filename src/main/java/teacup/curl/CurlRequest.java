package teacup.curl;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One {@code teacup curl} transfer as its command line asks for it: a plain value that the
 * command builds from its options, so that {@link CurlTransfer} never sees the command line.
 *
 * @param target       the URL
 * @param method       {@code -X}, or null: GET, HEAD with {@code -I}, POST with a body
 * @param headers      the {@code -H} edits, in their order
 * @param body         the {@code -d} data, joined; null without {@code -d}
 * @param head         {@code -I}: HEAD, and the response headers on stdout
 * @param follow       {@code -L}: follow redirects
 * @param maxRedirects {@code --max-redirs} with {@code -L} (-1: no limit)
 * @param fail         {@code -f}: an HTTP status of 400 or more is exit 22, with no body
 * @param maxTime      {@code --max-time} for the whole transfer, or null for none
 * @param overrides    the {@code --resolve} entries, asked before DNS
 * @param caFile       {@code --cacert}: trust only its certificates; null for the JDK's trust store
 * @param insecure     {@code -k}: accept any certificate for any name
 * @param output       {@code -o FILE}; null or {@code -} for stdout
 * @param silent       {@code -s}: no progress meter
 * @param verbose      {@code -v}: say what happens on stderr
 */
public record CurlRequest(Target target, String method, List<HeaderEdit> headers, byte[] body, boolean head,
                          boolean follow, int maxRedirects, boolean fail, Duration maxTime, ResolveOverrides overrides,
                          Path caFile, boolean insecure, String output, boolean silent, boolean verbose) {
    public CurlRequest {
        Objects.requireNonNull(target, "target");
        headers = List.copyOf(headers);
        Objects.requireNonNull(overrides, "overrides");
    }

    /** Whether the body goes to stdout (no {@code -o}, or {@code -o -}). */
    boolean toStdout() {
        return output == null || output.equals("-");
    }

    /** The URL as curl reads it: http:// when no scheme is given; http and https only; a host is required. */
    public record Target(URI uri, String scheme, String host, int port) {
        /** Parses a URL the way curl does; one it rejects is a {@link CurlExit} with curl's code (1 or 3). */
        public static Target parse(String text) {
            if (text == null || text.isBlank()) {
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: No host part in the URL");
            }
            String t = text.strip();
            int sep = t.indexOf("://");
            if (sep < 0) {
                t = "http://" + t;
                sep = 4;
            }
            String scheme = t.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: Bad scheme in '" + text + "'");
            }
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new CurlExit(CurlExit.UNSUPPORTED_PROTOCOL, "(1) Protocol \"" + scheme
                        + "\" not supported (teacup curl speaks http and https)");
            }
            String rest = t.substring(sep + 3);
            if (rest.isEmpty() || "/?#".indexOf(rest.charAt(0)) >= 0) {
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: No host part in the URL");
            }
            URI uri;
            try {
                uri = new URI(scheme + t.substring(sep));
            } catch (URISyntaxException e) {
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: Malformed input to a URL function: "
                        + e.getReason() + " at index " + Math.max(0, e.getIndex()));
            }
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                // java.net.URI leaves the host out when the authority is not a server (bad port, bad characters).
                String authority = uri.getRawAuthority();
                if (authority != null && authority.matches(".*:[^:\\]]*") && !authority.matches(".*:\\d{1,5}")) {
                    throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: Port number was not a decimal number between 0 and 65535");
                }
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: No host part in the URL");
            }
            if (uri.getUserInfo() != null) {
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: credentials in the URL are not supported");
            }
            int port = uri.getPort();
            if (port == 0 || port > 65535) {
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: Port number was not a decimal number between 0 and 65535");
            }
            if (port < 0) {
                port = scheme.equals("https") ? 443 : 80;
            }
            try {
                // Fragments never go on the wire; an empty path is "/".
                String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
                uri = new URI(scheme + "://" + uri.getRawAuthority() + path
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
            } catch (URISyntaxException e) {
                throw new CurlExit(CurlExit.BAD_URL, "(3) URL rejected: " + e.getReason());
            }
            return new Target(uri, scheme, host, port);
        }
    }

    /** One -H: add NAME: VALUE, or remove NAME (curl's 'NAME:'), or send NAME empty (curl's 'NAME;'). */
    public record HeaderEdit(String name, String value, boolean remove) {
        /** Parses one -H; a malformed one is an IllegalArgumentException saying what -H expects. */
        public static HeaderEdit parse(String text) {
            int colon = text.indexOf(':');
            int semicolon = text.indexOf(';');
            if (colon < 0 && semicolon > 0 && text.substring(semicolon + 1).isBlank()) {
                return new HeaderEdit(checkName(text.substring(0, semicolon).strip(), text), "", false);
            }
            if (colon <= 0) {
                throw new IllegalArgumentException("-H expects 'NAME: VALUE', not '" + text + "'");
            }
            String name = checkName(text.substring(0, colon).strip(), text);
            String value = text.substring(colon + 1).strip();
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("-H " + name + ": a header value cannot hold a line break");
            }
            return value.isEmpty() ? new HeaderEdit(name, "", true) : new HeaderEdit(name, value, false);
        }

        private static String checkName(String name, String text) {
            // RFC 9110 5.1: a field name is a token.
            if (name.isEmpty() || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new IllegalArgumentException("-H expects 'NAME: VALUE', not '" + text + "'");
            }
            return name;
        }
    }
}
