package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code teacup setup} and the host's set-up as the command line sees them: one clear line, exit 2. */
class SetupCommandTest {

    @Test
    @DisplayName("with no link options, a test JVM neither reads the host's set-up nor makes one: one clear line")
    void noLinkInTestsIsAUsageError() {
        CommandLineTest.Outcome o = CommandLineTest.run("ping", "-c", "1", "198.19.123.1");
        assertEquals(Main.EXIT_USAGE, o.exitCode(), o.err());
        assertTrue(o.err().startsWith("teacup: no link: give --tap NAME or --interface IFACE"), o.err());
    }

    @Test
    @DisplayName("teacup setup rejects a bad --tap and --subnet in one line")
    void setupUsage() {
        CommandLineTest.Outcome o = CommandLineTest.run("setup", "--tap", "far-too-long-a-name");
        assertTrue(o.err().contains("--tap must be an interface name"), o.err());
        assertEquals(Main.EXIT_USAGE, o.exitCode());
        CommandLineTest.Outcome bad = CommandLineTest.run("setup", "--subnet", "198.19.1.0/40");
        assertTrue(bad.err().startsWith("teacup: --subnet: prefix length must be 0..32"), bad.err());
        assertEquals(Main.EXIT_USAGE, bad.exitCode());
    }
}
