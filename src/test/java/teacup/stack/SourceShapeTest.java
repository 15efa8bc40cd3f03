package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The size rules that keep the code readable (docs/ARCHITECTURE.md): no file in the TCP core over
 * 600 lines, no method in src/main over 80, unless a comment just above it says why (it holds
 * the words "long on purpose").
 */
class SourceShapeTest {
    private static final Path MAIN = Path.of("src/main/java/teacup");
    static final int MAX_TCP_FILE_LINES = 600;
    static final int MAX_METHOD_LINES = 80;
    private static final String EXEMPTION = "long on purpose";
    private static final Pattern NOT_A_METHOD = Pattern.compile(
            "^(if|for|while|switch|catch|synchronized|try|do|else|return|throw|case|default)\\b|->|\\bnew\\s|="
            + "|\\b(class|record|interface|enum)\\s");
    private static final Pattern SIGNATURE = Pattern.compile("[\\w>\\]]\\s+\\w+\\s*\\([^()]*(\\([^()]*\\)[^()]*)*\\)"
            + "(\\s*throws\\s+[\\w.,\\s]+)?\\s*$|^\\w+\\s*\\([^()]*\\)\\s*$");

    private static List<Path> sources(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test
    @DisplayName("no file in the TCP core is over 600 lines")
    void tcpFilesAreSmall() throws IOException {
        List<String> big = new ArrayList<>();
        for (Path f : sources(MAIN.resolve("tcp"))) {
            int lines = Files.readAllLines(f).size();
            if (lines > MAX_TCP_FILE_LINES) {
                big.add(f + ": " + lines + " lines");
            }
        }
        assertEquals(List.of(), big);
    }

    @Test
    @DisplayName("no method in src/main is over 80 lines unless a comment says why")
    void methodsAreShort() throws IOException {
        List<String> longOnes = new ArrayList<>();
        int methods = 0;
        for (Path f : sources(MAIN)) {
            List<String> lines = Files.readAllLines(f);
            for (int[] m : methodSpans(lines)) {
                methods++;
                int length = m[1] - m[0] + 1;
                if (length > MAX_METHOD_LINES && !exempt(lines, m[0])) {
                    longOnes.add(f + ":" + (m[0] + 1) + ": " + length + " lines: " + lines.get(m[0]).strip());
                }
            }
        }
        assertTrue(methods > 1000, "the method finder found only " + methods + " methods");
        assertEquals(List.of(), longOnes);
    }

    @Test
    @DisplayName("the method finder measures a method, skipping braces in strings, characters and comments")
    void finderMeasuresMethods() {
        List<String> source = List.of(
                "final class X {",
                "    /** A method. */",
                "    int f(int a) {",
                "        String s = \"{ not a brace\";",
                "        char c = '{';",
                "        // { neither",
                "        if (a > 0) {",
                "            return 1;",
                "        }",
                "        Runnable r = () -> { };",
                "        return 0;",
                "    }",
                "",
                "    X() {",
                "    }",
                "}");
        List<int[]> spans = methodSpans(source);
        assertEquals(2, spans.size());
        assertEquals(2, spans.get(0)[0]);
        assertEquals(11, spans.get(0)[1]);
        assertEquals(13, spans.get(1)[0]);
    }

    private static boolean exempt(List<String> lines, int declaration) {
        for (int i = Math.max(0, declaration - 8); i < declaration; i++) {
            if (lines.get(i).contains(EXEMPTION)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every method and constructor body as [first line, last line] (0-based): a brace that opens
     * after a signature, matched to its closing brace, with string, text block, character and
     * comment contents ignored.
     */
    static List<int[]> methodSpans(List<String> lines) {
        List<int[]> spans = new ArrayList<>();
        List<int[]> open = new ArrayList<>(); // [depth at open, line of the signature] for bodies being measured
        StringBuilder statement = new StringBuilder(); // text since the last ; { or }
        int statementLine = 0;
        int depth = 0;
        boolean blockComment = false;
        boolean textBlock = false;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (blockComment) {
                    if (line.startsWith("*/", i)) {
                        blockComment = false;
                        i++;
                    }
                    continue;
                }
                if (textBlock) {
                    if (line.startsWith("\"\"\"", i)) {
                        textBlock = false;
                        i += 2;
                    }
                    continue;
                }
                if (line.startsWith("//", i)) {
                    break;
                }
                if (line.startsWith("/*", i)) {
                    blockComment = true;
                    i++;
                    continue;
                }
                if (line.startsWith("\"\"\"", i)) {
                    textBlock = true;
                    i += 2;
                    continue;
                }
                if (ch == '"' || ch == '\'') {
                    i = endOfLiteral(line, i, ch);
                    statement.append("x");
                    continue;
                }
                if (ch == '{') {
                    String s = statement.toString().strip().replaceAll("\\s+", " ");
                    if (SIGNATURE.matcher(s).find() && !NOT_A_METHOD.matcher(s).find()) {
                        open.add(new int[] {depth, statementLine});
                    }
                    depth++;
                    statement.setLength(0);
                    statementLine = n;
                } else if (ch == '}') {
                    depth--;
                    if (!open.isEmpty() && open.getLast()[0] == depth) {
                        spans.add(new int[] {open.removeLast()[1], n});
                    }
                    statement.setLength(0);
                    statementLine = n;
                } else if (ch == ';') {
                    statement.setLength(0);
                    statementLine = n;
                } else {
                    if (statement.isEmpty() && !Character.isWhitespace(ch)) {
                        statementLine = n;
                    }
                    if (!(statement.isEmpty() && Character.isWhitespace(ch))) {
                        statement.append(ch);
                    }
                }
            }
            if (!statement.isEmpty()) {
                statement.append(' ');
            }
        }
        spans.sort((a, b) -> Integer.compare(a[0], b[0]));
        return spans;
    }

    private static int endOfLiteral(String line, int start, char quote) {
        for (int i = start + 1; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\') {
                i++;
            } else if (ch == quote) {
                return i;
            }
        }
        return line.length() - 1;
    }
}
