package teacup.wire;

/**
 * An IPv4 address. The hot path carries addresses as plain {@code int}s (the 32 bits in network
 * order, as read by {@link BigEndian#i32}); this record is for configuration and display.
 */
public record Ipv4Address(int bits) {
    public static final Ipv4Address ANY = new Ipv4Address(0);
    public static final Ipv4Address BROADCAST = new Ipv4Address(-1);

    /** Parses dotted-quad text, e.g. {@code 198.18.0.2}; throws IllegalArgumentException with a clear message. */
    public static Ipv4Address parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            v = (v << 8) | octet;
        }
        return new Ipv4Address(v);
    }

    public static String format(int bits) {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }

    /** The network mask for a prefix length 0..32. */
    public static int mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32, not " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public static boolean isMulticast(int bits) {
        return (bits >>> 28) == 0xe;
    }

    /**
     * True for an address a host may hold on a link: not "this network" (0/8), loopback (127/8),
     * multicast (224/4) or reserved (240/4, the limited broadcast among them); RFC 1122 3.2.1.3
     * and RFC 6890.
     */
    public static boolean isUnicastHost(int bits) {
        int first = bits >>> 24;
        return first != 0 && first != 127 && first < 224;
    }

    @Override
    public String toString() {
        return format(bits);
    }
}
