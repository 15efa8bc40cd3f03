package teacup.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import teacup.ping.Pinger;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/** {@code teacup ping}: ICMP echo from teacup's own stack, printed like ping(8). */
@Command(name = "ping", mixinStandardHelpOptions = true, description = "Send ICMP echo requests from teacup's stack, like ping(8).")
final class PingCommand implements Callable<Integer> {

    @Option(names = "-c", paramLabel = "COUNT", description = "stop after COUNT requests (default: until interrupted)")
    int count;

    @Option(names = "-i", paramLabel = "SECS", defaultValue = "1", description = "seconds between requests (default: ${DEFAULT-VALUE})")
    double interval;

    @Option(names = "-s", paramLabel = "BYTES", defaultValue = "56", description = "data bytes per request (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "-W", paramLabel = "SECS", defaultValue = "2", description = "seconds to wait for the last reply (default: ${DEFAULT-VALUE})")
    double timeout;

    @Mixin
    LinkOptions link;

    @Parameters(paramLabel = "HOST", description = "IPv4 address to ping")
    String host;

    @Override
    public Integer call() throws Exception {
        if (count < 0) {
            throw new UsageException("-c must be 0 or more, not " + count);
        }
        if (!(interval >= 0.001) || interval > 3600) {
            throw new UsageException("-i must be between 0.001 and 3600 seconds");
        }
        if (size < 0 || size > 65507) {
            throw new UsageException("-s must be between 0 and 65507 bytes");
        }
        if (!(timeout > 0) || timeout > 3600) {
            throw new UsageException("-W must be between 0 and 3600 seconds");
        }
        Ipv4Address target;
        try {
            target = Ipv4Address.parse(host);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(Main.EXIT_USAGE, host + ": Name or service not known (give an IPv4 address)");
        }
        try (NetStack stack = link.startStack()) {
            Pinger pinger = new Pinger(stack, System.out);
            Thread main = Thread.currentThread();
            Thread hook = new Thread(() -> {
                pinger.stop();
                try {
                    main.join(3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            Pinger.Summary s = pinger.ping(target, count, (long) (interval * 1e9), size, (long) (timeout * 1e9));
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            // ping(8): 0 when any reply came back, 1 when none did.
            return s.received() > 0 ? 0 : 1;
        }
    }
}
