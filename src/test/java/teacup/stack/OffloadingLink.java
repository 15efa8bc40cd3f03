package teacup.stack;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import teacup.link.Link;

/**
 * A link with segmentation offload over a wire that carries frames up to 64 KB, for simulations:
 * it reports an Ethernet MTU to the stack, takes large TCP segments through
 * {@link #sendSegmented} and passes them on whole, as a TAP's kernel hands a large segment to its
 * own sockets without cutting it; the far end then receives one frame far above the MTU, as from
 * a TAP with offloads on. Every segment size asked for is recorded, so a test can check what the
 * device would have cut.
 */
final class OffloadingLink implements Link {
    static final int MAX_PACKET = 65535;

    private final Link inner;
    private final int mtu;
    private final List<int[]> segmented = new ArrayList<>();

    /** {@code inner} must carry frames of {@code MAX_PACKET + 14} bytes; the stack sees {@code mtu}. */
    OffloadingLink(Link inner, int mtu) {
        if (inner.maxFrameLength() < MAX_PACKET + 14) {
            throw new IllegalArgumentException("the wire below must carry 64 KB frames: " + inner);
        }
        this.inner = inner;
        this.mtu = mtu;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public int maxFrameLength() {
        return MAX_PACKET + 14;
    }

    @Override
    public int segmentationOffload() {
        return MAX_PACKET;
    }

    @Override
    public void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        // As the device would: finish the TCP checksum the stack left as the pseudo-header sum.
        int tcp = off + 14 + (buf[off + 14] & 0xf) * 4;
        segmented.add(new int[] {len, segmentSize, buf[tcp + 13] & teacup.wire.TcpSegment.PSH});
        byte[] frame = java.util.Arrays.copyOfRange(buf, off, off + len);
        teacup.wire.Checksum.finishInPlace(frame, tcp - off, len - (tcp - off), 16);
        inner.send(frame, 0, len);
    }

    /** Each large segment sent: {frame length, segment size asked for, its PSH bit}, oldest first. */
    List<int[]> segmented() {
        return segmented;
    }

    @Override
    public int receive(byte[] buf, int off) throws IOException {
        return inner.receive(buf, off);
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (len > mtu + 14) {
            throw new AssertionError("a frame of " + len + " bytes went out as a plain frame above the MTU " + mtu);
        }
        inner.send(buf, off, len);
    }

    @Override
    public void await(long timeoutNanos) throws IOException {
        inner.await(timeoutNanos);
    }

    @Override
    public void wakeup() {
        inner.wakeup();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
