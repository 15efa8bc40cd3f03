package teacup.host;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import teacup.host.HostConfig.Cidr;
import teacup.link.ForwardingLink;
import teacup.link.Link;
import teacup.wire.Ipv4Address;

/**
 * Makes and removes what lets teacup reach the host's networks through a TAP: the TAP with the
 * host's address on it, IPv4 forwarding, and one nftables table of our own that masquerades the
 * TAP's subnet and (when the host's only resolver is on loopback) sends DNS for the gateway to
 * it. Everything here acts on the network namespace of the calling process; nothing else on the
 * host is changed, and {@link #undo} takes away exactly what {@link #apply} added.
 *
 * <p>A host firewall that drops forwarded packets in a table of its own (ufw, Docker's rules)
 * still does so: an accept in our table does not overrule a drop in another. Such a host must let
 * the TAP's traffic through there too; {@code teacup setup} says so when it sees a drop policy.
 */
public final class HostSetup {
    public static final String DEFAULT_TAP = "teacup0";
    public static final String DEFAULT_TABLE = "teacup_setup";
    static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The queue of frames the kernel holds for teacup on a TAP it made (txqueuelen, which is also
     * the tun driver's ring): the kernel's default of 1,000 overflowed under a thousand bulk
     * connections, one ACK queued per large segment, while the event loop was writing; the
     * dropped ACKs cost every connection retransmission timeouts. Mostly ACK-sized frames, and
     * every one is charged to a socket's buffer, so a longer queue costs little.
     */
    public static final int TAP_QUEUE_LENGTH = 10_000;

    private HostSetup() {}

    // ---------------------------------------------------------------- planning (pure)

    /**
     * The subnets tried, in order, when none is given: 198.19.123.0/24, 198.19.124.0/24, and on.
     * They come from 198.18.0.0/15, which RFC 2544 sets aside for benchmarking and no real
     * network routes, so they are unlikely to be in use on the host.
     */
    public static List<Cidr> candidateSubnets() {
        List<Cidr> subnets = new ArrayList<>();
        for (int third = 123; third <= 254; third++) {
            subnets.add(Cidr.parse("198.19." + third + ".0/24"));
        }
        return subnets;
    }

    /**
     * The prefixes in the output of {@code ip -4 route show table all}: every route's destination
     * (a bare address is a /32), skipping {@code default}. Lines it cannot read are passed over.
     */
    static List<Cidr> routedPrefixes(String ipRouteOutput) {
        List<Cidr> prefixes = new ArrayList<>();
        for (String line : ipRouteOutput.split("\n")) {
            String[] words = line.strip().split("\\s+");
            int i = 0;
            if (i < words.length && ROUTE_TYPES.contains(words[i])) {
                i++; // "local 127.0.0.1 dev lo ...": the destination follows the route's type
            }
            if (i >= words.length || words[i].equals("default") || words[i].isEmpty()) {
                continue;
            }
            try {
                prefixes.add(Cidr.parse(words[i]));
            } catch (IllegalArgumentException e) {
                // not a route line we understand
            }
        }
        return prefixes;
    }

    private static final List<String> ROUTE_TYPES = List.of("unicast", "local", "broadcast", "multicast", "anycast",
            "blackhole", "unreachable", "prohibit", "throw", "nat");

    /** The first candidate that overlaps nothing in use. */
    public static Optional<Cidr> firstFree(List<Cidr> candidates, List<Cidr> inUse) {
        return candidates.stream().filter(c -> inUse.stream().noneMatch(c::overlaps)).findFirst();
    }

    /**
     * The config a new set-up of {@code subnet} records: the host is its first address and the
     * gateway, teacup the second; DNS as {@code dns} chose.
     */
    public static HostConfig plan(String tap, Cidr subnet, Optional<String> owner, String table, ResolvConf.Choice dns,
            String previousIpForward, boolean createdDirectory) {
        if (subnet.prefixLength() > 30) {
            throw new IllegalArgumentException("--subnet " + subnet + " is too small: it needs room for the host and teacup (a /30 or larger)");
        }
        Cidr s = subnet.subnet();
        Ipv4Address host = s.host(1);
        Ipv4Address teacup = s.host(2);
        return new HostConfig(tap, new Cidr(teacup, s.prefixLength()), host, dns.servers(),
                new Cidr(host, s.prefixLength()), owner, table, dns.redirectTo(), previousIpForward, createdDirectory);
    }

    /** The nftables script that replaces our table as a whole (nft applies a file atomically). */
    static String nftScript(HostConfig c) {
        String table = "inet " + c.nftTable();
        String tap = '"' + c.tap() + '"';
        Cidr subnet = c.address().subnet();
        StringBuilder b = new StringBuilder();
        // Declaring then deleting makes the delete succeed whether or not the table was there.
        b.append("table ").append(table).append(" {}\n");
        b.append("delete table ").append(table).append('\n');
        b.append("table ").append(table).append(" {\n");
        // Accepting here cannot overrule another table's drop, but says what we mean where the
        // host's own rules look for it, and costs nothing where there are none.
        b.append("  chain forward {\n");
        b.append("    type filter hook forward priority filter; policy accept;\n");
        b.append("    iifname ").append(tap).append(" ip saddr ").append(subnet).append(" accept\n");
        b.append("    oifname ").append(tap).append(" ip daddr ").append(subnet).append(" ct state established,related accept\n");
        b.append("  }\n");
        // Masquerade: teacup's packets leave with the address of whichever interface they go out of.
        b.append("  chain postrouting {\n");
        b.append("    type nat hook postrouting priority srcnat; policy accept;\n");
        b.append("    ip saddr ").append(subnet).append(" oifname != ").append(tap).append(" masquerade\n");
        b.append("  }\n");
        c.dnsRedirect().ifPresent(resolver -> {
            b.append("  chain prerouting {\n");
            b.append("    type nat hook prerouting priority dstnat; policy accept;\n");
            for (String protocol : List.of("udp", "tcp")) {
                b.append("    iifname ").append(tap).append(" ip daddr ").append(c.gateway()).append(' ').append(protocol)
                        .append(" dport 53 dnat ip to ").append(resolver).append('\n');
            }
            b.append("  }\n");
        });
        b.append("}\n");
        return b.toString();
    }

    // ---------------------------------------------------------------- reading the host

    /** {@code ip -4 route show table all}'s prefixes: what a new subnet must not overlap. */
    public static List<Cidr> prefixesInUse() throws IOException {
        return routedPrefixes(SystemCommand.check(COMMAND_TIMEOUT, "ip", "-4", "route", "show", "table", "all"));
    }

    /** The current value of {@code net.ipv4.ip_forward} ("0" or "1"). */
    public static String ipForward() throws IOException {
        String value = Files.readString(IP_FORWARD, StandardCharsets.US_ASCII).strip();
        return value.equals("0") ? "0" : "1";
    }

    /** DNS as {@link ResolvConf#choose} picks it from the files given (a missing file counts as empty). */
    public static ResolvConf.Choice chooseDns(Path hostFile, Path systemdFile, Ipv4Address gateway) throws IOException {
        return ResolvConf.choose(ResolvConf.nameservers(readIfThere(hostFile)),
                ResolvConf.nameservers(readIfThere(systemdFile)), gateway);
    }

    private static String readIfThere(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    static boolean linkExists(String name) throws IOException {
        return SystemCommand.run(COMMAND_TIMEOUT, "ip", "link", "show", "dev", name).ok();
    }

    /** True when {@code name} is a TAP device (so undo never deletes an interface someone else made under that name). */
    static boolean isTap(String name) throws IOException {
        SystemCommand.Result r = SystemCommand.run(COMMAND_TIMEOUT, "ip", "-d", "link", "show", "dev", name);
        return r.ok() && r.stdout().contains("tun type tap");
    }

    static boolean tableExists(String table) throws IOException {
        return SystemCommand.run(COMMAND_TIMEOUT, "nft", "list", "table", "inet", table).ok();
    }

    /** True when some other table's forward chain has a drop policy (see the class comment). */
    public static boolean forwardDropElsewhere(String ourTable) throws IOException {
        SystemCommand.Result r = SystemCommand.run(COMMAND_TIMEOUT, "nft", "list", "chains");
        if (!r.ok()) {
            return false;
        }
        String table = "";
        for (String line : r.stdout().split("\n")) {
            String s = line.strip();
            if (s.startsWith("table ")) {
                table = s;
            } else if (s.contains("hook forward") && s.contains("policy drop") && !table.endsWith(" " + ourTable + " {")) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- changing the host

    /**
     * Makes (or repairs: after a reboot only the config file is left) everything {@code c}
     * describes. Each step is idempotent. Lines saying what was done go to {@code log}.
     */
    public static void apply(HostConfig c, PrintStream log) throws IOException {
        if (!linkExists(c.tap())) {
            List<String> argv = new ArrayList<>(List.of("ip", "tuntap", "add", "dev", c.tap(), "mode", "tap"));
            c.owner().ifPresent(user -> argv.addAll(List.of("user", user)));
            SystemCommand.check(COMMAND_TIMEOUT, argv.toArray(String[]::new));
            log.println("teacup setup: made TAP " + c.tap() + c.owner().map(u -> " owned by " + u).orElse(" (root only)"));
        }
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "addr", "replace", c.hostAddress().toString(), "dev", c.tap());
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "link", "set", "dev", c.tap(), "txqueuelen", Integer.toString(TAP_QUEUE_LENGTH));
        SystemCommand.check(COMMAND_TIMEOUT, "ip", "link", "set", "dev", c.tap(), "up");
        if (c.dnsRedirect().isPresent()) {
            // Packets that come in on the TAP may then be routed to 127.0.0.0/8, which the DNAT
            // to the loopback resolver needs. Only for this interface, which goes away with it.
            Files.writeString(Path.of("/proc/sys/net/ipv4/conf", c.tap(), "route_localnet"), "1\n");
        }
        if (!ipForward().equals("1")) {
            Files.writeString(IP_FORWARD, "1\n");
            log.println("teacup setup: IPv4 forwarding on (was off)");
        }
        Path script = Files.createTempFile("teacup-nft", ".nft");
        try {
            Files.writeString(script, nftScript(c), StandardCharsets.US_ASCII);
            SystemCommand.check(COMMAND_TIMEOUT, "nft", "-f", script.toString());
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /**
     * Removes what {@link #apply} made: our nftables table, the TAP (only if it is a TAP), and
     * forwarding back to what it was. Goes on past a failing step and throws the first failure
     * at the end, so as much as possible is removed.
     */
    public static void undo(HostConfig c, PrintStream log) throws IOException {
        List<IOException> failures = new ArrayList<>();
        try {
            if (tableExists(c.nftTable())) {
                SystemCommand.check(COMMAND_TIMEOUT, "nft", "delete", "table", "inet", c.nftTable());
                log.println("teacup setup: removed nftables table inet " + c.nftTable());
            }
        } catch (IOException e) {
            failures.add(e);
        }
        try {
            if (isTap(c.tap())) {
                SystemCommand.check(COMMAND_TIMEOUT, "ip", "link", "del", "dev", c.tap());
                log.println("teacup setup: removed TAP " + c.tap());
            } else if (linkExists(c.tap())) {
                log.println("teacup setup: left " + c.tap() + " alone: it is not a TAP device, so not ours");
            }
        } catch (IOException e) {
            failures.add(e);
        }
        try {
            if (!ipForward().equals(c.previousIpForward())) {
                Files.writeString(IP_FORWARD, c.previousIpForward() + "\n");
                log.println("teacup setup: IPv4 forwarding back to " + (c.previousIpForward().equals("1") ? "on" : "off"));
            }
        } catch (IOException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            IOException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    // ---------------------------------------------------------------- a set-up for one run

    /**
     * A set-up made for one run of a command by root when the host has none: its own TAP, table
     * and subnet (named after the process, so that runs side by side do not meet), removed when
     * the link closes or, failing that, when the JVM shuts down.
     */
    static final class Temporary implements AutoCloseable {
        private final HostConfig config;
        private final AtomicBoolean applied = new AtomicBoolean();
        private final AtomicBoolean removed = new AtomicBoolean();
        private final Thread hook;

        private Temporary(HostConfig config) {
            this.config = config;
            this.hook = new Thread(this::removeQuietly, "teacup-temporary-setup");
        }

        /** Plans a set-up for this process: TAP tcup-tPID, table teacup_tmp_PID, the first free subnet. */
        static Temporary plan() throws IOException {
            long pid = ProcessHandle.current().pid();
            Cidr subnet = firstFree(candidateSubnets(), prefixesInUse()).orElseThrow(
                    () -> new IOException("no free subnet for a temporary set-up among 198.19.123.0/24..198.19.254.0/24"));
            ResolvConf.Choice dns = chooseDns(Path.of(ResolvConf.HOST_FILE), Path.of(ResolvConf.SYSTEMD_UPSTREAM_FILE),
                    subnet.host(1));
            return new Temporary(HostSetup.plan("tcup-t" + pid, subnet, Optional.empty(), "teacup_tmp_" + pid, dns,
                    ipForward(), false));
        }

        HostConfig config() {
            return config;
        }

        /** Makes the set-up; the shutdown hook that removes it is in place before anything is made. */
        void apply() throws IOException {
            if (!applied.compareAndSet(false, true)) {
                return;
            }
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                HostSetup.apply(config, new PrintStream(java.io.OutputStream.nullOutputStream()));
            } catch (IOException | RuntimeException e) {
                removeQuietly();
                throw e;
            }
        }

        /** {@code link}, which on close also removes this set-up. */
        Link removedOnClose(Link link) {
            return new ForwardingLink(link) {
                @Override
                public void close() throws IOException {
                    try {
                        link.close();
                    } finally {
                        Temporary.this.close();
                    }
                }

                @Override
                public String toString() {
                    return link.toString();
                }
            };
        }

        /**
         * Removes the set-up (once; later calls do nothing). Synchronized so that a caller returns
         * only when the removal is done, even one the shutdown hook began: a command that halts
         * the JVM after closing its stack (the daemon does) must not cut the hook's removal short.
         */
        @Override
        public synchronized void close() throws IOException {
            if (!applied.get() || !removed.compareAndSet(false, true)) {
                return;
            }
            try {
                HostSetup.undo(config, new PrintStream(java.io.OutputStream.nullOutputStream()));
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down: the hook is running, or this is the hook
                }
            }
        }

        private void removeQuietly() {
            try {
                close();
            } catch (IOException e) {
                System.err.println("teacup: removing the temporary set-up: " + e.getMessage());
            }
        }
    }
}
