package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code teacup curl} without a network: its command line, exit codes and messages (the engine's parts are tested in teacup.curl). */
class CurlCommandTest {
    /**
     * An address but no device: a command line that got past every check fails at "no link" (exit 2)
     * instead of opening anything, so no test here can reach a network, even by mistake.
     */
    private static final String LINK = "--ip 198.18.0.2/24 ";

    private static CommandLineTest.Outcome curl(String line) {
        List<String> args = new ArrayList<>(List.of("curl"));
        for (String a : line.trim().split("\\s+")) {
            args.add(a.replace('\u00a0', ' ')); // a no-break space stands for a space inside one argument
        }
        return CommandLineTest.run(args.toArray(String[]::new));
    }

    private static void assertOneLine(CommandLineTest.Outcome o) {
        assertFalse(o.err().contains("Exception") || o.err().contains("\tat "), "no stack trace: " + o.err());
        assertTrue(o.err().lines().count() <= 2, "at most the message and a hint: " + o.err());
    }

    @Nested
    @DisplayName("command line")
    class CommandLine {
        @ParameterizedTest(name = "{0} -> exit {1}")
        @CsvSource(delimiter = '|', value = {
            "http://                             | 3 | (3) URL rejected: No host part in the URL",
            "http://:80/                         | 3 | (3) URL rejected",
            "'http://198.18.0.1:99999/'          | 3 | Port number was not a decimal number",
            "'http://198.18.0.1:0/'              | 3 | Port number was not a decimal number",
            "'http://exa\u00a0mple/'             | 3 | (3) URL rejected: Malformed input",
            "'http://[zz/'                       | 3 | (3) URL rejected",
            "'1http://x/'                        | 3 | (3) URL rejected: Bad scheme",
            "'http://user:pw@198.18.0.1/'        | 3 | credentials in the URL",
            "ftp://198.18.0.1/                   | 1 | (1) Protocol \"ftp\" not supported",
            "gopher://198.18.0.1/                | 1 | Protocol \"gopher\" not supported",
        })
        @DisplayName("a URL curl rejects gives curl's exit code and one line, before any link is opened")
        void badUrls(String url, int code, String expected) {
            CommandLineTest.Outcome o = curl(LINK + url);
            assertEquals(code, o.exitCode(), o.err());
            String first = o.err().lines().findFirst().orElse("");
            assertTrue(first.startsWith("teacup: "), first);
            assertTrue(first.contains(expected), "expected '" + expected + "' in: " + first);
            assertOneLine(o);
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @CsvSource(delimiter = '|', value = {
            "''                                                    | Missing required parameter: 'URL'",
            "-d x -I http://198.18.0.1/                            | You can only select one HTTP request method",
            "--max-time 0 http://198.18.0.1/                       | --max-time must be a positive number",
            "--max-time -2 http://198.18.0.1/                      | --max-time must be a positive number",
            "--max-time abc http://198.18.0.1/                     | Invalid value for option '--max-time'",
            "--max-redirs -5 http://198.18.0.1/                    | --max-redirs must be",
            "-H NoColon http://198.18.0.1/                         | -H expects 'NAME: VALUE'",
            "-H :v http://198.18.0.1/                              | -H expects 'NAME: VALUE'",
            "-H Bad\u00a0name:\u00a0v http://198.18.0.1/            | -H expects 'NAME: VALUE'",
            "--resolve web.test http://web.test/                   | --resolve expects HOST:PORT:ADDRESS",
            "--resolve web.test:80 http://web.test/                | --resolve expects HOST:PORT:ADDRESS",
            "--resolve web.test:http:198.18.0.1 http://web.test/   | port must be 1..65535 or *",
            "--resolve web.test:80:300.0.0.1 http://web.test/      | not an IPv4 address",
            "--resolve web.test:80:[::1] http://web.test/          | teacup speaks IPv4 only",
        })
        @DisplayName("a bad option gives exit 2 and one line")
        void badOptions(String line, String expected) {
            CommandLineTest.Outcome o = line.isBlank() ? CommandLineTest.run("curl", "--tap", "t0") : curl(LINK + line);
            assertEquals(Main.EXIT_USAGE, o.exitCode(), o.err());
            String first = o.err().lines().findFirst().orElse("");
            assertTrue(first.contains(expected), "expected '" + expected + "' in: " + first);
            assertOneLine(o);
        }

        @Test
        @DisplayName("a good command line without LINK options stops at the link, exit 2, after the URL was accepted")
        void needsALink() {
            CommandLineTest.Outcome o = curl("http://198.18.0.1/");
            assertEquals(Main.EXIT_USAGE, o.exitCode(), o.err());
            // Test JVMs may not use the host's teacup setup, so no link options is a usage error here.
            assertTrue(o.err().contains("no link: give --tap NAME or --interface IFACE"), o.err());
            CommandLineTest.Outcome good = curl(LINK + "-v -s -L -f -I -X GET -H X-A:b --max-time 5 --resolve a.test:80:198.18.0.1"
                    + " -k --trace-packets http://a.test/");
            assertEquals(Main.EXIT_USAGE, good.exitCode(), good.err());
            assertTrue(good.err().contains("no link: give --tap NAME or --interface IFACE"), good.err());
        }

        @Test
        @DisplayName("-s silences the error line but keeps the exit code; -sS shows it again")
        void silent() {
            CommandLineTest.Outcome quiet = curl(LINK + "-s ftp://198.18.0.1/");
            assertEquals(1, quiet.exitCode());
            assertEquals("", quiet.err());
            CommandLineTest.Outcome shown = curl(LINK + "-sS ftp://198.18.0.1/");
            assertEquals(1, shown.exitCode());
            assertTrue(shown.err().contains("Protocol \"ftp\" not supported"), shown.err());
        }

        @Test
        @DisplayName("--cacert naming no file is curl's exit 77; a file with no certificate too")
        void badCaFile(@TempDir Path dir) throws IOException {
            CommandLineTest.Outcome missing = curl(LINK + "--cacert " + dir.resolve("none.pem") + " https://198.18.0.1/");
            assertEquals(77, missing.exitCode(), missing.err());
            assertTrue(missing.err().contains("no such file"), missing.err());
            Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
            CommandLineTest.Outcome bad = curl(LINK + "--cacert " + junk + " https://198.18.0.1/");
            assertEquals(77, bad.exitCode(), bad.err());
            assertOneLine(bad);
        }

        @Test
        @DisplayName("-d @FILE that cannot be read is curl's exit 26")
        void unreadableData(@TempDir Path dir) {
            CommandLineTest.Outcome o = curl(LINK + "-d @" + dir.resolve("absent") + " http://198.18.0.1/");
            assertEquals(26, o.exitCode(), o.err());
            assertTrue(o.err().contains("(26) Failed to open/read local data"), o.err());
        }

        @Test
        @DisplayName("--help lists curl's options and the LINK options")
        void help() {
            CommandLineTest.Outcome h = CommandLineTest.run("curl", "--help");
            assertEquals(0, h.exitCode());
            for (String option : List.of("-o", "-v", "-s", "-I", "-X", "-H", "-d", "-L", "-f", "--max-time", "--resolve",
                    "--cacert", "-k", "--trace-packets", "--pcap", "--tap", "--interface", "--ip", "--gateway", "--dns")) {
                assertTrue(h.out().contains(option), option + " in:\n" + h.out());
            }
        }
    }
}
