package teacup.tcp;

import java.util.List;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The {@link TimeWait} entries of a {@link TcpLayer}: a table by the same four-tuple key as its
 * connections, and their ends, earliest first. A connection in TIME-WAIT that nobody observes
 * any more (its socket closed, or none was ever opened on it) moves here from the connection
 * table ({@link #take}); its ACKs are written straight into IP's frame buffer, as
 * {@link Resets} writes resets. Owned by the loop thread.
 */
final class TimeWaits {
    private final ConnectionTable<TimeWait> table;
    private final DeadlineHeap<TimeWait> ends = new DeadlineHeap<>();
    private final IpLayer ip;
    private final Statistics stats;
    private final SegmentOutput output;
    private final TcpOptions options = new TcpOptions();

    TimeWaits(long secret, IpLayer ip, Statistics stats, SegmentOutput output) {
        this.table = new ConnectionTable<>(secret);
        this.ip = ip;
        this.stats = stats;
        this.output = output;
    }

    /** Reduces {@code c} to a {@link TimeWait} under {@code key} if it only waits; true when it did. */
    boolean take(long key, TcpConnection c) {
        TimeWait w = TimeWait.of(key, c);
        if (w == null) {
            return false;
        }
        table.put(key, w);
        ends.schedule(w, c.lifespan.closingDeadline());
        return true;
    }

    boolean contains(long key) {
        return table.containsKey(key);
    }

    int size() {
        return table.size();
    }

    /**
     * A segment for {@code key}: null when no entry waits there, or when it was a SYN that may open
     * a new incarnation ({@code listening}: a listener has the port; RFC 6191), which ends the wait
     * and goes to the listener. Otherwise the entry answers it, and the counter says so.
     */
    Counter receive(long now, long key, boolean listening, InboundSegment s) {
        TimeWait w = table.get(key);
        if (w == null) {
            return null;
        }
        if (listening && (s.flags & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) == TcpSegment.SYN
                && w.newerThanAnySeen(s.seq, s.options)) {
            forget(w);
            return null;
        }
        int answer = w.segment(now, s);
        if ((answer & TimeWait.CHALLENGE) != 0 && w.takeChallengeAck(now, output)) {
            answer |= TimeWait.ACK;
        }
        if ((answer & TimeWait.ACK) != 0) {
            ack(now, w, s, (answer & TimeWait.DUPLICATE) != 0);
        }
        if ((answer & TimeWait.RESTART) != 0) {
            ends.schedule(w, now + w.twoMsl());
        }
        return Counter.TCP_DELIVERED;
    }

    private void ack(long now, TimeWait w, InboundSegment s, boolean duplicate) {
        byte[] frame = ip.txBuffer();
        TcpOptions o = w.ackOptions(now, s, duplicate, options);
        int n = TcpSegment.write(frame, IpLayer.PAYLOAD_OFFSET, w.localPort, w.remotePort, w.sndMax(), w.rcvNxt(),
                TcpSegment.ACK, w.windowField(), 0, o, 0, ip.address(), w.remoteIp, true);
        stats.increment(Counter.TCP_SEGMENTS_SENT);
        if (w.windowField() == 0) {
            stats.increment(Counter.TCP_ZERO_WINDOWS_ADVERTISED);
        }
        ip.send(now, w.remoteIp, Ipv4Packet.PROTOCOL_TCP, frame, n, 0, w.ttl(), w.trafficClass());
    }

    private void forget(TimeWait w) {
        table.remove(w.key);
        ends.schedule(w, Long.MAX_VALUE);
    }

    /** Ends the waits that are over by {@code now}. */
    void expire(long now) {
        for (int budget = ends.size(); budget > 0 && !ends.isEmpty() && ends.firstDeadline() <= now; budget--) {
            forget(ends.first());
        }
    }

    /** When the next wait ends (Long.MAX_VALUE: none waits). */
    long deadline() {
        return ends.firstDeadline();
    }

    /** A status line's worth for each entry (loop thread; allocates, for reports). */
    void statuses(int localIp, List<ConnectionStatus> into) {
        table.forEach(w -> into.add(ConnectionStatus.timeWait(localIp, w.localPort, w.remoteIp, w.remotePort)));
    }

    void clear() {
        table.forEach(w -> ends.schedule(w, Long.MAX_VALUE));
        table.clear();
    }
}
