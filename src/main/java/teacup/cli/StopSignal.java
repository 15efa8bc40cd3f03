package teacup.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import teacup.stack.NetStack;

/**
 * How a long-running command ({@code serve}, {@code daemon}) learns it should stop: SIGINT or
 * SIGTERM, seen through a shutdown hook, or its own {@code --max-time}. The hook holds the JVM
 * until the command has wound down (at most {@code grace}), then ends it with the command's exit
 * code, so a stop asked for by a signal is a clean end and says so.
 */
final class StopSignal implements AutoCloseable {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;
    private volatile int exitCode;

    private StopSignal(Duration grace) {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                if (stopped.await(grace.toNanos(), TimeUnit.NANOSECONDS)) {
                    Runtime.getRuntime().halt(exitCode);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Starts watching for SIGINT and SIGTERM; a signal lets the command take up to {@code grace} to stop. */
    static StopSignal install(Duration grace) {
        StopSignal s = new StopSignal(grace);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** Waits for a signal, or {@code maxTimeSeconds} when not null. */
    void await(Double maxTimeSeconds) throws InterruptedException {
        if (maxTimeSeconds != null) {
            stop.await((long) (maxTimeSeconds * 1000), TimeUnit.MILLISECONDS);
        } else {
            stop.await();
        }
    }

    /**
     * The command's exit code once its stack has stopped: 1 (said on stderr in one line) when the
     * stack's loop failed on its own, else 0; a signal's exit ends the JVM with the same code.
     */
    int exitCode(NetStack stack) {
        int code = 0;
        if (stack.failure() != null) {
            System.err.println("teacup: " + stack.failure().getMessage());
            code = 1;
        }
        exitCode = code;
        return code;
    }

    /** The command has stopped: a signal's exit may go ahead; without a signal, the hook goes. */
    @Override
    public void close() {
        stopped.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook is running and ends the JVM with the exit code
        }
    }
}
