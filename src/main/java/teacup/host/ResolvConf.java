package teacup.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import teacup.wire.Ipv4Address;

/**
 * The host's DNS servers as resolv.conf(5) names them, and the choice of what teacup should
 * use behind its TAP.
 *
 * <p>The difficulty: many hosts name only a resolver on loopback (systemd-resolved's 127.0.0.53,
 * a dnsmasq on 127.0.0.1), which teacup cannot reach: its packets come in on the TAP, and the
 * kernel will not route them to a loopback address. So {@link #choose} takes, in order, the
 * first servers of the host's file that are not on loopback; else those of systemd-resolved's
 * own list of upstream servers; else, when only a loopback resolver exists, it asks for a
 * redirect: teacup is told the gateway is its DNS server and the host sends what arrives there
 * on port 53 on to the loopback resolver (a DNAT, with {@code route_localnet} on the TAP).
 * Running a DNS forwarder of our own was the other way, and a process to keep alive.
 */
public final class ResolvConf {
    /** The file most programs read. */
    public static final String HOST_FILE = "/etc/resolv.conf";
    /** systemd-resolved's list of the upstream servers it uses (not its stub). */
    public static final String SYSTEMD_UPSTREAM_FILE = "/run/systemd/resolve/resolv.conf";
    /** resolv.conf(5) MAXNS: a resolver uses at most three servers. */
    static final int MAX_SERVERS = 3;

    private ResolvConf() {}

    /**
     * The IPv4 {@code nameserver} lines of a resolv.conf text, in order. IPv6 servers (teacup
     * speaks IPv4), malformed lines and comments ({@code #} or {@code ;}) are passed over.
     */
    public static List<Ipv4Address> nameservers(String text) {
        List<Ipv4Address> servers = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] words = line.split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                try {
                    servers.add(Ipv4Address.parse(words[1]));
                } catch (IllegalArgumentException e) {
                    // IPv6, or not an address: not for us
                }
            }
        }
        return servers;
    }

    /**
     * What teacup should use for DNS.
     *
     * @param servers     the servers to record for teacup (the gateway itself with a redirect; may be empty)
     * @param redirectTo  the loopback resolver the gateway's port 53 should be sent on to, if any
     */
    public record Choice(List<Ipv4Address> servers, Optional<Ipv4Address> redirectTo) {
        public Choice {
            servers = List.copyOf(servers);
        }
    }

    /**
     * Chooses from the host's file's servers and systemd-resolved's upstream servers (either may
     * be empty); {@code gateway} is the host's side of the TAP, named as the server when the only
     * resolver is on loopback.
     */
    public static Choice choose(List<Ipv4Address> hostServers, List<Ipv4Address> systemdServers, Ipv4Address gateway) {
        for (List<Ipv4Address> list : List.of(hostServers, systemdServers)) {
            List<Ipv4Address> reachable = list.stream().filter(a -> !isLocal(a)).distinct().limit(MAX_SERVERS).toList();
            if (!reachable.isEmpty()) {
                return new Choice(reachable, Optional.empty());
            }
        }
        for (List<Ipv4Address> list : List.of(hostServers, systemdServers)) {
            for (Ipv4Address a : list) {
                if (isLocal(a)) {
                    // resolv.conf(5): 0.0.0.0 means this host's own resolver, as 127.0.0.1 does.
                    return new Choice(List.of(gateway), Optional.of(a.bits() == 0 ? LOCALHOST : a));
                }
            }
        }
        return new Choice(List.of(), Optional.empty());
    }

    private static final Ipv4Address LOCALHOST = Ipv4Address.parse("127.0.0.1");

    /** 127.0.0.0/8, which never leaves the host (RFC 1122 3.2.1.3 (g)), or 0.0.0.0, "this host". */
    static boolean isLocal(Ipv4Address a) {
        return (a.bits() >>> 24) == 127 || a.bits() == 0;
    }
}
