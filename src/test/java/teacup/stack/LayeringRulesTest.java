package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The rules in DESIGN.md that keep the core deterministic, the native code in one place and cli to its commands, checked on the sources. */
class LayeringRulesTest {
    private static final Path MAIN = Path.of("src/main/java/teacup");
    private static final List<String> CORE = List.of("wire", "ip", "tcp", "udp", "stack", "dns", "dhcp");

    private static List<String> offending(List<String> packages, Pattern forbidden) throws IOException {
        List<String> hits = new ArrayList<>();
        for (String pkg : packages) {
            Path dir = MAIN.resolve(pkg);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        String line = lines.get(i).strip();
                        if (!line.startsWith("//") && !line.startsWith("*") && forbidden.matcher(line).find()) {
                            hits.add(f + ":" + (i + 1) + ": " + line);
                        }
                    }
                }
            }
        }
        return hits;
    }

    @Test
    @DisplayName("the protocol core never reads the clock, sleeps, or makes unseeded randomness")
    void coreIsDeterministic() throws IOException {
        assertEquals(List.of(), offending(CORE, Pattern.compile(
                "System\\.nanoTime|System\\.currentTimeMillis|Instant\\.now|Thread\\.sleep|new Random\\(\\)|Math\\.random|ThreadLocalRandom")));
    }

    @Test
    @DisplayName("the protocol core never uses teacup.os: native calls stay below the links")
    void coreUsesNoNativeCalls() throws IOException {
        assertEquals(List.of(), offending(CORE, Pattern.compile("\\bteacup\\.os\\.")));
    }

    /** The few classes of teacup.cli that are neither a command nor a mixin, and why each stays. */
    private static final Set<String> CLI_HELPERS = Set.of(
            "StopSignal",        // how serve and daemon learn to stop: signals and --max-time
            "UsageException",    // a bad command line: one line, exit 2
            "CommandFailure");   // a command that could not do its job: one line, its own exit code

    @Test
    @DisplayName("teacup.cli holds picocli commands, their option mixins and a few named helpers; engines live in their own packages")
    void cliHoldsCommands() throws Exception {
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(MAIN.resolve("cli"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String name = f.getFileName().toString().replace(".java", "");
                classes.add(Class.forName("teacup.cli." + name));
            }
        }
        Set<Class<?>> mixins = new HashSet<>();
        for (Class<?> c : classes) {
            for (Field field : c.getDeclaredFields()) {
                if (field.isAnnotationPresent(Mixin.class)) {
                    mixins.add(field.getType());
                }
            }
        }
        List<String> others = new ArrayList<>();
        for (Class<?> c : classes) {
            if (!c.isAnnotationPresent(Command.class) && !mixins.contains(c) && !CLI_HELPERS.contains(c.getSimpleName())) {
                others.add(c.getName());
            }
        }
        assertEquals(List.of(), others, "neither a command, nor a mixin, nor a named helper: move it to the package of what it does");
        assertTrue(classes.stream().anyMatch(c -> c.isAnnotationPresent(Command.class)), "the rule saw the commands");
        assertTrue(mixins.stream().anyMatch(c -> c.getSimpleName().equals("LinkOptions")), "the rule saw the mixins");
    }

    @Test
    @DisplayName("nothing below teacup.cli knows it: engines take plain values and report failures their own way")
    void nothingImportsCli() throws IOException {
        assertEquals(List.of(), offending(packagesBut("cli"), Pattern.compile("\\bteacup\\.cli\\.")));
    }

    private static List<String> packagesBut(String excluded) throws IOException {
        try (Stream<Path> dirs = Files.list(MAIN)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).filter(n -> !n.equals(excluded))
                    .sorted().toList();
        }
    }

    @Test
    @DisplayName("only teacup.os touches java.lang.foreign")
    void foreignOnlyInOs() throws IOException {
        assertEquals(List.of(), offending(packagesBut("os"), Pattern.compile("java\\.lang\\.foreign")));
    }
}
