package teacup.cli;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;
import teacup.dhcp.DhcpClient;
import teacup.dhcp.DhcpLease;
import teacup.dhcp.DhcpService;
import teacup.dns.Resolver;
import teacup.dns.StubResolver;
import teacup.host.HostSetupLink;
import teacup.ip.ArpCache;
import teacup.ip.Interface;
import teacup.link.CoalescingLink;
import teacup.link.Link;
import teacup.link.PacketSocketLink;
import teacup.link.PcapRecorder;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/** The LINK options shared by every command that runs a stack (DESIGN.md, "Command line"). */
public final class LinkOptions {

    @Option(names = "--tap", paramLabel = "NAME", description = "TAP device to create or attach to")
    String tap;

    @Option(names = "--interface", paramLabel = "IFACE", description = "real interface to use raw (AF_PACKET); the kernel's GRO on it"
            + " should be off (ethtool -K IFACE gro off): teacup coalesces what it receives itself (--gro)")
    String interfaceName;

    @Option(names = "--netns", paramLabel = "NAME", description = "open the link inside this network namespace")
    String netns;

    @Option(names = "--ip", paramLabel = "A.B.C.D/N", description = "teacup's own address and prefix length")
    String ip;

    @Option(names = "--dhcp", description = "get an address, router and DNS servers by DHCP instead of --ip")
    boolean dhcp;

    @Option(names = "--dhcp-timeout", paramLabel = "SECS", defaultValue = "10",
            description = "with --dhcp, how long to wait for a lease (default: ${DEFAULT-VALUE})")
    int dhcpTimeout;

    /** The lease --dhcp obtained (see {@link #startStack}); null without --dhcp. */
    private volatile DhcpLease lease;

    @Option(names = "--gateway", paramLabel = "A.B.C.D", description = "router for destinations off the link")
    String gateway;

    @Option(names = "--dns", paramLabel = "A.B.C.D", description = "DNS server (used by commands that resolve names)")
    String dns;

    @Option(names = "--mac", paramLabel = "XX:XX:XX:XX:XX:XX", description = "teacup's MAC address (default: random, locally administered)")
    String mac;

    @Option(names = "--mtu", paramLabel = "BYTES", defaultValue = "1500", description = "link MTU (default: ${DEFAULT-VALUE})")
    int mtu;

    @Option(names = "--offload", negatable = true,
            description = "with --tap: checksum and TCP segmentation offload, so one TAP read or write carries up to 64 KB of TCP"
                    + " (on by default where the TAP takes it; --no-offload: one frame per read or write, see --gso)")
    Boolean offload;

    @Option(names = "--gso", negatable = true,
            description = "where the device does not cut segments itself (--interface, or --tap without offload):"
                    + " TCP sends segments of up to 64 KB and teacup cuts them into frames that fit the MTU, the same frames"
                    + " at less work per segment (off by default: it measured no faster here, the kernel's work per frame"
                    + " sets the pace; -Dteacup.gso=true turns it on too)")
    Boolean gso;

    @Option(names = "--batch", negatable = true,
            description = "with --interface, or --tap and no offload: many frames per system call through io_uring"
                    + " where the kernel allows io_uring (off by default: one read or write per frame measured faster here;"
                    + " -Dteacup.batch=true turns it on too)")
    Boolean batch;

    @Option(names = "--gro", negatable = true,
            description = "receive coalescing: in-order TCP segments of one flow that arrive together go up to the stack"
                    + " as one of up to 64 KB, where the link hands over one frame at a time (--interface, --tap without"
                    + " offloads); on by default, --no-gro hands every frame up on its own (a TAP with offloads gets"
                    + " large segments from the kernel either way)")
    Boolean gro;

    /** How the opened link moves frames (e.g. "TAP tcup0: batched (io_uring)"), for -v; null before {@link #open}. */
    private volatile String linkPath;

    @Option(names = "--pcap", paramLabel = "FILE", description = "record every frame to FILE (pcap, for Wireshark)")
    String pcap;

    @Option(names = "--arp-reachable", paramLabel = "MS", defaultValue = "30000",
            description = "how long a neighbour stays REACHABLE after a confirmation, drawn 0.5 to 1.5 times this (default: ${DEFAULT-VALUE})")
    long arpReachableMillis;

    @Option(names = "--arp-delay", paramLabel = "MS", defaultValue = "5000",
            description = "how long a neighbour in use waits for the transport's confirmation before it is probed (default: ${DEFAULT-VALUE})")
    long arpDelayMillis;

    @Option(names = "--arp-lock", paramLabel = "MS", defaultValue = "1000",
            description = "after a neighbour's MAC changed, how long another answer is refused (default: ${DEFAULT-VALUE})")
    long arpLockMillis;

    @Option(names = "--arp-solicit-rate", paramLabel = "N", defaultValue = "256",
            description = "ARP requests a second at most, in all, for packets that do not wait for ARP (SYN-ACKs);"
                    + " one a second per address (default: ${DEFAULT-VALUE})")
    int arpSolicitRate;

    @Option(names = "--busy-poll", paramLabel = "MICROS", defaultValue = "0",
            description = "after work, the event loop polls the link without sleeping for MICROS, and readers spin before"
                    + " they park: lower latency for a core's worth of CPU; on a machine with few cores it can be worse (default: off)")
    long busyPollMicros;

    /** Where the link comes from when no link option was given (null until then, or when one was). */
    private HostSetupLink hostSetup;

    /** The interface the options describe, once built (a random MAC is drawn once). */
    private Interface iface;

    /**
     * Checks the options and builds the interface (once; later calls return it again); throws
     * UsageException with one clear line. With --dhcp the interface has no address yet:
     * {@link #startStack} gets one once the stack runs.
     */
    public Interface iface() {
        if (iface == null) {
            iface = buildInterface();
        }
        return iface;
    }

    private Interface buildInterface() {
        useHostSetupWhenNoLinkGiven();
        if (dhcp && ip != null) {
            throw new UsageException("give only one of --ip and --dhcp");
        }
        if (dhcp && (dhcpTimeout < 1 || dhcpTimeout > 3600)) {
            throw new UsageException("--dhcp-timeout must be between 1 and 3600 seconds");
        }
        if (!dhcp && ip == null) {
            throw new UsageException("no address: give --ip A.B.C.D/N (e.g. --ip 198.18.0.2/24) or --dhcp");
        }
        try {
            MacAddress m = mac != null ? MacAddress.parse(mac) : MacAddress.randomLocal(new SecureRandom());
            if (MacAddress.isMulticast(m.bits()) || m.bits() == 0) {
                throw new UsageException("--mac must be a unicast address, not " + mac);
            }
            if (dhcp) {
                if (gateway != null) {
                    throw new UsageException("--gateway comes from the DHCP lease; give it only with --ip");
                }
                return Interface.unconfigured(m, mtu);
            }
            Ipv4Address gw = gateway != null ? Ipv4Address.parse(gateway) : Ipv4Address.ANY;
            return Interface.of(m, ip, gw, mtu);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Opens the link the options name (inside --netns when given), wrapped in a recorder with --pcap. */
    public Link open() throws IOException {
        useHostSetupWhenNoLinkGiven();
        if ((tap == null) == (interfaceName == null)) {
            throw new UsageException(tap == null
                    ? "no link: give --tap NAME or --interface IFACE"
                    : "give only one of --tap and --interface");
        }
        if (Boolean.TRUE.equals(offload) && tap == null) {
            throw new UsageException("--offload works only with --tap");
        }
        Link link;
        try {
            link = hostSetup != null ? hostSetup.open(this::openHere)
                    : netns == null ? openHere() : NetworkNamespace.callIn(netns, this::openHere);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
        return pcap == null ? link : PcapRecorder.open(link, java.nio.file.Path.of(pcap));
    }

    private Link openHere() throws IOException {
        if (tap == null) {
            PacketSocketLink raw = PacketSocketLink.open(interfaceName, mtu, batchAsked(), gsoAsked());
            linkPath = "interface " + raw.interfaceName() + (raw.batched() ? ": batched (io_uring, AF_PACKET)"
                    : ": one frame per system call (AF_PACKET)") + (raw.softwareSegmentation() ? ", software GSO" : "");
            return coalescedUnlessRefused(raw);
        }
        TapLink opened = openTap();
        linkPath = "TAP " + opened.name() + ": " + opened.path() + (opened.softwareSegmentation() ? ", software GSO" : "");
        return coalescedUnlessRefused(opened);
    }

    private boolean gsoAsked() {
        return gso != null ? gso : TapLink.softwareSegmentationByDefault();
    }

    /** The link under receive coalescing where it hands over single frames, unless --no-gro. */
    private Link coalescedUnlessRefused(Link opened) {
        Link up = Boolean.FALSE.equals(gro) ? opened : CoalescingLink.whereNeeded(opened);
        if (up != opened) {
            linkPath += ", receive coalescing";
        }
        return up;
    }

    /** How a TAP is opened ({@link TapLink#open(String, int, boolean, boolean, boolean)}); a test's may refuse offloads. */
    @FunctionalInterface
    interface TapOpener {
        TapLink open(String name, int mtu, boolean offload, boolean batch, boolean cut) throws IOException;
    }

    /** Not an option: where {@link #openTap} opens the TAP, replaced by the test of the offload refusal. */
    TapOpener tapOpener = TapLink::open;

    private TapLink openTap() throws IOException {
        boolean batch = batchAsked();
        boolean cut = gsoAsked();
        if (offload != null) {
            return tapOpener.open(tap, mtu, offload, batch, cut);
        }
        try {
            return tapOpener.open(tap, mtu, true, batch, cut);
        } catch (IOException e) {
            // The default, not the user's choice: a TAP that will not take offloads still carries frames.
            TapLink plain = tapOpener.open(tap, mtu, false, batch, cut);
            System.err.println("teacup: TAP " + plain.name() + " refused offloads (" + e.getMessage()
                    + "); " + plain.path());
            return plain;
        }
    }

    private boolean batchAsked() {
        return batch != null ? batch : TapLink.batchByDefault();
    }

    /** How the link moves frames, e.g. "TAP tcup0: batched (io_uring)", for -v; null before the link is open. */
    public String linkPath() {
        return linkPath;
    }

    /**
     * What every command that runs a stack does first: checks the options and builds the
     * interface, opens the link, starts a stack on it and, with --dhcp, obtains its address
     * (throwing CommandFailure, exit 1, when no lease comes in time). On a failure it closes what
     * it opened; closing the stack closes the link.
     */
    public NetStack startStack() throws IOException {
        return startStack(UnaryOperator.identity());
    }

    /** As {@link #startStack()}, with the link wrapped by {@code around} (a tracer) before the stack takes it. */
    public NetStack startStack(UnaryOperator<Link> around) throws IOException {
        Interface checked = iface();
        ArpCache.Settings neighbours = neighbourSettings();
        if (arpSolicitRate < 1 || arpSolicitRate > 1_000_000) {
            throw new UsageException("--arp-solicit-rate must be 1 to 1000000, not " + arpSolicitRate);
        }
        if (busyPollMicros < 0 || busyPollMicros > 10_000_000) {
            throw new UsageException("--busy-poll must be 0 to 10000000 microseconds, not " + busyPollMicros);
        }
        NetStack stack = startStack(around.apply(open()), checked);
        try {
            stack.busyPoll(java.time.Duration.ofNanos(busyPollMicros * 1_000));
            stack.call(() -> {
                stack.ip().neighbourSettings(neighbours);
                stack.ip().arpSolicitationRate(arpSolicitRate);
                return null;
            });
            obtainAddress(stack);
            return stack;
        } catch (IOException | RuntimeException e) {
            closeAfter(e, stack);
            throw e;
        }
    }

    /** The neighbour table's timers the --arp options give, the rest as default. */
    ArpCache.Settings neighbourSettings() {
        ArpCache.Settings d = ArpCache.Settings.DEFAULT;
        try {
            return new ArpCache.Settings(arpReachableMillis * 1_000_000L, arpDelayMillis * 1_000_000L, d.retryNanos(),
                    d.unicastProbes(), d.attempts(), arpLockMillis * 1_000_000L, d.staleNanos(), d.queuePerAddress(),
                    d.maxEntries(), d.maxPending());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--arp-reachable and --arp-delay must be positive, --arp-lock not negative");
        }
    }

    /**
     * A started stack on {@code link} with the system's clock and secure randomness, for commands
     * that make their link themselves (the demo); the link is closed when no stack can run on it.
     */
    public static NetStack startStack(Link link, Interface iface) {
        try {
            return new NetStack(link, iface, Clock.SYSTEM, new SecureRandom()).start();
        } catch (RuntimeException e) {
            closeAfter(e, link);
            throw e;
        }
    }

    /** Closes what a failed start opened; a failure to close goes with the first one. */
    private static void closeAfter(Exception failure, AutoCloseable opened) {
        try {
            opened.close();
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /**
     * With --dhcp, gets a lease for the started {@code stack} (waiting at most --dhcp-timeout)
     * and keeps it renewed; the lease is released when the stack stops. Without --dhcp, does
     * nothing and returns null. Throws CommandFailure (exit 1) when no lease came in time.
     */
    private DhcpLease obtainAddress(NetStack stack) throws IOException {
        if (!dhcp) {
            return null;
        }
        DhcpService service;
        try {
            service = stack.call(() -> DhcpService.start(stack, stack.clock().nanos(), DhcpClient.Settings.DEFAULT,
                    new SecureRandom()));
        } catch (IllegalStateException e) {
            throw new CommandFailure(1, "cannot run DHCP: " + e.getMessage());
        }
        DhcpLease got;
        try {
            got = service.awaitLease(dhcpTimeout * 1_000_000_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for a DHCP lease");
        }
        if (got == null) {
            boolean offered = stack.call(() -> service.client().offersTaken() > 0);
            throw new CommandFailure(1, offered
                    ? "no DHCP lease within " + dhcpTimeout + " s (offered, but never acknowledged)"
                    : "no DHCP offer within " + dhcpTimeout + " s");
        }
        lease = got;
        return got;
    }

    /** The lease --dhcp obtained, or null (no --dhcp, or not obtained yet). */
    public DhcpLease lease() {
        return lease;
    }

    /** The DNS servers: --dns when given, else the DHCP lease's or the host set-up's (may be empty). */
    public List<Ipv4Address> dnsServers() {
        useHostSetupWhenNoLinkGiven();
        try {
            if (dns != null) {
                return List.of(Ipv4Address.parse(dns));
            }
            DhcpLease got = lease;
            return got != null ? got.dnsServers() : hostSetup != null ? hostSetup.dns() : List.of();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dns: " + e.getMessage());
        }
    }

    /**
     * Where names are resolved, the one place to change it: teacup's own stub resolver asking the
     * DNS servers of --dns, the DHCP lease or the host's set-up (call after the lease is obtained).
     * A literal address needs no server.
     */
    public Resolver resolver(NetStack stack) {
        return new StubResolver(stack, dnsServers(), new SecureRandom());
    }

    /**
     * With none of --tap, --interface, --ip, --netns and --dhcp given, takes the link from the
     * host's set-up ({@link HostSetupLink}): the config file of {@code teacup setup}, or as root a
     * temporary set-up for this run. Other options (--gateway, --dns, --mac...) still apply.
     */
    private void useHostSetupWhenNoLinkGiven() {
        if (hostSetup != null || tap != null || interfaceName != null || ip != null || netns != null || dhcp) {
            return;
        }
        try {
            hostSetup = HostSetupLink.find();
        } catch (HostSetupLink.NotSetUp e) {
            throw new UsageException(e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure(1, e.getMessage());
        }
        tap = hostSetup.tap();
        ip = hostSetup.address();
        if (gateway == null) {
            gateway = hostSetup.gateway();
        }
    }

    /** Describes the link for a banner line. */
    public String describe() {
        String where = hostSetup != null ? hostSetup.describe() : tap != null ? "tap " + tap : "interface " + interfaceName;
        return netns == null ? where : where + " in netns " + netns;
    }
}
