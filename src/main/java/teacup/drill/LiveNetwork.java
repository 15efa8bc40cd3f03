package teacup.drill;

import java.io.IOException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import teacup.host.PrivateNetwork;
import teacup.ip.Interface;
import teacup.link.PacketSocketLink;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/**
 * A script run live: teacup's {@link NetStack} on a TAP in a private network namespace made for
 * this script (random name, deleted on close), in real time. The remote host plays from the
 * kernel side of the TAP with an AF_PACKET socket bound to its netdev inside the namespace, which
 * has no IPv4 address, so the kernel's own TCP never answers teacup's segments. The runner's
 * thread is the stack's loop thread: it steps the stack at the wall clock and waits on the TAP
 * between deadlines, so the system calls are the same loop-owned calls as in-process, only now
 * with real frames through the kernel and real time, checked within the script's tolerance.
 */
final class LiveNetwork implements DrillNetwork {
    static final int MTU = 1500;
    /** Longest wait between looks at the packet socket: its frames do not wake the TAP's poll. */
    private static final long POLL_SLICE = 1_000_000L;
    private static final long WARM_UP = 50_000_000L;

    private final PrivateNetwork namespace;
    private final TapLink tap;
    private final PacketSocketLink peer;
    private final NetStack stack;
    private final RemoteHost remote;
    /** Deletes the namespace if the JVM is stopped (Ctrl-C, a kill) in the middle of a script. */
    private final Thread cleanup;
    /** Where script time 0 is on the wall clock; set when the warm-up is over. */
    private long origin;

    private LiveNetwork(PrivateNetwork namespace, TapLink tap, PacketSocketLink peer, Ipv4Address local,
                        Ipv4Address remoteAddress) {
        this.namespace = namespace;
        this.tap = tap;
        this.peer = peer;
        Interface iface = new Interface(SimulatedNetwork.LOCAL_MAC, local, 24, Ipv4Address.ANY, MTU);
        this.origin = Long.MAX_VALUE / 2;
        this.cleanup = new Thread(() -> {
            try {
                namespace.close();
            } catch (IOException e) {
                // exiting anyway; nothing else can be done
            }
        }, "drill cleanup " + namespace.namespace());
        Runtime.getRuntime().addShutdownHook(cleanup);
        stack = new NetStack(tap, iface, this::now, new SplittableRandom(0x7eac_0bd1_11L));
        remote = new RemoteHost(peer, this::now, MTU, local.bits(), remoteAddress.bits(), SimulatedNetwork.LOCAL_MAC);
    }

    /** Makes the namespace and the TAP, attaches teacup and the packet socket; undoes it all on failure. */
    static LiveNetwork open(Ipv4Address local, Ipv4Address remoteAddress) throws IOException {
        String id = HexFormat.of().toHexDigits(new SplittableRandom().nextInt());
        PrivateNetwork net = PrivateNetwork.create("tcdrill-" + id, "tcd" + id, null, MTU);
        TapLink tap = null;
        try {
            tap = net.openTap(MTU);
            String dev = net.tap();
            PacketSocketLink peer = NetworkNamespace.callIn(net.namespace(), () -> PacketSocketLink.open(dev, MTU));
            LiveNetwork live = new LiveNetwork(net, tap, peer, local, remoteAddress);
            try {
                live.warmUp();
            } catch (IOException | RuntimeException e) {
                live.close();
                throw e;
            }
            return live;
        } catch (IOException | RuntimeException e) {
            if (net.isClosed()) {
                throw e; // the live network was made and has undone itself
            }
            if (tap != null) {
                tap.close();
            }
            net.close();
            throw e;
        }
    }

    @Override
    public NetStack stack() {
        return stack;
    }

    @Override
    public RemoteHost remote() {
        return remote;
    }

    /**
     * Before the script starts (its clock reads 0 until then, so the stack's clock never goes
     * back): the remote host introduces itself so teacup knows its MAC address, and the path through
     * the kernel, the stack and the runner's code are run for a while, so that the first lines are
     * not judged on a cold start.
     */
    private void warmUp() throws IOException {
        remote.introduce();
        long end = System.nanoTime() + WARM_UP;
        while (System.nanoTime() < end) {
            stack.step(0);
            remote.drain();
            tap.await(POLL_SLICE);
        }
        remote.captured().clear();
        remote.capturedIcmp().clear();
        origin = System.nanoTime();
    }

    @Override
    public long now() {
        return Math.max(0, System.nanoTime() - origin);
    }

    @Override
    public boolean live() {
        return true;
    }

    @Override
    public boolean advance(long until, BooleanSupplier done) {
        try {
            while (true) {
                long now = now();
                stack.step(now);
                remote.drain();
                if (done.getAsBoolean()) {
                    return true;
                }
                if (now >= until) {
                    return false;
                }
                long next = Math.min(stack.nextDeadline(), until);
                long wait = Math.min(next - now(), POLL_SLICE);
                if (wait > 0) {
                    tap.await(wait);
                }
            }
        } catch (IOException e) {
            throw new ScriptFailed("the live stack failed at " + now() + " ns: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // already shutting down: the hook deletes the namespace
        }
        try (namespace; peer) {
            stack.close(); // closes the TAP too
        } catch (IOException e) {
            // the namespace goes with its devices; nothing more to undo here
        }
    }
}
