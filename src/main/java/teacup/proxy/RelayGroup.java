package teacup.proxy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relays a process runs, so that it can wind them all down together when it stops, and count
 * what they carried.
 */
public final class RelayGroup {
    private final Set<Relay> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private volatile boolean stopping;

    /**
     * Relays between {@code client} (the side that connected to us) and {@code server} (the side
     * we connected to). After {@link #stop} began, the relay is told to finish at once.
     */
    public Relay relay(Endpoint client, Endpoint server) {
        started.incrementAndGet();
        Relay[] self = new Relay[1];
        // The relay may end before start returns, so its own callback cannot rely on self[0] being set.
        Object lock = new Object();
        Relay r;
        synchronized (lock) {
            r = Relay.start(client, server, () -> {
                synchronized (lock) {
                    Relay me = self[0];
                    live.remove(me);
                    bytesOut.addAndGet(me.bytesForward());
                    bytesIn.addAndGet(me.bytesBack());
                    if (me.failure() != null) {
                        failed.incrementAndGet();
                    }
                }
            });
            self[0] = r;
            if (!r.isDone()) {
                live.add(r);
            }
        }
        if (stopping) {
            r.finish();
        }
        return r;
    }

    /** Relays still running. */
    public int active() {
        return live.size();
    }

    /** Relays started so far. */
    public long started() {
        return started.get();
    }

    /** Relays that ended with an error (a reset, a time-out) rather than FIN both ways. */
    public long failed() {
        return failed.get();
    }

    /** Bytes relayed from clients to servers, and back, by relays that have ended. */
    public long bytesToServers() {
        return bytesOut.get();
    }

    public long bytesToClients() {
        return bytesIn.get();
    }

    /**
     * Tells every relay to finish (FIN both ways), waits up to {@code grace} for them to end, then
     * closes what is left. Returns how many had to be closed.
     */
    public int stop(Duration grace) throws InterruptedException {
        stopping = true;
        for (Relay r : live) {
            r.finish();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Relay r : live) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !r.await(Duration.ofNanos(left))) {
                break;
            }
        }
        int cut = 0;
        for (Relay r : live) {
            if (!r.isDone()) {
                r.close();
                cut++;
            }
        }
        return cut;
    }
}
