package teacup.cli;

import java.io.BufferedOutputStream;
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
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
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
import teacup.cli.CurlCommand.HeaderEdit;
import teacup.cli.CurlCommand.Target;
import teacup.link.Link;
import teacup.link.PacketTracer;
import teacup.socket.TeacupJavaSocket;
import teacup.socket.TeacupSocketFactory;
import teacup.stack.NetStack;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.TcpConnection;
import teacup.time.Clock;

/**
 * One {@code teacup curl} transfer on a stack of its own: Apache HttpClient 5 (classic) whose
 * sockets are teacup connections ({@link TeacupSocketFactory}), whose names come from an
 * {@link HttpDnsResolver}, and whose https is the JDK's TLS layered on a teacup socket. It turns
 * whatever goes wrong into curl's exit code and message ({@link #classify}).
 *
 * <p>Kept apart from {@link CurlCommand} so that building the command line (picocli reflects on
 * the command class) never needs HttpClient's classes.
 */
final class HttpTransfer {
    private static final int CHUNK = 64 * 1024;
    private static final long CONNECT_TIMEOUT_SECONDS = 300;
    /** How long, after the transfer, closing connections may take to finish their handshake before the stack stops. */
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final CurlCommand options;
    private final Target target;
    private final List<HeaderEdit> edits;
    private final ResolveOverrides overrides;
    private final byte[] body;
    private final SSLContext tls;
    private final List<TeacupJavaSocket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean timedOut;
    private volatile long received;
    private long startNanos;
    private ProgressMeter meter;

    HttpTransfer(CurlCommand options, Target target, List<HeaderEdit> edits, ResolveOverrides overrides, byte[] body,
                 SSLContext tls) {
        this.options = options;
        this.target = target;
        this.edits = edits;
        this.overrides = overrides;
        this.body = body;
        this.tls = tls;
    }

    /** Opens the link, runs the stack and the request, and returns the exit code (0) or throws a {@link CommandFailure}. */
    int run() throws IOException {
        startNanos = System.nanoTime();
        VerboseLog log = new VerboseLog(System.err, options.verbose);
        var iface = options.link.iface();
        Link l = options.link.open();
        PacketTracer tracer = null;
        if (options.tracePackets) {
            tracer = new PacketTracer(l, System.err);
            l = tracer;
        }
        try (NetStack stack = new NetStack(l, iface, Clock.SYSTEM, new SecureRandom())) {
            if (tracer != null) {
                tracer.watch((remoteIp, remotePort, localPort) -> {
                    TcpConnection c = stack.tcp().find(remoteIp, remotePort, localPort);
                    return c == null ? null : ConnectionStatus.stateName(c.state());
                });
            }
            stack.start();
            options.link.obtainAddress(stack); // --dhcp: the address, router and DNS servers come from the lease
            // Times (--max-time, the meter, messages) count from here, when the network work begins.
            startNanos = System.nanoTime();
            HttpDnsResolver dns = new HttpDnsResolver(CurlCommand.resolver(stack, options.link), overrides, log);
            HttpUriRequestBase request = request(body, edits);
            Thread watchdog = options.maxTime == null ? null : Thread.ofVirtual().name("teacup-curl-max-time").start(() -> {
                try {
                    Thread.sleep(Math.max(1, (long) (options.maxTime * 1000)));
                    timedOut = true;
                    request.cancel();
                } catch (InterruptedException e) {
                    // the transfer ended first
                }
            });
            try (CloseableHttpClient client = client(stack, dns, tls, log, edits)) {
                int code = client.execute(request, HttpClientContext.create(), response -> respond(response, log));
                client.close(CloseMode.GRACEFUL);
                lingerWhileClosing();
                return code;
            } catch (CommandFailure f) {
                endMeter();
                throw f;
            } catch (IOException | RuntimeException e) {
                endMeter();
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

    /** A transfer that failed part way still ends the meter's line, so the error starts a line of its own. */
    private void endMeter() {
        if (meter != null) {
            meter.finish(System.nanoTime());
        }
    }

    /** What HttpClient handed back: status check for -f, then the body to its destination. */
    private int respond(org.apache.hc.core5.http.ClassicHttpResponse response, VerboseLog log) throws IOException {
        int status = response.getCode();
        if (options.fail && status >= 400) {
            throw new CommandFailure(CurlCommand.EXIT_HTTP_ERROR, "(22) The requested URL returned error: " + status);
        }
        HttpEntity entity = response.getEntity();
        boolean toStdout = options.output == null || options.output.equals("-");
        OutputStream out = null;
        try {
            if (toStdout) {
                out = System.out;
            } else {
                try {
                    out = new BufferedOutputStream(Files.newOutputStream(Path.of(options.output)), CHUNK);
                } catch (IOException e) {
                    throw new CommandFailure(CurlCommand.EXIT_WRITE_ERROR, "(23) Failure writing output to destination: "
                            + options.output + ": " + CurlCommand.reason(e));
                }
                if (!options.silent) {
                    meter = new ProgressMeter(System.err, startNanos);
                    meter.expect(entity == null ? 0 : entity.getContentLength());
                    meter.begin(System.nanoTime());
                }
            }
            if (entity != null && !options.head) {
                try (InputStream in = entity.getContent()) {
                    copy(in, out);
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
                    throw new CommandFailure(CurlCommand.EXIT_WRITE_ERROR, "(23) Failure writing output to destination: "
                            + options.output + ": " + CurlCommand.reason(e));
                }
            } else if (out != null) {
                out.flush();
            }
        }
        log.info("Connection to host " + target.host() + " left intact");
        return 0;
    }

    private void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            received += n;
            try {
                out.write(buffer, 0, n);
            } catch (IOException e) {
                throw new CommandFailure(CurlCommand.EXIT_WRITE_ERROR, "(23) Failure writing output to destination: " + CurlCommand.reason(e));
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
    private void lingerWhileClosing() {
        long deadline = System.nanoTime() + CLOSE_GRACE_NANOS;
        try {
            for (TeacupJavaSocket s : sockets) {
                s.awaitClosed(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
        } catch (IOException e) {
            // the stack stopped, or this thread was interrupted: nothing left to wait for
        }
    }

    // ---------------------------------------------------------------- the request

    private HttpUriRequestBase request(byte[] body, List<HeaderEdit> edits) {
        String m = options.method != null ? options.method : options.head ? "HEAD" : body != null ? "POST" : "GET";
        HttpUriRequestBase request = new HttpUriRequestBase(m, target.uri());
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


    private CloseableHttpClient client(NetStack stack, HttpDnsResolver dns, SSLContext tls, VerboseLog log,
                                       List<HeaderEdit> edits) {
        TeacupSocketFactory factory = new TeacupSocketFactory(stack);
        DetachedSocketFactory detached = proxy -> {
            TeacupJavaSocket s = factory.createSocket();
            sockets.add(s);
            return s;
        };
        DefaultClientTlsStrategy strategy = options.insecure
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
                log.info("TLS handshake with " + host.getHostName() + (options.insecure ? " (certificate not checked: -k)" : ""));
            }
        };
        BasicHttpClientConnectionManager connections = new BasicHttpClientConnectionManager(operator,
                ManagedHttpClientConnectionFactory.INSTANCE);
        Timeout limit = options.maxTime == null ? Timeout.DISABLED : Timeout.ofMilliseconds(Math.max(1, (long) (options.maxTime * 1000)));
        // curl gives a connection 300 s to open unless --max-time is shorter.
        Timeout connectLimit = options.maxTime == null || options.maxTime > CONNECT_TIMEOUT_SECONDS
                ? Timeout.ofSeconds(CONNECT_TIMEOUT_SECONDS) : limit;
        connections.setConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connectLimit).setSocketTimeout(limit).build());
        // No keep-alive tuning: TCP_KEEPIDLE and friends are JDK extended options, which teacup's sockets do not take.
        connections.setSocketConfig(SocketConfig.custom().setSoTimeout(limit).setTcpNoDelay(true)
                .setTcpKeepIdle(0).setTcpKeepInterval(0).setTcpKeepCount(0).build());

        RequestConfig config = RequestConfig.custom()
                .setRedirectsEnabled(options.follow)
                .setMaxRedirects(options.maxRedirects < 0 ? Integer.MAX_VALUE : options.maxRedirects)
                // curl follows a loop until --max-redirs; it does not refuse a URL seen before.
                .setCircularRedirectsAllowed(true)
                .setResponseTimeout(limit)
                .build();
        var builder = HttpClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(config)
                .setUserAgent(CurlCommand.USER_AGENT)
                .setDefaultHeaders(List.of(new org.apache.hc.core5.http.message.BasicHeader("Accept", "*/*")))
                .disableContentCompression()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .addRequestInterceptorLast((request, entity, context) -> sent(request, edits, log))
                .addResponseInterceptorFirst((response, entity, context) -> arrived(response, log));
        if (!options.follow) {
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
        if (options.head && !(options.fail && response.getCode() >= 400)) {
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
            return new CommandFailure(CurlCommand.EXIT_TIMEOUT, "(28) Operation timed out after " + ms + " milliseconds with "
                    + received + " bytes received");
        }
        return classify(e, target, ms, received);
    }

    /** Maps an exception from a transfer to curl's exit code and message (public for tests: no network needed). */
    static CommandFailure classify(Exception e, Target target, long elapsedMillis, long receivedBytes) {
        String where = target.host() + " port " + target.port();
        if (e instanceof CommandFailure f) {
            return f;
        }
        if (e instanceof UnknownHostException) {
            return new CommandFailure(CurlCommand.EXIT_COULD_NOT_RESOLVE, "(6) Could not resolve host: " + target.host()
                    + detail(e.getMessage(), target.host()));
        }
        if (e instanceof SSLException ssl) {
            if (causedBy(ssl, CertificateException.class) || ssl instanceof SSLPeerUnverifiedException) {
                return new CommandFailure(CurlCommand.EXIT_PEER_CERTIFICATE, "(60) SSL certificate problem: " + rootMessage(ssl));
            }
            return new CommandFailure(CurlCommand.EXIT_TLS_CONNECT, "(35) TLS connect error: " + rootMessage(ssl));
        }
        if (e instanceof ConnectTimeoutException) {
            return new CommandFailure(CurlCommand.EXIT_TIMEOUT, "(28) Failed to connect to " + where + " after " + elapsedMillis
                    + " ms: Connection timed out");
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            String why = e instanceof NoRouteToHostException ? "No route to host" : rootMessage(e);
            int cut = why.lastIndexOf(": ");
            return new CommandFailure(CurlCommand.EXIT_COULD_NOT_CONNECT, "(7) Failed to connect to " + where + " after "
                    + elapsedMillis + " ms: " + (cut >= 0 ? why.substring(cut + 2) : why));
        }
        if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
            return new CommandFailure(CurlCommand.EXIT_TIMEOUT, "(28) Operation timed out after " + elapsedMillis
                    + " milliseconds with " + receivedBytes + " bytes received");
        }
        RedirectException redirect = cause(e, RedirectException.class);
        if (redirect != null) {
            return new CommandFailure(CurlCommand.EXIT_TOO_MANY_REDIRECTS, "(47) Maximum redirects followed: " + redirect.getMessage());
        }
        if (e instanceof NoHttpResponseException) {
            return new CommandFailure(CurlCommand.EXIT_EMPTY_REPLY, "(52) Empty reply from server");
        }
        if (e instanceof ConnectionClosedException || e instanceof MalformedChunkCodingException) {
            return new CommandFailure(CurlCommand.EXIT_PARTIAL_FILE, "(18) transfer closed with outstanding read data remaining: "
                    + e.getMessage());
        }
        if (cause(e, ProtocolException.class) != null) {
            return new CommandFailure(CurlCommand.EXIT_WEIRD_REPLY, "(8) Weird server reply: " + rootMessage(e));
        }
        if (e instanceof SocketException) {
            return new CommandFailure(CurlCommand.EXIT_RECEIVE_ERROR, "(56) Recv failure: " + e.getMessage());
        }
        if (e instanceof IOException) {
            return new CommandFailure(CurlCommand.EXIT_RECEIVE_ERROR, "(56) Failure when receiving data from the peer: " + rootMessage(e));
        }
        return new CommandFailure(CurlCommand.EXIT_RECEIVE_ERROR, "(56) " + e);
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
