package teacup.drill;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import teacup.drill.DrillResult.Mode;

/**
 * Every script under {@code src/test/drill/} run in-process, one test each, named for its path. A
 * skipped script is reported as skipped (an aborted assumption), never as passed.
 */
class DrillScriptsTest {
    static final Path SCRIPTS = Path.of("src/test/drill");

    @TestFactory
    Stream<DynamicTest> everyScriptInStrictMode() throws IOException {
        List<Path> scripts = DrillSuite.scripts(List.of(SCRIPTS));
        return scripts.stream().map(p -> DynamicTest.dynamicTest(SCRIPTS.relativize(p).toString(), p.toUri(), () -> {
            DrillResult r = DrillSuite.run(p, Mode.STRICT);
            switch (r.verdict()) {
                case PASSED -> { }
                case SKIPPED -> abort("skipped: " + r.message());
                case FAILED -> fail(r.message());
            }
        }));
    }
}
