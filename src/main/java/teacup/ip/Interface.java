package teacup.ip;

import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * The stack's one network interface: its Ethernet address, IPv4 address and prefix, and the
 * gateway for destinations off the link ({@link Ipv4Address#ANY} when there is none).
 *
 * <p>An interface waiting for DHCP has no address yet: {@link #unconfigured} makes one with
 * address 0.0.0.0, prefix 0 and no gateway, the only form in which 0.0.0.0 is accepted.
 */
public record Interface(MacAddress mac, Ipv4Address address, int prefixLength, Ipv4Address gateway, int mtu) {

    public Interface {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32, not " + prefixLength);
        }
        if (mtu < 576 || mtu > 65535) {
            throw new IllegalArgumentException("MTU must be 576..65535, not " + mtu);
        }
        boolean unconfigured = address.bits() == 0 && prefixLength == 0 && gateway.bits() == 0;
        if ((address.bits() == 0 && !unconfigured) || address.bits() == -1 || Ipv4Address.isMulticast(address.bits())) {
            throw new IllegalArgumentException("not a usable host address: " + address);
        }
        if (gateway.bits() != 0 && !sameSubnet(address.bits(), gateway.bits(), prefixLength)) {
            throw new IllegalArgumentException("gateway " + gateway + " is not on " + address + "/" + prefixLength);
        }
    }

    /** An interface with no address yet (0.0.0.0/0, no gateway): it can only broadcast, for DHCP. */
    public static Interface unconfigured(MacAddress mac, int mtu) {
        return new Interface(mac, Ipv4Address.ANY, 0, Ipv4Address.ANY, mtu);
    }

    /** False until the interface has an address of its own (see {@link #unconfigured}). */
    public boolean configured() {
        return address.bits() != 0;
    }

    /** Parses {@code A.B.C.D/N}; throws IllegalArgumentException with a one-line reason. */
    public static Interface of(MacAddress mac, String cidr, Ipv4Address gateway, int mtu) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected ADDRESS/PREFIX, e.g. 198.18.0.2/24, not '" + cidr + "'");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in '" + cidr + "'");
        }
        Ipv4Address address = Ipv4Address.parse(cidr.substring(0, slash));
        if (address.bits() == 0) {
            throw new IllegalArgumentException("not a usable host address: " + address);
        }
        return new Interface(mac, address, prefix, gateway, mtu);
    }

    private static boolean sameSubnet(int a, int b, int prefixLength) {
        int mask = Ipv4Address.mask(prefixLength);
        return (a & mask) == (b & mask);
    }

    public int mask() {
        return Ipv4Address.mask(prefixLength);
    }

    public boolean hasGateway() {
        return gateway.bits() != 0;
    }

    /** True when {@code ip} is on this interface's subnet and can be reached directly. */
    public boolean onLink(int ip) {
        return sameSubnet(address.bits(), ip, prefixLength);
    }

    /** The subnet's directed broadcast address. */
    public int subnetBroadcast() {
        return address.bits() | ~mask();
    }

    /**
     * True for the limited broadcast and, on prefixes shorter than /31 of a configured interface,
     * the subnet broadcast and its obsolete all-zeros form, the subnet's own number (RFC 1122
     * 3.3.6: every form is recognised as broadcast on receipt, and none names a single host).
     */
    public boolean isBroadcast(int ip) {
        return ip == -1 || (prefixLength < 31 && configured() && (ip == subnetBroadcast() || ip == (address.bits() & mask())));
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength + " mac " + mac + (hasGateway() ? " gw " + gateway : "") + " mtu " + mtu;
    }
}
