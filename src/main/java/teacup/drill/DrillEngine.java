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
 * Runs one script in-process: teacup on a {@link SimulatedNetwork}, the script's events in
 * order at their simulated times. Inbound lines are injected at their time, system calls run at
 * theirs, and each outbound line takes the next segment teacup sent, which must match it and
 * have been sent within the tolerance of the line's time. Same script, same result, every run.
 */
public final class DrillEngine {
    /** packetdrill's default tolerance. */
    public static final long DEFAULT_TOLERANCE_MICROS = 4_000;
    /** How long a {@code *} outbound line waits for its segment. */
    private static final long ANY_TIME_LIMIT_MICROS = 600_000_000L;
    private static final long SEED = 0x7eac_0bd1_11L;

    private final Mode mode;

    public DrillEngine(Mode mode) {
        this.mode = mode;
    }

    public DrillResult run(Script script) {
        try {
            String reason = ScriptScreen.skipReason(script);
            if (reason != null) {
                return new DrillResult(script.name(), Verdict.SKIPPED, reason, mode);
            }
            new Run(script).events();
            return new DrillResult(script.name(), Verdict.PASSED, "", mode);
        } catch (ScriptSkipped e) {
            return new DrillResult(script.name(), Verdict.SKIPPED, e.getMessage(), mode);
        } catch (ScriptFailed e) {
            return new DrillResult(script.name(), Verdict.FAILED, e.getMessage(), mode);
        }
    }

    /** The state of one run: the network, the numbers' mapping, the sockets, and where script time stands. */
    private final class Run {
        private final Script script;
        private final SimulatedNetwork network;
        private final SequenceSpace space = new SequenceSpace();
        private final SystemCalls.Flow flow = new SystemCalls.Flow();
        private final SystemCalls calls;
        private final long toleranceMicros;
        private long lastMicros;
        private Supplier<CallResult> pending;
        private SystemCall pendingCall;
        private long pendingStartMicros;

        Run(Script script) {
            this.script = script;
            Map<String, String> o = script.options();
            toleranceMicros = Long.parseLong(o.getOrDefault("tolerance_usecs", Long.toString(DEFAULT_TOLERANCE_MICROS)));
            flow.localPort = Integer.parseInt(o.getOrDefault("bind_port", "8080"));
            flow.connectPort = Integer.parseInt(o.getOrDefault("connect_port", "8080"));
            flow.remotePort = Integer.parseInt(o.getOrDefault("remote_port", "48879"));
            network = new SimulatedNetwork(Ipv4Address.parse(o.getOrDefault("local_ip", "198.18.0.1")),
                    Ipv4Address.parse(o.getOrDefault("remote_ip", "198.18.0.2")), SEED);
            calls = new SystemCalls(network, flow);
        }

        void events() {
            try (network) {
                for (ScriptEvent e : script.events()) {
                    switch (e) {
                        case SystemCall c -> systemCall(c);
                        case Packet p when p.inbound() -> inbound(p);
                        case Packet p -> outbound(p);
                        case Icmp i -> throw new ScriptSkipped("line " + i.line() + ": ICMP lines are not supported yet");
                        case Shell s -> lastMicros = s.time().start(lastMicros);
                    }
                }
                advanceTo(lastMicros); // what the last inbound line caused, at its own instant, may end a blocked call
                if (pending != null) {
                    throw failure(pendingCall.line(), pendingCall.name() + " was still blocked at the end of the script");
                }
            }
        }

        private ScriptFailed failure(int line, String message) {
            return new ScriptFailed(script.name() + ":" + line + ": " + message);
        }

        /** Runs the stack to script time {@code micros}, finishing a blocked call when it can return. */
        private void advanceTo(long micros) {
            network.advance(micros * 1000, this::finishPending);
        }

        private boolean finishPending() {
            if (pending != null) {
                CallResult r = pending.get();
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
            Supplier<CallResult> attempt = calls.start(c);
            CallResult r = attempt.get();
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
            TcpPacketSpec s = p.tcp();
            int flags = SequenceSpace.flagBits(s.flags());
            int ack = s.hasAck() ? space.inboundAck(s.ack()) : 0;
            network.inject(flow.remotePort, flow.localPort, (int) s.startSeq(), ack, flags,
                    s.hasWindow() ? (int) s.window() : 65535, space.inboundOptions(s.options()), s.length());
        }

        private void outbound(Packet p) {
            boolean any = p.time().kind() == EventTime.Kind.ANY;
            long start = startOf(p);
            long earliest = any ? 0 : start - toleranceMicros;
            long latest = any ? start + ANY_TIME_LIMIT_MICROS : p.time().end(lastMicros) + toleranceMicros;
            if (network.captured().isEmpty()) {
                network.advance(latest * 1000, () -> finishPending() || !network.captured().isEmpty());
            }
            CapturedSegment seg = network.captured().poll();
            if (seg == null) {
                throw failure(p.line(), "expected outbound packet at " + seconds(start) + " sec but teacup sent nothing by "
                        + seconds(latest) + " sec\n  script packet: " + seconds(start) + " " + p.tcp());
            }
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
