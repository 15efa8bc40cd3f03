package teacup.cli;

import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.RedirectException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.BasicHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.io.DetachedSocketFactory;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import teacup.dns.Resolver;
import teacup.link.Link;
import teacup.os.Clock;
import teacup.socket.TeacupSocketFactory;
import teacup.stack.NetStack;
import teacup.tcp.TcpConnection;

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
    private static final int CHUNK = 64 * 1024;
    private static final long CONNECT_TIMEOUT_SECONDS = 300;
    /** How long, after the transfer, closing connections may take to finish their handshake before the stack stops. */
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

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

    /** Where names are resolved: the one place where teacup's DNS stub resolver plugs in. */
    static Resolver resolver(NetStack stack, LinkOptions link) {
        return new LiteralResolver();
    }

    // ---------------------------------------------------------------- the run

    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean timedOut;
    private volatile long received;
    private long startNanos;
    private Target target;

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
        startNanos = System.nanoTime();
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
        target = Target.parse(url);
        List<HeaderEdit> edits = new ArrayList<>();
        for (String h : headers) {
            edits.add(HeaderEdit.parse(h));
        }
        ResolveOverrides overrides = ResolveOverrides.parse(resolve);
        byte[] body = body();
        SSLContext tls = TlsTrust.context(cacert, insecure);

        VerboseLog log = new VerboseLog(System.err, verbose);
        var iface = link.iface();
        Link l = link.open();
        PacketTracer tracer = null;
        if (tracePackets) {
            tracer = new PacketTracer(l, System.err);
            l = tracer;
        }
        try (NetStack stack = new NetStack(l, iface, Clock.SYSTEM, new SecureRandom())) {
            if (tracer != null) {
                tracer.watch(stack);
            }
            stack.start();
            // Times (--max-time, the meter, messages) count from here, when the network work begins.
            startNanos = System.nanoTime();
            HttpDnsResolver dns = new HttpDnsResolver(resolver(stack, link), overrides, log);
            HttpUriRequestBase request = request(body, edits);
            Thread watchdog = maxTime == null ? null : Thread.ofVirtual().name("teacup-curl-max-time").start(() -> {
                try {
                    Thread.sleep(Math.max(1, (long) (maxTime * 1000)));
                    timedOut = true;
                    request.cancel();
                } catch (InterruptedException e) {
                    // the transfer ended first
                }
            });
            try (CloseableHttpClient client = client(stack, dns, tls, log, edits)) {
                int code = client.execute(request, HttpClientContext.create(), response -> respond(response, log));
                client.close(CloseMode.GRACEFUL);
                lingerWhileClosing(stack);
                return code;
            } catch (CommandFailure f) {
                throw f;
            } catch (IOException | RuntimeException e) {
                throw failure(e);
            } finally {
                if (watchdog != null) {
                    watchdog.interrupt();
                }
            }
        } finally {
            System.out.flush();
        }
    }

    /** What HttpClient handed back: status check for -f, then the body to its destination. */
    private int respond(org.apache.hc.core5.http.ClassicHttpResponse response, VerboseLog log) throws IOException {
        int status = response.getCode();
        if (fail && status >= 400) {
            throw new CommandFailure(EXIT_HTTP_ERROR, "(22) The requested URL returned error: " + status);
        }
        HttpEntity entity = response.getEntity();
        boolean toStdout = output == null || output.equals("-");
        OutputStream out = null;
        ProgressMeter meter = null;
        try {
            if (toStdout) {
                out = System.out;
            } else {
                try {
                    out = new BufferedOutputStream(Files.newOutputStream(Path.of(output)), CHUNK);
                } catch (IOException e) {
                    throw new CommandFailure(EXIT_WRITE_ERROR, "(23) Failure writing output to destination: "
                            + output + ": " + reason(e));
                }
                if (!silent) {
                    meter = new ProgressMeter(System.err, startNanos);
                    meter.expect(entity == null ? 0 : entity.getContentLength());
                    meter.begin(System.nanoTime());
                }
            }
            if (entity != null && !head) {
                try (InputStream in = entity.getContent()) {
                    copy(in, out, meter);
                }
            }
            if (meter != null) {
                meter.finish(System.nanoTime());
            }
        } finally {
            if (out != null && !toStdout) {
                try {
                    out.close();
                } catch (IOException e) {
                    throw new CommandFailure(EXIT_WRITE_ERROR, "(23) Failure writing output to destination: "
                            + output + ": " + reason(e));
                }
            } else if (out != null) {
                out.flush();
            }
        }
        log.info("Connection to host " + target.host + " left intact");
        return 0;
    }

    private void copy(InputStream in, OutputStream out, ProgressMeter meter) throws IOException {
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            received += n;
            try {
                out.write(buffer, 0, n);
            } catch (IOException e) {
                throw new CommandFailure(EXIT_WRITE_ERROR, "(23) Failure writing output to destination: " + reason(e));
            }
            if (meter != null) {
                meter.received(System.nanoTime(), n);
            }
        }
    }

    /**
     * Waits (bounded) until the connections HttpClient closed have finished closing, so that
     * stopping the stack does not reset them; TIME-WAIT and FIN-WAIT-2 mean the peer has all.
     */
    private void lingerWhileClosing(NetStack stack) {
        long deadline = System.nanoTime() + CLOSE_GRACE_NANOS;
        for (Socket s : sockets) {
            if (s.getInetAddress() == null || s.getLocalPort() <= 0) {
                continue;
            }
            int remoteIp = ipv4(s.getInetAddress().getAddress());
            int remotePort = s.getPort();
            int localPort = s.getLocalPort();
            while (System.nanoTime() < deadline) {
                TcpConnection.State state;
                try {
                    state = stack.call(() -> {
                        TcpConnection c = stack.tcp().find(remoteIp, remotePort, localPort);
                        return c == null ? TcpConnection.State.CLOSED : c.state();
                    });
                } catch (IOException e) {
                    return;
                }
                if (state == TcpConnection.State.CLOSED || state == TcpConnection.State.TIME_WAIT
                        || state == TcpConnection.State.FIN_WAIT_2) {
                    break;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static int ipv4(byte[] b) {
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    // ---------------------------------------------------------------- the request

    private HttpUriRequestBase request(byte[] body, List<HeaderEdit> edits) {
        String m = method != null ? method : head ? "HEAD" : body != null ? "POST" : "GET";
        HttpUriRequestBase request = new HttpUriRequestBase(m, target.uri);
        for (HeaderEdit e : edits) {
            if (!e.remove()) {
                request.addHeader(e.name(), e.value());
            }
        }
        if (body != null) {
            request.setEntity(new ByteArrayEntity(body, ContentType.create("application/x-www-form-urlencoded")));
        }
        return request;
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

    private CloseableHttpClient client(NetStack stack, HttpDnsResolver dns, SSLContext tls, VerboseLog log,
                                       List<HeaderEdit> edits) {
        TeacupSocketFactory factory = new TeacupSocketFactory(stack);
        DetachedSocketFactory detached = proxy -> {
            Socket s = factory.createSocket();
            sockets.add(s);
            return s;
        };
        DefaultClientTlsStrategy strategy = insecure
                ? new DefaultClientTlsStrategy(tls, HostnameVerificationPolicy.CLIENT, NoopHostnameVerifier.INSTANCE)
                : new DefaultClientTlsStrategy(tls);
        TlsSocketStrategy described = (socket, host, port, attachment, context) -> {
            SSLSocket upgraded = strategy.upgrade(socket, host, port, attachment, context);
            describe(upgraded.getSession(), log);
            return upgraded;
        };
        DefaultHttpClientConnectionOperator operator = new DefaultHttpClientConnectionOperator(detached,
                DefaultSchemePortResolver.INSTANCE, dns,
                RegistryBuilder.<TlsSocketStrategy>create().register("https", described).build()) {
            @Override
            protected void onBeforeSocketConnect(HttpContext context, HttpHost host) {
                InetSocketAddress next = dns.nextAttempt();
                log.info("  Trying " + (next == null ? host.toHostString()
                        : next.getAddress().getHostAddress() + ":" + next.getPort()) + "...");
            }

            @Override
            protected void onAfterSocketConnect(HttpContext context, HttpHost host) {
                Socket s = sockets.isEmpty() ? null : sockets.getLast();
                if (s != null && s.getInetAddress() != null) {
                    log.info("Connected to " + host.getHostName() + " (" + s.getInetAddress().getHostAddress()
                            + ") port " + s.getPort() + " from port " + s.getLocalPort());
                }
            }

            @Override
            protected void onBeforeTlsHandshake(HttpContext context, HttpHost host) {
                log.info("TLS handshake with " + host.getHostName() + (insecure ? " (certificate not checked: -k)" : ""));
            }
        };
        BasicHttpClientConnectionManager connections = new BasicHttpClientConnectionManager(operator,
                ManagedHttpClientConnectionFactory.INSTANCE);
        Timeout limit = maxTime == null ? Timeout.DISABLED : Timeout.ofMilliseconds(Math.max(1, (long) (maxTime * 1000)));
        // curl gives a connection 300 s to open unless --max-time is shorter.
        Timeout connectLimit = maxTime == null || maxTime > CONNECT_TIMEOUT_SECONDS
                ? Timeout.ofSeconds(CONNECT_TIMEOUT_SECONDS) : limit;
        connections.setConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connectLimit).setSocketTimeout(limit).build());
        // No keep-alive tuning: TCP_KEEPIDLE and friends are JDK extended options, which teacup's sockets do not take.
        connections.setSocketConfig(SocketConfig.custom().setSoTimeout(limit).setTcpNoDelay(true)
                .setTcpKeepIdle(0).setTcpKeepInterval(0).setTcpKeepCount(0).build());

        RequestConfig config = RequestConfig.custom()
                .setRedirectsEnabled(follow)
                .setMaxRedirects(maxRedirects < 0 ? Integer.MAX_VALUE : maxRedirects)
                // curl follows a loop until --max-redirs; it does not refuse a URL seen before.
                .setCircularRedirectsAllowed(true)
                .setResponseTimeout(limit)
                .build();
        var builder = HttpClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(config)
                .setUserAgent(USER_AGENT)
                .setDefaultHeaders(List.of(new org.apache.hc.core5.http.message.BasicHeader("Accept", "*/*")))
                .disableContentCompression()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .addRequestInterceptorLast((request, entity, context) -> sent(request, edits, log))
                .addResponseInterceptorFirst((response, entity, context) -> arrived(response, log));
        if (!follow) {
            builder.disableRedirectHandling();
        }
        return builder.build();
    }

    /** After HttpClient added its headers: drops those -H named with an empty value, then logs the request (-v). */
    private static void sent(HttpRequest request, List<HeaderEdit> edits, VerboseLog log) {
        for (HeaderEdit e : edits) {
            if (e.remove()) {
                request.removeHeaders(e.name());
            }
        }
        if (!log.enabled()) {
            return;
        }
        ProtocolVersion v = request.getVersion() != null ? request.getVersion() : HttpVersion.HTTP_1_1;
        log.sent(request.getMethod() + " " + request.getRequestUri() + " " + v);
        for (Header h : request.getHeaders()) {
            log.sent(h.getName() + ": " + h.getValue());
        }
        log.sent("");
    }

    /** Each response as it arrives (every hop with -L): headers to the -v log, and to stdout with -I. */
    private void arrived(HttpResponse response, VerboseLog log) {
        ProtocolVersion v = response.getVersion() != null ? response.getVersion() : HttpVersion.HTTP_1_1;
        String reason = response.getReasonPhrase();
        String statusLine = v + " " + response.getCode() + (reason == null || reason.isEmpty() ? "" : " " + reason);
        log.received(statusLine);
        for (Header h : response.getHeaders()) {
            log.received(h.getName() + ": " + h.getValue());
        }
        log.received("");
        if (head && !(fail && response.getCode() >= 400)) {
            // curl -I writes the header block as it came: CRLF line ends, a blank line after.
            StringBuilder s = new StringBuilder(statusLine).append("\r\n");
            for (Header h : response.getHeaders()) {
                s.append(h.getName()).append(": ").append(h.getValue()).append("\r\n");
            }
            s.append("\r\n");
            PrintStream out = System.out;
            out.print(s);
            out.flush();
        }
    }

    private static void describe(SSLSession session, VerboseLog log) {
        if (!log.enabled()) {
            return;
        }
        log.info("SSL connection using " + session.getProtocol() + " / " + session.getCipherSuite());
        try {
            if (session.getPeerCertificates()[0] instanceof X509Certificate c) {
                log.info("Server certificate:");
                log.info(" subject: " + c.getSubjectX500Principal().getName());
                log.info(" start date: " + c.getNotBefore().toInstant());
                log.info(" expire date: " + c.getNotAfter().toInstant());
                log.info(" issuer: " + c.getIssuerX500Principal().getName());
            }
        } catch (SSLPeerUnverifiedException e) {
            log.info("Server certificate: none");
        }
    }

    // ---------------------------------------------------------------- failures

    /** The curl exit code and one-line message for what went wrong. */
    CommandFailure failure(Exception e) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        if (timedOut) {
            return new CommandFailure(EXIT_TIMEOUT, "(28) Operation timed out after " + ms + " milliseconds with "
                    + received + " bytes received");
        }
        return classify(e, target, ms, received);
    }

    /** Maps an exception from a transfer to curl's exit code and message (public for tests: no network needed). */
    static CommandFailure classify(Exception e, Target target, long elapsedMillis, long receivedBytes) {
        String where = target.host + " port " + target.port;
        if (e instanceof CommandFailure f) {
            return f;
        }
        if (e instanceof UnknownHostException) {
            return new CommandFailure(EXIT_COULD_NOT_RESOLVE, "(6) Could not resolve host: " + target.host
                    + detail(e.getMessage(), target.host));
        }
        if (e instanceof SSLException ssl) {
            if (causedBy(ssl, CertificateException.class) || ssl instanceof SSLPeerUnverifiedException) {
                return new CommandFailure(EXIT_PEER_CERTIFICATE, "(60) SSL certificate problem: " + rootMessage(ssl));
            }
            return new CommandFailure(EXIT_TLS_CONNECT, "(35) TLS connect error: " + rootMessage(ssl));
        }
        if (e instanceof ConnectTimeoutException) {
            return new CommandFailure(EXIT_TIMEOUT, "(28) Failed to connect to " + where + " after " + elapsedMillis
                    + " ms: Connection timed out");
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            String why = e instanceof NoRouteToHostException ? "No route to host" : rootMessage(e);
            int cut = why.lastIndexOf(": ");
            return new CommandFailure(EXIT_COULD_NOT_CONNECT, "(7) Failed to connect to " + where + " after "
                    + elapsedMillis + " ms: " + (cut >= 0 ? why.substring(cut + 2) : why));
        }
        if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
            return new CommandFailure(EXIT_TIMEOUT, "(28) Operation timed out after " + elapsedMillis
                    + " milliseconds with " + receivedBytes + " bytes received");
        }
        RedirectException redirect = cause(e, RedirectException.class);
        if (redirect != null) {
            return new CommandFailure(EXIT_TOO_MANY_REDIRECTS, "(47) Maximum redirects followed: " + redirect.getMessage());
        }
        if (e instanceof NoHttpResponseException) {
            return new CommandFailure(EXIT_EMPTY_REPLY, "(52) Empty reply from server");
        }
        if (e instanceof ConnectionClosedException || e instanceof MalformedChunkCodingException) {
            return new CommandFailure(EXIT_PARTIAL_FILE, "(18) transfer closed with outstanding read data remaining: "
                    + e.getMessage());
        }
        if (cause(e, ProtocolException.class) != null) {
            return new CommandFailure(EXIT_WEIRD_REPLY, "(8) Weird server reply: " + rootMessage(e));
        }
        if (e instanceof SocketException) {
            return new CommandFailure(EXIT_RECEIVE_ERROR, "(56) Recv failure: " + e.getMessage());
        }
        if (e instanceof IOException) {
            return new CommandFailure(EXIT_RECEIVE_ERROR, "(56) Failure when receiving data from the peer: " + rootMessage(e));
        }
        return new CommandFailure(EXIT_RECEIVE_ERROR, "(56) " + e);
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

    private static String reason(IOException e) {
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
