package teacup.drill;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import teacup.drill.DrillResult.Mode;
import teacup.drill.DrillResult.Verdict;

/**
 * Runs scripts and directories of them (every {@code .pkt} below, in name order), prints one line
 * per script and then {@code N passed, N failed, N skipped}, and gives the exit code: 0 when
 * nothing failed and something passed, 1 when anything failed, 77 (the automake "skipped" code)
 * when every script was skipped.
 */
public final class DrillSuite {
    public static final int EXIT_PASSED = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_ALL_SKIPPED = 77;

    private DrillSuite() {
    }

    /** The scripts named: files as given, directories searched for {@code .pkt} files. Throws for a path that is not there. */
    public static List<Path> scripts(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".pkt") && Files.isRegularFile(f)).sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new java.nio.file.NoSuchFileException(p.toString(), null, "no such script or directory");
            }
        }
        return out;
    }

    /** Parses and runs one script; a script that does not parse fails with its file:line message. */
    public static DrillResult run(Path script, Mode mode) {
        return run(script, new DrillEngine(mode), mode);
    }

    /** As {@link #run(Path, Mode)}, on the engine given (in-process or {@link DrillEngine#live live}). */
    public static DrillResult run(Path script, DrillEngine engine, Mode mode) {
        try {
            return engine.run(ScriptParser.parse(script));
        } catch (ScriptSyntaxException e) {
            return new DrillResult(script.toString(), Verdict.FAILED, e.getMessage(), mode);
        } catch (IOException e) {
            return new DrillResult(script.toString(), Verdict.FAILED, "cannot read: " + e.getMessage(), mode);
        }
    }

    /** Runs every script, printing as it goes; returns the exit code. */
    public static int runAll(List<Path> scripts, Mode mode, PrintStream out) {
        return runAll(scripts, new DrillEngine(mode), mode, out);
    }

    /** As {@link #runAll(List, Mode, PrintStream)}, on the engine given. */
    public static int runAll(List<Path> scripts, DrillEngine engine, Mode mode, PrintStream out) {
        List<DrillResult> results = new ArrayList<>();
        for (Path p : scripts) {
            DrillResult r = run(p, engine, mode);
            results.add(r);
            out.println(r.line());
        }
        out.println(summary(results));
        return exitCode(results);
    }

    public static String summary(List<DrillResult> results) {
        return count(results, Verdict.PASSED) + " passed, " + count(results, Verdict.FAILED) + " failed, "
                + count(results, Verdict.SKIPPED) + " skipped";
    }

    public static int exitCode(List<DrillResult> results) {
        if (count(results, Verdict.FAILED) > 0) {
            return EXIT_FAILED;
        }
        return count(results, Verdict.PASSED) > 0 ? EXIT_PASSED : EXIT_ALL_SKIPPED;
    }

    private static long count(List<DrillResult> results, Verdict v) {
        return results.stream().filter(r -> r.verdict() == v).count();
    }
}
