package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Bad command lines: one clear line on stderr, exit code 2, never a stack trace. */
class CommandLineTest {

    record Outcome(int exitCode, String out, String err) {}

    static synchronized Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "''                                                              | missing command",
        "frobnicate                                                      | Unmatched argument",
        "ping                                                            | Missing required parameter",
        "ping --tap t0 198.18.0.1                                        | no address: give --ip",
        "ping --ip 198.18.0.2/24 198.18.0.1                              | no link: give --tap NAME or --interface IFACE",
        "ping --tap t0 --interface eth9 --ip 198.18.0.2/24 198.18.0.1    | give only one of --tap and --interface",
        "ping --interface eth9 --offload --ip 198.18.0.2/24 198.18.0.1   | --offload works only with --tap",
        "ping --tap t0 --ip 300.1.2.3/24 198.18.0.1                      | not an IPv4 address: '300.1.2.3'",
        "ping --tap t0 --ip 198.18.0.2 198.18.0.1                        | expected ADDRESS/PREFIX",
        "ping --tap t0 --ip 198.18.0.2/33 198.18.0.1                     | prefix length must be 0..32",
        "ping --tap t0 --ip 198.18.0.2/24 --gateway 10.0.0.1 198.18.0.1  | gateway 10.0.0.1 is not on 198.18.0.2/24",
        "ping --tap t0 --ip 198.18.0.2/24 --mac 01:00:5e:00:00:01 1.2.3.4 | --mac must be a unicast address",
        "ping --tap t0 --ip 198.18.0.2/24 --mac zz:00:00:00:00:01 1.2.3.4 | not a MAC address",
        "ping --tap t0 --ip 198.18.0.2/24 --mtu 100 198.18.0.1           | MTU must be 576..65535",
        "ping -c -1 --tap t0 --ip 198.18.0.2/24 198.18.0.1               | -c must be 0 or more",
        "ping -i 0 --tap t0 --ip 198.18.0.2/24 198.18.0.1                | -i must be between",
        "ping -s 70000 --tap t0 --ip 198.18.0.2/24 198.18.0.1            | -s must be between",
        "ping -c abc --tap t0 --ip 198.18.0.2/24 198.18.0.1              | Invalid value for option '-c'",
        "ping --tap t0 --ip 198.18.0.2/24 no.such.host                   | no.such.host: Name or service not known",
        "daemon --tap t0 --ip 198.18.0.2/24 --dhcp                       | give only one of --ip and --dhcp",
        "ping --tap t0 --dhcp --dhcp-timeout 0 198.18.0.1                | --dhcp-timeout must be between 1 and 3600",
        "ping --tap t0 --dhcp --gateway 198.18.0.1 198.18.0.1            | --gateway comes from the DHCP lease",
        "daemon --tap t0 --ip 198.18.0.2/24 --max-time -1                | --max-time must be positive",
        "daemon --tap t0 --ip 198.18.0.2/24 --max-orphans 0              | --max-orphans must be at least 1",
        "serve --tap t0 --ip 198.18.0.2/24 --max-orphans 0               | --max-orphans must be at least 1",
        "serve --tap t0 --ip 198.18.0.2/24 --min-mss 20                  | --min-mss must be 41 to 536",
        "daemon --tap t0 --ip 198.18.0.2/24 --orphan-retries 99          | --orphan-retries must be 0 to 12",
        "nc --tap t0 --ip 198.18.0.2/24 --segments-per-turn 0 -l 80      | --segments-per-turn must be at least 1",
        "serve --tap t0 --ip 198.18.0.2/24 --orphan-lifetime -5          | --orphan-lifetime must be 0 to 86400",
        "serve --tap t0 --ip 198.18.0.2/24 --arp-solicit-rate 0          | --arp-solicit-rate must be 1 to 1000000",
        "nc --tap t0 --ip 198.18.0.2/24 --busy-poll -1 -l 80             | --busy-poll must be 0 to 10000000",
        "demo -c 0                                                       | -c must be between 1 and 1000",
    })
    void badArgumentsGiveOneClearLineAndExitTwo(String argLine, String expected) {
        String[] args = argLine.isBlank() ? new String[0] : argLine.trim().split("\\s+");
        Outcome o = run(args);
        assertEquals(Main.EXIT_USAGE, o.exitCode(), o.err());
        String first = o.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("teacup: "), "first line: " + first);
        assertTrue(first.contains(expected), "expected '" + expected + "' in: " + first);
        assertFalse(o.err().contains("Exception") || o.err().contains("\tat "), "no stack trace: " + o.err());
        assertTrue(o.err().lines().count() <= 2, "at most the message and a hint: " + o.err());
    }

    @Test
    void versionAndHelpExitZero() {
        Outcome v = run("--version");
        assertEquals(0, v.exitCode());
        assertTrue(v.out().contains("teacup"));
        Outcome h = run("ping", "--help");
        assertEquals(0, h.exitCode());
        assertTrue(h.out().contains("--tap") && h.out().contains("-c=COUNT"), h.out());
    }

    @Test
    void openingAMissingInterfaceFailsWithOneLine() {
        Outcome o = run("daemon", "--interface", "nosuchif0", "--ip", "198.18.0.2/24", "--max-time", "1");
        assertEquals(1, o.exitCode(), o.err());
        assertTrue(o.err().startsWith("teacup: "), o.err());
        assertEquals(1, o.err().lines().count(), o.err());
    }
}
