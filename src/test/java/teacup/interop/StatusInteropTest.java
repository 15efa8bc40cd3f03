package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.daemon.DaemonControl;
import teacup.host.SystemCommand;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.TcpConnection;

/**
 * {@code teacup status} against a stack with a real peer: the Linux kernel's TCP over a TAP in a
 * private namespace. The counts the report shows must be the bytes that really crossed, and the
 * {@code teacup daemon} process must answer {@code teacup status}, print the same report on
 * SIGUSR1, and still stop on SIGTERM.
 */
@Tag("interop")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup status and SIGUSR1")
class StatusInteropTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT = 7070;
    /** What the kernel sends: more than one receive buffer and not a round number, so every byte counts. */
    private static final int FROM_KERNEL = 1_000_003;
    private static final int TO_KERNEL = 54_321;

    /** Connects, sends FROM_KERNEL bytes, then reads until teacup closes (so the connection stays up meanwhile). */
    private static final String CLIENT = String.join("\n",
            "import socket, sys",
            "s = socket.create_connection(('" + TapNetwork.TEACUP + "', " + PORT + "), timeout=30)",
            "s.sendall(b'k' * " + FROM_KERNEL + ")",
            "got = 0",
            "while True:",
            "    b = s.recv(65536)",
            "    if not b: break",
            "    got += len(b)",
            "print('received', got, flush=True)",
            "s.close()",
            "");

    private Path dir;

    @BeforeEach
    void requirements() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ping", "python3");
        dir = Files.createTempDirectory("teacup-status-");
    }

    @AfterEach
    void removeDirectory() throws Exception {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String[] teacup(String... args) {
        return TeacupCommand.argv(args);
    }


    private static String describe(SystemCommand.Result r) {
        return "exit " + r.exitCode() + "\nstdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr();
    }

    /** The report's line for the connection from the kernel's {@code port}, or fails. */
    private static String lineFor(String report, int port) {
        return report.lines().filter(l -> l.contains(TapNetwork.KERNEL + ":" + port + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + TapNetwork.KERNEL + ":" + port + " in:\n" + report));
    }

    @Test
    @DisplayName("teacup status shows the kernel's connection ESTABLISHED with both addresses and ports and the exact bytes each way")
    void reportsAKernelConnection() throws Exception {
        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(42);
            Path socketPath = dir.resolve("daemon.sock");
            try (TcpServerSocket listener = TcpServerSocket.bind(stack, PORT, TcpServerSocket.DEFAULT_BACKLOG);
                 DaemonControl control = DaemonControl.start(stack, socketPath)) {
                TapNetwork.Background client = net.start("python3", "-c", CLIENT);
                try (TcpSocket socket = listener.accept(Duration.ofSeconds(20))) {
                    socket.setSoTimeout(Duration.ofSeconds(20));
                    InputStream in = socket.getInputStream();
                    byte[] buffer = new byte[64 * 1024];
                    long got = 0;
                    int n;
                    while (got < FROM_KERNEL && (n = in.read(buffer)) > 0) {
                        got += n;
                    }
                    assertEquals(FROM_KERNEL, got);
                    OutputStream out = socket.getOutputStream();
                    out.write(new byte[TO_KERNEL]);
                    out.flush();
                    int kernelPort = socket.remotePort();
                    assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10), () -> stack.connections().stream()
                                    .anyMatch(c -> c.bytesSent() == TO_KERNEL)),
                            "the kernel acknowledged our bytes: " + stack.connections());

                    long start = System.nanoTime();
                    SystemCommand.Result r = SystemCommand.run(RUN_TIMEOUT, teacup("status", "--control", socketPath.toString()));
                    long processMillis = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(0, r.exitCode(), describe(r));
                    String line = lineFor(r.stdout(), kernelPort);
                    start = System.nanoTime();
                    DaemonControl.request(socketPath, DaemonControl.STATUS, Duration.ofSeconds(5));
                    long requestMicros = (System.nanoTime() - start) / 1_000;
                    System.out.println("teacup status: " + processMillis + " ms as a process, " + requestMicros
                            + " us for the request alone\n" + r.stdout());
                    List<String> fields = List.of(line.strip().split(" +"));
                    assertEquals("ESTABLISHED", fields.get(0), line);
                    assertEquals(TapNetwork.TEACUP + ":" + PORT, fields.get(1), line);
                    assertEquals(TapNetwork.KERNEL + ":" + kernelPort, fields.get(2), line);
                    assertTrue(line.contains(" " + TO_KERNEL + " (53.0 KiB) "), "sent column: " + line);
                    assertTrue(line.contains(" " + FROM_KERNEL + " (976.6 KiB) "), "received column: " + line);
                    assertTrue(r.stdout().contains("TCP listeners: 1\n  port " + PORT + " "), r.stdout());
                    assertTrue(r.stdout().matches("(?s).*\\n +1  TCP connections opened by a peer's SYN\\n.*"), r.stdout());

                    ConnectionStatus s = stack.connections().get(0);
                    assertEquals(TcpConnection.State.ESTABLISHED, s.state());
                    // With timestamps on, samples come from TSecr in whole milliseconds (RFC 7323's clock), so
                    // a sub-millisecond TAP round trip may well read 0: that a sample was taken is what counts.
                    assertTrue(s.rttSampled() && s.srtt() >= 0 && s.rto() > 0, "an RTT was measured over the TAP: " + s);
                }
                // teacup closed: the kernel read everything, saw our FIN and closed; we wait in TIME-WAIT.
                assertTrue(client.process.waitFor(20, TimeUnit.SECONDS), "python3 client did not end: " + client.stderrText());
                assertEquals("received " + TO_KERNEL + "\n", client.stdoutText(), client.stderrText());
                assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10), () -> stack.connections().stream()
                        .allMatch(c -> c.state() == TcpConnection.State.TIME_WAIT)), stack.connections()::toString);
                SystemCommand.Result after = SystemCommand.run(RUN_TIMEOUT, teacup("status", "--control", socketPath.toString()));
                assertEquals(0, after.exitCode(), describe(after));
                assertTrue(after.stdout().lines().anyMatch(l -> l.strip().startsWith("TIME-WAIT ")), after.stdout());
            }
            assertFalse(Files.exists(socketPath), "closing the control channel removes its socket");
        }
    }

    @Test
    @DisplayName("teacup daemon --control: teacup status shows its counters, SIGUSR1 prints the report, SIGTERM stops it and removes the socket")
    void daemonProcess() throws Exception {
        Path socketPath = dir.resolve("daemon.sock");
        try (TapNetwork net = TapNetwork.create()) {
            TapNetwork.Background daemon = net.startProcess(teacup("daemon", "--netns", net.namespace(),
                    "--tap", TapNetwork.TAP, "--ip", TapNetwork.TEACUP + "/24", "--gateway", TapNetwork.KERNEL,
                    "--mac", TapNetwork.TEACUP_MAC.toString(), "--control", socketPath.toString()));
            boolean up = TapNetwork.waitUntil(Duration.ofSeconds(20),
                    () -> daemon.stdoutText().contains("stop with Ctrl-C") || !daemon.process.isAlive());
            assertTrue(up && daemon.process.isAlive(), "daemon did not come up:\n" + daemon.stdoutText() + daemon.stderrText());
            assertTrue(daemon.stdoutText().contains("teacup status --control " + socketPath + " or kill -USR1 " + daemon.process.pid()),
                    daemon.stdoutText());

            SystemCommand.Result ping = net.run(RUN_TIMEOUT, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", TapNetwork.TEACUP);
            assertEquals(0, ping.exitCode(), describe(ping));

            SystemCommand.Result status = SystemCommand.run(RUN_TIMEOUT, teacup("status", "--control", socketPath.toString()));
            assertEquals(0, status.exitCode(), describe(status));
            assertTrue(status.stdout().startsWith("teacup: " + TapNetwork.TEACUP + "/24 "), status.stdout());
            assertTrue(status.stdout().contains("TCP connections: 0\n"), status.stdout());
            assertTrue(status.stdout().matches("(?s).*\\n +3  ICMP echo requests answered\\n.*"), status.stdout());

            // A second daemon on the same control socket is refused (its TAP is another, so only the socket clashes).
            SystemCommand.Result second = SystemCommand.run(RUN_TIMEOUT, teacup("daemon", "--netns", net.namespace(),
                    "--tap", "tcup9", "--ip", "198.18.0.9/24", "--control", socketPath.toString(), "--max-time", "10"));
            assertEquals(1, second.exitCode(), describe(second));
            assertEquals("teacup: another teacup daemon is running (it answers on " + socketPath + ")\n", second.stderr());
            SystemCommand.Result again = SystemCommand.run(RUN_TIMEOUT, teacup("status", "--control", socketPath.toString()));
            assertEquals(0, again.exitCode(), "the first still answers: " + describe(again));

            assertTrue(daemon.stdoutText().lines().noneMatch(l -> l.startsWith("TCP connections:")), daemon.stdoutText());
            SystemCommand.check(RUN_TIMEOUT, "kill", "-USR1", Long.toString(daemon.process.pid()));
            assertTrue(TapNetwork.waitUntil(Duration.ofSeconds(10),
                            () -> daemon.stdoutText().matches("(?s).*\\n +3  ICMP echo requests answered\\n.*")),
                    "no report on stdout after SIGUSR1:\n" + daemon.stdoutText() + daemon.stderrText());
            assertTrue(daemon.stdoutText().contains("\nTCP connections: 0\nTCP listeners: 0\nCounters:\n"), daemon.stdoutText());
            assertTrue(daemon.process.isAlive(), "SIGUSR1 does not stop the daemon");

            assertTrue(daemon.terminate(Duration.ofSeconds(10)), "daemon still running 10 s after SIGTERM:\n" + daemon.stdoutText());
            assertEquals(0, daemon.process.exitValue(), daemon.stderrText());
            assertTrue(daemon.stdoutText().contains("teacup daemon: stopping; statistics:"), daemon.stdoutText());
            assertFalse(Files.exists(socketPath), "the daemon removes its socket on SIGTERM");

            SystemCommand.Result gone = SystemCommand.run(RUN_TIMEOUT, teacup("status", "--control", socketPath.toString()));
            assertEquals(7, gone.exitCode(), describe(gone));
            assertEquals("teacup: no daemon at " + socketPath + " (is teacup daemon running?)\n", gone.stderr());
            assertEquals("", gone.stdout());
        }
    }
}
