package teacup.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HeaderElements;
import org.apache.hc.core5.http.HttpConnection;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.DefaultConnectionReuseStrategy;
import org.apache.hc.core5.http.impl.Http1StreamListener;
import org.apache.hc.core5.http.impl.HttpProcessors;
import org.apache.hc.core5.http.impl.io.DefaultBHttpServerConnection;
import org.apache.hc.core5.http.impl.io.HttpService;
import org.apache.hc.core5.http.message.MessageSupport;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.http.protocol.HttpProcessor;
import org.apache.hc.core5.util.Timeout;

/**
 * An HTTP/1.1 static file server on any {@link ServerSocket}: teacup's
 * ({@link teacup.socket.TeacupServerSocketFactory}) in {@code teacup serve}, the kernel's in tests.
 *
 * <p>HTTP itself is Apache HttpCore 5's classic API: {@link DefaultBHttpServerConnection} parses
 * and writes messages, {@link HttpService} runs each exchange and answers malformed requests
 * (400, then close), and {@link FileRequestHandler} decides what to send. What HttpCore's own
 * server would add (platform thread pools) is replaced by a small loop of our own: one virtual
 * thread accepts, and each connection gets a virtual thread of its own, so thousands of mostly
 * idle keep-alive connections cost little.
 *
 * <p>Limits that keep one client from hurting the others:
 * <ul>
 *   <li>a request head must be complete within the header timeout, counted from the connection's
 *       start for its first request and from the first byte of each later one. A read timeout
 *       alone cannot enforce this (a client trickling a byte a second never lets a read time out),
 *       so a watchdog resets the connection when the deadline passes;</li>
 *   <li>a keep-alive connection with no new request within the idle timeout is closed, and so is a
 *       connection whose client has taken none of a file body for that long;</li>
 *   <li>header lines are limited to {@value #MAX_LINE} bytes and heads to {@value #MAX_HEADERS}
 *       fields (HttpCore's {@link Http1Config}); beyond that the answer is 431 and close.</li>
 * </ul>
 * {@link #close()} stops gracefully: no more accepts, idle connections closed, exchanges in flight
 * finish (answering with {@code Connection: close}) within the stop grace, the rest are reset.
 */
public final class FileServer implements AutoCloseable {
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 100;
    /** After a refused head, how long and how much we read on before closing (see {@link Client#refuse}). */
    private static final Duration LINGER = Duration.ofSeconds(1);
    private static final long LINGER_BYTES = 1 << 20;

    /** What to serve and the limits; {@link #of} gives the defaults. */
    public record Settings(Path root, boolean listDirectories, Duration idleTimeout, Duration headerTimeout,
            Duration stopGrace) {
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(15);
        public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);

        public Settings {
            Objects.requireNonNull(root, "root");
            positive(idleTimeout, "idleTimeout");
            positive(headerTimeout, "headerTimeout");
            if (stopGrace == null || stopGrace.isNegative()) {
                throw new IllegalArgumentException("stopGrace must not be negative");
            }
        }

        private static void positive(Duration d, String name) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }

        /** {@code root}, no listings, the default timeouts. */
        public static Settings of(Path root) {
            return new Settings(root, false, DEFAULT_IDLE_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_STOP_GRACE);
        }

        public Settings withListing(boolean on) {
            return new Settings(root, on, idleTimeout, headerTimeout, stopGrace);
        }

        public Settings withIdleTimeout(Duration d) {
            return new Settings(root, listDirectories, d, headerTimeout, stopGrace);
        }

        public Settings withHeaderTimeout(Duration d) {
            return new Settings(root, listDirectories, idleTimeout, d, stopGrace);
        }

        public Settings withStopGrace(Duration d) {
            return new Settings(root, listDirectories, idleTimeout, headerTimeout, d);
        }
    }

    private final ServerSocket listener;
    private final Settings settings;
    private final Path root;
    private final AccessLog log;
    private final HttpProcessor processor = HttpProcessors.server("teacup");
    /**
     * HttpCore's session buffers are 32 KB by default, input and output, each held for the
     * connection's life: 64 KB of heap that every idle keep-alive connection pins, and that a
     * client which stops reading pins with its connection (issue 12). 1 KB holds a usual request
     * head whole (a longer line grows HttpCore's line buffer, up to {@value #MAX_LINE}); the output
     * goes on, past HttpCore's buffer for anything above it, to a {@link ResponseOutput}, whose
     * pooled buffer gathers head and body into one write and is given back after each answer.
     */
    static final int SESSION_BUFFER = 1024;
    private final Http1Config http1 = Http1Config.custom().setMaxLineLength(MAX_LINE).setMaxHeaderCount(MAX_HEADERS)
            .setBufferSize(SESSION_BUFFER).setChunkSizeHint(SESSION_BUFFER).build();
    /** Output buffers between answers: enough for the answers a two-core machine writes at once, and some. */
    private final ResponseOutput.Pool outputBuffers = new ResponseOutput.Pool(64);
    private final FileRequestHandler handler;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    /** Deadlines of request heads; one thread for every connection, woken only when a deadline is due. */
    private final ScheduledThreadPoolExecutor watchdog;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private Thread acceptor;

    private FileServer(ServerSocket listener, Settings settings, AccessLog log) throws IOException {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.log = Objects.requireNonNull(log, "log");
        Path r = settings.root().toRealPath();
        if (!Files.isDirectory(r)) {
            throw new IOException(settings.root() + ": not a directory");
        }
        this.root = r;
        this.handler = new FileRequestHandler(root, settings.listDirectories(), stopping::get);
        this.watchdog = new ScheduledThreadPoolExecutor(1, task -> Thread.ofPlatform().daemon()
                .name("teacup-http-watchdog").unstarted(task));
        watchdog.setRemoveOnCancelPolicy(true);
    }

    /**
     * Serves {@code settings.root()} on {@code listener} (already bound) until {@link #close()}.
     * The listener is the server's from now on: close() closes it.
     */
    public static FileServer start(ServerSocket listener, Settings settings, AccessLog log) throws IOException {
        FileServer server = new FileServer(listener, settings, log);
        server.acceptor = Thread.ofVirtual().name("teacup-http-accept").start(server::acceptLoop);
        return server;
    }

    /** The real path of the directory served. */
    public Path root() {
        return root;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections open at this moment. */
    public int connectionCount() {
        return clients.size();
    }

    private void acceptLoop() {
        while (!stopping.get()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (stopping.get() || listener.isClosed()) {
                    return;
                }
                // A passing failure (a connection reset before accept, no file descriptors): pause, go on.
                System.err.println("teacup serve: accept: " + e.getMessage());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            Client client = new Client(socket);
            // The thread is known before the client is visible, so close() can always wait for it.
            client.thread = Thread.ofVirtual().name("teacup-http-" + socket.getPort()).unstarted(client::run);
            clients.add(client);
            client.thread.start();
        }
    }

    /**
     * Stops: no more connections are accepted, idle ones are closed, exchanges in flight may finish
     * within the stop grace; connections still open after it are reset. Returns when all are gone
     * (or a further second has passed).
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            listener.close();
        } catch (IOException e) {
            // it is closed either way
        }
        long deadline = System.nanoTime() + settings.stopGrace().toNanos();
        try {
            if (acceptor != null) {
                acceptor.join(Duration.ofSeconds(2));
            }
            for (Client c : clients) {
                if (!c.busy) {
                    c.closeIdle();
                }
            }
            for (Client c : clients) {
                long left = deadline - System.nanoTime();
                if (left > 0 && c.thread != null) {
                    c.thread.join(Duration.ofNanos(left));
                }
            }
            for (Client c : clients) {
                c.abort();
            }
            long last = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (Client c : clients) {
                long left = last - System.nanoTime();
                if (left > 0 && c.thread != null) {
                    c.thread.join(Duration.ofNanos(left));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            for (Client c : clients) {
                c.abort();
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- one connection

    /** One client connection: its loop of exchanges, its head deadline, and what the log needs. */
    private final class Client implements Http1StreamListener {
        private static final int IDLE = 0;
        private static final int HEAD = 1;
        private static final int SENDING = 2;
        private final Socket socket;
        private final String address;
        private Thread thread;
        private DefaultBHttpServerConnection http;
        /** True from a complete request head until its exchange ends: close() lets these finish. */
        private volatile boolean busy;
        /** Set by the watchdog before it resets a slow head, so the end is logged as a timeout (408). */
        private volatile boolean cutOff;
        /** The watchdog's task for this connection (null: none scheduled), and when it fires; guarded by this. */
        private ScheduledFuture<?> watch;
        private long watchAt;
        /** What the watchdog looks for when its task fires ({@link #IDLE}, {@link #HEAD}, {@link #SENDING}); guarded by this. */
        private int watchMode = IDLE;
        private long watchDeadline;
        private FileBody watchedBody;
        private long bodySeen;
        private boolean closedWatch;
        private HttpRequest request;
        private long startNanos;
        private ZonedDateTime startTime;

        Client(Socket socket) {
            this.socket = socket;
            this.address = socket.getInetAddress() == null ? null : socket.getInetAddress().getHostAddress();
        }

        void run() {
            try {
                // Responses are written in whole pieces and flushed on purpose; Nagle would only hold a
                // response's last small segment back until the client's (often delayed) ACK.
                socket.setTcpNoDelay(true);
                http = ResponseOutput.connection(http1, socket, outputBuffers);
                HttpService service = new HttpService(processor, handler, DefaultConnectionReuseStrategy.INSTANCE, this);
                Timeout headTimeout = Timeout.of(settings.headerTimeout());
                Timeout idleTimeout = Timeout.of(settings.idleTimeout());
                boolean first = true;
                while (!stopping.get()) {
                    if (first) {
                        arm(); // the first head's time counts from the connection's start
                    }
                    if (!http.isDataAvailable(first ? headTimeout : idleTimeout)) {
                        break; // no request in time, or the client closed
                    }
                    if (!first) {
                        arm(); // a later head's time counts from its first byte
                    }
                    first = false;
                    // Reads inside the head wait no longer than the head may take in all.
                    http.setSocketTimeout(headTimeout);
                    if (!exchange(service) || !http.isOpen()) {
                        break;
                    }
                }
            } catch (IOException e) {
                // the client went away or was cut off; the exchange, if any, was logged
            } finally {
                unwatch();
                try {
                    if (http != null) {
                        http.close();
                    } else {
                        socket.close();
                    }
                } catch (IOException e) {
                    // closing anyway
                }
                clients.remove(this);
            }
        }

        /** One request and its response; false when the connection must not be used again. */
        private boolean exchange(HttpService service) {
            HttpCoreContext context = HttpCoreContext.create();
            request = null;
            if (log.enabled()) {
                startNanos = System.nanoTime();
                startTime = ZonedDateTime.now();
            }
            boolean reusable = false;
            IOException failure = null;
            try {
                service.handleRequest(http, context);
                reusable = true;
            } catch (MessageConstraintException e) {
                // Line too long or too many fields: HttpCore reports these as I/O errors, not protocol
                // errors, so HttpService leaves the answer to us.
                if (!cutOff) {
                    refuse(context);
                }
            } catch (HttpException e) {
                // thrown only once a response was under way; nothing more can be said on this connection
            } catch (IOException e) {
                failure = e;
            } finally {
                disarm();
                busy = false;
                logExchange(context, failure);
            }
            return reusable;
        }

        /** 431 with Connection: close, then a short lingering read so the client sees the answer, not a reset. */
        private void refuse(HttpCoreContext context) {
            ClassicHttpResponse r = FileRequestHandler.error(431, "Request Header Fields Too Large");
            r.setHeader(HttpHeaders.CONNECTION, HeaderElements.CLOSE);
            context.setAttribute(HttpCoreContext.HTTP_RESPONSE, r);
            try {
                processor.process(r, r.getEntity(), context);
                http.sendResponseHeader(r);
                http.sendResponseEntity(r);
                http.flush();
                // Closing with unread input would make TCP send a reset, which can destroy the answer
                // before the client reads it; so half-close and read on (bounded) first.
                socket.shutdownOutput();
                socket.setSoTimeout((int) LINGER.toMillis());
                InputStream in = socket.getInputStream();
                byte[] sink = new byte[8192];
                long deadline = System.nanoTime() + LINGER.toNanos();
                long read = 0;
                int n;
                while (read < LINGER_BYTES && System.nanoTime() < deadline && (n = in.read(sink)) >= 0) {
                    read += n;
                }
            } catch (IOException | HttpException e) {
                // the client is gone or slow: it gets what it got
            }
        }

        private void logExchange(HttpCoreContext context, IOException failure) {
            if (!log.enabled()) {
                return;
            }
            HttpResponse response = context.getResponse();
            HttpRequest req = request;
            int status;
            long bytes = 0;
            if (response != null) {
                status = response.getCode();
                if (response instanceof ClassicHttpResponse classic && classic.getEntity() != null) {
                    HttpEntity entity = classic.getEntity();
                    if (entity instanceof FileBody body) {
                        bytes = body.written();
                    } else if (failure == null && (req == null
                            || MessageSupport.canResponseHaveBody(req.getMethod(), response))) {
                        bytes = Math.max(0, entity.getContentLength());
                    }
                }
            } else if (req == null && failure == null) {
                return; // the client closed before sending a request: nothing to log
            } else {
                status = cutOff || failure instanceof SocketTimeoutException ? 408 : 400;
            }
            String requestLine = req == null ? null : req.getMethod() + " " + req.getRequestUri() + " " + req.getVersion();
            Header agent = req == null ? null : req.getFirstHeader(HttpHeaders.USER_AGENT);
            log.log(address, startTime, requestLine, status, bytes, agent == null ? null : agent.getValue(),
                    Duration.ofNanos(System.nanoTime() - startNanos));
        }

        // ---------------------------------------------------------------- head deadline

        /*
         * One watchdog task per connection at a time, moved on lazily: arming or disarming only
         * writes the fields below, and the task, when it fires, looks at them and either acts or
         * schedules itself for the deadline now in force. Scheduling and cancelling a task for each
         * request (two each, head and body) woke the watchdog thread some 15,000 times a second
         * under load, a context switch per request on a two-core machine.
         */

        /** Until the head deadline (the head took too long: reset). */
        private void arm() {
            watchUntil(HEAD, System.nanoTime() + settings.headerTimeout().toNanos(), null);
        }

        /** Nothing to watch: an exchange is under way without a body, or the connection waits for its next request. */
        private synchronized void disarm() {
            watchMode = IDLE;
            watchedBody = null;
        }

        /**
         * A client that stops reading would hold its thread and file in a blocked write forever;
         * every idle timeout the watchdog checks that the body moved on since its last look, and
         * resets the connection when it has not.
         */
        private void watchSending(FileBody body) {
            watchUntil(SENDING, System.nanoTime() + settings.idleTimeout().toNanos(), body);
        }

        private synchronized void watchUntil(int mode, long deadline, FileBody body) {
            watchMode = mode;
            watchDeadline = deadline;
            watchedBody = body;
            bodySeen = -1;
            schedule(deadline);
        }

        /** Makes sure the task fires by {@code deadline}; an earlier one already scheduled will move itself on. */
        private void schedule(long deadline) {
            if (watch != null && watchAt - deadline <= 0) {
                return;
            }
            if (watch != null) {
                watch.cancel(false);
            }
            watchAt = deadline;
            try {
                watch = watchdog.schedule(this::watchFired, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                watch = null; // stopping: the watchdog is shut down, close() resets what is left
            }
        }

        /** The watchdog's task: act on the deadline in force, or schedule for it. */
        private void watchFired() {
            boolean reset;
            synchronized (this) {
                watch = null;
                long now = System.nanoTime();
                if (watchMode == IDLE || closedWatch) {
                    return;
                }
                if (now - watchDeadline < 0) {
                    schedule(watchDeadline);
                    return;
                }
                if (watchMode == HEAD) {
                    cutOff = true;
                    reset = true;
                } else {
                    long written = watchedBody.written();
                    reset = written == bodySeen;
                    bodySeen = written;
                    watchDeadline = now + settings.idleTimeout().toNanos();
                    if (!reset) {
                        schedule(watchDeadline);
                    }
                }
            }
            if (reset) {
                abort();
            }
        }

        /** The connection is done: its task goes, so the watchdog holds nothing of it. */
        private synchronized void unwatch() {
            closedWatch = true;
            watchMode = IDLE;
            watchedBody = null;
            if (watch != null) {
                watch.cancel(false);
                watch = null;
            }
        }

        /** Resets the connection at once (RST): whatever its thread blocks in fails. */
        void abort() {
            try {
                socket.setSoLinger(true, 0);
            } catch (IOException e) {
                // closed already
            }
            try {
                socket.close();
            } catch (IOException e) {
                // closed either way
            }
        }

        /** Closes an idle connection gracefully (FIN); its thread's wait for the next request fails. */
        void closeIdle() {
            try {
                socket.close();
            } catch (IOException e) {
                // closed either way
            }
        }

        // ---------------------------------------------------------------- Http1StreamListener

        @Override
        public void onRequestHead(HttpConnection connection, HttpRequest head) {
            disarm();
            busy = true;
            request = head;
        }

        @Override
        public void onResponseHead(HttpConnection connection, HttpResponse response) {
            if (response instanceof ClassicHttpResponse classic && classic.getEntity() instanceof FileBody body) {
                watchSending(body);
                Header connectionHeader = response.getFirstHeader(HttpHeaders.CONNECTION);
                if (connectionHeader != null && HeaderElements.CLOSE.equalsIgnoreCase(connectionHeader.getValue())) {
                    ResponseOutput.lastAnswer(http, body); // HttpService closes after a "Connection: close" answer
                }
            }
        }

        @Override
        public void onExchangeComplete(HttpConnection connection, boolean keepAlive) {
        }
    }
}
