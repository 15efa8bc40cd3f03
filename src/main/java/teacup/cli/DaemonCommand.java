package teacup.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import teacup.daemon.DaemonControl;
import teacup.proxy.Dialer;
import teacup.proxy.ForwardRule;
import teacup.proxy.HostPort;
import teacup.proxy.PortForwarder;
import teacup.proxy.RelayGroup;
import teacup.proxy.Socks5Credentials;
import teacup.proxy.Socks5Server;
import teacup.socket.TcpServerSocket;
import teacup.stack.NetStack;
import teacup.stats.Statistics;

/**
 * {@code teacup daemon}: keeps a stack up in the foreground until SIGINT or SIGTERM, for other
 * programs to use: {@code --socks} serves SOCKS5 on a kernel address and makes each connection
 * through teacup; {@code --forward} relays connections made to teacup's own ports to addresses on
 * the kernel's side. A stop closes the listeners, lets relayed connections end with FIN for a
 * bounded time, and prints the statistics.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true, description = "Keep a teacup stack up (answering ARP and ping),"
        + " optionally serving SOCKS5 and port forwards, until SIGINT/SIGTERM.")
final class DaemonCommand implements Callable<Integer> {
    /** How long relayed connections get to end after a stop is asked for: the whole stop stays within 10 s. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    @Mixin
    LinkOptions link;

    @Mixin
    TcpLimitOptions limits;

    @Option(names = "--max-time", paramLabel = "SECS", description = "stop by itself after SECS seconds")
    Double maxTime;

    @Option(names = "--socks", paramLabel = "HOST:PORT",
            description = "serve SOCKS5 on this kernel address (e.g. 127.0.0.1:1080; port 0: any free port);"
                    + " its connections are made through teacup, its names resolved by teacup's DNS")
    String socks;

    @Option(names = "--socks-user", paramLabel = "USER:PASS",
            description = "make SOCKS clients log in with this user name and password (RFC 1929)")
    String socksUser;

    @Option(names = "--forward", paramLabel = "PORT=HOST:PORT",
            description = "relay connections to teacup's PORT to HOST:PORT on the kernel's side (repeatable)")
    List<String> forwards = new ArrayList<>();

    /** What the options ask to run beside the stack, checked before anything is opened. */
    private record Services(HostPort socks, Socks5Credentials credentials, List<ForwardRule> forwards) {}

    /** The services while they run: closed (listeners first) when the daemon stops. */
    private record Running(Socks5Server socks, List<PortForwarder> forwarders, RelayGroup relays) {}

    @Option(names = "--user-timeout", paramLabel = "SECS", defaultValue = "60",
            description = "give up a teacup connection whose data has waited SECS unacknowledged, also while its peer keeps"
                    + " its window closed (TCP_USER_TIMEOUT, RFC 5482; 0: never; default: ${DEFAULT-VALUE})")
    double userTimeout;

    @Option(names = "--send-memory", paramLabel = "MB", defaultValue = "64",
            description = "send buffers of all teacup connections together grow within MB megabytes; past it a connection"
                    + " keeps the buffer it has (counted as TCP_SEND_MEMORY_LIMITED; default: ${DEFAULT-VALUE})")
    double sendMemory;

    @Option(names = "--control", paramLabel = "PATH", description = "control socket for teacup status (default: $TEACUP_CONTROL,"
            + " else /run/teacup/daemon.sock as root, else $XDG_RUNTIME_DIR/teacup/daemon.sock or /tmp/teacup-UID/daemon.sock)")
    java.nio.file.Path controlPath;

    @Override
    public Integer call() throws Exception {
        link.iface(); // the link options are checked first
        if (maxTime != null && !(maxTime > 0)) {
            throw new UsageException("--max-time must be positive");
        }
        Services services = services();
        limits.check();
        userTimeout();
        long memory = ServeCommand.sendMemory(sendMemory);
        StopSignal signal = StopSignal.install(Duration.ofSeconds(10));
        try (NetStack stack = link.startStack()) {
            limits.apply(stack);
            ServeCommand.sendMemory(stack, memory);
            return serve(stack, services, signal);
        } finally {
            // After the stack's close: a signal's exit may end the JVM as soon as the signal is closed.
            System.out.flush();
            System.err.flush();
            signal.close();
        }
    }

    /** Runs the services beside {@code stack} until a stop is asked for, then stops them and prints the statistics. */
    private int serve(NetStack stack, Services services, StopSignal signal) throws IOException, InterruptedException {
        Running running = null;
        DaemonControl control = null; // teacup status and SIGUSR1
        try {
            running = start(stack, services);
            control = DaemonControl.attach(stack, controlPath, System.out, System.err);
            // One println, not printf: a script waiting for this line must never see half of it.
            System.out.println("teacup daemon: " + stack.iface() + " on " + link.describe() + describe(running)
                    + "; stop with Ctrl-C or SIGTERM");
            System.out.flush();
            signal.await(maxTime);
            int cut = stopServices(running);
            var counters = stack.statistics();
            System.out.println("teacup daemon: stopping; statistics:");
            System.out.print(Statistics.format(counters));
            System.out.print(relayStatistics(running, cut));
            System.out.flush();
            return signal.exitCode(stack);
        } finally {
            if (control != null) {
                control.close();
            }
            if (running != null) {
                stopServices(running, Duration.ZERO);
            }
        }
    }

    /** --user-timeout as a duration (zero: none); a mistake is a UsageException. */
    private Duration userTimeout() {
        return ServeCommand.userTimeout(userTimeout);
    }

    /** Parses --socks, --socks-user and --forward; a mistake is a UsageException. */
    private Services services() {
        HostPort socksAddress = null;
        Socks5Credentials credentials = null;
        try {
            if (socks != null) {
                socksAddress = HostPort.parse(socks, true);
            }
            if (socksUser != null) {
                if (socks == null) {
                    throw new UsageException("--socks-user needs --socks");
                }
                credentials = Socks5Credentials.parse(socksUser);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException((socksAddress == null ? "--socks: " : "--socks-user: ") + e.getMessage());
        }
        List<ForwardRule> rules = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (String f : forwards) {
            ForwardRule rule;
            try {
                rule = ForwardRule.parse(f);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--forward: " + e.getMessage());
            }
            if (!ports.add(rule.listenPort())) {
                throw new UsageException("--forward: port " + rule.listenPort() + " given twice");
            }
            rules.add(rule);
        }
        return new Services(socksAddress, credentials, rules);
    }

    /** Opens the SOCKS listener and the forwarded ports; on a failure closes what it opened. */
    private Running start(NetStack stack, Services services) throws IOException, InterruptedException {
        RelayGroup relays = new RelayGroup();
        List<PortForwarder> forwarders = new ArrayList<>();
        Socks5Server server = null;
        Running running = new Running(null, forwarders, relays);
        try {
            for (ForwardRule rule : services.forwards()) {
                TcpServerSocket listener;
                try {
                    listener = TcpServerSocket.bind(stack, rule.listenPort(), TcpServerSocket.DEFAULT_BACKLOG);
                    listener.setUserTimeout(userTimeout());
                } catch (BindException e) {
                    throw new CommandFailure(1, "--forward: cannot listen on port " + rule.listenPort() + ": " + e.getMessage());
                }
                forwarders.add(PortForwarder.start(listener, rule.target(), Dialer.kernel(CONNECT_TIMEOUT), relays,
                        System.err::println));
            }
            if (services.socks() != null) {
                server = startSocks(stack, services, relays);
            }
            return new Running(server, forwarders, relays);
        } catch (IOException | RuntimeException e) {
            stopServices(running, Duration.ZERO);
            throw e;
        }
    }

    private Socks5Server startSocks(NetStack stack, Services services, RelayGroup relays) throws IOException {
        HostPort at = services.socks();
        InetAddress address;
        try {
            address = InetAddress.getByName(at.host());
        } catch (UnknownHostException e) {
            throw new UsageException("--socks: cannot resolve " + at.host());
        }
        if (!address.isLoopbackAddress() && services.credentials() == null) {
            System.err.println("teacup: warning: SOCKS on " + at + " without --socks-user: anyone who reaches it can use teacup's network");
        }
        Socks5Server.Settings settings = Socks5Server.Settings.defaults().withCredentials(services.credentials());
        try {
            return Socks5Server.start(new InetSocketAddress(address, at.port()), Dialer.teacup(stack, CONNECT_TIMEOUT, userTimeout()),
                    link.resolver(stack), relays, settings, System.err::println);
        } catch (IOException e) {
            throw new CommandFailure(1, "--socks: cannot listen on " + at + ": " + e.getMessage());
        }
    }

    /** The ready line's account of the services, e.g. "; SOCKS5 on 127.0.0.1:1080; forwarding 8080 -> 127.0.0.1:80". */
    private static String describe(Running running) {
        StringBuilder sb = new StringBuilder();
        if (running.socks() != null) {
            InetSocketAddress a = running.socks().address();
            sb.append("; SOCKS5 on ").append(a.getAddress().getHostAddress()).append(':').append(a.getPort());
        }
        for (PortForwarder f : running.forwarders()) {
            sb.append("; forwarding ").append(f.localPort()).append(" -> ").append(f.target());
        }
        return sb.toString();
    }

    /** Stops accepting, lets relays end with FIN for up to STOP_GRACE, then closes the rest; returns how many were cut. */
    private static int stopServices(Running running) throws InterruptedException {
        return stopServices(running, STOP_GRACE);
    }

    private static int stopServices(Running running, Duration grace) throws InterruptedException {
        closeQuietly(running.socks());
        for (PortForwarder f : running.forwarders()) {
            closeQuietly(f);
        }
        return running.relays().stop(grace);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // stopping anyway; a listener that will not close takes nothing more with it
        }
    }

    /** The proxy's figures in the layout of {@link Statistics#format} (nothing when no service ran). */
    private static String relayStatistics(Running running, int cut) {
        if (running.socks() == null && running.forwarders().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        RelayGroup relays = running.relays();
        if (running.socks() != null) {
            line(sb, running.socks().accepted(), "SOCKS clients accepted");
            line(sb, running.socks().connected(), "SOCKS connections made");
            line(sb, running.socks().refused(), "SOCKS clients refused or failed");
        }
        if (!running.forwarders().isEmpty()) {
            line(sb, running.forwarders().stream().mapToLong(PortForwarder::accepted).sum(), "forwarded connections accepted");
            line(sb, running.forwarders().stream().mapToLong(PortForwarder::failed).sum(), "forwarded connections reset (destination unreachable, or over the bound)");
        }
        line(sb, relays.started(), "connections relayed");
        line(sb, relays.failed(), "relays ended by an error");
        line(sb, cut, "relays cut at stop");
        line(sb, relays.bytesToServers(), "bytes relayed to servers");
        line(sb, relays.bytesToClients(), "bytes relayed to clients");
        return sb.toString();
    }

    private static void line(StringBuilder sb, long value, String what) {
        sb.append(String.format("  %10d  %s%n", value, what));
    }
}
