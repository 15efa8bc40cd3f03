package teacup.curl;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
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
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import teacup.curl.CurlRequest.HeaderEdit;
import teacup.dns.Resolver;
import teacup.socket.TeacupJavaSocket;
import teacup.socket.TeacupSocketFactory;
import teacup.stack.NetStack;

/**
 * The engine of {@code teacup curl}: one transfer ({@link CurlRequest}) on a running stack, made
 * by Apache HttpClient 5 (classic) whose sockets are teacup connections ({@link TeacupSocketFactory}),
 * whose names come from an {@link HttpDnsResolver}, and whose https is the JDK's TLS layered on a
 * teacup socket. It turns whatever goes wrong into curl's exit code and message ({@link CurlExit}).
 *
 * <p>Kept apart from the command so that building the command line (picocli reflects on the
 * command class) never needs HttpClient's classes.
 */
public final class CurlTransfer {
    /** What the server sees in User-Agent. */
    static final String USER_AGENT = "teacup/0.1.0";
    private static final int CHUNK = 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(300);
    /** How long, after the transfer, closing connections may take to finish their handshake before the stack stops. */
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final CurlRequest request;
    private final SSLContext tls;
    private final List<TeacupJavaSocket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean timedOut;
    private volatile long received;
    private long startNanos;
    private ProgressMeter meter;

    /**
     * Prepares the transfer; a {@code --cacert} file that cannot be used is a {@link CurlExit}
     * (77) here, before any link is opened.
     */
    public CurlTransfer(CurlRequest request) {
        this.request = request;
        this.tls = TlsTrust.context(request.caFile(), request.insecure());
    }

    /**
     * Runs the request on {@code stack}, whose names {@code resolver} resolves (after the
     * {@code --resolve} entries), and returns the exit code (0) or throws a {@link CurlExit}.
     * Times (--max-time, the meter, messages) count from this call, when the network work begins.
     */
    public int run(NetStack stack, Resolver resolver) throws IOException {
        startNanos = System.nanoTime();
        VerboseLog log = new VerboseLog(System.err, request.verbose());
        try {
            HttpDnsResolver dns = new HttpDnsResolver(resolver, request.overrides(), log);
            HttpUriRequestBase http = httpRequest();
            Duration maxTime = request.maxTime();
            Thread watchdog = maxTime == null ? null : Thread.ofVirtual().name("teacup-curl-max-time").start(() -> {
                try {
                    Thread.sleep(maxTime);
                    timedOut = true;
                    http.cancel();
                } catch (InterruptedException e) {
                    // the transfer ended first
                }
            });
            try (CloseableHttpClient client = client(stack, dns, log)) {
                int code = client.execute(http, HttpClientContext.create(), response -> respond(response, log));
                client.close(CloseMode.GRACEFUL);
                lingerWhileClosing();
                return code;
            } catch (CurlExit f) {
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
        if (request.fail() && status >= 400) {
            throw new CurlExit(CurlExit.HTTP_ERROR, "(22) The requested URL returned error: " + status);
        }
        HttpEntity entity = response.getEntity();
        boolean toStdout = request.toStdout();
        OutputStream out = null;
        try {
            if (toStdout) {
                out = System.out;
            } else {
                try {
                    out = new BufferedOutputStream(Files.newOutputStream(Path.of(request.output())), CHUNK);
                } catch (IOException e) {
                    throw writeFailure(request.output() + ": ", e);
                }
                if (!request.silent()) {
                    meter = new ProgressMeter(System.err, startNanos);
                    meter.expect(entity == null ? 0 : entity.getContentLength());
                    meter.begin(System.nanoTime());
                }
            }
            if (entity != null && !request.head()) {
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
                    throw writeFailure(request.output() + ": ", e);
                }
            } else if (out != null) {
                out.flush();
            }
        }
        log.info("Connection to host " + request.target().host() + " left intact");
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
                throw writeFailure("", e);
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

    /** curl's exit 23: the body could not be written where it goes. */
    private static CurlExit writeFailure(String where, IOException e) {
        return new CurlExit(CurlExit.WRITE_ERROR, "(23) Failure writing output to destination: " + where + CurlExit.reason(e));
    }

    // ---------------------------------------------------------------- the request

    private HttpUriRequestBase httpRequest() {
        byte[] body = request.body();
        String m = request.method() != null ? request.method() : request.head() ? "HEAD" : body != null ? "POST" : "GET";
        HttpUriRequestBase http = new HttpUriRequestBase(m, request.target().uri());
        for (HeaderEdit e : request.headers()) {
            if (!e.remove()) {
                http.addHeader(e.name(), e.value());
            }
        }
        if (body != null) {
            http.setEntity(new ByteArrayEntity(body, ContentType.create("application/x-www-form-urlencoded")));
        }
        return http;
    }


    private CloseableHttpClient client(NetStack stack, HttpDnsResolver dns, VerboseLog log) {
        TeacupSocketFactory factory = new TeacupSocketFactory(stack);
        DetachedSocketFactory detached = proxy -> {
            TeacupJavaSocket s = factory.createSocket();
            sockets.add(s);
            return s;
        };
        DefaultClientTlsStrategy strategy = request.insecure()
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
                log.info("TLS handshake with " + host.getHostName() + (request.insecure() ? " (certificate not checked: -k)" : ""));
            }
        };
        BasicHttpClientConnectionManager connections = new BasicHttpClientConnectionManager(operator,
                ManagedHttpClientConnectionFactory.INSTANCE);
        Duration maxTime = request.maxTime();
        Timeout limit = maxTime == null ? Timeout.DISABLED : Timeout.ofMilliseconds(maxTime.toMillis());
        // curl gives a connection 300 s to open unless --max-time is shorter.
        Timeout connectLimit = maxTime == null || maxTime.compareTo(CONNECT_TIMEOUT) > 0
                ? Timeout.ofSeconds(CONNECT_TIMEOUT.toSeconds()) : limit;
        connections.setConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connectLimit).setSocketTimeout(limit).build());
        // No keep-alive tuning (0 leaves TCP_KEEPIDLE and friends unset): teacup's sockets would only remember them, the
        // connection's keep-alive timing being its TcpSettings', and a transfer's connection does not outlive the command.
        connections.setSocketConfig(SocketConfig.custom().setSoTimeout(limit).setTcpNoDelay(true)
                .setTcpKeepIdle(0).setTcpKeepInterval(0).setTcpKeepCount(0).build());

        RequestConfig config = RequestConfig.custom()
                .setRedirectsEnabled(request.follow())
                .setMaxRedirects(request.maxRedirects() < 0 ? Integer.MAX_VALUE : request.maxRedirects())
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
                .addRequestInterceptorLast((http, entity, context) -> sent(http, request.headers(), log))
                .addResponseInterceptorFirst((response, entity, context) -> arrived(response, log));
        if (!request.follow()) {
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
        if (request.head() && !(request.fail() && response.getCode() >= 400)) {
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
    private CurlExit failure(Exception e) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        if (timedOut) {
            return CurlExit.timedOut(ms, received);
        }
        return CurlExit.classify(e, request.target(), ms, received);
    }
}
