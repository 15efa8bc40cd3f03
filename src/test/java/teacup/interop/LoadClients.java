package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import teacup.host.SystemCommand;
import teacup.stack.NetStack;
import teacup.tcp.TcpConnection.State;

/**
 * The kernel-side load for the load interop tests: one python3 script that either holds many
 * HTTP/1.1 connections open at once and proves each works while all are open, or makes many
 * short connections one after another; plus the measurements the tests take of the stack around
 * it (connections by state, heap after a collection).
 *
 * <p>The script speaks just enough HTTP/1.1 for a GET with a Content-Length answer, so that the
 * same client runs against the fixed responder of the stack-level test and against the real
 * file server. It prints one line per phase ({@code connected}, {@code open}, {@code ok}) with
 * the count and the seconds taken, and exits non-zero with the first failures when any
 * connection failed.
 */
final class LoadClients {
    private LoadClients() {
    }

    /**
     * {@code python3 -c SCRIPT MODE HOST PORT N PATH LIMIT_SECONDS [GO_FILE | CLOSE]}.
     * <ul>
     * <li>{@code hold}: raises RLIMIT_NOFILE, opens N connections one after another and keeps them
     * all; sends a request on every one, then reads every answer (N requests in flight at once);
     * prints {@code open N}, waits (bounded) until GO_FILE exists, does a second round on every
     * connection, closes them all and prints {@code ok N seconds}.</li>
     * <li>{@code short}: N times: connect, one request, read the answer, close. With CLOSE
     * {@code server} the request says {@code Connection: close} and the script waits for the
     * server's FIN before closing (the server closes first and holds TIME-WAIT); with
     * {@code client} it closes as soon as the body is in (the kernel holds TIME-WAIT).</li>
     * </ul>
     */
    static final String SCRIPT = """
            import resource, socket, sys, time, os
            mode, host, port, n, path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
            extra = sys.argv[7] if len(sys.argv) > 7 else ''
            start = time.monotonic()
            deadline = start + limit
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            if soft < n + 64:
                resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, max(hard, n + 64)))
            def remaining():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError('time limit of %s s reached' % limit)
                return min(left, 10.0)
            def request(s, close):
                s.settimeout(remaining())
                s.sendall(('GET %s HTTP/1.1\\r\\nHost: %s\\r\\n%s\\r\\n' % (path, host, 'Connection: close\\r\\n' if close else '')).encode())
            def response(s):
                s.settimeout(remaining())
                buf = b''
                while b'\\r\\n\\r\\n' not in buf:
                    b = s.recv(65536)
                    if not b:
                        raise IOError('connection closed inside the response head after %d bytes' % len(buf))
                    buf += b
                head, _, body = buf.partition(b'\\r\\n\\r\\n')
                lines = head.split(b'\\r\\n')
                status = int(lines[0].split()[1])
                length = None
                for line in lines[1:]:
                    k, _, v = line.partition(b':')
                    if k.strip().lower() == b'content-length':
                        length = int(v)
                if length is None:
                    raise IOError('no Content-Length in %r' % head)
                while len(body) < length:
                    b = s.recv(65536)
                    if not b:
                        raise IOError('body cut at %d of %d bytes' % (len(body), length))
                    body += b
                if status != 200 or len(body) != length:
                    raise IOError('status %d, %d bytes of body' % (status, len(body)))
            failures = []
            def failed(i, what, e):
                failures.append('%s %d: %r' % (what, i, e))
            def finish(label, count):
                print(label, count - len(failures), round(time.monotonic() - start, 2), flush=True)
                for f in failures[:10]:
                    print(f, flush=True)
                sys.exit(1 if failures else 0)
            if mode == 'hold':
                socks = []
                for i in range(n):
                    try:
                        socks.append(socket.create_connection((host, port), timeout=remaining()))
                    except Exception as e:
                        failed(i, 'connect', e)
                        finish('connected', n)
                print('connected', len(socks), round(time.monotonic() - start, 2), flush=True)
                for rnd in (1, 2):
                    if rnd == 2:
                        while not os.path.exists(extra):
                            remaining()
                            time.sleep(0.01)
                    for i, s in enumerate(socks):
                        try:
                            request(s, False)
                        except Exception as e:
                            failed(i, 'request round %d' % rnd, e)
                    for i, s in enumerate(socks):
                        try:
                            response(s)
                        except Exception as e:
                            failed(i, 'response round %d' % rnd, e)
                    if failures:
                        finish('open', n)
                    if rnd == 1:
                        print('open', n, round(time.monotonic() - start, 2), flush=True)
                for s in socks:
                    s.close()
                finish('ok', n)
            elif mode == 'short':
                server_closes = extra == 'server'
                for i in range(n):
                    try:
                        s = socket.create_connection((host, port), timeout=remaining())
                        try:
                            request(s, server_closes)
                            response(s)
                            if server_closes and s.recv(1) != b'':
                                raise IOError('data after the response instead of the FIN')
                        finally:
                            s.close()
                    except Exception as e:
                        failed(i, 'connection', e)
                        if len(failures) >= 10:
                            finish('ok', i + 1)
                finish('ok', n)
            else:
                sys.exit('unknown mode ' + mode)
            """;

    /** The last line of the script's output that starts with {@code label}: the count and the seconds it printed. */
    record Phase(int count, double seconds) {
    }

    static Phase phase(String output, String label) {
        Phase found = null;
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split(" ");
            if (f.length == 3 && f[0].equals(label)) {
                found = new Phase(Integer.parseInt(f[1]), Double.parseDouble(f[2]));
            }
        }
        if (found == null) {
            fail("the load script printed no '" + label + "' line:\n" + output);
        }
        return found;
    }

    /** {@code python3 -c SCRIPT hold ...}: the argument vector for {@link TapNetwork#start}. */
    static String[] hold(String host, int port, int n, String path, Duration limit, Path goFile) {
        return new String[] {"python3", "-c", SCRIPT, "hold", host, Integer.toString(port), Integer.toString(n), path,
                Long.toString(limit.toSeconds()), goFile.toString()};
    }

    /** {@code python3 -c SCRIPT short ...}; {@code serverCloses}: the server closes first (Connection: close). */
    static String[] shortConnections(String host, int port, int n, String path, Duration limit, boolean serverCloses) {
        return new String[] {"python3", "-c", SCRIPT, "short", host, Integer.toString(port), Integer.toString(n), path,
                Long.toString(limit.toSeconds()), serverCloses ? "server" : "client"};
    }

    /** Waits (bounded) until the background script printed a line starting with {@code label}, or ended. */
    static void awaitLine(TapNetwork.Background script, String label, Duration timeout) throws InterruptedException {
        boolean seen = TapNetwork.waitUntil(timeout, () -> !script.process.isAlive()
                || script.stdoutText().lines().anyMatch(l -> l.startsWith(label + " ")));
        if (!seen) {
            fail("no '" + label + "' from the load script within " + timeout.toSeconds() + " s; it printed:\n"
                    + script.stdoutText() + script.stderrText());
        }
    }

    // ---------------------------------------------------------------- measurements

    /** The stack's connections: all of them, and those in TIME-WAIT. */
    record Connections(int total, int timeWait) {
        int beyondTimeWait() {
            return total - timeWait;
        }

        @Override
        public String toString() {
            return total + " connections (" + timeWait + " in TIME-WAIT)";
        }
    }

    /** Runs a load script in {@code net}'s namespace to its end; asserts it succeeded on all {@code n} connections. */
    static Phase run(TapNetwork net, String[] script, int n, Callable<String> context) throws Exception {
        SystemCommand.Result r = net.run(Duration.ofSeconds(100), script);
        String out = r.stdout() + r.stderr();
        assertEquals(0, r.exitCode(), "load script: " + out + "; " + context.call());
        Phase phase = phase(out, "ok");
        assertEquals(n, phase.count(), out);
        return phase;
    }

    static Connections connections(NetStack stack) throws IOException {
        return stack.call(() -> new Connections(stack.tcp().connectionCount(), stack.tcp().connectionCount(State.TIME_WAIT)));
    }

    /**
     * Heap in use after full collections, in bytes: the least of a few tries, so garbage that one
     * collection left behind (another thread allocating meanwhile) does not count as kept.
     */
    static long heapAfterGc() throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /** A file that does not exist yet, for the hold script's go signal; deleted by the caller. */
    static Path goFile() throws IOException {
        Path f = Files.createTempFile("teacup-load-go-", "");
        Files.delete(f);
        return f;
    }

    static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
