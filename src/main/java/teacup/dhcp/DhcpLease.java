package teacup.dhcp;

import java.util.List;
import teacup.ip.Interface;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * What a DHCP server granted: the address and prefix, the router ({@link Ipv4Address#ANY} when
 * none is on the subnet), the DNS servers, the server that holds the lease, and the lease's
 * timeline in stack time (nanoseconds): renewal at T1, rebinding at T2, expiry.
 * {@code Long.MAX_VALUE} for all three means an infinite lease (RFC 2131 3.3).
 */
public record DhcpLease(Ipv4Address address, int prefixLength, Ipv4Address router, List<Ipv4Address> dnsServers,
                        Ipv4Address server, long leaseSeconds, long obtainedAt, long renewAt, long rebindAt,
                        long expiresAt) {

    /** RFC 2131 3.3: 0xffffffff seconds means the lease never ends. */
    public static final long INFINITE = 0xffff_ffffL;

    public DhcpLease {
        dnsServers = List.copyOf(dnsServers);
    }

    public boolean infinite() {
        return leaseSeconds == INFINITE;
    }

    /** The interface this lease configures on a link with {@code mac} and {@code mtu}. */
    public Interface toInterface(MacAddress mac, int mtu) {
        return new Interface(mac, address, prefixLength, router, mtu);
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength + (router.bits() != 0 ? " router " + router : "")
                + (dnsServers.isEmpty() ? "" : " dns " + dnsServers) + " from " + server
                + (infinite() ? " forever" : " for " + leaseSeconds + " s");
    }
}
