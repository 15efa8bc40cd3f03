package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import teacup.curl.CurlExit;

/** {@code teacup nc} command lines that fail before any link is opened: one clear line and curl's exit codes. */
class NcCommandTest {

    private static void assertOneLine(CommandLineTest.Outcome o, String expected) {
        String first = o.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("teacup: "), "first line: " + first);
        assertTrue(first.contains(expected), "expected '" + expected + "' in: " + first);
        assertFalse(o.err().contains("Exception") || o.err().contains("\tat "), "no stack trace: " + o.err());
        assertTrue(o.err().lines().count() <= 2, "at most the message and a hint: " + o.err());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "nc                                                              | Missing required parameter",
        "nc --tap t0 --ip 198.18.0.2/24 198.18.0.1                       | missing PORT",
        "nc --tap t0 --ip 198.18.0.2/24 198.18.0.1 0                     | PORT must be a number from 1 to 65535, not '0'",
        "nc --tap t0 --ip 198.18.0.2/24 198.18.0.1 65536                 | PORT must be a number from 1 to 65535",
        "nc --tap t0 --ip 198.18.0.2/24 198.18.0.1 http                  | PORT must be a number from 1 to 65535, not 'http'",
        "nc -l --tap t0 --ip 198.18.0.2/24 -5                            | PORT must be a number from 1 to 65535, not '-5'",
        "nc --tap t0 --ip 198.18.0.2/24 198.18.0.1 80 81                 | too many operands",
        "nc -k --tap t0 --ip 198.18.0.2/24 198.18.0.1 80                 | -k needs -l",
        "nc -w 0 --tap t0 --ip 198.18.0.2/24 198.18.0.1 80               | -w must be between",
        "nc -w abc --tap t0 --ip 198.18.0.2/24 198.18.0.1 80             | Invalid value for option '-w'",
        "nc -l --tap t0 --ip 198.18.0.2/24 198.18.0.9 80                 | cannot listen on 198.18.0.9: teacup's address is 198.18.0.2",
        "nc -l --tap t0 --ip 198.18.0.2/24 localhost 80                  | Could not resolve host: localhost",
        "nc --ip 198.18.0.2/24 198.18.0.1 80                             | no link: give --tap NAME or --interface IFACE",
        "nc --tap t0 198.18.0.1 80                                       | no address: give --ip",
        "nc --tap t0 --ip 198.18.0.2/24 --dhcp 198.18.0.1 80             | give only one of --ip and --dhcp",
    })
    void badArgumentsGiveOneClearLineAndExitTwo(String argLine, String expected) {
        CommandLineTest.Outcome o = CommandLineTest.run(argLine.trim().split("\\s+"));
        assertEquals(Main.EXIT_USAGE, o.exitCode(), o.err());
        assertOneLine(o, expected);
    }

    @Test
    @DisplayName("a host name is curl's exit 6, 'Could not resolve host', before any link is opened")
    void hostNameIsExitSix() {
        CommandLineTest.Outcome o = CommandLineTest.run("nc", "--tap", "t0", "--ip", "198.18.0.2/24", "example.invalid", "80");
        assertEquals(CurlExit.COULD_NOT_RESOLVE, o.exitCode(), o.err());
        assertOneLine(o, "Could not resolve host: example.invalid");
        assertEquals(1, o.err().lines().count(), o.err());
    }

    @Test
    @DisplayName("teacup nc --help exits 0 and names -l, -k and --echo")
    void helpExitsZero() {
        CommandLineTest.Outcome o = CommandLineTest.run("nc", "--help");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("-l") && o.out().contains("-k") && o.out().contains("--echo")
                && o.out().contains("[HOST] PORT"), o.out());
    }

    @Test
    @DisplayName("teacup --help lists nc among the commands")
    void listedAmongCommands() {
        CommandLineTest.Outcome o = CommandLineTest.run("--help");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().lines().anyMatch(l -> l.trim().startsWith("nc ")), o.out());
    }
}
