package teacup.ping;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import teacup.socket.EchoSocket;
import teacup.stack.NetStack;
import teacup.wire.BigEndian;
import teacup.wire.Ipv4Address;

/** ping(8) on a teacup stack: sends echo requests at an interval and prints replies and a summary like ping does. */
public final class Pinger {

    public record Summary(int transmitted, int received, long elapsedNanos, double minMs, double avgMs, double maxMs, double mdevMs) {
        public int lossPercent() {
            return transmitted == 0 ? 0 : (int) ((transmitted - received) * 100L / transmitted);
        }
    }

    private final NetStack stack;
    private final PrintStream out;
    private volatile boolean stopped;

    public Pinger(NetStack stack, PrintStream out) {
        this.stack = stack;
        this.out = out;
    }

    /** Makes a running {@link #ping} finish after the current request and print its summary. */
    public void stop() {
        stopped = true;
    }

    /**
     * Pings {@code target} {@code count} times (0: until {@link #stop}) every {@code intervalNanos},
     * with {@code size} bytes of data, waiting up to {@code timeoutNanos} after the last request.
     */
    public Summary ping(Ipv4Address target, int count, long intervalNanos, int size, long timeoutNanos) throws IOException {
        int identifier = (int) (ProcessHandle.current().pid() ^ System.identityHashCode(this)) & 0xffff;
        out.printf("PING %s (%s) %d(%d) bytes of data.%n", target, target, size, size + 28);
        int transmitted = 0;
        int received = 0;
        double sum = 0;
        double sumSquares = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        boolean[] seen = new boolean[65536];
        long start = stack.clock().nanos();
        try (EchoSocket socket = new EchoSocket(stack, identifier)) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) i;
            }
            long nextSend = start;
            long lastSend = nextSend;
            while (!stopped && (count == 0 || transmitted < count)) {
                int sequence = (transmitted + 1) & 0xffff;
                if (size >= 8) {
                    long stamp = stack.clock().nanos();
                    BigEndian.put32(data, 0, (int) (stamp >>> 32));
                    BigEndian.put32(data, 4, (int) stamp);
                }
                long sentAt = socket.send(target, sequence, data);
                seen[sequence] = false;
                transmitted++;
                lastSend = sentAt;
                nextSend += intervalNanos;
                // Collect replies until the next request is due (or, after the last, until the timeout).
                long waitUntil = (count != 0 && transmitted >= count) ? sentAt + timeoutNanos : nextSend;
                while (!stopped) {
                    long left = waitUntil - stack.clock().nanos();
                    if (left <= 0 || (count != 0 && transmitted >= count && received >= transmitted)) {
                        break;
                    }
                    EchoSocket.Reply r = socket.receive(left);
                    if (r == null) {
                        break;
                    }
                    if (r.source() != target.bits() || r.sequence() > transmitted) {
                        continue;
                    }
                    long sent = sentTime(r, sentAt, size);
                    double ms = (r.receivedAt() - sent) / 1e6;
                    boolean duplicate = seen[r.sequence()];
                    seen[r.sequence()] = true;
                    out.printf(Locale.ROOT, "%d bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms%s%n", r.length() + 8,
                            Ipv4Address.format(r.source()), r.sequence(), r.ttl(), ms, duplicate ? " (DUP!)" : "");
                    if (!duplicate) {
                        received++;
                        sum += ms;
                        sumSquares += ms * ms;
                        min = Math.min(min, ms);
                        max = Math.max(max, ms);
                    }
                }
            }
            long elapsed = lastSend - start;
            double avg = received == 0 ? 0 : sum / received;
            double mdev = received == 0 ? 0 : Math.sqrt(Math.max(0, sumSquares / received - avg * avg));
            Summary s = new Summary(transmitted, received, elapsed, received == 0 ? 0 : min, avg, max, mdev);
            out.printf("%n--- %s ping statistics ---%n", target);
            out.printf("%d packets transmitted, %d received, %d%% packet loss, time %dms%n",
                    s.transmitted(), s.received(), s.lossPercent(), elapsed / 1_000_000);
            if (received > 0) {
                out.printf(Locale.ROOT, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms%n", s.minMs(), s.avgMs(), s.maxMs(), s.mdevMs());
            }
            out.flush();
            return s;
        }
    }

    /** The send time carried in the reply's data (our own stamp), else the last send time. */
    private static long sentTime(EchoSocket.Reply r, long fallback, int size) {
        if (size >= 8 && r.data().length >= 8) {
            return ((long) BigEndian.i32(r.data(), 0) << 32) | (BigEndian.i32(r.data(), 4) & 0xffffffffL);
        }
        return fallback;
    }
}
