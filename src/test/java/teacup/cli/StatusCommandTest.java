package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import teacup.daemon.DaemonControl;

/** {@code teacup status} as the client of a daemon's control socket in a temporary directory. */
@Timeout(30)
class StatusCommandTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("teacup status --control PATH prints the daemon's report and exits 0")
    void statusCommandPrintsReport() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        try (DaemonControl control = DaemonControl.start(() -> "TCP connections: 0\nCounters:\n", socket)) {
            CommandLineTest.Outcome r = CommandLineTest.run("status", "--control", socket.toString());
            assertEquals(0, r.exitCode(), r.err());
            assertEquals("TCP connections: 0\nCounters:\n", r.out());
            assertEquals("", r.err());
        }
    }

    @Test
    @DisplayName("teacup status with no daemon prints one line and exits 7")
    void statusCommandWithoutDaemon() {
        Path socket = dir.resolve("nobody.sock");
        CommandLineTest.Outcome r = CommandLineTest.run("status", "--control", socket.toString());
        assertEquals(7, r.exitCode(), r.err());
        assertEquals("teacup: no daemon at " + socket + " (is teacup daemon running?)\n", r.err().replace("\r\n", "\n"));
        assertEquals("", r.out());
    }

    @Test
    @DisplayName("teacup status against something that answers with an error exits 1 with that line")
    void statusCommandGetsError() throws IOException {
        Path socket = dir.resolve("daemon.sock");
        try (DaemonControl control = DaemonControl.start(() -> {
            throw new IllegalStateException("stack gone");
        }, socket)) {
            CommandLineTest.Outcome r = CommandLineTest.run("status", "--control", socket.toString());
            assertEquals(1, r.exitCode(), r.err());
            assertEquals("teacup: the daemon at " + socket + ": error: could not take the status: stack gone\n", r.err());
        }
    }
}
