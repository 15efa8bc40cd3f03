package teacup.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import teacup.dns.Resolver;
import teacup.dns.StubResolver;
import teacup.link.PacketTracer;
import teacup.socket.TeacupSocketFactory;
import teacup.stack.NetStack;

/**
 * {@code teacup curl}: fetches a URL over teacup's own stack with curl's options, exit codes and
 * messages. The HTTP work (HTTP/1.1, keep-alive, Content-Length and chunked bodies, redirects)
 * is Apache HttpClient's classic client; its sockets are teacup connections
 * ({@link TeacupSocketFactory}), its names are resolved by teacup's {@link Resolver} (with
 * {@code --resolve} entries first), and https is the JDK's TLS layered on a teacup socket.
 *
 * <p>The body goes to stdout, or to {@code -o FILE} with curl's progress meter on stderr.
 * {@code -v} logs what curl logs; {@code --trace-packets} adds a line per frame and per TCP state
 * change ({@link PacketTracer}). Every failure is one line {@code teacup: (CODE) message} and
 * exit code CODE, curl's number for it.
 */
@Command(name = "curl", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Transfer a URL (http or https) over teacup's own TCP/IP stack, like curl(1).")
final class CurlCommand implements Callable<Integer> {
    // curl's exit codes (curl(1), "EXIT CODES").
    static final int EXIT_UNSUPPORTED_PROTOCOL = 1;
    static final int EXIT_BAD_URL = 3;
    static final int EXIT_COULD_NOT_RESOLVE = 6;
    static final int EXIT_COULD_NOT_CONNECT = 7;
    static final int EXIT_WEIRD_REPLY = 8;
    static final int EXIT_PARTIAL_FILE = 18;
    static final int EXIT_HTTP_ERROR = 22;
    static final int EXIT_WRITE_ERROR = 23;
    static final int EXIT_READ_ERROR = 26;
    static final int EXIT_TIMEOUT = 28;
    static final int EXIT_TLS_CONNECT = 35;
    static final int EXIT_TOO_MANY_REDIRECTS = 47;
    static final int EXIT_EMPTY_REPLY = 52;
    static final int EXIT_SEND_ERROR = 55;
    static final int EXIT_RECEIVE_ERROR = 56;
    static final int EXIT_PEER_CERTIFICATE = 60;

    static final String USER_AGENT = "teacup/0.1.0";

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the body to FILE instead of stdout")
    String output;

    @Option(names = {"-v", "--verbose"}, description = "say what happens on stderr: * info, > request and < response headers")
    boolean verbose;

    @Option(names = {"-s", "--silent"}, description = "no progress meter and no error message")
    boolean silent;

    @Option(names = {"-S", "--show-error"}, description = "with -s: still print the error message")
    boolean showError;

    @Option(names = {"-I", "--head"}, description = "send HEAD and print the response headers on stdout")
    boolean head;

    @Option(names = {"-X", "--request"}, paramLabel = "METHOD", description = "request method (default GET, POST with -d)")
    String method;

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'",
            description = "extra header; 'NAME:' removes one teacup adds, 'NAME;' sends it empty (repeatable)")
    List<String> headers = new ArrayList<>();

    @Option(names = {"-d", "--data"}, paramLabel = "DATA",
            description = "send DATA as a form body (POST unless -X); @FILE reads it from FILE, - for stdin (repeatable, joined by &)")
    List<String> data = new ArrayList<>();

    @Option(names = {"-L", "--location"}, description = "follow redirects (at most --max-redirs)")
    boolean follow;

    @Option(names = "--max-redirs", paramLabel = "NUM", defaultValue = "50",
            description = "most redirects -L follows (default: ${DEFAULT-VALUE})")
    int maxRedirects;

    @Option(names = {"-f", "--fail"}, description = "fail with exit code 22 and no body on an HTTP status of 400 or more")
    boolean fail;

    @Option(names = {"-m", "--max-time"}, paramLabel = "SECS", description = "give up after SECS seconds in all (exit 28)")
    Double maxTime;

    @Option(names = "--resolve", paramLabel = "HOST:PORT:ADDR", description = "use ADDR for HOST on PORT instead of DNS (repeatable)")
    List<String> resolve = new ArrayList<>();

    @Option(names = "--cacert", paramLabel = "PEM", description = "trust only the CA certificates in this PEM file")
    Path cacert;

    @Option(names = {"-k", "--insecure"}, description = "https: accept any certificate for any name")
    boolean insecure;

    @Option(names = "--trace-packets", description = "print a line on stderr for each frame and each TCP state change")
    boolean tracePackets;

    @Mixin
    LinkOptions link;

    @Parameters(paramLabel = "URL", description = "http:// or https:// URL (http:// when no scheme is given)")
    String url;

    /**
     * Where names are resolved, the one place to change it: teacup's own stub resolver asking the
     * DNS servers of --dns, the DHCP lease or the host's set-up (call after the lease is obtained).
     * {@code --resolve} entries are consulted before it, and a literal address needs no server.
     */
    static Resolver resolver(NetStack stack, LinkOptions link) {
        return new StubResolver(stack, link.dnsServers(), new SecureRandom());
    }

    // ---------------------------------------------------------------- the run

    @Override
    public Integer call() throws Exception {
        try {
            return transfer();
        } catch (CommandFailure f) {
            if (silent && !showError) {
                return f.exitCode();
            }
            throw f;
        }
    }

    private int transfer() throws Exception {
        if (maxTime != null && (!(maxTime > 0) || maxTime > 86_400 * 365)) {
            throw new UsageException("--max-time must be a positive number of seconds");
        }
        if (maxRedirects < -1) {
            throw new UsageException("--max-redirs must be -1 (no limit) or more");
        }
        if (head && !data.isEmpty()) {
            throw new UsageException("You can only select one HTTP request method! You asked for both POST (-d) and HEAD (-I).");
        }
        if (insecure && cacert != null) {
            cacert = null; // -k wins, as with curl
        }
        Target target = Target.parse(url);
        List<HeaderEdit> edits = new ArrayList<>();
        for (String h : headers) {
            edits.add(HeaderEdit.parse(h));
        }
        ResolveOverrides overrides = ResolveOverrides.parse(resolve);
        byte[] body = body();
        SSLContext tls = TlsTrust.context(cacert, insecure);
        return new HttpTransfer(this, target, edits, overrides, body, tls).run();
    }

    /** The -d parts joined by '&', each literal, from a file (@FILE, CR and LF removed as curl does) or stdin (@-); null without -d. */
    private byte[] body() {
        if (data.isEmpty()) {
            return null;
        }
        StringBuilder joined = new StringBuilder();
        for (String d : data) {
            if (!joined.isEmpty()) {
                joined.append('&');
            }
            if (d.startsWith("@")) {
                String file = d.substring(1);
                byte[] bytes;
                try {
                    bytes = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
                } catch (IOException e) {
                    throw new CommandFailure(EXIT_READ_ERROR, "(26) Failed to open/read local data from file/application: "
                            + file + ": " + reason(e));
                }
                joined.append(new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "").replace("\n", ""));
            } else {
                joined.append(d);
            }
        }
        return joined.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof FileNotFoundException || e.getMessage() == null) {
            return String.valueOf(e.getMessage());
        }
        return e.getMessage();
    }

    // ---------------------------------------------------------------- URL and headers

    /** The URL as curl reads it: http:// when no scheme is given; http and https only; a host is required. */
    record Target(URI uri, String scheme, String host, int port) {
        static Target parse(String text) {
            if (text == null || text.isBlank()) {
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: No host part in the URL");
            }
            String t = text.strip();
            int sep = t.indexOf("://");
            if (sep < 0) {
                t = "http://" + t;
                sep = 4;
            }
            String scheme = t.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: Bad scheme in '" + text + "'");
            }
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new CommandFailure(EXIT_UNSUPPORTED_PROTOCOL, "(1) Protocol \"" + scheme
                        + "\" not supported (teacup curl speaks http and https)");
            }
            String rest = t.substring(sep + 3);
            if (rest.isEmpty() || "/?#".indexOf(rest.charAt(0)) >= 0) {
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: No host part in the URL");
            }
            URI uri;
            try {
                uri = new URI(scheme + t.substring(sep));
            } catch (URISyntaxException e) {
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: Malformed input to a URL function: "
                        + e.getReason() + " at index " + Math.max(0, e.getIndex()));
            }
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                // java.net.URI leaves the host out when the authority is not a server (bad port, bad characters).
                String authority = uri.getRawAuthority();
                if (authority != null && authority.matches(".*:[^:\\]]*") && !authority.matches(".*:\\d{1,5}")) {
                    throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: Port number was not a decimal number between 0 and 65535");
                }
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: No host part in the URL");
            }
            if (uri.getUserInfo() != null) {
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: credentials in the URL are not supported");
            }
            int port = uri.getPort();
            if (port == 0 || port > 65535) {
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: Port number was not a decimal number between 0 and 65535");
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
                throw new CommandFailure(EXIT_BAD_URL, "(3) URL rejected: " + e.getReason());
            }
            return new Target(uri, scheme, host, port);
        }
    }

    /** One -H: add NAME: VALUE, or remove NAME (curl's 'NAME:'), or send NAME empty (curl's 'NAME;'). */
    record HeaderEdit(String name, String value, boolean remove) {
        static HeaderEdit parse(String text) {
            int colon = text.indexOf(':');
            int semicolon = text.indexOf(';');
            if (colon < 0 && semicolon > 0 && text.substring(semicolon + 1).isBlank()) {
                return new HeaderEdit(checkName(text.substring(0, semicolon).strip(), text), "", false);
            }
            if (colon <= 0) {
                throw new UsageException("-H expects 'NAME: VALUE', not '" + text + "'");
            }
            String name = checkName(text.substring(0, colon).strip(), text);
            String value = text.substring(colon + 1).strip();
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new UsageException("-H " + name + ": a header value cannot hold a line break");
            }
            return value.isEmpty() ? new HeaderEdit(name, "", true) : new HeaderEdit(name, value, false);
        }

        private static String checkName(String name, String text) {
            // RFC 9110 5.1: a field name is a token.
            if (name.isEmpty() || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new UsageException("-H expects 'NAME: VALUE', not '" + text + "'");
            }
            return name;
        }
    }
}
