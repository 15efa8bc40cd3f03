package teacup.cli;

import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import teacup.ip.Statistics;
import teacup.os.Clock;
import teacup.stack.NetStack;

/** {@code teacup daemon}: keeps a stack up in the foreground until SIGINT or SIGTERM. */
@Command(name = "daemon", mixinStandardHelpOptions = true, description = "Keep a teacup stack up (answering ARP and ping) until SIGINT/SIGTERM.")
final class DaemonCommand implements Callable<Integer> {

    @Mixin
    LinkOptions link;

    @Option(names = "--max-time", paramLabel = "SECS", description = "stop by itself after SECS seconds")
    Double maxTime;

    @Option(names = "--control", paramLabel = "PATH", description = "control socket for teacup status (default: $TEACUP_CONTROL,"
            + " else /run/teacup/daemon.sock as root, else $XDG_RUNTIME_DIR/teacup/daemon.sock or /tmp/teacup-UID/daemon.sock)")
    java.nio.file.Path controlPath;

    @Override
    public Integer call() throws Exception {
        var iface = link.iface();
        if (maxTime != null && !(maxTime > 0)) {
            throw new UsageException("--max-time must be positive");
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        NetStack stack = new NetStack(link.open(), iface, Clock.SYSTEM, new SecureRandom());
        int[] exitCode = {0};
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                if (stopped.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    // A stop asked for by SIGTERM or SIGINT is a clean end: say so with the exit code.
                    Runtime.getRuntime().halt(exitCode[0]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        DaemonControl control = null; // teacup status and SIGUSR1
        try {
            stack.start();
            link.obtainAddress(stack);
            control = DaemonControl.attach(stack, controlPath, System.out, System.err);
            System.out.printf("teacup daemon: %s on %s; stop with Ctrl-C or SIGTERM%n", stack.iface(), link.describe());
            System.out.flush();
            if (maxTime != null) {
                stop.await((long) (maxTime * 1000), java.util.concurrent.TimeUnit.MILLISECONDS);
            } else {
                stop.await();
            }
            var counters = stack.statistics();
            System.out.println("teacup daemon: stopping; statistics:");
            System.out.print(Statistics.format(counters));
            System.out.flush();
            if (stack.failure() != null) {
                System.err.println("teacup: " + stack.failure().getMessage());
                exitCode[0] = 1;
            }
            return exitCode[0];
        } finally {
            if (control != null) {
                control.close();
            }
            stack.close();
            System.out.flush();
            System.err.flush();
            stopped.countDown();
            if (maxTime != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down anyway
                }
            }
        }
    }
}
