package teacup.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import teacup.curl.CurlExit;
import teacup.curl.CurlRequest;
import teacup.curl.CurlRequest.HeaderEdit;
import teacup.curl.CurlRequest.Target;
import teacup.curl.CurlTransfer;
import teacup.curl.ResolveOverrides;
import teacup.dns.Resolver;
import teacup.link.Link;
import teacup.link.PacketTracer;
import teacup.socket.TeacupSocketFactory;
import teacup.stack.NetStack;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.TcpConnection;

/**
 * {@code teacup curl}: fetches a URL over teacup's own stack with curl's options, exit codes and
 * messages. The HTTP work (HTTP/1.1, keep-alive, Content-Length and chunked bodies, redirects)
 * is Apache HttpClient's classic client; its sockets are teacup connections
 * ({@link TeacupSocketFactory}), its names are resolved by teacup's {@link Resolver} (with
 * {@code --resolve} entries first), and https is the JDK's TLS layered on a teacup socket. The
 * command turns its options into a {@link CurlRequest} and runs it with {@link CurlTransfer}.
 *
 * <p>The body goes to stdout, or to {@code -o FILE} with curl's progress meter on stderr.
 * {@code -v} logs what curl logs; {@code --trace-packets} adds a line per frame and per TCP state
 * change ({@link PacketTracer}). Every failure is one line {@code teacup: (CODE) message} and
 * exit code CODE, curl's number for it.
 */
@Command(name = "curl", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Transfer a URL (http or https) over teacup's own TCP/IP stack, like curl(1).")
final class CurlCommand implements Callable<Integer> {
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

    /** The --trace-packets tracer around the link, once it is open. */
    private PacketTracer tracer;

    @Parameters(paramLabel = "URL", description = "http:// or https:// URL (http:// when no scheme is given)")
    String url;

    // ---------------------------------------------------------------- the run

    @Override
    public Integer call() throws Exception {
        try {
            return transfer();
        } catch (CurlExit e) {
            return failed(new CommandFailure(e.code(), e.getMessage()));
        } catch (CommandFailure f) {
            return failed(f);
        }
    }

    /** -s keeps the exit code but not the message; -sS shows the message again. */
    private int failed(CommandFailure f) {
        if (silent && !showError) {
            return f.exitCode();
        }
        throw f;
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
        CurlTransfer transfer = new CurlTransfer(request());
        // --dhcp: the address, router and DNS servers come from the lease, which startStack waits for.
        try (NetStack stack = link.startStack(this::traced)) {
            if (tracer != null) {
                // Before the transfer's first connection, so the trace shows every state it goes through.
                tracer.watch((remoteIp, remotePort, localPort) -> {
                    TcpConnection c = stack.tcp().find(remoteIp, remotePort, localPort);
                    return c == null ? null : ConnectionStatus.stateName(c.state());
                });
            }
            return transfer.run(stack, link.resolver(stack));
        } finally {
            System.out.flush();
        }
    }

    /** With --trace-packets, the link inside a tracer that prints its frames on stderr. */
    private Link traced(Link opened) {
        if (!tracePackets) {
            return opened;
        }
        tracer = new PacketTracer(opened, System.err);
        return tracer;
    }

    /** The options as the engine takes them; a URL, -H or --resolve it rejects fails here, before any link opens. */
    private CurlRequest request() {
        Target target = Target.parse(url);
        List<HeaderEdit> edits = new ArrayList<>();
        ResolveOverrides overrides;
        try {
            for (String h : headers) {
                edits.add(HeaderEdit.parse(h));
            }
            overrides = ResolveOverrides.parse(resolve);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Duration limit = maxTime == null ? null : Duration.ofMillis(Math.max(1, (long) (maxTime * 1000)));
        return new CurlRequest(target, method, edits, body(), head, follow, maxRedirects, fail, limit, overrides,
                cacert, insecure, output, silent, verbose);
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
                    throw new CurlExit(CurlExit.READ_ERROR, "(26) Failed to open/read local data from file/application: "
                            + file + ": " + CurlExit.reason(e));
                }
                joined.append(new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "").replace("\n", ""));
            } else {
                joined.append(d);
            }
        }
        return joined.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
