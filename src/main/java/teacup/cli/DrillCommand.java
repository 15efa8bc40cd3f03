package teacup.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import teacup.drill.DrillResult.Mode;
import teacup.drill.DrillSuite;

/** {@code teacup drill}: packetdrill-language scripts run against teacup on a simulated clock. */
@Command(name = "drill", mixinStandardHelpOptions = true,
        description = "Run packetdrill-language scripts against teacup, in-process on a simulated clock.")
final class DrillCommand implements Callable<Integer> {

    @Option(names = "--portable", description = "check flags, sequence and acknowledgment numbers, lengths and which"
            + " options are present; not windows or option values and order (default: strict, as packetdrill)")
    boolean portable;

    @Option(names = "--live", paramLabel = "LINK", description = "run against a live link (not yet: in-process only)")
    String live;

    @Parameters(paramLabel = "SCRIPT|DIR", arity = "1..*", description = ".pkt scripts, or directories searched for them")
    List<Path> paths;

    @Override
    public Integer call() {
        if (live != null) {
            throw new UsageException("--live is not supported yet; scripts run in-process only");
        }
        List<Path> scripts;
        try {
            scripts = DrillSuite.scripts(paths);
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        if (scripts.isEmpty()) {
            throw new UsageException("no .pkt scripts in " + paths);
        }
        return DrillSuite.runAll(scripts, portable ? Mode.PORTABLE : Mode.STRICT, System.out);
    }
}
