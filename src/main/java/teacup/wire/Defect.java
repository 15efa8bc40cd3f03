package teacup.wire;

/** Why a checked parse rejected its input. {@link #NONE} means it was accepted. */
public enum Defect {
    NONE,
    /** Shorter than its fixed header or than a length field says. */
    TRUNCATED,
    /** A length field smaller than the header it must cover, or larger than the buffer. */
    BAD_LENGTH,
    BAD_CHECKSUM,
    BAD_VERSION,
    /** IPv4 IHL below 5 or beyond the packet. */
    BAD_HEADER_LENGTH,
    /** TCP data offset below 5 or beyond the segment. */
    BAD_DATA_OFFSET,
    /** An option whose length byte is below 2 or runs past the option space, or a known option of the wrong size. */
    BAD_OPTION,
    /** ARP for something other than Ethernet/IPv4. */
    UNSUPPORTED,
    /** A field holds a value the format forbids (e.g. a multicast source address). */
    BAD_FIELD;

    public boolean ok() {
        return this == NONE;
    }
}
