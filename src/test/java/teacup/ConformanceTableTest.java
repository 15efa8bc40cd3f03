package teacup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFORMANCE.md, the conformance table, is generated here and must match what is
 * committed, so it cannot drift: every row of RFC 9293 Appendix B and every RFC 1122 host rule
 * that applies (listed in src/test/resources/teacup/conformance/), with the tests and drill
 * scripts whose labels prove it, found from their {@code @DisplayName} and their comments; a
 * row nothing proves shows the note its list keeps for it. Rewrite the table with
 * {@code ./mvnw test -Dtest=ConformanceTableTest -Dteacup.conformance.update=true}.
 */
class ConformanceTableTest {
    static final Path TABLE = Path.of("docs/CONFORMANCE.md");
    private static final Path TESTS = Path.of("src/test/java");
    private static final Path SCRIPTS = Path.of("src/test/drill");
    /** An RFC 9293 Appendix B label, or a range of them: MUST-18, SHLD-29, MUST-20..23. */
    private static final Pattern LABEL =
            Pattern.compile("\\b(MUST|SHLD|MAY|REC)-(\\d+)(?:\\.\\.(\\d+))?\\b(?:\\s*\\(([^()]{1,80})\\))?");
    /** A row label with its qualifier, as the list writes a label that Appendix B gives to several rows. */
    private static final Pattern QUALIFIED = Pattern.compile("(.+?) \\((.+)\\)");
    private static final Pattern RFC_1122 = Pattern.compile("RFC 1122 (\\d+(?:\\.\\d+)+)(?:\\s*\\(([^()]{1,80})\\))?");
    private static final Pattern DISPLAY_NAME = Pattern.compile("@DisplayName\\(((?:\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*\\+?)+)\\)");
    private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern METHOD = Pattern.compile("\\b(?:void|[A-Z]\\w*)\\s+(\\w+)\\s*\\(");

    record Row(String number, String label, String level, String feature, String applies, String note) { }

    record Rule(String section, String requirement, String note) { }

    @Test
    @DisplayName("docs/CONFORMANCE.md is the table the labels of the tests and scripts give")
    void tableIsCurrent() throws IOException {
        Map<String, Set<String>> proofs = proofs();
        String table = table(rows(), rules(), proofs);
        if (Boolean.getBoolean("teacup.conformance.update")) {
            Files.createDirectories(TABLE.getParent());
            Files.writeString(TABLE, table, StandardCharsets.UTF_8);
            return;
        }
        assertTrue(Files.exists(TABLE), TABLE + " is missing: generate it with -Dteacup.conformance.update=true");
        assertEquals(table, Files.readString(TABLE, StandardCharsets.UTF_8),
                TABLE + " differs from what the labels give: regenerate it with -Dteacup.conformance.update=true");
    }

    @Test
    @DisplayName("the label finder reads ranges, lists, qualifiers, concatenated display names and RFC 1122 sections")
    void labelsAreFound() {
        Set<String> found = new TreeSet<>();
        labels("RFC 9293 MUST-20..23, SHLD-29 and MAY-2: the timer; RFC 1122 3.2.2.6 too", found);
        assertEquals(Set.of("MUST-20", "MUST-21", "MUST-22", "MUST-23", "SHLD-29", "MAY-2", "RFC 1122 3.2.2.6"), found);
        found.clear();
        labels("RFC 9293 MUST-20 (R2), MUST-56 (unreachable, time exceeded and parameter problem), MUST-15 (the default)",
                Map.of("MUST-20", Set.of("R1", "R2"), "MUST-56", Set.of("unreachable", "time exceeded", "parameter problem"),
                        "MUST-15", Set.of("IPv4", "IPv6")), found);
        assertEquals(Set.of("MUST-20 (R2)", "MUST-56 (unreachable)", "MUST-56 (time exceeded)", "MUST-56 (parameter problem)",
                "MUST-15"), found, "a qualifier picks its row; prose in parentheses leaves the label plain");
        found.clear();
        labels("RFC 1122 3.2.2 (broadcast; audit C9), RFC 1122 3.2.2.6 (echo server, echo reply), RFC 1122 3.2.1.2 (why)",
                Map.of("RFC 1122 3.2.2", Set.of("broadcast", "link broadcast"), "RFC 1122 3.2.2.6", Set.of("echo server", "echo reply")),
                found);
        assertEquals(Set.of("RFC 1122 3.2.2 (broadcast)", "RFC 1122 3.2.2.6 (echo server)", "RFC 1122 3.2.2.6 (echo reply)",
                "RFC 1122 3.2.1.2"), found, "RFC 1122 sections take qualifiers the same way");
        Map<String, Set<String>> proofs = new TreeMap<>();
        javaProofs("X", """
                class X {
                    @Test
                    @DisplayName("RFC 9293 MUST-18: " + "Karn")
                    void karn() {
                    }
                }
                """, proofs);
        assertEquals(Map.of("MUST-18", Set.of("X.karn")), proofs);
    }

    /** Label (an Appendix B label, or "RFC 1122 section") to the tests and scripts that carry it. */
    static Map<String, Set<String>> proofs() throws IOException {
        Map<String, Set<String>> proofs = new TreeMap<>();
        try (Stream<Path> files = Files.walk(TESTS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String name = TESTS.relativize(f).toString().replace('/', '.').replaceAll("\\.java$", "")
                        .replaceFirst("^teacup\\.", "");
                javaProofs(name, Files.readString(f), proofs);
            }
        }
        if (Files.isDirectory(SCRIPTS)) {
            try (Stream<Path> files = Files.walk(SCRIPTS)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".pkt")).sorted().toList()) {
                    Set<String> found = new TreeSet<>();
                    for (String line : Files.readAllLines(f)) {
                        if (line.strip().startsWith("//")) {
                            labels(line, found);
                        }
                    }
                    String name = "drill " + SCRIPTS.relativize(f);
                    found.forEach(l -> proofs.computeIfAbsent(l, k -> new TreeSet<>()).add(name));
                }
            }
        }
        return proofs;
    }

    /** Every {@code @DisplayName} of {@code source} with its labels, as proofs named {@code className.method}. */
    static void javaProofs(String className, String source, Map<String, Set<String>> proofs) {
        Matcher m = DISPLAY_NAME.matcher(source);
        while (m.find()) {
            StringBuilder text = new StringBuilder();
            Matcher s = STRING.matcher(m.group(1));
            while (s.find()) {
                text.append(s.group(1));
            }
            Set<String> found = new TreeSet<>();
            labels(text.toString(), found);
            if (found.isEmpty()) {
                continue;
            }
            Matcher method = METHOD.matcher(source.substring(m.end()));
            String where = className + (method.find() ? "." + method.group(1) : "");
            found.forEach(l -> proofs.computeIfAbsent(l, k -> new TreeSet<>()).add(where));
        }
    }

    static void labels(String text, Set<String> into) {
        labels(text, Qualifiers.OF_ROWS, into);
    }

    /** The rows' qualifiers, read once. */
    private static final class Qualifiers {
        static final Map<String, Set<String>> OF_ROWS = qualifiers();
    }

    /**
     * The labels in {@code text}. A label that Appendix B gives to several rows proves one of them
     * only with that row's qualifier after it, in parentheses ("MUST-20 (R1)", or a list of them:
     * "MUST-56 (unreachable, time exceeded)"); parentheses holding no qualifier of that label are
     * prose and leave the label plain.
     */
    static void labels(String text, Map<String, Set<String>> qualifiers, Set<String> into) {
        Matcher m = LABEL.matcher(text);
        while (m.find()) {
            int from = Integer.parseInt(m.group(2));
            int to = m.group(3) == null ? from : Integer.parseInt(m.group(3));
            for (int n = from; n <= to && n < from + 20; n++) {
                qualified(m.group(1) + "-" + n, m.group(3) == null ? m.group(4) : null, qualifiers, into);
            }
        }
        Matcher r = RFC_1122.matcher(text);
        while (r.find()) {
            qualified("RFC 1122 " + r.group(1), r.group(2), qualifiers, into);
        }
    }

    /** {@code label} with each of its known qualifiers named in {@code parenthesis}, or plain if it names none. */
    private static void qualified(String label, String parenthesis, Map<String, Set<String>> qualifiers, Set<String> into) {
        Set<String> known = qualifiers.getOrDefault(label, Set.of());
        List<String> named = parenthesis == null ? List.of()
                : Stream.of(parenthesis.split("[,;]|\\band\\b")).map(String::strip).filter(known::contains).toList();
        if (named.isEmpty()) {
            into.add(label);
        } else {
            named.forEach(q -> into.add(label + " (" + q + ")"));
        }
    }

    /** For each label the lists give to several rows (or RFC 1122 section), the qualifiers that tell its rows apart. */
    static Map<String, Set<String>> qualifiers() {
        Map<String, Set<String>> qualifiers = new TreeMap<>();
        List<String> keys = new ArrayList<>();
        rows().forEach(r -> keys.add(r.label()));
        rules().forEach(r -> keys.add("RFC 1122 " + r.section()));
        for (String key : keys) {
            Matcher q = QUALIFIED.matcher(key);
            if (q.matches()) {
                qualifiers.computeIfAbsent(q.group(1), k -> new TreeSet<>()).add(q.group(2));
            }
        }
        return qualifiers;
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String[] f : tsv("rfc9293-appendix-b.tsv", 6)) {
            rows.add(new Row(f[0], f[1], f[2], f[3], f[4], f[5]));
        }
        return rows;
    }

    static List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        for (String[] f : tsv("rfc1122.tsv", 3)) {
            rules.add(new Rule(f[0], f[1], f[2]));
        }
        return rules;
    }

    private static List<String[]> tsv(String name, int columns) {
        try (InputStream in = ConformanceTableTest.class.getResourceAsStream("conformance/" + name)) {
            List<String[]> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.split("\t", -1);
                    assertEquals(columns, f.length, () -> name + ": " + line);
                    out.add(f);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String table(List<Row> rows, List<Rule> rules, Map<String, Set<String>> proofs) {
        StringBuilder b = new StringBuilder();
        long proven = rows.stream().filter(r -> proofs.containsKey(r.label())).count();
        long applicable = rows.stream().filter(r -> !r.applies().equals("no") && !r.level().equals("MAY")).count();
        long provenApplicable = rows.stream()
                .filter(r -> !r.applies().equals("no") && !r.level().equals("MAY") && proofs.containsKey(r.label())).count();
        b.append("# teacup: conformance\n\n");
        b.append("Generated by `ConformanceTableTest` from the labels that tests carry in their display names and drill scripts\n");
        b.append("in their comments; CI fails when this file differs from what they give. Do not edit it by hand: change a\n");
        b.append("test's label, or a row's note in `src/test/resources/teacup/conformance/`, and rewrite it with\n");
        b.append("`./mvnw test -Dtest=ConformanceTableTest -Dteacup.conformance.update=true`.\n\n");
        b.append("RFC 9293 Appendix B: ").append(rows.size()).append(" rows; ").append(proven)
                .append(" proven by a labelled test or script; of the ").append(applicable)
                .append(" MUST and SHOULD rows that apply, ").append(provenApplicable).append(".\n\n");
        b.append("## RFC 9293 Appendix B\n\n| # | label | level | feature | proven by (or why not) |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.number()).append(" | ").append(r.label()).append(" | ").append(r.level()).append(" | ")
                    .append(r.feature()).append(" | ").append(proofOrNote(proofs.get(r.label()), r.note())).append(" |\n");
        }
        b.append("\n## RFC 1122 host requirements\n\n| § | requirement | proven by (or why not) |\n|---|---|---|\n");
        for (Rule r : rules) {
            b.append("| ").append(r.section()).append(" | ").append(r.requirement()).append(" | ")
                    .append(proofOrNote(proofs.get("RFC 1122 " + r.section()), r.note())).append(" |\n");
        }
        return b.toString();
    }

    private static String proofOrNote(Set<String> proofs, String note) {
        return proofs == null ? note : String.join(", ", proofs);
    }
}
