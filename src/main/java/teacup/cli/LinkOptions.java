package teacup.cli;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import picocli.CommandLine.Option;
import teacup.ip.Interface;
import teacup.link.Link;
import teacup.link.PacketSocketLink;
import teacup.link.PcapRecorder;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/** The LINK options shared by every command that runs a stack (DESIGN.md, "Command line"). */
public final class LinkOptions {

    @Option(names = "--tap", paramLabel = "NAME", description = "TAP device to create or attach to")
    String tap;

    @Option(names = "--interface", paramLabel = "IFACE", description = "real interface to use raw (AF_PACKET); its GRO should be off (ethtool -K IFACE gro off)")
    String interfaceName;

    @Option(names = "--netns", paramLabel = "NAME", description = "open the link inside this network namespace")
    String netns;

    @Option(names = "--ip", paramLabel = "A.B.C.D/N", description = "teacup's own address and prefix length")
    String ip;

    @Option(names = "--dhcp", description = "get an address by DHCP (not available yet)")
    boolean dhcp;

    @Option(names = "--gateway", paramLabel = "A.B.C.D", description = "router for destinations off the link")
    String gateway;

    @Option(names = "--dns", paramLabel = "A.B.C.D", description = "DNS server (used by commands that resolve names)")
    String dns;

    @Option(names = "--mac", paramLabel = "XX:XX:XX:XX:XX:XX", description = "teacup's MAC address (default: random, locally administered)")
    String mac;

    @Option(names = "--mtu", paramLabel = "BYTES", defaultValue = "1500", description = "link MTU (default: ${DEFAULT-VALUE})")
    int mtu;

    @Option(names = "--pcap", paramLabel = "FILE", description = "record every frame to FILE (pcap, for Wireshark)")
    String pcap;

    /** Where the link comes from when no link option was given (null until then, or when one was). */
    private HostSetupLink hostSetup;

    /** Checks the options and builds the interface; throws UsageException with one clear line. */
    public Interface iface() {
        useHostSetupWhenNoLinkGiven();
        if (dhcp) {
            throw new UsageException("--dhcp is not available yet; give --ip A.B.C.D/N");
        }
        if (ip == null) {
            throw new UsageException("no address: give --ip A.B.C.D/N (e.g. --ip 198.18.0.2/24)");
        }
        try {
            MacAddress m = mac != null ? MacAddress.parse(mac) : MacAddress.randomLocal(new SecureRandom());
            if (MacAddress.isMulticast(m.bits()) || m.bits() == 0) {
                throw new UsageException("--mac must be a unicast address, not " + mac);
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
        return tap != null ? TapLink.open(tap, mtu) : PacketSocketLink.open(interfaceName, mtu);
    }

    /** The DNS servers: --dns when given, else those of the host's set-up (may be empty). */
    public List<Ipv4Address> dnsServers() {
        useHostSetupWhenNoLinkGiven();
        try {
            return dns != null ? List.of(Ipv4Address.parse(dns)) : hostSetup != null ? hostSetup.dns() : List.of();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dns: " + e.getMessage());
        }
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
        hostSetup = HostSetupLink.find();
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
