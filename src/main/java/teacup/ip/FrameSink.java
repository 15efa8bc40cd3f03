package teacup.ip;

/** Where the IP layer puts finished Ethernet frames; the stack connects it to its link. */
@FunctionalInterface
public interface FrameSink {
    /** Sends {@code b[off, off+len)}; must not keep the array after returning. */
    void send(byte[] b, int off, int len);

    /**
     * Largest IPv4 packet holding one TCP segment that {@link #sendSegmented} takes for the device
     * to cut into MTU-sized segments; 0 (the default) when the link below has no such offload.
     */
    default int segmentationOffload() {
        return 0;
    }

    /**
     * Sends a frame with a TCP/IPv4 packet above the MTU, cut by the device into {@code segmentSize}-byte
     * pieces of data; its TCP checksum holds only the pseudo-header sum, for the device to finish.
     */
    default void sendSegmented(byte[] b, int off, int len, int segmentSize) {
        throw new UnsupportedOperationException("no segmentation offload");
    }
}
