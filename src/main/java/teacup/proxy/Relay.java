package teacup.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies bytes both ways between two endpoints, one virtual thread per direction, until both
 * directions have ended. End of stream one way is passed on as a half-close (FIN) and the other
 * way keeps going; an error either way aborts both ends, so each peer learns the relay failed.
 *
 * <p>{@link #finish} winds the relay down gently: FIN goes both ways at once, and each direction
 * then reads (and drops) what its source still sends until that source's FIN, so that closing
 * afterwards leaves no unread data behind to turn the close into a reset. The reads simply block;
 * nothing polls, so a thousand idle relays cost nothing but their parked threads.
 */
public final class Relay {
    /** Large enough that a bulk transfer moves in few calls per direction. */
    static final int BUFFER = 64 * 1024;
    /** How long a finishing relay waits for its last bytes and FIN to be acknowledged before it closes. */
    static final Duration LINGER = Duration.ofSeconds(1);

    private final Endpoint a;
    private final Endpoint b;
    private final Runnable onDone;
    private final AtomicInteger running = new AtomicInteger(2);
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong bytesAtoB = new AtomicLong();
    private final AtomicLong bytesBtoA = new AtomicLong();
    /** Whether FIN went to a, and to b: once each, whether the relay or the end of a stream sent it. */
    private final AtomicBoolean finToA = new AtomicBoolean();
    private final AtomicBoolean finToB = new AtomicBoolean();
    private volatile boolean finishing;
    private volatile boolean closing;
    private volatile IOException failure;

    private Relay(Endpoint a, Endpoint b, Runnable onDone) {
        this.a = a;
        this.b = b;
        this.onDone = onDone;
    }

    /**
     * Starts relaying between {@code a} and {@code b} (both connected). {@code onDone} runs once,
     * on a relay thread, after both are closed and before {@link #await} returns.
     */
    public static Relay start(Endpoint a, Endpoint b, Runnable onDone) {
        Relay r = new Relay(a, b, onDone);
        Thread.ofVirtual().name("teacup-relay-up").start(() -> r.pump(a, b, r.bytesAtoB, r.finToB));
        Thread.ofVirtual().name("teacup-relay-down").start(() -> r.pump(b, a, r.bytesBtoA, r.finToA));
        return r;
    }

    /** Stops forwarding: FIN both ways, then close once each side has finished too. Does not wait. */
    public void finish() {
        if (finishing) {
            return;
        }
        finishing = true;
        // On a thread of its own: a half-close waits for a write under way, whose reader may not be reading.
        Thread.ofVirtual().name("teacup-relay-finish").start(() -> {
            finQuietly(b, finToB);
            finQuietly(a, finToA);
        });
    }

    /** Closes both ends now (gracefully where they allow), ending the relay. Does not wait. */
    public void close() {
        closing = true;
        closeQuietly(a);
        closeQuietly(b);
    }

    /** Waits up to {@code timeout} for the relay to end; true when it has. */
    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public boolean isDone() {
        return done.getCount() == 0;
    }

    /** Bytes copied from the first endpoint to the second, and back. */
    public long bytesForward() {
        return bytesAtoB.get();
    }

    public long bytesBack() {
        return bytesBtoA.get();
    }

    /** The error that ended the relay, or null when both directions ended with a FIN. */
    public IOException failure() {
        return failure;
    }

    private void pump(Endpoint from, Endpoint to, AtomicLong counter, AtomicBoolean finTo) {
        byte[] buffer = new byte[BUFFER];
        try {
            if (failure != null) {
                throw failure;
            }
            InputStream in = from.input();
            OutputStream out = null;
            try {
                out = to.output();
            } catch (IOException e) {
                if (!finishing) {
                    throw e;
                }
                // finish() shut this output before the pump began ("Socket output is shutdown"): what comes is dropped
            }
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    continue; // an endpoint with a read timeout of its own: idle is not an error here
                }
                if (n < 0) {
                    fin(to, finTo);
                    break;
                }
                if (finishing) {
                    continue; // winding down: what still comes is read and dropped, up to the source's FIN
                }
                try {
                    out.write(buffer, 0, n);
                    out.flush();
                    counter.addAndGet(n);
                } catch (IOException e) {
                    if (!finishing) {
                        throw e;
                    }
                    // finish() shut this output while the write was under way: the rest is dropped
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                failure = e instanceof IOException io ? io : new IOException(e);
                closing = true;
                a.abort();
                b.abort();
            }
        } finally {
            if (running.decrementAndGet() == 0) {
                end();
            }
        }
    }

    /** FIN to {@code to}, once. */
    private static void fin(Endpoint to, AtomicBoolean sent) throws IOException {
        if (sent.compareAndSet(false, true)) {
            to.shutdownOutput();
        }
    }

    private static void finQuietly(Endpoint to, AtomicBoolean sent) {
        try {
            fin(to, sent);
        } catch (IOException | RuntimeException e) {
            // gone or closing already: the pumps see it their own way
        }
    }

    private void end() {
        if (finishing && !closing) {
            try {
                a.linger(LINGER);
                b.linger(LINGER);
            } catch (IOException e) {
                // the close below ends it either way
            }
        }
        closeQuietly(a);
        closeQuietly(b);
        try {
            if (onDone != null) {
                onDone.run();
            }
        } finally {
            // After the callback, so whoever waits for the end sees what the callback recorded.
            done.countDown();
        }
    }

    private static void closeQuietly(Endpoint e) {
        try {
            e.close();
        } catch (IOException ignored) {
            // closing is best effort: the other end is gone or going
        }
    }
}
