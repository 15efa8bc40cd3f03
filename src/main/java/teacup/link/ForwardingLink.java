package teacup.link;

import java.io.IOException;
import java.util.Objects;

/**
 * A {@link Link} that hands every call to an inner link, for wrappers that change one thing (what
 * close does, what is shown of each frame) and must keep the rest: a wrapper written by hand
 * that forgets one of the offload methods silently turns offloads into dropped frames (a frame
 * whose checksum only the device vouched for, then checked by the stack, fails).
 */
public class ForwardingLink implements Link {
    protected final Link inner;

    public ForwardingLink(Link inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public int maxFrameLength() {
        return inner.maxFrameLength();
    }

    @Override
    public int receive(byte[] buf, int off) throws IOException {
        return inner.receive(buf, off);
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        inner.send(buf, off, len);
    }

    @Override
    public int receiveHeadroom() {
        return inner.receiveHeadroom();
    }

    @Override
    public boolean receivedChecksumTrusted() {
        return inner.receivedChecksumTrusted();
    }

    @Override
    public long framesCoalesced() {
        return inner.framesCoalesced();
    }

    @Override
    public long largeFramesMade() {
        return inner.largeFramesMade();
    }

    @Override
    public int segmentationOffload() {
        return inner.segmentationOffload();
    }

    @Override
    public void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        inner.sendSegmented(buf, off, len, segmentSize);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
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
