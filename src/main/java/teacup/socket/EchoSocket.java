package teacup.socket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/**
 * ICMP echo ("ping") from a teacup stack: sends echo requests with one identifier and hands
 * back the replies, each stamped with the stack time at which it arrived.
 */
public final class EchoSocket implements AutoCloseable {

    /** An echo reply: who answered, its sequence number and TTL, its data length, and when it arrived. */
    public record Reply(int source, int sequence, int ttl, int length, byte[] data, long receivedAt) {}

    private static final int QUEUE_LIMIT = 1024;

    private final NetStack stack;
    private final int identifier;
    private final LinkedBlockingQueue<Reply> replies = new LinkedBlockingQueue<>(QUEUE_LIMIT);
    private volatile boolean closed;

    public EchoSocket(NetStack stack, int identifier) throws IOException {
        this.stack = stack;
        this.identifier = identifier & 0xffff;
        stack.call(() -> {
            stack.ip().registerEcho(this.identifier, (now, source, sequence, ttl, b, off, len) ->
                    replies.offer(new Reply(source, sequence, ttl, len, java.util.Arrays.copyOfRange(b, off, off + len), now)));
            return null;
        });
    }

    public int identifier() {
        return identifier;
    }

    /** Sends one echo request with {@code data} as its payload; returns the stack time it was sent at. */
    public long send(Ipv4Address destination, int sequence, byte[] data) throws IOException {
        return stack.call(() -> {
            long now = stack.clock().nanos();
            if (!stack.ip().sendEchoRequest(now, destination.bits(), identifier, sequence, data, 0, data.length)) {
                throw new IOException("cannot send to " + destination + ": no route");
            }
            return now;
        });
    }

    /** The next reply, or null when none arrives within {@code timeoutNanos}. */
    public Reply receive(long timeoutNanos) throws IOException {
        if (closed) {
            throw new IOException("socket closed");
        }
        try {
            return replies.poll(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stack.call(() -> {
                stack.ip().unregisterEcho(identifier);
                return null;
            });
        } catch (IOException e) {
            // stack already stopped
        }
    }
}
