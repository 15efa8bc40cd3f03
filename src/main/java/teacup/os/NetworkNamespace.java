package teacup.os;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;

/**
 * Runs code inside a named network namespace, as made by {@code ip netns add NAME}.
 *
 * <p>Linux keeps the network namespace per thread, and a socket or TAP device belongs to the
 * namespace of the thread that created it for the rest of its life. So {@link #callIn} enters
 * the namespace on a fresh platform thread of its own, runs the work there, and lets the thread
 * end: descriptors the work opens stay in the namespace and can be used from any thread, while
 * no pooled or virtual-thread carrier is ever left in the wrong namespace.
 */
public final class NetworkNamespace {
    /** Where {@code ip netns} keeps the handles of named namespaces. */
    public static final String DIRECTORY = "/var/run/netns/";

    private static final int CLONE_NEWNET = 0x40000000;

    private NetworkNamespace() {
    }

    /**
     * Calls {@code work} on a new thread inside namespace {@code name} and returns its result.
     * Entering needs CAP_SYS_ADMIN. An IOException or unchecked exception from {@code work}
     * is rethrown as it is; another checked exception comes wrapped in an IOException.
     */
    public static <T> T callIn(String name, Callable<T> work) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a namespace name: '" + name + "'");
        }
        var outcome = new Object() {
            T value;
            Throwable failure;
        };
        Thread thread = Thread.ofPlatform().name("netns " + name).daemon(true).unstarted(() -> {
            try {
                enter(name);
                outcome.value = work.call();
            } catch (Throwable t) {
                outcome.failure = t;
            }
        });
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            var interrupted = new InterruptedIOException("interrupted while working in network namespace " + name);
            interrupted.initCause(e);
            throw interrupted;
        }
        // join() orders the worker's writes before these reads.
        Throwable failure = outcome.failure;
        if (failure == null) {
            return outcome.value;
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        throw new IOException("in network namespace " + name + ": " + failure, failure);
    }

    /** Moves the calling thread into namespace {@code name}. */
    private static void enter(String name) throws IOException {
        String path = DIRECTORY + name;
        try (Fd handle = Fd.open(path, Fd.O_RDONLY)) {
            MemorySegment state = Native.callState();
            int result;
            try {
                result = (int) Native.SETNS.invokeExact(state, handle.number(), CLONE_NEWNET);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (result < 0) {
                throw new ErrnoException("setns " + path, Native.errno(state));
            }
        }
    }
}
