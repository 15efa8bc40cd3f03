package teacup.drill;

import java.util.Map;
import java.util.function.Supplier;
import teacup.drill.DrillResult.Mode;
import teacup.drill.DrillResult.Verdict;
import teacup.drill.ScriptEvent.Icmp;
import teacup.drill.ScriptEvent.Packet;
import teacup.drill.ScriptEvent.Shell;
import teacup.drill.ScriptEvent.SystemCall;
import teacup.drill.SystemCalls.CallResult;
import teacup.wire.Ipv4Address;

/**
 * Runs one script: teacup on a {@link DrillNetwork} (in-process, a {@link SimulatedNetwork}, by
 * default; live, a {@link LiveNetwork}), the script's events in order at their times. Inbound
 * lines (TCP segments, ICMP errors) are injected at their time, system calls run at theirs, and
 * each outbound line takes the next segment (or ICMP message) teacup sent, which must match it and
 * have been sent within the tolerance of the line's time. In-process, the same script gives the
 * same result every run.
 */
public final class DrillEngine {
    /** packetdrill's default tolerance. */
    public static final long DEFAULT_TOLERANCE_MICROS = 4_000;
    /** How long a {@code *} outbound line waits for its segment. */
    private static final long ANY_TIME_LIMIT_MICROS = 600_000_000L;
    private static final long SEED = 0x7eac_0bd1_11L;

    private final Mode mode;
    private final DrillNetwork.Factory networks;
    private final boolean live;
    private final long defaultToleranceMicros;

    public DrillEngine(Mode mode) {
        this(mode, DEFAULT_TOLERANCE_MICROS);
    }

    /** In-process, with the tolerance a script that sets none gets. */
    public DrillEngine(Mode mode, long toleranceMicros) {
        this(mode, (local, remote) -> new SimulatedNetwork(local, remote, SEED), false, toleranceMicros);
    }

    DrillEngine(Mode mode, DrillNetwork.Factory networks, boolean live, long defaultToleranceMicros) {
        this.mode = mode;
        this.networks = networks;
        this.live = live;
        this.defaultToleranceMicros = defaultToleranceMicros;
    }

    /**
     * An engine that runs each script live, on a TAP in a fresh private namespace, in real time;
     * times are checked within {@code toleranceMicros} unless a script's {@code --tolerance_usecs} says otherwise.
     */
    public static DrillEngine live(Mode mode, long toleranceMicros) {
        warmUpOnce();
        return new DrillEngine(mode, LiveNetwork::open, true, toleranceMicros);
    }

    /** The longest script a live run plays: it takes as long as it says, in real time. */
    static final long LIVE_LIMIT_MICROS = 120_000_000L;

    /** Why a script is not run live: one whose timeline runs past the limit would hold a namespace for minutes. */
    private static String liveReason(Script script) {
        long at = 0;
        for (ScriptEvent e : script.events()) {
            if (e.time().kind() != EventTime.Kind.ANY) {
                at = e.time().start(at);
            }
            if (e instanceof SystemCall c && c.returnTime() != null) {
                at = Math.max(at, c.returnTime().start(at));
            }
        }
        return at > LIVE_LIMIT_MICROS ? "its timeline runs to " + seconds(at) + " s; live runs play at most "
                + LIVE_LIMIT_MICROS / 1_000_000 + " s of real time" : null;
    }

    /** Passive and active opens, data both ways, loss and close: the code a live script's first lines run. */
    private static final String[] WARM_UP_SCRIPTS = {"""
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0 bind(3, ..., ...) = 0
            +0 listen(3, 1) = 0
            +0 < S 0:0(0) win 65535 <mss 1000,sackOK,TS val 1 ecr 0,nop,wscale 7>
            * > S. 0:0(0) ack 1 <...>
            +.1 < . 1:1(0) ack 1 win 1000 <nop,nop,TS val 2 ecr 0>
            +0 accept(3, ..., ...) = 4
            +0 write(4, ..., 5000) = 5000
            * > . 1:1001(1000) ack 1
            +0 < P. 1:101(100) ack 1001 win 1000 <nop,nop,TS val 3 ecr 0>
            +0 read(4, ..., 1000) = 100
            +0 close(4) = 0
            +0 < R. 101:101(0) ack 1001 win 0
            """, """
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
            +0 connect(3, ..., ...) = -1 EINPROGRESS
            * > S 0:0(0) <...>
            +.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
            * > . 1:1(0) ack 1
            +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
            +0 shutdown(3, SHUT_WR) = 0
            * > F. 1:1(0) ack 1
            +0 < F. 1:1(0) ack 2 win 65535
            * > . 2:2(0) ack 2
            """};
    private static boolean warmedUp;

    /**
     * Runs teacup's connection code in-process a few dozen times before the first live script, so
     * that script is judged on the protocol, not on the JVM loading and compiling classes (which
     * costs tens of milliseconds, beyond any tolerance, the first time through).
     */
    private static synchronized void warmUpOnce() {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        DrillEngine engine = new DrillEngine(Mode.PORTABLE);
        for (int i = 0; i < 50; i++) {
            for (String text : WARM_UP_SCRIPTS) {
                try {
                    engine.run(ScriptParser.parse("warm-up.pkt", text));
                } catch (ScriptSyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    public DrillResult run(Script script) {
        try {
            String reason = ScriptScreen.skipReason(script);
            if (reason == null && live) {
                reason = liveReason(script);
            }
            if (reason != null) {
                return new DrillResult(script.name(), Verdict.SKIPPED, reason, mode, live);
            }
            new Run(script).events();
            return new DrillResult(script.name(), Verdict.PASSED, "", mode, live);
        } catch (ScriptSkipped e) {
            return new DrillResult(script.name(), Verdict.SKIPPED, e.getMessage(), mode, live);
        } catch (ScriptFailed e) {
            return new DrillResult(script.name(), Verdict.FAILED, e.getMessage(), mode, live);
        } catch (java.io.IOException e) {
            return new DrillResult(script.name(), Verdict.SKIPPED, "cannot set up the live network: " + e.getMessage(),
                    mode, live);
        }
    }

    /** The state of one run: the network, the numbers' mapping, the sockets, and where script time stands. */
    private final class Run {
        private final Script script;
        private final DrillNetwork network;
        private final RemoteHost remote;
        private final SequenceSpace space = new SequenceSpace();
        private final SystemCalls.Flow flow = new SystemCalls.Flow();
        private final SystemCalls calls;
        private final long toleranceMicros;
        private long lastMicros;
        private Supplier<CallResult> pending;
        private SystemCall pendingCall;
        private long pendingStartMicros;
        /** The last segment teacup sent, which an ICMP line without a quoted segment quotes. */
        private CapturedSegment lastSent;

        Run(Script script) throws java.io.IOException {
            this.script = script;
            Map<String, String> o = script.options();
            toleranceMicros = Long.parseLong(o.getOrDefault("tolerance_usecs", Long.toString(defaultToleranceMicros)));
            flow.localPort = Integer.parseInt(o.getOrDefault("bind_port", "8080"));
            flow.connectPort = Integer.parseInt(o.getOrDefault("connect_port", "8080"));
            flow.remotePort = Integer.parseInt(o.getOrDefault("remote_port", "48879"));
            network = networks.open(Ipv4Address.parse(o.getOrDefault("local_ip", "198.18.0.1")),
                    Ipv4Address.parse(o.getOrDefault("remote_ip", "198.18.0.2")));
            remote = network.remote();
            calls = new SystemCalls(network, flow);
        }

        void events() {
            try (network) {
                for (ScriptEvent e : script.events()) {
                    switch (e) {
                        case SystemCall c -> systemCall(c);
                        case Packet p when p.inbound() -> inbound(p);
                        case Packet p -> outbound(p);
                        case Icmp i when i.inbound() -> inboundIcmp(i);
                        case Icmp i -> outboundIcmp(i);
                        case Shell s -> lastMicros = s.time().start(lastMicros);
                        case ScriptEvent.Unsupported u -> throw new ScriptSkipped("line " + u.line() + ": " + u.what());
                    }
                }
                advanceTo(lastMicros); // what the last inbound line caused, at its own instant, may end a blocked call
                if (pending != null) {
                    throw failure(pendingCall.line(), pendingCall.name() + " was still blocked at the end of the script");
                }
            }
        }

        /**
         * As packetdrill: a segment teacup sent that no outbound line took before the script's next
         * inbound packet is an error (it could be the very answer the script says never comes).
         */
        private void unexpected(int line) {
            CapturedSegment seg = remote.captured().peek();
            if (seg != null) {
                throw failure(line, "unexpected outbound packet: " + seconds(seg.atNanos() / 1000) + " "
                        + space.toScript(seg));
            }
        }

        private ScriptFailed failure(int line, String message) {
            return new ScriptFailed(script.name() + ":" + line + ": " + message);
        }

        /**
         * Runs the stack to script time {@code micros}, finishing a blocked call when it can return,
         * and at its own deadline (a poll's timeout) when it gives up first.
         */
        private void advanceTo(long micros) {
            advance(micros * 1000, this::finishPending);
        }

        private void advance(long untilNanos, java.util.function.BooleanSupplier done) {
            while (pending != null && calls.deadline() < untilNanos) {
                if (network.advance(calls.deadline(), done)) {
                    return;
                }
            }
            network.advance(untilNanos, done);
        }

        private boolean finishPending() {
            if (pending != null) {
                CallResult r;
                try {
                    r = pending.get();
                } catch (ScriptFailed e) {
                    throw failure(pendingCall.line(), e.getMessage());
                }
                if (r != null) {
                    SystemCall c = pendingCall;
                    pending = null;
                    check(c, r);
                    checkReturnTime(c);
                }
            }
            return false;
        }

        private long startOf(ScriptEvent e) {
            return e.time().kind() == EventTime.Kind.ANY ? network.now() / 1000 : e.time().start(lastMicros);
        }

        private void systemCall(SystemCall c) {
            long at = startOf(c);
            advanceTo(at);
            lastMicros = at;
            if (pending != null) {
                throw new ScriptSkipped("line " + c.line() + ": a system call while another blocks (one at a time in-process)");
            }
            Supplier<CallResult> attempt;
            CallResult r;
            try {
                attempt = calls.start(c);
                r = attempt.get();
            } catch (ScriptFailed e) {
                throw failure(c.line(), e.getMessage());
            }
            if (r == null) {
                pending = attempt;
                pendingCall = c;
                pendingStartMicros = at;
                return;
            }
            check(c, r);
            if (c.returnTime() != null) {
                lastMicros = c.returnTime().start(lastMicros);
            }
        }

        private void check(SystemCall c, CallResult r) {
            boolean valueOk = c.result() instanceof Expression.Ellipsis
                    || (c.result() instanceof Expression.Number n && n.value() == r.value());
            boolean errnoOk = c.errno() == null ? r.errno() == null : c.errno().equals(r.errno());
            if (!valueOk || !errnoOk) {
                String expected = c.result() + (c.errno() == null ? "" : " " + c.errno());
                throw failure(c.line(), c.name() + ": expected result " + expected + " but got " + r
                        + " at " + seconds(network.now() / 1000));
            }
        }

        private void checkReturnTime(SystemCall c) {
            if (c.returnTime() == null) {
                return;
            }
            long expected = c.returnTime().start(pendingStartMicros);
            long actual = network.now() / 1000;
            if (Math.abs(actual - expected) > toleranceMicros) {
                throw failure(c.line(), "timing error: " + c.name() + " expected to return at " + seconds(expected)
                        + " sec but returned at " + seconds(actual) + " sec");
            }
            lastMicros = actual;
        }

        private void inbound(Packet p) {
            long at = startOf(p);
            advanceTo(at);
            lastMicros = at;
            unexpected(p.line());
            TcpPacketSpec s = p.tcp();
            int flags = SequenceSpace.flagBits(s.flags());
            int ack = s.hasAck() ? space.inboundAck(s.ack()) : 0;
            try {
                remote.inject(flow.remotePort, flow.localPort, (int) s.startSeq(), ack, flags,
                        s.hasWindow() ? (int) s.window() : 65535, s.hasUrgent() ? (int) s.urgent() : 0,
                        space.inboundOptions(s.options()), s.length());
            } catch (java.io.IOException e) {
                throw failure(p.line(), "cannot send the packet: " + e.getMessage());
            }
        }

        /**
         * An ICMP error from the path about a segment teacup sent: the one the line quotes (its
         * numbers relative to teacup's ISN, as outbound lines write them), or without a quote the
         * last one teacup sent. The quote carries teacup's real sequence number, so RFC 5927
         * validation takes it as in flight when the script means it to be.
         */
        private void inboundIcmp(Icmp i) {
            long at = startOf(i);
            advanceTo(at);
            lastMicros = at;
            int type = IcmpNames.type(i.type());
            int code = IcmpNames.code(type, i.code());
            int rest = i.mtu() >= 0 ? (int) i.mtu() & 0xffff : 0;
            int seq;
            int length;
            if (i.quoted() != null) {
                seq = space.inboundAck(i.quoted().startSeq());
                length = i.quoted().length();
            } else if (lastSent != null) {
                seq = lastSent.seq();
                length = lastSent.payloadLength();
            } else {
                throw failure(i.line(), "an ICMP line without a quoted segment before teacup sent anything");
            }
            try {
                remote.injectIcmpError(type, code, rest, flow.localPort, flow.remotePort, seq, length);
            } catch (java.io.IOException e) {
                throw failure(i.line(), "cannot send the ICMP message: " + e.getMessage());
            }
        }

        /** An ICMP message teacup must send (its type and code are checked; what it quotes is not). */
        private void outboundIcmp(Icmp i) {
            boolean any = i.time().kind() == EventTime.Kind.ANY;
            long start = startOf(i);
            long latest = any ? start + ANY_TIME_LIMIT_MICROS : i.time().end(lastMicros) + toleranceMicros;
            if (remote.capturedIcmp().isEmpty()) {
                advance(latest * 1000, () -> finishPending() || !remote.capturedIcmp().isEmpty());
            }
            RemoteHost.CapturedIcmp got = remote.capturedIcmp().poll();
            int type = IcmpNames.type(i.type());
            int code = IcmpNames.code(type, i.code());
            if (got == null) {
                throw failure(i.line(), "expected outbound ICMP " + i.type() + " at " + seconds(start)
                        + " sec but teacup sent none by " + seconds(latest) + " sec");
            }
            long at = got.atNanos() / 1000;
            if (got.type() != type || (i.code() != null && got.code() != code)) {
                throw failure(i.line(), "error handling packet: ICMP type/code: expected " + type + "/" + code
                        + " vs actual " + got.type() + "/" + got.code());
            }
            if (!any && (at < start - toleranceMicros || at > latest)) {
                throw failure(i.line(), "timing error: expected outbound ICMP at " + seconds(start)
                        + " sec but happened at " + seconds(at) + " sec; tolerance " + seconds(toleranceMicros) + " sec");
            }
            lastMicros = at;
        }

        private void outbound(Packet p) {
            boolean any = p.time().kind() == EventTime.Kind.ANY;
            long start = startOf(p);
            long earliest = any ? 0 : start - toleranceMicros;
            long latest = any ? start + ANY_TIME_LIMIT_MICROS : p.time().end(lastMicros) + toleranceMicros;
            if (remote.captured().isEmpty()) {
                advance(latest * 1000, () -> finishPending() || !remote.captured().isEmpty());
            }
            CapturedSegment seg = remote.captured().poll();
            if (seg == null) {
                throw failure(p.line(), "expected outbound packet at " + seconds(start) + " sec but teacup sent nothing by "
                        + seconds(latest) + " sec\n  script packet: " + seconds(start) + " " + p.tcp());
            }
            lastSent = seg;
            space.learn(seg, p.tcp());
            TcpPacketSpec actual = space.toScript(seg);
            long at = seg.atNanos() / 1000;
            String mismatch = OutboundCheck.mismatch(p.tcp(), actual, mode == Mode.STRICT);
            if (mismatch != null) {
                throw failure(p.line(), "error handling packet: " + mismatch + "\n  script packet: " + seconds(start) + " "
                        + p.tcp() + "\n  actual packet: " + seconds(at) + " " + actual);
            }
            if (at < earliest || at > latest) {
                throw failure(p.line(), "timing error: expected outbound packet at " + seconds(start) + " sec but happened at "
                        + seconds(at) + " sec; tolerance " + seconds(toleranceMicros) + " sec\n  script packet: "
                        + seconds(start) + " " + p.tcp() + "\n  actual packet: " + seconds(at) + " " + actual);
            }
            lastMicros = at;
        }
    }

    static String seconds(long micros) {
        return String.format(java.util.Locale.ROOT, "%d.%06d", micros / 1_000_000, Math.abs(micros % 1_000_000));
    }
}
