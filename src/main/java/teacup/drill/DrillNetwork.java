package teacup.drill;

import java.util.function.BooleanSupplier;
import teacup.stack.NetStack;

/**
 * Where a script runs: one teacup {@link NetStack}, the {@link RemoteHost} the script plays on the
 * link facing it, and a clock. {@link SimulatedNetwork} moves a simulated clock from one stack
 * deadline to the next (deterministic, fast); {@link LiveNetwork} runs teacup on a TAP in a private
 * namespace in real time. The engine is the same over both.
 */
interface DrillNetwork extends AutoCloseable {
    NetStack stack();

    RemoteHost remote();

    /** Nanoseconds since the script started. */
    long now();

    /**
     * Runs the stack (the caller is its loop thread) until {@code until} (ns since the start) is
     * reached and nothing more is due at that instant, or until {@code done} holds after a step.
     * Returns whether {@code done} stopped it.
     */
    boolean advance(long until, BooleanSupplier done);

    /** Live (a TAP, real time) rather than in-process. */
    boolean live();

    @Override
    void close();

    /** Makes the network a script runs on, from the addresses its header gives. */
    @FunctionalInterface
    interface Factory {
        DrillNetwork open(teacup.wire.Ipv4Address local, teacup.wire.Ipv4Address remote) throws java.io.IOException;
    }
}
