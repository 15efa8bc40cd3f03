package teacup.wire;

/**
 * An ARP packet for Ethernet and IPv4 (RFC 826), as parsed values. ARP is rare enough that a
 * record per packet costs nothing worth saving.
 */
public record ArpPacket(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
    public static final int LENGTH = 28;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    private static final int HARDWARE_TYPE = 0;
    private static final int PROTOCOL_TYPE = 2;
    private static final int HARDWARE_LENGTH = 4;
    private static final int PROTOCOL_LENGTH = 5;
    private static final int OPERATION = 6;
    private static final int SENDER_MAC = 8;
    private static final int SENDER_IP = 14;
    private static final int TARGET_MAC = 18;
    private static final int TARGET_IP = 24;
    private static final int HARDWARE_ETHERNET = 1;

    /** Checks that {@code b[off, off+len)} holds an Ethernet/IPv4 request or reply. */
    public static Defect check(byte[] b, int off, int len) {
        if (off < 0 || len < LENGTH || len > b.length - off) {
            return Defect.TRUNCATED;
        }
        if (BigEndian.u16(b, off + HARDWARE_TYPE) != HARDWARE_ETHERNET
                || BigEndian.u16(b, off + PROTOCOL_TYPE) != EthernetFrame.TYPE_IPV4
                || BigEndian.u8(b, off + HARDWARE_LENGTH) != 6
                || BigEndian.u8(b, off + PROTOCOL_LENGTH) != 4) {
            return Defect.UNSUPPORTED;
        }
        int op = BigEndian.u16(b, off + OPERATION);
        if (op != REQUEST && op != REPLY) {
            return Defect.UNSUPPORTED;
        }
        return Defect.NONE;
    }

    /** Reads a packet that {@link #check} accepted. */
    public static ArpPacket read(byte[] b, int off) {
        return new ArpPacket(BigEndian.u16(b, off + OPERATION),
                BigEndian.u48(b, off + SENDER_MAC), BigEndian.i32(b, off + SENDER_IP),
                BigEndian.u48(b, off + TARGET_MAC), BigEndian.i32(b, off + TARGET_IP));
    }

    /** Writes the 28 bytes at {@code off}; returns {@link #LENGTH}. */
    public int write(byte[] b, int off) {
        BigEndian.put16(b, off + HARDWARE_TYPE, HARDWARE_ETHERNET);
        BigEndian.put16(b, off + PROTOCOL_TYPE, EthernetFrame.TYPE_IPV4);
        BigEndian.put8(b, off + HARDWARE_LENGTH, 6);
        BigEndian.put8(b, off + PROTOCOL_LENGTH, 4);
        BigEndian.put16(b, off + OPERATION, operation);
        BigEndian.put48(b, off + SENDER_MAC, senderMac);
        BigEndian.put32(b, off + SENDER_IP, senderIp);
        BigEndian.put48(b, off + TARGET_MAC, targetMac);
        BigEndian.put32(b, off + TARGET_IP, targetIp);
        return LENGTH;
    }

    @Override
    public String toString() {
        return (operation == REQUEST ? "ARP request who-has " + Ipv4Address.format(targetIp) + " tell "
                : "ARP reply " + Ipv4Address.format(senderIp) + " is-at ")
                + (operation == REQUEST ? Ipv4Address.format(senderIp) : MacAddress.format(senderMac));
    }
}
