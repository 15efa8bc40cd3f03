package teacup.tcp;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.State;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * TCP on one interface: demultiplexes segments to connections by their four-tuple, opens connections for SYNs
 * that reach a listener, answers segments for no connection with a reset, writes the segments connections emit,
 * and runs their timers. Owned by the event-loop thread; time comes in as {@code now} on every entry.
 *
 * <p>Every call into a connection goes through this layer (or is followed by {@link #settle}), so that afterwards
 * the layer can move a newly established connection to its listener's accept queue, re-key its timer, tell its
 * {@link TcpObserver}, reduce it to a {@link TimeWait} once nobody holds it in TIME-WAIT, and drop it once it is
 * CLOSED. On the receive path nothing is allocated: the segment is a reused view, the options go into one reused
 * {@link TcpOptions}, and the connection is found in a primitive-keyed table.
 */
public final class TcpLayer implements IpLayer.Transport {
    public static final int EPHEMERAL_FIRST = 49152;
    public static final int EPHEMERAL_LAST = 65535;
    private static final int EPHEMERAL_RANGE = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;

    private final IpLayer ip;
    private final Statistics stats;
    private final RandomGenerator random;
    private final InitialSequenceNumbers isn;
    private final ConnectionTable<LayerEntry> connections;
    private final TimeWaits timeWaits; // connections in TIME-WAIT that nobody holds, reduced
    private final ConnectionTable<TcpListener> listeners;
    private final TcpSegment segment = new TcpSegment();
    private final TcpOptions options = new TcpOptions();
    private final InboundSegment inbound = new InboundSegment();
    private final IdleRings idleRings = new IdleRings();
    private final LayerOutput output; // where every connection's segments go, with the budgets they share

    /** Timers: the entries whose connection has a deadline, earliest first. */
    private final DeadlineHeap<LayerEntry> timers = new DeadlineHeap<>();

    private final LinkFit linkFit = new LinkFit();
    private final SendTurns sendTurns = new SendTurns(); // connections whose segments per turn ran out

    private final ChallengeAckBudget challengeAcks; // RFC 5961 7, for all connections together
    private final SynCookies cookies; // RFC 4987 3.6, for listeners whose SYN queue is full
    private final Resets resets;
    private final OrphanCount orphans; // Linux's tcp_max_orphans

    public TcpLayer(IpLayer ip, Statistics stats, RandomGenerator random) {
        this.ip = ip;
        this.stats = stats;
        this.random = random;
        this.isn = new InitialSequenceNumbers(random);
        this.challengeAcks = new ChallengeAckBudget(ChallengeAckBudget.DEFAULT_LIMIT, random);
        this.output = new LayerOutput(ip, stats, challengeAcks, sendTurns, this::synSource);
        this.cookies = new SynCookies(isn, stats, output);
        this.resets = new Resets(ip, stats);
        this.orphans = new OrphanCount(stats);
        long secret = random.nextLong();
        this.connections = new ConnectionTable<>(secret);
        this.timeWaits = new TimeWaits(Long.rotateLeft(secret, 17) ^ 0x9e3779b97f4a7c15L, ip, stats, output);
        this.listeners = new ConnectionTable<>(random.nextLong());
        ip.register(Ipv4Packet.PROTOCOL_TCP, this);
    }

    /** The demultiplexing key: our address is the interface's, so three fields name a connection. */
    private static long key(int remoteIp, int remotePort, int localPort) {
        return ((long) remoteIp << 32) | ((long) (remotePort & 0xffff) << 16) | (localPort & 0xffff);
    }

    static long key(TcpConnection c) {
        return key(c.remoteIp(), c.remotePort(), c.localPort());
    }

    // ---------------------------------------------------------------- opening

    /**
     * Listens on {@code port} (0: a free ephemeral port at random). At most {@code backlog}
     * connections wait, half-open and established together; SYNs beyond that get SYN cookies
     * ({@link SynCookies}, unless the settings turn them off: then they are dropped and counted,
     * and the peer tries again, as RFC 9293 3.10.7.2 lets us). Throws IllegalStateException when
     * the port is already listened on.
     */
    public TcpListener listen(int port, int backlog, TcpSettings settings, TcpObserver observer) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be at least 1, got " + backlog);
        }
        if (port == 0) {
            port = freeListenerPort();
        } else if (listeners.containsKey(port)) {
            throw new IllegalStateException("TCP port " + port + " is already in use");
        }
        TcpListener l = new TcpListener(port, backlog, settings, observer);
        listeners.put(port, l);
        return l;
    }

    public TcpListener listen(int port, int backlog, TcpSettings settings) {
        return listen(port, backlog, settings, null);
    }

    /** Stops listening: connections not yet accepted, half-open or established, are reset; the observer is told (with null). */
    public void unlisten(long now, TcpListener listener) {
        if (listeners.get(listener.port()) == listener) {
            listeners.remove(listener.port());
        }
        TcpConnection c;
        while ((c = listener.closeAndDrain()) != null) {
            abort(now, c);
        }
        List<LayerEntry> halfOpen = new ArrayList<>();
        connections.forEach(e -> {
            if (e.halfOpen != null && e.halfOpen.listener() == listener) {
                halfOpen.add(e);
            }
        });
        for (LayerEntry e : halfOpen) {
            e.connection.abort(now);
            settle(now, e);
        }
        listener.wake();
    }

    private int freeListenerPort() {
        int start = random.nextInt(EPHEMERAL_RANGE);
        for (int i = 0; i < EPHEMERAL_RANGE; i++) {
            int candidate = EPHEMERAL_FIRST + (start + i) % EPHEMERAL_RANGE;
            if (!listeners.containsKey(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free TCP port to listen on");
    }

    /**
     * Active open (RFC 9293 3.10.1) from an ephemeral port chosen at random (RFC 6056 3.3.1: a
     * random start, then the next free one), never one that would make a four-tuple already in
     * use or a listening port. Sends the SYN now. Throws IllegalStateException when every port is
     * taken, NoRouteToHostException when IP has no route to {@code remoteIp}, and
     * ConnectException ("Network is unreachable", as the JDK says for ENETUNREACH) when
     * {@code remoteIp} names no single host: RFC 9293 MUST-46 (and 3.9.2.1: TCP is unicast)
     * rejects an OPEN to a broadcast or multicast address, which would go out as a link broadcast.
     */
    public TcpConnection connect(long now, int remoteIp, int remotePort, TcpSettings settings,
                                 TcpObserver observer) throws NoRouteToHostException, ConnectException {
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("port out of range: " + remotePort);
        }
        if (!ip.unicastHost(remoteIp)) {
            throw new ConnectException("Network is unreachable (" + Ipv4Address.format(remoteIp)
                    + " is a broadcast, multicast or reserved address)");
        }
        int localPort = ephemeralPort(remoteIp, remotePort);
        int iss = isn.next(now, ip.address(), localPort, remoteIp, remotePort);
        output.sendFailed = false;
        int tsOffset = isn.timestampOffset(ip.address(), localPort, remoteIp, remotePort);
        TcpConnection c = TcpConnection.connect(now, linkFit.settings(settings, ip.iface().mtu()), output, ip.address(), localPort,
                remoteIp, remotePort, iss, tsOffset);
        LinkFit.path(now, c, ip.pathMtu(remoteIp, now), ip.iface().mtu());
        if (output.sendFailed) {
            c.abort(now); // nothing was sent, so nothing to reset; just forget it
            throw new NoRouteToHostException("no route to " + Ipv4Address.format(remoteIp));
        }
        stats.increment(Counter.TCP_ACTIVE_OPENS);
        LayerEntry e = new LayerEntry(c, observer);
        connections.put(e.key(), e);
        settle(now, e);
        return c;
    }

    private int ephemeralPort(int remoteIp, int remotePort) {
        int start = random.nextInt(EPHEMERAL_RANGE);
        for (int i = 0; i < EPHEMERAL_RANGE; i++) {
            int candidate = EPHEMERAL_FIRST + (start + i) % EPHEMERAL_RANGE;
            long key = key(remoteIp, remotePort, candidate);
            if (!listeners.containsKey(candidate) && !connections.containsKey(key) && !timeWaits.contains(key)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free TCP port for a connection to "
                + Ipv4Address.format(remoteIp) + ":" + remotePort);
    }

    // ---------------------------------------------------------------- calls from the owner

    /**
     * Sets the observer of {@code c} and tells it the connection's present state at once, so an
     * owner that takes over an accepted connection misses nothing that happened before.
     */
    public void observe(TcpConnection c, TcpObserver observer) {
        LayerEntry e = entryOf(c);
        if (e != null) {
            e.observer = observer;
        }
        if (observer != null) {
            observer.changed(c);
        }
    }

    /** The application wrote to the send buffer. */
    public void flush(long now, TcpConnection c) { c.flush(now); settle(now, c); }

    /**
     * The application flushed: all it wrote goes now, a short tail too, which Nagle (RFC 9293 3.7.4) would
     * hold for more writes that a flush says will not come. The connection's no-delay setting stays as it was.
     */
    public void push(long now, TcpConnection c) { c.push(now); settle(now, c); }

    /** The application read from the receive buffer. */
    public void windowOpened(long now, TcpConnection c) { c.windowOpened(now); settle(now, c); }

    /** Half-close: FIN after what was written; the connection still receives. */
    public void shutdownOutput(long now, TcpConnection c) { c.close(now); settle(now, c); }

    /** Reset and forget (RFC 9293 3.10.5). */
    public void abort(long now, TcpConnection c) { c.abort(now); settle(now, c); }

    /**
     * The owner is done with {@code c} and will read nothing more. With received data unread it
     * is reset at once, as RFC 2525 2.17 advises (the peer learns its data was not consumed);
     * otherwise the FIN goes after what was written and the connection finishes on its own,
     * reset later only if data still arrives for it. The observer is no longer told.
     */
    public void close(long now, TcpConnection c) {
        LayerEntry e = entryOf(c);
        if (e != null) {
            e.observer = null;
        }
        TcpConnection reset = orphans.close(now, c); // bounded in life (OrphanLimits) and in number (the oldest goes)
        settle(now, c);
        if (reset != null) {
            settle(now, reset);
        }
    }

    /** RFC 9293 3.8.4: keep-alives for this connection on or off. */
    public void setKeepAlive(long now, TcpConnection c, boolean on) { c.setKeepAlive(now, on); settle(now, c); }

    /**
     * RFC 9293 MUST-27: the keep-alive timing of {@code c}, as TCP_KEEPIDLE, TCP_KEEPINTVL and
     * TCP_KEEPCNT set it: idle time and interval in nanoseconds (positive), unanswered probes
     * (at least one). A running keep-alive timer follows at once.
     */
    public void setKeepAliveTiming(long now, TcpConnection c, long idleNanos, long intervalNanos, int probes) {
        c.lifespan.keepAliveTiming(idleNanos, intervalNanos, probes);
        settle(now, c);
    }

    /** After any other direct call into {@code c} on the loop thread: re-key its timer, tell its observer, drop it once closed. */
    public void settle(long now, TcpConnection c) {
        LayerEntry e = entryOf(c);
        if (e != null) {
            settle(now, e);
        }
    }

    /** Resets every connection and closes every listener, telling their observers; for when the stack stops. */
    public void closeAll(long now) {
        List<TcpListener> ls = new ArrayList<>();
        listeners.forEach(ls::add);
        for (TcpListener l : ls) {
            unlisten(now, l);
        }
        List<LayerEntry> all = new ArrayList<>();
        connections.forEach(all::add);
        for (LayerEntry e : all) {
            e.connection.abort(now);
            settle(now, e);
        }
        timeWaits.clear();
    }

    /** RFC 5961 7: at most {@code perSecond} challenge ACKs a second from all connections together (default 1000). */
    public void challengeAckLimit(int perSecond) {
        challengeAcks.limit(perSecond);
    }

    /** Orphans held at most (default 1024); a close past it resets the oldest ({@link OrphanCount}). */
    public void orphanLimit(int orphans) { this.orphans.limit(orphans); }

    public int orphanLimit() { return orphans.limit(); }

    /** Orphans held now: closed by the application, not yet in TIME-WAIT or CLOSED. */
    public int orphanCount() { return orphans.count(); }

    /** The stack-wide budgets of send-ring bytes (64 MB by default) and autotuned receive windows (128 MB). */
    public SendMemory sendMemory() { return output.sendMemory(); }
    public ReceiveMemory receiveMemory() { return output.receiveMemory(); }

    /** The connection from {@code localPort} to {@code remoteIp:remotePort}, or null. */
    public TcpConnection find(int remoteIp, int remotePort, int localPort) {
        LayerEntry e = connections.get(key(remoteIp, remotePort, localPort));
        return e == null ? null : e.connection;
    }

    /** Connections in the table (every state but CLOSED, TIME-WAIT included, reduced or not). */
    public int connectionCount() { return connections.size() + timeWaits.size(); }

    /** Connections in the table in {@code state} (TIME_WAIT: those only waiting out 2 MSL); walks the table. */
    public int connectionCount(State state) {
        int[] n = {state == State.TIME_WAIT ? timeWaits.size() : 0};
        connections.forEach(e -> {
            if (e.connection.state() == state) {
                n[0]++;
            }
        });
        return n[0];
    }

    public int listenerCount() { return listeners.size(); }

    /** A snapshot of every connection in the table, by local port, then peer (loop thread only; allocates, for status reports). */
    public List<ConnectionStatus> connectionStatus() {
        List<ConnectionStatus> all = new ArrayList<>(connections.size());
        connections.forEach(e -> all.add(ConnectionStatus.of(e.connection)));
        timeWaits.statuses(ip.address(), all);
        all.sort(java.util.Comparator.comparingInt(ConnectionStatus::localPort)
                .thenComparingLong(s -> Integer.toUnsignedLong(s.remoteIp())).thenComparingInt(ConnectionStatus::remotePort));
        return all;
    }

    /** A snapshot of every listener, by port (loop thread only). */
    public List<ListenerStatus> listenerStatus() {
        List<ListenerStatus> all = new ArrayList<>(listeners.size());
        listeners.forEach(l -> all.add(ListenerStatus.of(l)));
        all.sort(java.util.Comparator.comparingInt(ListenerStatus::port));
        return all;
    }

    // ---------------------------------------------------------------- input

    @Override
    public Counter receive(long now, int source, int destination, byte[] b, int off, int len) {
        if (segment.wrap(b, off, len, source, destination, !ip.checksumTrusted()) != Defect.NONE) {
            return Counter.DROP_TCP_MALFORMED;
        }
        if (destination != ip.address() || ip.linkBroadcast()) {
            // RFC 9293 3.9.2.1 / RFC 1122 4.2.3.10: TCP is for unicast; a broadcast gets neither a connection nor a
            // reset. A unicast address in a link-layer broadcast too (RFC 1122 3.2.2; Linux takes only PACKET_HOST).
            return Counter.DROP_TCP_NOT_UNICAST;
        }
        int sourcePort = segment.sourcePort();
        int destinationPort = segment.destinationPort();
        if (sourcePort == 0 || destinationPort == 0 || segment.options(options) != Defect.NONE) {
            return Counter.DROP_TCP_MALFORMED;
        }
        long key = key(source, sourcePort, destinationPort);
        LayerEntry e = connections.get(key);
        TcpListener listener = listeners.get(destinationPort);
        Counter waited = e == null ? timeWaits.receive(now, key, listener != null, inbound.from(segment, options)) : null;
        if (waited != null) {
            return waited;
        }
        if (e != null && listener != null && (segment.flags() & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) == TcpSegment.SYN
                && acceptsNewIncarnation(e.connection, segment.sequence(), options)) {
            // RFC 6191: a client reusing its port while we hold TIME-WAIT gets a new connection at once.
            forget(e);
            e = null;
        }
        if (e != null) {
            long before = ForwardProgress.mark(e.connection);
            e.connection.process(now, inbound.from(segment, options));
            ForwardProgress.confirmIfMoved(now, ip, e.connection, before);
            settle(now, e);
            return Counter.TCP_DELIVERED;
        }
        if (listener != null) {
            return listening(now, listener, source, sourcePort);
        }
        resets.answer(now, segment, source, sourcePort, destinationPort);
        return Counter.DROP_TCP_NO_SOCKET;
    }

    /**
     * RFC 9293 3.9.2.2 (MUST-54), RFC 1122 4.2.3.9: an ICMP error about one of our segments, found
     * by the four-tuple it quotes, goes to its connection ({@link IcmpErrors} says what it does)
     * if the quoted sequence number is one in flight, SND.UNA &lt;= SEG.SEQ &lt; SND.MAX
     * (RFC 5927 4.1); any other is likely forged or stale and is dropped.
     */
    @Override
    public Counter error(long now, int type, int code, int destination, byte[] b, int off, int len) {
        long key = key(destination, BigEndian.u16(b, off + 2), BigEndian.u16(b, off));
        LayerEntry e = connections.get(key);
        if (e == null) {
            return timeWaits.contains(key) ? Counter.DROP_ICMP_ERROR_STALE : Counter.DROP_ICMP_ERROR_UNMATCHED;
        }
        TcpConnection c = e.connection;
        if (!SeqNum.between(c.sender.una(), BigEndian.i32(b, off + 4), c.sender.max())) {
            return Counter.DROP_ICMP_ERROR_STALE;
        }
        c.icmpError(type, code);
        settle(now, e);
        return Counter.ICMP_ERROR_DELIVERED;
    }

    /** RFC 1191: IP lowered the path MTU to {@code destination}; every connection there makes its segments fit. */
    @Override
    public void pathMtuLowered(long now, int destination, int mtu) {
        connections.forEach(e -> {
            if (e.connection.remoteIp() == destination) {
                e.connection.pathMtu(now, mtu);
                settle(now, e); // never closes it, so the table does not change under the walk
            }
        });
    }

    /**
     * RFC 6191: may a new SYN reopen the four-tuple of {@code c}, whole in TIME-WAIT? Only if it cannot be an old
     * duplicate: its timestamp is newer than the last seen or, without timestamps, its sequence number beyond all.
     */
    private static boolean acceptsNewIncarnation(TcpConnection c, int synSeq, TcpOptions synOptions) {
        return c.state() == State.TIME_WAIT
                && c.receiver.newerThanAnySeen(synSeq, synOptions, c.negotiated().timestamps());
    }

    /** Drops a TIME-WAIT connection from the table and the timers, its four-tuple free for a new one. */
    private void forget(LayerEntry e) {
        connections.remove(e.key());
        timers.schedule(e, Long.MAX_VALUE);
    }

    /** RFC 9293 3.10.7.2: a segment for a listening port and no connection; RFC 4987 3.6 when the SYN queue is full. */
    private Counter listening(long now, TcpListener listener, int source, int sourcePort) {
        int flags = segment.flags();
        if ((flags & TcpSegment.RST) != 0) {
            return Counter.DROP_TCP_LISTEN_UNEXPECTED; // a reset to a listener is ignored
        }
        TcpSettings settings = linkFit.settings(listener.settings(), ip.iface().mtu());
        int tsOffset = isn.timestampOffset(ip.address(), listener.port(), source, sourcePort);
        if ((flags & TcpSegment.ACK) != 0) {
            TcpConnection c = (flags & TcpSegment.SYN) != 0 || !listener.cookiesOutstanding(now) ? null
                    : cookies.connection(now, listener, settings, ip.address(), source, sourcePort, inbound.from(segment, options), tsOffset);
            if (c != null) {
                return listener.acceptQueueFull() ? Counter.DROP_TCP_BACKLOG_FULL : opened(now, listener, c);
            }
            resets.answer(now, segment, source, sourcePort, listener.port()); // acknowledges nothing we sent
            return Counter.DROP_TCP_LISTEN_UNEXPECTED;
        }
        if ((flags & TcpSegment.SYN) == 0 || (flags & TcpSegment.FIN) != 0) { // a SYN-FIN is a scanner's probe (Linux, BSD drop it)
            return Counter.DROP_TCP_LISTEN_UNEXPECTED;
        }
        if (listener.acceptQueueFull() || listener.synQueueFull()) {
            return !listener.acceptQueueFull() && cookies.answer(now, ip, listener, settings, source, segment, options)
                    ? Counter.TCP_DELIVERED : Counter.DROP_TCP_BACKLOG_FULL;
        }
        int iss = isn.next(now, ip.address(), listener.port(), source, sourcePort);
        return opened(now, listener, TcpConnection.accept(now, settings, output, ip.address(), listener.port(),
                source, sourcePort, iss, tsOffset, inbound.from(segment, options)));
    }

    /** A connection the listener's SYN (or cookie) made: in the SYN queue until {@link #settle} moves it on. */
    private Counter opened(long now, TcpListener listener, TcpConnection c) {
        LinkFit.path(now, c, ip.pathMtu(c.remoteIp(), now), ip.iface().mtu());
        stats.increment(Counter.TCP_PASSIVE_OPENS);
        LayerEntry e = new LayerEntry(c, null);
        e.halfOpen = new LayerEntry.HalfOpen(listener, ip.frameSource());
        listener.halfOpen++;
        connections.put(e.key(), e);
        settle(now, e);
        return Counter.TCP_DELIVERED;
    }

    // ---------------------------------------------------------------- output

    /** For {@link LayerOutput}: where the SYN-ACK of {@code c}, in SYN-RECEIVED, goes without waiting for ARP. */
    private long synSource(TcpConnection c) {
        LayerEntry e = entryOf(c);
        return e == null ? ip.frameSource() : e.halfOpen != null ? e.halfOpen.synSource() : LayerOutput.NOT_HALF_OPEN;
    }

    // ---------------------------------------------------------------- bookkeeping after each call

    private LayerEntry entryOf(TcpConnection c) {
        LayerEntry e = connections.get(key(c));
        return e != null && e.connection == c ? e : null;
    }

    private void settle(long now, LayerEntry e) {
        TcpConnection c = e.connection;
        State state = c.state();
        if (e.halfOpen != null && state != State.SYN_RECEIVED) {
            // Out of the SYN queue: established ones go to the accept queue, failed ones are forgotten.
            TcpListener listener = e.halfOpen.listener();
            e.halfOpen = null;
            listener.halfOpen--;
            if (state != State.CLOSED && listener.isClosed()) {
                c.abort(now); // the listener went away meanwhile: nobody will accept it
                state = State.CLOSED;
            } else if (state != State.CLOSED) {
                listener.offer(c);
            }
        }
        if (e.observer != null) {
            e.observer.changed(c);
        }
        sendTurns.holdIfSpent(now, c, stats);
        orphans.settled(c);
        idleRings.arm(now, c);
        if (state == State.CLOSED || state == State.TIME_WAIT && e.observer == null && timeWaits.take(e.key(), c)) {
            connections.remove(e.key()); // closed, or reduced to a TimeWait
            c.receiver.releaseSpace(); // its grown window goes back to the budget
            timers.schedule(e, Long.MAX_VALUE);
        } else {
            timers.schedule(e, c.nextDeadline());
        }
    }

    // ---------------------------------------------------------------- timers

    /** Runs the timers that are due: each connection whose deadline has come is polled once. */
    public void poll(long now) {
        for (int waiting = sendTurns.begin(); waiting > 0; waiting--) {
            TcpConnection c = sendTurns.next(); // a new turn: those whose budget ran out in the last go on, in order
            c.resumeSending(now);
            settle(now, c);
        }
        stats.add(Counter.TCP_SEND_MEMORY_LIMITED, output.sendMemory().takeRefusals()); // counted on application threads
        stats.add(Counter.TCP_SEND_RING_WINDOW_BOUND, output.sendMemory().takeHeldToWindow());
        stats.add(Counter.TCP_IDLE_RINGS_RELEASED, idleRings.sweep(now, connections));
        timeWaits.expire(now);
        for (int budget = timers.size(); budget > 0 && !timers.isEmpty() && timers.firstDeadline() <= now; budget--) {
            LayerEntry e = timers.first();
            e.connection.poll(now);
            settle(now, e);
        }
    }

    /** The earliest connection deadline (Long.MAX_VALUE: none). */
    public long nextDeadline() {
        return Math.min(Math.min(timers.firstDeadline(), sendTurns.deadline()), Math.min(idleRings.deadline(), timeWaits.deadline()));
    }
}
