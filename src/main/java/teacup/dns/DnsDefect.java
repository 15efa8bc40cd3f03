package teacup.dns;

/** Why {@link DnsMessage#wrap} rejected a message. {@link #NONE} means it was accepted. */
public enum DnsDefect {
    NONE,
    /** Shorter than the 12-byte header, or a section count promises more than the bytes hold. */
    TRUNCATED,
    /**
     * A name that breaks RFC 1035 4.1.4 / 3.1: a reserved label type, longer than 255 bytes, a
     * compression pointer into the header, forward, or in a loop, or more hops than we follow.
     */
    BAD_NAME,
    /** A resource record whose data runs past the message, or whose data does not fit its type (an A record not 4 bytes long). */
    BAD_RECORD;

    public boolean ok() {
        return this == NONE;
    }
}
