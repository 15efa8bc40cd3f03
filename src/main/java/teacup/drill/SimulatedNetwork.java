package teacup.drill;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * One teacup {@link NetStack} on one end of a {@link VirtualWire}, the script's remote host on the
 * other, and one simulated clock. Nothing here sleeps or reads a real clock: time moves only in
 * {@link #advance}, from one stack deadline to the next, so a script runs the same every time.
 */
final class SimulatedNetwork implements DrillNetwork {
    static final int MTU = 1500;
    static final MacAddress LOCAL_MAC = MacAddress.parse("02:00:00:00:d1:01");
    /** How far time moves when the two ends keep answering each other at one instant. */
    private static final long TICK = 1_000_000L;
    private static final int SETTLE_LIMIT = 1_000;
    private static final long MAX_STEPS = 2_000_000L;

    private final VirtualWire wire = new VirtualWire(MTU);
    private final NetStack stack;
    private final RemoteHost remote;
    private long now;
    private long steps;

    SimulatedNetwork(Ipv4Address local, Ipv4Address remoteAddress, long seed) {
        Interface iface = new Interface(LOCAL_MAC, local, 24, Ipv4Address.ANY, MTU);
        stack = new NetStack(wire.a(), iface, () -> now, new SplittableRandom(seed));
        remote = new RemoteHost(wire.b(), () -> now, MTU, local.bits(), remoteAddress.bits(), LOCAL_MAC);
    }

    @Override
    public NetStack stack() {
        return stack;
    }

    @Override
    public RemoteHost remote() {
        return remote;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public boolean live() {
        return false;
    }

    @Override
    public boolean advance(long until, BooleanSupplier done) {
        int sameInstant = 0;
        while (true) {
            if (++steps > MAX_STEPS) {
                throw new ScriptFailed("the simulation did not settle at " + now + " ns");
            }
            try {
                stack.step(now);
                remote.drain();
            } catch (IOException e) {
                throw new ScriptFailed("the stack failed at " + now + " ns: " + e.getMessage());
            }
            if (done.getAsBoolean()) {
                return true;
            }
            long next = wire.a().queued() > 0 ? now : stack.nextDeadline();
            if (next <= now) {
                if (++sameInstant <= SETTLE_LIMIT) {
                    continue;
                }
                next = now + TICK;
            }
            sameInstant = 0;
            if (now >= until) {
                return false;
            }
            now = Math.min(next, until);
        }
    }

    @Override
    public void close() {
        wire.close();
    }
}
