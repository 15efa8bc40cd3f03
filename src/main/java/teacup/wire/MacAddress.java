package teacup.wire;

import java.util.random.RandomGenerator;

/**
 * A 48-bit Ethernet address. The hot path carries it as the low 48 bits of a {@code long}
 * (as read by {@link BigEndian#u48}); this record is for configuration and display.
 */
public record MacAddress(long bits) {
    public static final long BROADCAST_BITS = 0xffff_ffff_ffffL;
    public static final MacAddress BROADCAST = new MacAddress(BROADCAST_BITS);
    public static final MacAddress ZERO = new MacAddress(0);

    public MacAddress {
        if ((bits & ~BROADCAST_BITS) != 0) {
            throw new IllegalArgumentException("MAC address wider than 48 bits");
        }
    }

    /** Parses {@code 02:00:00:aa:bb:cc} (colons or dashes). */
    public static MacAddress parse(String text) {
        String[] parts = text.split(text.indexOf('-') >= 0 && text.indexOf(':') < 0 ? "-" : ":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long v = 0;
        for (String p : parts) {
            if (p.length() < 1 || p.length() > 2 || !p.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            v = (v << 8) | Integer.parseInt(p, 16);
        }
        return new MacAddress(v);
    }

    /** A random locally administered unicast address (02:xx:...). */
    public static MacAddress randomLocal(RandomGenerator random) {
        long v = random.nextLong() & BROADCAST_BITS;
        v &= ~(1L << 40); // clear the multicast bit of the first octet
        v |= 1L << 41;    // set the locally administered bit
        return new MacAddress(v);
    }

    public static boolean isMulticast(long bits) {
        return (bits & (1L << 40)) != 0;
    }

    public static String format(long bits) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (bits >>> shift) & 0xff;
            if (shift != 40) {
                sb.append(':');
            }
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return format(bits);
    }
}
