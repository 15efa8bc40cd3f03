package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.tcp.TcpConnection.State;
import teacup.tcp.TcpSettings;

/**
 * Issue 12 item 3, from the kernel side of a TAP in a private namespace: clients that leave
 * teacup's connections unfinished. A small HTTP server on a {@link TcpServerSocket} answers every
 * request with 12 KB (it fits the 16 KB send ring a small window allows, so the server's write
 * returns and it closes at once: the rest is the orphan's to deliver). python3 clients with a 4 KB receive buffer send
 * a request and never read: six stay (the kernel answers every zero-window probe: they are stingy),
 * four vanish (nftables drops their flows, then they are killed), and four never finish their
 * handshake (nftables drops the SYN-ACKs to them, and their connect gives up). With short bounds
 * configured (3 orphan retries, a 6 s orphan lifetime, 2 SYN-ACK retries, at most 8 orphans),
 * curl in the namespace fetches the same 12 KB before, during and after, each with the SHA-256
 * of what was served; the orphans never number more than 8, and afterwards nothing but TIME-WAIT
 * is left of any of them, each ended by the bound that applies, as the counters say.
 */
@Tag("interop")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("interop: orphans and half-open connections of clients that stop reading or vanish end within their bounds")
class OrphanInteropTest {
    private static final int PORT = 8080;
    /** Fits the 16 KB a send ring may hold for a peer with a small window (SendBuffer.WINDOW_FLOOR), so the write returns. */
    private static final int BODY = 12 * 1024;
    private static final int STINGY = 6;
    private static final int VANISHING = 4;
    private static final int HALF_OPEN = 4;
    private static final int STINGY_PORT = 41000;
    private static final int VANISHING_PORT = 42000;
    private static final int HALF_OPEN_PORT = 43000;
    private static final int ORPHAN_LIMIT = 8;
    private static final TcpSettings SETTINGS = TcpSettings.builder().orphanRetries(3)
            .orphanLifetime(Duration.ofSeconds(6).toNanos()).synAckRetries(2).build();
    /** Longer than any bound above (6 s life; 3 probes or timeouts from a 200 ms RTO; 1 + 2 + 4 s of SYN-ACKs). */
    private static final Duration DRAIN_BOUND = Duration.ofSeconds(40);
    private static final String NFT_TABLE = "teacup_orphans";
    private static final String CLIENT = String.join("\n",
            "import socket, sys, time",
            "mode, host, port, first, count, hold = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])",
            "held = []",
            "for i in range(count):",
            "    s = socket.socket()",
            "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)",
            "    s.bind(('', first + i))",
            "    s.settimeout(1.5)",
            "    try:",
            "        s.connect((host, port))",
            "        s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')",
            "        held.append(s)",
            "    except OSError as e:",
            "        print('connect', first + i, e, flush=True)",
            "        s.close()",
            "print('ready', len(held), flush=True)",
            "time.sleep(hold)",
            "");

    @Test
    @DisplayName("stingy, vanished and half-open clients: every curl fetch is whole, orphans stay under the limit, and all end by their bounds")
    void orphansEndWithinTheirBounds() throws Exception {
        TapNetwork.requireRoot("creates a network namespace, a TAP device and nftables rules in it");
        TapNetwork.requirePrograms("ip", "curl", "python3", "nft", "bash", "sha256sum");
        long seed = Long.getLong("teacup.interop.seed", System.nanoTime());
        System.out.println("orphans: seed " + seed + " (rerun with -Dteacup.interop.seed=" + seed + ")");
        byte[] body = new byte[BODY];
        new SplittableRandom(seed).nextBytes(body);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        Path script = Files.createTempFile("teacup-orphan-client-", ".py");
        try (TapNetwork net = TapNetwork.create()) {
            Files.writeString(script, CLIENT);
            NetStack stack = net.startStack(seed);
            stack.call(() -> {
                stack.tcp().orphanLimit(ORPHAN_LIMIT);
                return null;
            });
            TcpServerSocket server = TcpServerSocket.bind(stack, PORT, 64, SETTINGS);
            AtomicBoolean serving = new AtomicBoolean(true);
            Thread acceptor = Thread.ofVirtual().start(() -> serve(server, body, serving));
            try {
                run(net, stack, script, expected);
            } finally {
                serving.set(false);
                server.close();
                acceptor.join(Duration.ofSeconds(5));
                deleteRules(net);
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private void run(TapNetwork net, NetStack stack, Path script, String expected) throws Exception {
        List<String> fetches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fetches.add(fetch(net)); // also teaches each side the other's MAC
        }
        // Drop the SYN-ACKs to the half-open clients, and (for now nothing else of) the vanishing clients' flows.
        addRules(net);
        TapNetwork.Background stingy = net.start("python3", script.toString(), "hold", TapNetwork.TEACUP,
                String.valueOf(PORT), String.valueOf(STINGY_PORT), String.valueOf(STINGY), "90"); // past the drain bound
        awaitReady(stingy);
        TapNetwork.Background vanishing = net.start("python3", script.toString(), "hold", TapNetwork.TEACUP,
                String.valueOf(PORT), String.valueOf(VANISHING_PORT), String.valueOf(VANISHING), "90");
        awaitReady(vanishing);
        dropFlows(net, VANISHING_PORT, VANISHING); // from now on they are gone, and so are their RSTs when killed
        assertTrue(vanishing.terminate(Duration.ofSeconds(5)), "the vanishing clients ended");
        TapNetwork.Background halfOpen = net.start("python3", script.toString(), "hold", TapNetwork.TEACUP,
                String.valueOf(PORT), String.valueOf(HALF_OPEN_PORT), String.valueOf(HALF_OPEN), "0");

        int maxOrphans = 0;
        int maxHalfOpen = 0;
        long deadline = System.nanoTime() + DRAIN_BOUND.toNanos();
        int[] left = new int[3];
        while (System.nanoTime() < deadline) {
            fetches.add(fetch(net));
            left = stack.call(() -> new int[] {stack.tcp().orphanCount(), stack.tcp().connectionCount(State.SYN_RECEIVED),
                    stack.tcp().connectionCount() - stack.tcp().connectionCount(State.TIME_WAIT)});
            maxOrphans = Math.max(maxOrphans, left[0]);
            maxHalfOpen = Math.max(maxHalfOpen, left[1]);
            if (left[2] == 0 && !halfOpen.process.isAlive()) {
                break;
            }
            Thread.sleep(250);
        }
        for (int i = 0; i < 3; i++) {
            fetches.add(fetch(net));
        }
        stingy.terminate(Duration.ofSeconds(5));
        Map<Counter, Long> c = net.counters();
        String report = String.format("fetches %d; orphans at most %d (limit %d), half-open at most %d; left: orphans %d,"
                        + " half-open %d, connections not in TIME-WAIT %d; orphans expired %d, gave up %d, reset for room %d;"
                        + " resets sent %d; half-open clients: %s",
                fetches.size(), maxOrphans, ORPHAN_LIMIT, maxHalfOpen, left[0], left[1], left[2],
                get(c, Counter.TCP_ORPHANS_EXPIRED), get(c, Counter.TCP_ORPHANS_GAVE_UP), get(c, Counter.TCP_ORPHANS_RESET),
                get(c, Counter.TCP_RESETS_SENT), halfOpen.stdoutText().strip().replace('\n', ';'));
        System.out.println("orphans: " + report);

        assertNull(stack.failure(), report);
        assertEquals(List.of(), fetches.stream().filter(f -> !f.equals(expected)).toList(), "fetches that were not whole: " + report);
        assertEquals(0, left[2], "connections left that are not TIME-WAIT: " + report);
        assertEquals(0, left[0], report);
        assertTrue(maxOrphans <= ORPHAN_LIMIT, report);
        assertTrue(maxHalfOpen > 0, "no handshake was left half-open: " + report);
        assertTrue(get(c, Counter.TCP_ORPHANS_RESET) >= STINGY + VANISHING - ORPHAN_LIMIT, "the limit never bit: " + report);
        assertTrue(get(c, Counter.TCP_ORPHANS_EXPIRED) >= 1, "no stingy orphan reached its lifetime: " + report);
        assertTrue(get(c, Counter.TCP_ORPHANS_GAVE_UP) >= 1, "no vanished orphan ran out of retries: " + report);
        assertTrue(get(c, Counter.TCP_ORPHANS_EXPIRED) + get(c, Counter.TCP_ORPHANS_GAVE_UP) + get(c, Counter.TCP_ORPHANS_RESET)
                >= STINGY + VANISHING, "every client's orphan ended by a bound: " + report);
    }

    /** Accepts until told to stop; each connection gets its request read, the body, and a close. */
    private static void serve(TcpServerSocket server, byte[] body, AtomicBoolean serving) {
        byte[] head = ("HTTP/1.0 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        AtomicInteger handlers = new AtomicInteger();
        while (serving.get()) {
            TcpSocket s;
            try {
                s = server.accept(Duration.ofMillis(500));
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            handlers.incrementAndGet();
            Thread.ofVirtual().start(() -> {
                try (TcpSocket socket = s) {
                    socket.setSoTimeout(Duration.ofSeconds(10));
                    readRequest(socket.getInputStream());
                    OutputStream out = socket.getOutputStream();
                    out.write(head);
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    // a client that went away: nothing to answer
                }
            });
        }
    }

    /** Reads up to the blank line that ends a request head (at most 8 KB). */
    private static void readRequest(InputStream in) throws IOException {
        int matched = 0;
        for (int i = 0; i < 8192 && matched < 4; i++) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("end of stream in the request");
            }
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    /** One fetch by curl in the namespace: the SHA-256 of what it got, or why it failed. */
    private static String fetch(TapNetwork net) throws Exception {
        SystemCommand.Result r = net.run(Duration.ofSeconds(15), "bash", "-c", "set -o pipefail; curl -sS --max-time 10 http://"
                + TapNetwork.TEACUP + ":" + PORT + "/ | sha256sum");
        return r.ok() ? r.stdout().strip().split(" ")[0] : "exit " + r.exitCode() + ": " + r.stderr().strip();
    }

    private static void awaitReady(TapNetwork.Background client) throws InterruptedException {
        boolean ready = TapNetwork.waitUntil(Duration.ofSeconds(15), () -> client.stdoutText().contains("ready"));
        assertTrue(ready, "the client did not get ready: " + client.stdoutText() + client.stderrText());
    }

    /** The test's own table: SYN-ACKs to the half-open clients' ports are dropped; more is added by {@link #dropFlows}. */
    private static void addRules(TapNetwork net) throws IOException {
        nft(net, String.join("\n",
                "table inet " + NFT_TABLE + " {",
                "  chain input { type filter hook input priority 0; policy accept;",
                "    iifname \"" + TapNetwork.TAP + "\" tcp dport " + HALF_OPEN_PORT + "-" + (HALF_OPEN_PORT + HALF_OPEN - 1) + " drop; }",
                "  chain output { type filter hook output priority 0; policy accept; }",
                "}", ""));
    }

    /** Every packet of the flows from {@code count} ports at {@code first} is dropped, both ways. */
    private static void dropFlows(TapNetwork net, int first, int count) throws IOException {
        String ports = first + "-" + (first + count - 1);
        nft(net, String.join("\n",
                "add rule inet " + NFT_TABLE + " input iifname \"" + TapNetwork.TAP + "\" tcp dport " + ports + " drop",
                "add rule inet " + NFT_TABLE + " output oifname \"" + TapNetwork.TAP + "\" tcp sport " + ports + " drop", ""));
    }

    private static void deleteRules(TapNetwork net) throws IOException {
        net.run(Duration.ofSeconds(10), "nft", "delete", "table", "inet", NFT_TABLE); // absent if never added: that is fine
    }

    private static void nft(TapNetwork net, String script) throws IOException {
        SystemCommand.Result r = net.run(Duration.ofSeconds(10), script.getBytes(StandardCharsets.US_ASCII), "nft", "-f", "-");
        if (!r.ok()) {
            throw new IOException("nft -f -: exit " + r.exitCode() + ": " + r.stderr().strip());
        }
    }
}
