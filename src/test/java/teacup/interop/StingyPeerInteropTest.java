package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.socket.TeacupServerSocketFactory;
import teacup.socket.TeacupSocketOptions;
import teacup.stack.NetStack;
import teacup.stats.Counter;

/**
 * Issue 12 item 4 from the kernel side of a TAP in a private namespace: 300 kernel clients (one
 * python3 process) with the smallest receive buffer the kernel allows ask the file server (made as
 * {@code teacup serve} makes it, with a user timeout) for a large file and never read, so their
 * windows close while teacup has data for them. Meanwhile curl fetches a file, whose SHA-256 must
 * match. Teacup's heap after a collection stays under a bound derived from what one stingy
 * connection may hold; the send memory budget bites and is counted; and the user timeout ends
 * the stingy connections though their kernels answer every zero-window probe. The figures (heap
 * before, with the 300, after they ended) are printed.
 */
@Tag("interop")
@DisplayName("interop: stingy kernel clients that never read pin bounded memory and are ended by the user timeout")
class StingyPeerInteropTest {
    private static final int PORT = 8080;
    private static final int STINGY = 300;
    private static final int BIG = 32 << 20;
    private static final int FETCHED = 4 << 20;
    private static final Duration USER_TIMEOUT = Duration.ofSeconds(8);
    /**
     * The stack's send memory budget here: less than the 300 rings would take at the 16 KB a tiny
     * window allows each (4.8 MB), so that the budget bites too (the default, 64 MB, would not).
     */
    private static final long BUDGET = 2L << 20;
    /**
     * What one stingy connection may hold beyond its send ring: HttpCore's three 8 KB session buffers,
     * the file body's 16 KB chunk, the 4 KB receive ring, its virtual thread and teacup's own objects,
     * with room to spare. The send rings together are bounded by the budget (and each by twice the
     * peer's window), so the heap may grow by at most the budget, the first 4 KB ring every connection
     * gets, and this much per connection. Before issue 12 each held about 480 KB.
     */
    private static final long PER_CONNECTION = 112 * 1024;
    private static final long HEAP_BOUND = BUDGET + STINGY * (PER_CONNECTION + 4096);

    /** {@code python3 -c SCRIPT HOST PORT N PATH LIMIT}: N clients that ask for PATH and never read, held LIMIT seconds. */
    private static final String SCRIPT = """
            import resource, socket, sys, time
            host, port, n, path, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            if soft < n + 64:
                resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, max(hard, n + 64)))
            deadline = time.monotonic() + limit
            held = []
            for i in range(n):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)  # the kernel's least: the window closes at once
                s.settimeout(10)
                s.connect((host, port))
                s.sendall(('GET %s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n' % (path, host)).encode())
                held.append(s)
            print('open %d %.2f' % (n, limit), flush=True)
            while time.monotonic() < deadline:
                time.sleep(0.2)
            for s in held:
                s.close()
            print('done %d 0' % n, flush=True)
            """;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("RFC 5482: 300 clients that never read: heap bounded, budget counted, a curl fetch intact, all ended by the user timeout")
    void stingyClientsPinBoundedMemory() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "python3", "curl");
        Path dir = Files.createTempDirectory("teacup-stingy-");
        byte[] big = new byte[BIG];
        new SplittableRandom(12).nextBytes(big);
        Files.write(dir.resolve("big.bin"), big);
        byte[] fetched = new byte[FETCHED];
        new SplittableRandom(13).nextBytes(fetched);
        Files.write(dir.resolve("fetched.bin"), fetched);
        big = null; // only the file keeps it
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(fetched));
        fetched = null;
        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(0x5719_0004L);
            stack.call(() -> {
                stack.tcp().sendMemory().limit(BUDGET);
                return null;
            });
            ServerSocket listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT, 511);
            listener.setOption(TeacupSocketOptions.TCP_USER_TIMEOUT, (int) USER_TIMEOUT.toMillis());
            // The idle timeout's watchdog would also end a body that stopped moving; here it waits longer than the test.
            try (FileServer server = FileServer.start(listener, FileServer.Settings.of(dir).withIdleTimeout(Duration.ofSeconds(300)),
                    AccessLog.discard())) {
                SystemCommand.Result warm = net.run(Duration.ofSeconds(30), "curl", "-sS", "-o", "/dev/null",
                        "http://" + TapNetwork.TEACUP + ":" + PORT + "/fetched.bin");
                assertEquals(0, warm.exitCode(), warm.stderr());
                long heapBefore = LoadClients.heapAfterGc();

                TapNetwork.Background clients = net.start("python3", "-c", SCRIPT, TapNetwork.TEACUP, Integer.toString(PORT),
                        Integer.toString(STINGY), "/big.bin", "60");
                LoadClients.awaitLine(clients, "open", Duration.ofSeconds(40));
                // The rings fill as the server writes: wait until what they hold stops growing (bounded).
                long held = -1;
                for (int i = 0; i < 50; i++) {
                    Thread.sleep(100);
                    long now = stack.call(() -> stack.tcp().sendMemory().held());
                    if (now == held && now > 0) {
                        break;
                    }
                    held = now;
                }
                int stingyOpen = server.connectionCount();
                LoadClients.Connections during = LoadClients.connections(stack);
                long heapWith = LoadClients.heapAfterGc();

                SystemCommand.Result curl = net.run(Duration.ofSeconds(30), "sh", "-c",
                        "curl -sS --max-time 20 http://" + TapNetwork.TEACUP + ":" + PORT + "/fetched.bin | sha256sum");
                assertEquals(0, curl.exitCode(), curl.stderr());
                String got = curl.stdout().strip().split("\\s+")[0];

                boolean ended = TapNetwork.waitUntil(USER_TIMEOUT.multipliedBy(4), () -> server.connectionCount() == 0);
                LoadClients.Connections after = LoadClients.connections(stack);
                long heapAfter = LoadClients.heapAfterGc();
                var counters = net.counters();
                System.out.printf("stingy peers: %d clients that never read; heap %s before, %s with them (%+.0f KB each;"
                                + " send rings %s, budget %s), %s after the %d s user timeout; stack %s during, %s after;"
                                + " %d ring growths refused, %d user timeouts%n",
                        STINGY, LoadClients.mb(heapBefore), LoadClients.mb(heapWith), (heapWith - heapBefore) / 1024.0 / STINGY,
                        LoadClients.mb(held), LoadClients.mb(BUDGET), LoadClients.mb(heapAfter),
                        USER_TIMEOUT.toSeconds(), during, after, TapNetwork.get(counters, Counter.TCP_SEND_MEMORY_LIMITED),
                        TapNetwork.get(counters, Counter.TCP_USER_TIMEOUTS));

                assertEquals(expected, got, "curl's copy, fetched while the stingy clients were held");
                assertEquals(STINGY, stingyOpen, "every stingy client had its connection in the file server");
                assertTrue(heapWith - heapBefore < HEAP_BOUND, "heap grew by " + LoadClients.mb(heapWith - heapBefore)
                        + " with " + STINGY + " stingy clients, beyond " + LoadClients.mb(HEAP_BOUND));
                assertTrue(held <= BUDGET + STINGY * 4096L, "send rings " + held);
                assertTrue(TapNetwork.get(counters, Counter.TCP_SEND_MEMORY_LIMITED) > 0, "the budget bit: " + counters);
                assertTrue(ended, "stingy connections left after the user timeout: " + server.connectionCount() + "; " + after);
                assertTrue(TapNetwork.get(counters, Counter.TCP_USER_TIMEOUTS) >= STINGY, "user timeouts: " + counters);
                assertTrue(clients.process.isAlive(), "the clients still held their sockets: teacup ended them, not they");
                assertEquals(0, stack.call(() -> stack.tcp().sendMemory().held()), "every ring went back to the budget");
            }
        } finally {
            Files.deleteIfExists(dir.resolve("big.bin"));
            Files.deleteIfExists(dir.resolve("fetched.bin"));
            Files.deleteIfExists(dir);
        }
    }
}
