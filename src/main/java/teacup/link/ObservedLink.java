package teacup.link;

import java.io.IOException;

/**
 * A {@link Link} that passes every frame through to an inner link unchanged and shows each one,
 * as it goes down and as it comes up, to a subclass: a pcap recorder, a packet tracer, a test's
 * frame log. Everything else is the inner link's.
 */
public abstract class ObservedLink extends ForwardingLink {

    protected ObservedLink(Link inner) {
        super(inner);
    }

    /** A frame about to go down to the inner link (shown first, so one the link then fails on is still seen). */
    protected abstract void sending(byte[] buf, int off, int len);

    /** A frame that came up from the inner link. */
    protected abstract void received(byte[] buf, int off, int len);

    /**
     * A large TCP segment about to go down to be cut into segments of {@code segmentSize} data
     * bytes ({@link Link#sendSegmented}); shown as {@link #sending} shows a frame unless a subclass
     * wants to tell the two apart.
     */
    protected void sendingSegmented(byte[] buf, int off, int len, int segmentSize) {
        sending(buf, off, len);
    }

    @Override
    public int receive(byte[] buf, int off) throws IOException {
        int n = inner.receive(buf, off);
        if (n > 0) {
            received(buf, off, n);
        }
        return n;
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        sending(buf, off, len);
        inner.send(buf, off, len);
    }

    @Override
    public void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        sendingSegmented(buf, off, len, segmentSize);
        inner.sendSegmented(buf, off, len, segmentSize);
    }
}
