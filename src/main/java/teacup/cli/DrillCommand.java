package teacup.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import teacup.drill.DrillEngine;
import teacup.drill.DrillResult.Mode;
import teacup.drill.DrillSuite;

/** {@code teacup drill}: packetdrill-language scripts run against teacup, in-process or live on a TAP. */
@Command(name = "drill", mixinStandardHelpOptions = true,
        description = {"Run packetdrill-language scripts against teacup.",
            "In-process (the default): one stack on a simulated clock; deterministic, a suite runs in seconds.",
            "Live (--live, needs root): each script gets a private network namespace with a TAP; teacup attaches to it"
                + " and the runner plays the remote host from the kernel side with an AF_PACKET socket (that side has"
                + " no address, so the kernel's TCP stays silent), in real time, times checked within the tolerance."})
final class DrillCommand implements Callable<Integer> {

    @Option(names = "--portable", description = "check flags, sequence and acknowledgment numbers, lengths and which"
            + " options are present; not windows or option values and order (default: strict, as packetdrill)")
    boolean portable;

    @Option(names = "--live", description = "run each script live: teacup on a TAP in a private namespace, real time")
    boolean live;

    @Option(names = "--tolerance_usecs", paramLabel = "MICROS", defaultValue = "4000",
            description = "how far a packet's time may stray from the script's (default ${DEFAULT-VALUE}, as packetdrill;"
                    + " a script's own --tolerance_usecs wins)")
    long toleranceMicros;

    @Parameters(paramLabel = "SCRIPT|DIR", arity = "1..*", description = ".pkt scripts, or directories searched for them")
    List<Path> paths;

    @Override
    public Integer call() {
        if (toleranceMicros < 0) {
            throw new UsageException("--tolerance_usecs must not be negative");
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
        Mode mode = portable ? Mode.PORTABLE : Mode.STRICT;
        DrillEngine engine = live ? DrillEngine.live(mode, toleranceMicros) : new DrillEngine(mode, toleranceMicros);
        return DrillSuite.runAll(scripts, engine, mode, System.out);
    }
}
