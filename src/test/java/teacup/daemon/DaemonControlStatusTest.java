package teacup.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's control socket and its client, over a socket in a temporary directory. */
@Timeout(30)
class DaemonControlStatusTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    @DisplayName("status is answered with the report, the socket is private, and close removes it")
    void servesStatus() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        AtomicInteger asked = new AtomicInteger();
        try (DaemonControl control = DaemonControl.start(() -> "report " + asked.incrementAndGet() + "\n", socket)) {
            assertEquals(socket, control.path());
            assertEquals("report 1\n", DaemonControl.request(socket, "status", TIMEOUT));
            assertEquals("report 2\n", DaemonControl.request(socket, "status", TIMEOUT));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        }
        assertFalse(Files.exists(socket), "close removes the socket file");
        IOException e = assertThrows(DaemonControl.NoDaemonException.class, () -> DaemonControl.request(socket, "status", TIMEOUT));
        assertEquals("no daemon at " + socket + " (is teacup daemon running?)", e.getMessage());
    }

    @Test
    @DisplayName("an unknown command gets one error line, and the report is not taken")
    void unknownCommand() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        AtomicInteger asked = new AtomicInteger();
        try (DaemonControl control = DaemonControl.start(() -> "report " + asked.incrementAndGet() + "\n", socket)) {
            assertEquals("error: unknown command 'frobnicate' (known: status)\n", DaemonControl.request(socket, "frobnicate", TIMEOUT));
            assertEquals("error: unknown command '' (known: status)\n", DaemonControl.request(socket, "", TIMEOUT));
            assertEquals(0, asked.get());
        }
    }

    @Test
    @DisplayName("a socket file left by a daemon that died is replaced")
    void staleSocketReplaced() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        // Closing a bound channel leaves its file behind, as a killed daemon does.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        assertThrows(DaemonControl.NoDaemonException.class, () -> DaemonControl.request(socket, "status", TIMEOUT));
        try (DaemonControl control = DaemonControl.start(() -> "fresh\n", socket)) {
            assertEquals("fresh\n", DaemonControl.request(socket, "status", TIMEOUT));
        }
    }

    @Test
    @DisplayName("a second daemon on a path a live one answers on is refused with one line, and the first keeps serving")
    void secondDaemonRefused() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        try (DaemonControl first = DaemonControl.start(() -> "first\n", socket)) {
            IOException e = assertThrows(IOException.class, () -> DaemonControl.start(() -> "second\n", socket));
            assertEquals("another teacup daemon is running (it answers on " + socket + ")", e.getMessage());
            assertEquals("first\n", DaemonControl.request(socket, "status", TIMEOUT));
        }
    }

    @Test
    @DisplayName("closing leaves a socket file that is no longer its own (removed, and bound again by another daemon)")
    void closeLeavesAnotherDaemonsSocket() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        DaemonControl first = DaemonControl.start(() -> "first\n", socket);
        Files.delete(socket);
        try (DaemonControl second = DaemonControl.start(() -> "second\n", socket)) {
            first.close();
            assertTrue(Files.exists(socket), "the second daemon's socket stays");
            assertEquals("second\n", DaemonControl.request(socket, "status", TIMEOUT));
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    @DisplayName("a path that is not a socket is left alone and refused")
    void regularFileRefused() throws IOException {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "mine");
        IOException e = assertThrows(IOException.class, () -> DaemonControl.start(() -> "x\n", file));
        assertTrue(e.getMessage().contains("exists and is not a socket"), e.getMessage());
        assertEquals("mine", Files.readString(file));
    }

    @Test
    @DisplayName("a missing directory is made, private to the user, and removed on close")
    void makesItsDirectory() throws IOException {
        Path socket = dir.resolve("run/teacup/daemon.sock");
        try (DaemonControl control = DaemonControl.start(() -> "ok\n", socket)) {
            assertEquals("ok\n", DaemonControl.request(socket, "status", TIMEOUT));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        }
        assertFalse(Files.exists(socket.getParent()), "the directory it made goes with it");
        assertTrue(Files.isDirectory(dir.resolve("run")), "only the last level is removed");
    }

    @Test
    @DisplayName("a client that never sends its command does not hold up others")
    void silentClientDoesNotBlock() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        try (DaemonControl control = DaemonControl.start(() -> "ok\n", socket);
             var silent = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            assertTrue(silent.isConnected());
            assertEquals("ok\n", DaemonControl.request(socket, "status", TIMEOUT));
        }
    }

    @Test
    @DisplayName("the socket path: --control, else $TEACUP_CONTROL, else /run/teacup for root, else XDG_RUNTIME_DIR, else /tmp/teacup-UID")
    void resolvesThePath() {
        Path option = Path.of("/x/given.sock");
        assertEquals(option, DaemonControl.resolve(option, Map.of("TEACUP_CONTROL", "/y/env.sock"), 0));
        assertEquals(Path.of("/y/env.sock"), DaemonControl.resolve(null, Map.of("TEACUP_CONTROL", "/y/env.sock"), 1000));
        assertEquals(Path.of("/run/teacup/daemon.sock"), DaemonControl.resolve(null, Map.of("XDG_RUNTIME_DIR", "/run/user/0"), 0));
        assertEquals(Path.of("/run/user/1000/teacup/daemon.sock"),
                DaemonControl.resolve(null, Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(Path.of("/tmp/teacup-1000/daemon.sock"), DaemonControl.resolve(null, Map.of(), 1000));
        assertEquals(Path.of("/tmp/teacup-1000/daemon.sock"), DaemonControl.resolve(null, Map.of("XDG_RUNTIME_DIR", "relative"), 1000));
    }
}
