package teacup.ip;

/** Where the IP layer puts finished Ethernet frames; the stack connects it to its link. */
@FunctionalInterface
public interface FrameSink {
    /** Sends {@code b[off, off+len)}; must not keep the array after returning. */
    void send(byte[] b, int off, int len);
}
