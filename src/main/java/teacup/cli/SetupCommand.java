package teacup.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import teacup.host.HostConfig;
import teacup.host.HostConfig.Cidr;
import teacup.host.HostSetup;
import teacup.host.ResolvConf;
import teacup.host.SystemCommand;
import teacup.wire.Ipv4Address;

/**
 * {@code teacup setup}: the one-time root step after which a user's teacup commands need neither
 * root nor link options. It makes a persistent TAP owned by that user with the host's address on
 * it, turns IPv4 forwarding on, adds an nftables table of its own that masquerades the TAP's
 * subnet, and records all of it in the config file ({@link HostConfig}). {@code --undo} removes
 * exactly that. Running it again is harmless, and after a reboot (which takes the TAP, the table
 * and the forwarding away but not the file) puts everything back.
 */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = {"One-time set-up (as root) of a persistent TAP, forwarding and NAT, so that teacup commands "
            + "then run with no root and no link options. --undo removes exactly what it added.",
            "The config file is " + HostConfig.DEFAULT_PATH + " unless $" + HostConfig.PATH_VARIABLE + " or --config names another."})
final class SetupCommand implements Callable<Integer> {

    @Option(names = "--user", paramLabel = "NAME", description = "the user who may open the TAP (default: $SUDO_USER, else root only)")
    String user;

    @Option(names = "--subnet", paramLabel = "CIDR", description = "the TAP's subnet; the host is its .1, teacup its .2"
            + " (default: the first free /24 from 198.19.123.0/24 on)")
    String subnet;

    @Option(names = "--tap", paramLabel = "NAME", defaultValue = HostSetup.DEFAULT_TAP, description = "the TAP's name (default: ${DEFAULT-VALUE})")
    String tap;

    @Option(names = "--dns", paramLabel = "A.B.C.D", split = ",",
            description = "DNS server(s) for teacup (default: the host's from /etc/resolv.conf; see below)")
    List<String> dns;

    @Option(names = "--undo", description = "remove the TAP, the nftables table and the config file; forwarding back as it was")
    boolean undo;

    @Option(names = "--config", paramLabel = "FILE", description = "the config file to write or undo (default: $"
            + HostConfig.PATH_VARIABLE + ", else " + HostConfig.DEFAULT_PATH + ")")
    Path config;

    @Option(names = "--resolv-conf", paramLabel = "FILE", hidden = true,
            description = "read the host's DNS servers from FILE instead of " + ResolvConf.HOST_FILE + " (for tests)")
    Path resolvConf;

    @Option(names = "--systemd-resolv-conf", paramLabel = "FILE", hidden = true,
            description = "read systemd-resolved's upstream servers from FILE (for tests)")
    Path systemdResolvConf;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path file = config != null ? config : HostConfig.path();
        if (!HostConfig.TapNames.valid(tap)) {
            throw new UsageException("--tap must be an interface name of 1 to 15 characters, not '" + tap + "'");
        }
        Cidr wanted = null;
        if (subnet != null) {
            try {
                wanted = Cidr.parse(subnet).subnet();
            } catch (IllegalArgumentException e) {
                throw new UsageException("--subnet: " + e.getMessage());
            }
        }
        if (!SystemCommand.isRoot()) {
            String who = System.getProperty("user.name", "$USER");
            throw new CommandFailure(1, "teacup setup needs root: it makes a TAP device, nftables rules and turns on"
                    + " IPv4 forwarding (run: sudo teacup setup" + (undo ? " --undo" : " --user " + who) + ")");
        }
        Optional<HostConfig> existing = HostConfig.load(file);
        if (undo) {
            return undo(file, existing, out);
        }
        Optional<String> owner = Optional.ofNullable(user != null ? user : System.getenv("SUDO_USER")).filter(s -> !s.isBlank());
        if (existing.isPresent()) {
            return reapply(file, existing.get(), wanted, owner, out);
        }

        Cidr chosen;
        List<Cidr> inUse = HostSetup.prefixesInUse();
        if (wanted != null) {
            chosen = wanted;
            Optional<Cidr> clash = inUse.stream().filter(chosen::overlaps).findFirst();
            if (clash.isPresent()) {
                throw new CommandFailure(1, "--subnet " + chosen + " overlaps " + clash.get() + ", which this host already routes; choose another");
            }
        } else {
            chosen = HostSetup.firstFree(HostSetup.candidateSubnets(), inUse).orElseThrow(() -> new CommandFailure(1,
                    "every subnet from 198.19.123.0/24 to 198.19.254.0/24 is in use here; give --subnet CIDR"));
        }
        ResolvConf.Choice dnsChoice = dnsChoice(chosen.host(1));
        boolean createdDirectory = false;
        Path directory = file.toAbsolutePath().getParent();
        if (directory != null && !Files.isDirectory(directory)) {
            Files.createDirectories(directory);
            createdDirectory = true;
        }
        HostConfig planned;
        try {
            planned = HostSetup.plan(tap, chosen, owner, HostSetup.DEFAULT_TABLE, dnsChoice, HostSetup.ipForward(),
                    createdDirectory);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // The file first: should a step below fail, --undo then knows what to take away.
        planned.store(file);
        try {
            HostSetup.apply(planned, out);
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(1, "setup failed: " + e.getMessage() + " (teacup setup --undo removes what was made)");
        }
        report(planned, file, out);
        return 0;
    }

    private ResolvConf.Choice dnsChoice(Ipv4Address gateway) throws IOException {
        if (dns != null && !dns.isEmpty()) {
            try {
                return new ResolvConf.Choice(dns.stream().map(Ipv4Address::parse).toList(), Optional.empty());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--dns: " + e.getMessage());
            }
        }
        return HostSetup.chooseDns(resolvConf != null ? resolvConf : Path.of(ResolvConf.HOST_FILE),
                systemdResolvConf != null ? systemdResolvConf : Path.of(ResolvConf.SYSTEMD_UPSTREAM_FILE), gateway);
    }

    /** Setup run again: the same set-up is checked and restored; a different one needs --undo first. */
    private int reapply(Path file, HostConfig c, Cidr wanted, Optional<String> owner, PrintStream out) throws IOException {
        String different = null;
        if (wanted != null && !wanted.equals(c.address().subnet())) {
            different = "subnet " + c.address().subnet();
        } else if (!tap.equals(c.tap())) {
            different = "TAP " + c.tap();
        } else if (user != null && !owner.equals(c.owner())) {
            different = "user " + c.owner().orElse("root");
        }
        if (different != null) {
            throw new CommandFailure(1, "already set up with " + different + " (" + file
                    + "); run teacup setup --undo first to change it");
        }
        try {
            HostSetup.apply(c, out);
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(1, "setup failed: " + e.getMessage() + " (teacup setup --undo removes what was made)");
        }
        out.println("teacup setup: already set up (" + file + "); checked that all of it is in place");
        report(c, file, out);
        return 0;
    }

    private static int undo(Path file, Optional<HostConfig> existing, PrintStream out) throws IOException {
        if (existing.isEmpty()) {
            out.println("teacup setup: nothing to undo (no " + file + ")");
            return 0;
        }
        HostConfig c = existing.get();
        try {
            HostSetup.undo(c, out);
        } catch (IOException e) {
            throw new CommandFailure(1, "undo incomplete: " + e.getMessage() + " (the config file is kept; try again)");
        }
        Files.deleteIfExists(file);
        out.println("teacup setup: removed " + file);
        Path directory = file.toAbsolutePath().getParent();
        if (c.createdDirectory() && directory != null) {
            try (var entries = Files.list(directory)) {
                if (entries.findAny().isEmpty()) {
                    Files.delete(directory);
                }
            }
        }
        return 0;
    }

    /** Whether any user may open the TUN/TAP clone device, as a persistent TAP's owner must. */
    private static boolean tunOpenToAll() {
        try {
            return Files.getPosixFilePermissions(Path.of("/dev/net/tun")).containsAll(
                    java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OTHERS_READ,
                            java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE));
        } catch (IOException | UnsupportedOperationException e) {
            return true; // cannot tell; say nothing
        }
    }

    private static void report(HostConfig c, Path file, PrintStream out) throws IOException {
        out.printf("teacup setup: TAP %s (%s), host %s, teacup %s, gateway %s%n", c.tap(),
                c.owner().map(u -> "owned by " + u).orElse("root only"), c.hostAddress(), c.address(), c.gateway());
        if (c.dns().isEmpty()) {
            out.println("teacup setup: no DNS server found in " + ResolvConf.HOST_FILE + "; give --dns A.B.C.D to name one");
        } else {
            out.println("teacup setup: DNS " + String.join(" ", c.dns().stream().map(Ipv4Address::toString).toList())
                    + c.dnsRedirect().map(r -> " (sent on to the host's resolver at " + r + ")").orElse(""));
        }
        out.println("teacup setup: NAT in nftables table inet " + c.nftTable() + "; config in " + file);
        if (HostSetup.forwardDropElsewhere(c.nftTable())) {
            out.println("teacup setup: note: another nftables table drops forwarded packets (a firewall?);"
                    + " let " + c.tap() + "'s traffic through there as well");
        }
        if (c.owner().isPresent() && !tunOpenToAll()) {
            out.println("teacup setup: note: /dev/net/tun is not open to all users, so " + c.owner().get()
                    + " cannot open the TAP; most distributions make it mode 0666 (chmod 666 /dev/net/tun)");
        }
        out.println("teacup setup: done; e.g. teacup ping -c 3 " + c.gateway() + " (no root, no link options)");
    }
}
