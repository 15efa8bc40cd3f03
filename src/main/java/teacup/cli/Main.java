package teacup.cli;

import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code teacup} command: a userspace TCP/IP stack and the tools built on it. */
@Command(name = "teacup", mixinStandardHelpOptions = true, version = "teacup 0.1.0",
        description = "A userspace TCP/IP stack for the JVM, and tools that run on it.",
        subcommands = {CurlCommand.class, ServeCommand.class, PingCommand.class, NcCommand.class, DaemonCommand.class, StatusCommand.class, DemoCommand.class, DrillCommand.class, SetupCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code for a bad command line (curl and ping use 2 for this too). */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: teacup demo, teacup --help)");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code; prints errors as single lines. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, argv) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("teacup: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof UsageException) {
                err.println("teacup: " + ex.getMessage());
                return EXIT_USAGE;
            }
            if (ex instanceof CommandFailure f) {
                err.println("teacup: " + f.getMessage());
                return f.exitCode();
            }
            if (ex instanceof IOException) {
                err.println("teacup: " + ex.getMessage());
                return 1;
            }
            err.println("teacup: internal error: " + ex);
            if (System.getenv("TEACUP_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            return 70;
        });
        return cl.execute(args);
    }
}
