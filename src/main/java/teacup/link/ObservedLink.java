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
        sending(buf, off, len);
        inner.sendSegmented(buf, off, len, segmentSize);
    }
}
