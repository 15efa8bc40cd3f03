package teacup.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import teacup.ip.Interface;
import teacup.ip.Statistics;
import teacup.os.Clock;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * {@code teacup demo}: a self-contained run in a private network namespace. It makes the
 * namespace and a TAP whose kernel side is 198.18.0.1, runs a teacup stack at 198.18.0.2 on it,
 * has the kernel ping teacup and teacup ping the kernel, prints the statistics, and removes
 * everything it made.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Show teacup alive on its own TAP wire, in a private network namespace (needs root).")
final class DemoCommand implements Callable<Integer> {
    static final String KERNEL = "198.18.0.1";
    static final String TEACUP = "198.18.0.2";

    @Option(names = "-c", paramLabel = "COUNT", defaultValue = "5", description = "pings each way (default: ${DEFAULT-VALUE})")
    int count;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || count > 1000) {
            throw new UsageException("-c must be between 1 and 1000");
        }
        if (!SystemCommand.isRoot()) {
            throw new CommandFailure(1, "teacup demo needs root: it creates a private network namespace (run: sudo ./teacup demo)");
        }
        PrintStream out = System.out;
        String namespace = "teacup-demo-" + ProcessHandle.current().pid();
        out.printf("== making network namespace %s with TAP tcup0, kernel side %s/24%n", namespace, KERNEL);
        PrivateNetwork net = PrivateNetwork.create(namespace, "tcup0", KERNEL + "/24", 1500);
        Thread cleanup = new Thread(() -> closeQuietly(net));
        Runtime.getRuntime().addShutdownHook(cleanup);
        boolean ok = true;
        try {
            Interface iface = new Interface(MacAddress.parse("02:74:63:75:70:02"), Ipv4Address.parse(TEACUP), 24,
                    Ipv4Address.parse(KERNEL), 1500);
            try (NetStack stack = new NetStack(net.openTap(1500), iface, Clock.SYSTEM, new SecureRandom())) {
                stack.start();
                out.printf("== teacup stack up: %s%n%n", iface);

                out.printf("== the kernel pings teacup: ip netns exec %s ping -c %d -i 0.2 %s%n", namespace, count, TEACUP);
                ok &= show(out, SystemCommand.run(Duration.ofSeconds(10 + count),
                        net.exec("ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "2", TEACUP)));

                out.printf("== the kernel pings teacup with 4000 bytes (fragmented both ways)%n");
                ok &= show(out, SystemCommand.run(Duration.ofSeconds(15),
                        net.exec("ping", "-c", "2", "-i", "0.2", "-s", "4000", "-W", "2", TEACUP)));

                out.printf("== teacup pings the kernel: teacup ping -c %d -i 0.2 %s%n", count, KERNEL);
                Pinger.Summary s = new Pinger(stack, out).ping(Ipv4Address.parse(KERNEL), count, 200_000_000L, 56, 2_000_000_000L);
                ok &= s.received() == s.transmitted();

                out.printf("%n== the kernel's ARP entry for teacup: ip -n %s neigh%n", namespace);
                out.print(net.ip("neigh", "show", "dev", "tcup0"));

                out.printf("%n== teacup's statistics%n");
                out.print(Statistics.format(stack.statistics()));
            }
        } finally {
            closeQuietly(net);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down; the hook does the same
            }
            out.printf("%n== removed network namespace %s%n", namespace);
        }
        out.println(ok ? "demo: OK, every ping answered" : "demo: FAILED, some pings went unanswered");
        return ok ? 0 : 1;
    }

    private static boolean show(PrintStream out, SystemCommand.Result r) {
        out.print(r.stdout());
        if (!r.stderr().isBlank()) {
            out.print(r.stderr());
        }
        out.println();
        return r.ok();
    }

    private static void closeQuietly(PrivateNetwork net) {
        try {
            net.close();
        } catch (IOException e) {
            System.err.println("teacup: " + e.getMessage());
        }
    }
}
