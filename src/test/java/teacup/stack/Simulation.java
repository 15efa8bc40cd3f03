package teacup.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import teacup.ip.Interface;
import teacup.link.CoalescingLink;
import teacup.link.Impairment;
import teacup.link.Link;
import teacup.link.ObservedLink;
import teacup.link.VirtualWire;
import teacup.stats.Counter;
import teacup.tcp.SegmentDigest;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * Two {@link NetStack}s, A (198.18.0.1/24) and B (198.18.0.2/24), on one {@link VirtualWire},
 * driven from the test thread with one simulated clock. Each end may be wrapped in an
 * {@link Impairment}; all randomness (impairments, stack generators) comes from one seed, so a
 * failing run replays from the seed that {@link #toString} prints.
 *
 * <p>Layering of each end, from the stack down: {@link Tap} (records frames with their time),
 * the optional Impairment, then the wire. There is no loop thread: work an application would do
 * goes straight to the layers ({@code sim.a.udp().bind(...)}) with {@link #now()}, and time moves
 * only in {@link #runUntil} / {@link #runFor}.
 */
public final class Simulation {
    public static final Ipv4Address A_IP = Ipv4Address.parse("198.18.0.1");
    public static final Ipv4Address B_IP = Ipv4Address.parse("198.18.0.2");
    public static final MacAddress A_MAC = MacAddress.parse("02:00:00:00:00:01");
    public static final MacAddress B_MAC = MacAddress.parse("02:00:00:00:00:02");
    public static final int MTU = 1500;
    /** How far time moves when frames keep arriving at one instant and nothing else is due. */
    public static final long TICK = 1_000_000L;
    /** Steps at one instant before the simulation forces a tick (a same-instant ping-pong). */
    private static final int SETTLE_LIMIT = 1_000;
    private static final long MAX_STEPS = 5_000_000L;

    private final AtomicLong time = new AtomicLong();
    public final Clock clock = time::get;
    public final long seed;
    public final VirtualWire wire;
    public final Impairment impairmentA;
    public final Impairment impairmentB;
    /** The ends' receive coalescing, when the simulation has it (else null). */
    public final CoalescingLink coalescingA;
    public final CoalescingLink coalescingB;
    /** The ends' segmentation offload, when the simulation has it (else null). */
    final OffloadingLink offloadA;
    final OffloadingLink offloadB;
    public final Tap tapA;
    public final Tap tapB;
    public final NetStack a;
    public final NetStack b;
    private long steps;
    /** Rate-limited paths on each end's way out ({@link #bottleneck}); empty otherwise. */
    private final List<Bottleneck> bottlenecks = new ArrayList<>();

    /** A clean wire: frames arrive at the instant they are sent. */
    public static Simulation clean() {
        return new Simulation(0, null, null);
    }

    /**
     * A path of {@code bytesPerSecond} each way and {@code oneWayDelay} (so a round trip of twice it):
     * frames queue in order behind the bottleneck and nothing else happens to them.
     */
    public static Simulation bottleneck(long bytesPerSecond, long oneWayDelay) {
        List<Bottleneck> made = new ArrayList<>();
        Simulation sim = new Simulation(0, null, null, false, MTU, (end, other) -> {
            Bottleneck b = new Bottleneck(end, bytesPerSecond, oneWayDelay);
            made.add(b);
            return b;
        });
        sim.bottlenecks.addAll(made);
        return sim;
    }

    /** Both ends impaired on send with {@code config} (so both directions are), from {@code seed}. */
    public static Simulation impaired(long seed, Impairment.Config config) {
        return new Simulation(seed, config, config);
    }

    /**
     * @param aSend impairment of frames A sends, or null for none
     * @param bSend impairment of frames B sends, or null for none
     */
    public Simulation(long seed, Impairment.Config aSend, Impairment.Config bSend) {
        this(seed, aSend, bSend, false);
    }

    /**
     * As {@link #Simulation(long, Impairment.Config, Impairment.Config)}; with {@code offload}
     * each end has segmentation offload ({@link OffloadingLink}): the stacks keep an MTU of
     * {@value #MTU}, but TCP sends segments of up to 64 KB, which cross the wire whole (and
     * whole through the impairments, so a loss takes a whole large segment).
     */
    public Simulation(long seed, Impairment.Config aSend, Impairment.Config bSend, boolean offload) {
        this(seed, aSend, bSend, offload, MTU);
    }

    /** As {@link #Simulation(long, Impairment.Config, Impairment.Config, boolean)}, with both interfaces (and the wire) at {@code mtu}. */
    public Simulation(long seed, Impairment.Config aSend, Impairment.Config bSend, boolean offload, int mtu) {
        this(seed, aSend, bSend, offload, mtu, null);
    }

    /**
     * As {@link #Simulation(long, Impairment.Config, Impairment.Config, boolean, int)}, with what
     * lies between each end and the wire made by {@code path} (given the end's own link and the
     * other end, whose sends reach this one; null: nothing), as a router would be.
     */
    public Simulation(long seed, Impairment.Config aSend, Impairment.Config bSend, boolean offload, int mtu,
                      java.util.function.BinaryOperator<Link> path) {
        this(seed, aSend, bSend, offload, mtu, path, false, false);
    }

    /**
     * Both ends impaired on send with {@code config}, each receiving through a {@link CoalescingLink}
     * (between its {@link Tap} and its impairment), so the frames the other end's impairment dropped,
     * reordered, duplicated or damaged reach the coalescer as they would from a real wire.
     */
    public static Simulation coalescing(long seed, Impairment.Config config) {
        return new Simulation(seed, config, config, false, MTU, null, true, false);
    }

    /**
     * Both ends with segmentation offload and impaired on send with {@code config}, the impairment
     * above the offloading link, as over a TAP: it meets each large segment in {@code sendSegmented},
     * whole or (with {@link Impairment.Config#cutSegments}) as the segments it stands for.
     */
    public static Simulation offloadImpairedAbove(long seed, Impairment.Config config) {
        return new Simulation(seed, config, config, true, MTU, null, false, true);
    }

    private Simulation(long seed, Impairment.Config aSend, Impairment.Config bSend, boolean offload, int mtu,
                       java.util.function.BinaryOperator<Link> path, boolean coalescing, boolean impairAbove) {
        this.seed = seed;
        SplittableRandom root = new SplittableRandom(seed);
        long seedA = root.nextLong();
        long seedB = root.nextLong();
        wire = new VirtualWire(offload ? OffloadingLink.MAX_PACKET : mtu);
        Link endA = path == null ? wire.a() : path.apply(wire.a(), wire.b());
        Link endB = path == null ? wire.b() : path.apply(wire.b(), wire.a());
        if (impairAbove) {
            offloadA = new OffloadingLink(endA, mtu);
            offloadB = new OffloadingLink(endB, mtu);
            impairmentA = Impairment.onSend(offloadA, aSend, seedA, clock);
            impairmentB = Impairment.onSend(offloadB, bSend, seedB, clock);
            coalescingA = null;
            coalescingB = null;
            tapA = new Tap("A", impairmentA, clock);
            tapB = new Tap("B", impairmentB, clock);
        } else {
            impairmentA = aSend == null ? null : Impairment.onSend(endA, aSend, seedA, clock);
            impairmentB = bSend == null ? null : Impairment.onSend(endB, bSend, seedB, clock);
            Link belowA = impairmentA == null ? endA : impairmentA;
            Link belowB = impairmentB == null ? endB : impairmentB;
            offloadA = offload ? new OffloadingLink(belowA, mtu) : null;
            offloadB = offload ? new OffloadingLink(belowB, mtu) : null;
            coalescingA = coalescing ? new CoalescingLink(offload ? offloadA : belowA) : null;
            coalescingB = coalescing ? new CoalescingLink(offload ? offloadB : belowB) : null;
            tapA = new Tap("A", coalescing ? coalescingA : offload ? offloadA : belowA, clock);
            tapB = new Tap("B", coalescing ? coalescingB : offload ? offloadB : belowB, clock);
        }
        a = new NetStack(tapA, new Interface(A_MAC, A_IP, 24, Ipv4Address.ANY, mtu), clock, root.split());
        b = new NetStack(tapB, new Interface(B_MAC, B_IP, 24, Ipv4Address.ANY, mtu), clock, root.split());
    }

    public long now() {
        return time.get();
    }

    /** Runs both stacks for {@code nanos} of simulated time from now. */
    public void runFor(long nanos) {
        runUntil(now() + nanos);
    }

    /**
     * Steps both stacks until simulated time reaches {@code until} and nothing more is due at
     * that instant. Between steps time jumps to the earliest stack deadline or impairment due
     * time; frames already on the cable are delivered at the same instant.
     */
    public void runUntil(long until) {
        int sameInstant = 0;
        while (true) {
            if (++steps > MAX_STEPS) {
                throw new AssertionError("simulation did not settle (" + steps + " steps) at t=" + now() + " ns; " + this);
            }
            long now = time.get();
            try {
                for (Bottleneck path : bottlenecks) {
                    path.release(now);
                }
                a.step(now);
                b.step(now);
            } catch (IOException e) {
                throw new UncheckedIOException("step failed at t=" + now + " ns; " + this, e);
            }
            long next = nextEvent();
            if (next <= now) {
                if (++sameInstant <= SETTLE_LIMIT) {
                    continue;
                }
                next = now + TICK;
            }
            sameInstant = 0;
            if (now >= until) {
                return;
            }
            time.set(Math.min(next, until));
        }
    }

    /** The earliest time anything has work: a stack timer, a delayed frame, a frame on the cable. */
    private long nextEvent() {
        if (wire.a().queued() > 0 || wire.b().queued() > 0
                || coalescingA != null && (coalescingA.holding() || coalescingB.holding())) {
            return now();
        }
        long next = Math.min(a.nextDeadline(), b.nextDeadline());
        if (impairmentA != null) {
            next = Math.min(next, impairmentA.nextDueNanos());
        }
        for (Bottleneck path : bottlenecks) {
            next = Math.min(next, path.nextDue());
        }
        if (impairmentB != null) {
            next = Math.min(next, impairmentB.nextDueNanos());
        }
        return next;
    }

    /** Releases every frame the impairments still hold (reordered or delayed), then settles. */
    public void flushImpairments() {
        try {
            if (impairmentA != null) {
                impairmentA.flushAll();
            }
            if (impairmentB != null) {
                impairmentB.flushAll();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        runFor(0);
    }

    /** Steps taken so far (for tests that bound the work a run does). */
    public long steps() {
        return steps;
    }

    /** Sum of a stack's counters of one kind. */
    public static long total(Map<Counter, Long> stats, Counter.Kind kind) {
        long sum = 0;
        for (Map.Entry<Counter, Long> e : stats.entrySet()) {
            if (e.getKey().kind() == kind) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Everything a replay needs: the seed, the impairments, and where time stood. */
    @Override
    public String toString() {
        return "Simulation[seed=" + seed + ", t=" + now() + " ns, A=" + (impairmentA == null ? "clean" : impairmentA)
                + ", B=" + (impairmentB == null ? "clean" : impairmentB) + "]";
    }

    /** One frame seen by a {@link Tap}: when, which way, and a copy of its bytes. */
    public record Frame(long at, boolean sent, byte[] bytes) {
        @Override
        public String toString() {
            return (sent ? "sent" : "received") + "@" + at + "ns[" + bytes.length + " bytes]";
        }
    }

    /** A link that passes frames through and records each with the simulated time. */
    public static final class Tap extends ObservedLink {
        private final String name;
        private final Clock clock;
        private final List<Frame> frames = new ArrayList<>();

        Tap(String name, Link inner, Clock clock) {
            super(inner);
            this.name = name;
            this.clock = clock;
        }

        @Override
        protected void received(byte[] buf, int off, int len) {
            frames.add(new Frame(clock.nanos(), false, Arrays.copyOfRange(buf, off, off + len)));
        }

        @Override
        protected void sending(byte[] buf, int off, int len) {
            SegmentDigest.frame(name, clock.nanos(), buf, off, len);
            frames.add(new Frame(clock.nanos(), true, Arrays.copyOfRange(buf, off, off + len)));
        }

        /** Frames the stack sent, oldest first. */
        public List<Frame> sent() {
            return frames.stream().filter(Frame::sent).toList();
        }

        /** Frames the stack received, oldest first. */
        public List<Frame> received() {
            return frames.stream().filter(f -> !f.sent()).toList();
        }

        public void clear() {
            frames.clear();
        }

        @Override
        public String toString() {
            return "Tap[" + name + ", " + frames.size() + " frames]";
        }
    }

    /** Counters of both stacks plus the impairments' choices, for comparing two runs. */
    public Map<String, Object> fingerprint() {
        Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("A", a.statistics());
        f.put("B", b.statistics());
        if (impairmentA != null) {
            f.put("impairment A", impairmentA.sendCounters().toString());
        }
        if (impairmentB != null) {
            f.put("impairment B", impairmentB.sendCounters().toString());
        }
        f.put("time", now());
        return f;
    }
}
