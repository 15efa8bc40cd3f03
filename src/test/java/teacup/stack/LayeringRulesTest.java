package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The rules in DESIGN.md that keep the core deterministic and the native code in one place, checked on the sources. */
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
    @DisplayName("only teacup.os touches java.lang.foreign")
    void foreignOnlyInOs() throws IOException {
        List<String> others = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(MAIN)) {
            dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).filter(n -> !n.equals("os")).forEach(others::add);
        }
        assertEquals(List.of(), offending(others, Pattern.compile("java\\.lang\\.foreign")));
    }
}
