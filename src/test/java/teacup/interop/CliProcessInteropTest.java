package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;

/**
 * The {@code teacup} command as users run it: a separate JVM process (the compiled classes and
 * picocli on its class path) attached to a TAP in a namespace of its own.
 */
@Tag("interop")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("interop: the teacup command as a real process")
class CliProcessInteropTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);

    @BeforeEach
    void requirements() {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ping");
    }

    private static String[] teacup(String... args) {
        return TeacupCommand.argv(args);
    }


    private static String describe(SystemCommand.Result r) {
        return "exit " + r.exitCode() + "\nstdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr();
    }

    @Test
    @DisplayName("teacup daemon answers the kernel's pings, and on SIGTERM exits within 10 s printing its statistics")
    void daemonAnswersPingAndStopsOnSigterm() throws Exception {
        try (TapNetwork net = TapNetwork.create()) {
            TapNetwork.Background daemon = net.startProcess(teacup("daemon", "--netns", net.namespace(),
                    "--tap", TapNetwork.TAP, "--ip", TapNetwork.TEACUP + "/24", "--gateway", TapNetwork.KERNEL,
                    "--mac", TapNetwork.TEACUP_MAC.toString()));
            boolean up = TapNetwork.waitUntil(Duration.ofSeconds(20),
                    () -> daemon.stdoutText().contains("teacup daemon:") || !daemon.process.isAlive());
            assertTrue(up && daemon.process.isAlive(), "daemon did not come up:\n" + daemon.stdoutText() + daemon.stderrText());

            SystemCommand.Result ping = net.run(RUN_TIMEOUT, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", TapNetwork.TEACUP);
            assertEquals(0, ping.exitCode(), describe(ping) + "\ndaemon:\n" + daemon.stdoutText() + daemon.stderrText());
            assertTrue(ping.stdout().contains("5 packets transmitted, 5 received"), describe(ping));

            long start = System.nanoTime();
            boolean ended = daemon.terminate(Duration.ofSeconds(10));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            String out = daemon.stdoutText();
            assertTrue(ended, "daemon still running 10 s after SIGTERM:\n" + out);
            System.out.println("teacup daemon stopped " + tookMillis + " ms after SIGTERM");
            assertTrue(out.contains("statistics"), out + daemon.stderrText());
            assertTrue(out.contains("ICMP echo requests answered"), out);
            assertTrue(out.matches("(?s).*\\s([5-9]|\\d{2,})  ICMP echo requests answered.*"),
                    "fewer than 5 echo requests answered:\n" + out);
            int exit = daemon.process.exitValue();
            assertEquals(0, exit, "a SIGTERM stop is a clean stop; stderr:\n" + daemon.stderrText());
        }
    }

    @Test
    @DisplayName("teacup ping -c 3 of the kernel exits 0 with 3 of 3 received")
    void pingOfTheKernelSucceeds() throws Exception {
        try (TapNetwork net = TapNetwork.create()) {
            SystemCommand.Result r = SystemCommand.run(RUN_TIMEOUT, teacup("ping", "-c", "3", "-i", "0.2",
                    "--netns", net.namespace(), "--tap", TapNetwork.TAP, "--ip", TapNetwork.TEACUP + "/24",
                    TapNetwork.KERNEL));

            assertEquals(0, r.exitCode(), describe(r));
            assertTrue(r.stdout().contains("3 packets transmitted, 3 received"), describe(r));
            assertTrue(r.stdout().contains("from " + TapNetwork.KERNEL + ": icmp_seq=3"), describe(r));
        }
    }

    @Test
    @DisplayName("teacup ping of an address nobody holds exits 1 with 100% packet loss")
    void pingOfNobodyFails() throws Exception {
        try (TapNetwork net = TapNetwork.create()) {
            SystemCommand.Result r = SystemCommand.run(RUN_TIMEOUT, teacup("ping", "-c", "2", "-i", "0.2", "-W", "1",
                    "--netns", net.namespace(), "--tap", TapNetwork.TAP, "--ip", TapNetwork.TEACUP + "/24",
                    "198.18.0.99"));

            assertEquals(1, r.exitCode(), describe(r));
            assertTrue(r.stdout().contains("2 packets transmitted, 0 received, 100% packet loss"), describe(r));
        }
    }
}
