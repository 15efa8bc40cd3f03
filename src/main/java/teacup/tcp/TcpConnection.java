package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * One TCP connection as a pure state machine (RFC 9293 3.3.2, 3.10): segments and user calls go
 * in with the current time, segments come out through a {@link SegmentOutput}. It never reads a
 * clock, never blocks and knows nothing of links, threads or sockets; the event loop owns it, and
 * applications reach it only through its lock-free {@link SendBuffer} and {@link ReceiveBuffer}.
 *
 * <p>This class holds the states and their moves, the order of RFC 9293 3.10.7's steps for each
 * arriving segment, and the timers' order. The work is in parts that own their state and get what
 * they need as arguments: {@link Handshake}, {@link Receiver}, {@link Sender}, {@link LossRecovery}
 * (with {@link RackDetector} and {@link TailLossProbe}), {@link KeepAlive}, {@link ClosingTimers},
 * {@link OrphanLimits}, {@link IcmpErrors} and {@link ChallengeAcks}. Only the {@link SegmentWriter} emits.
 */
public final class TcpConnection {
    /** A deadline that never comes (a timer that is not running). */
    static final long NEVER = Long.MAX_VALUE;

    public enum State {
        CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT;

        /** RFC 9293 3.3.2: states in which both sides have exchanged ISNs. */
        public boolean synchronized_() {
            return this.compareTo(ESTABLISHED) >= 0;
        }
    }

    /** Why a connection ended, for the application (RFC 9293 MUST-12: tell the user). */
    public enum Ending { NONE, CLOSED_NORMALLY, REFUSED, RESET, TIMED_OUT, ABORTED, UNREACHABLE }

    private final int localIp;
    private final int localPort;
    private final int remoteIp;
    private final int remotePort;
    final Receiver receiver;
    final SegmentWriter writer;
    final Sender sender;
    final LossRecovery recovery;
    private final ConnectionCounters counters = new ConnectionCounters();
    /** Made at the first ICMP error about the connection; most connections never hear one. */
    private IcmpErrors icmp;
    final ChallengeAcks challenges;
    /** Keep-alive, user timeout, orphan and closing bounds, each made when first needed. */
    final Lifespan lifespan;

    private State state;
    private Ending ending = Ending.NONE;

    private TcpConnection(long now, TcpSettings settings, SegmentOutput output, int localIp, int localPort, int remoteIp,
                          int remotePort, int iss, int tsOffset) {
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.receiver = new Receiver(settings, tsOffset, output.receiveMemory());
        this.writer = new SegmentWriter(this, output, settings, iss, tsOffset);
        this.sender = new Sender(settings, writer, counters, iss);
        this.recovery = new LossRecovery(iss, counters);
        this.challenges = new ChallengeAcks(settings, now);
        this.lifespan = new Lifespan(settings);
    }

    /** Active open (RFC 9293 3.10.1): sends the SYN now, enters SYN-SENT; TSvals start at {@code tsOffset} (RFC 7323 5.4). */
    public static TcpConnection connect(long now, TcpSettings settings, SegmentOutput output,
                                        int localIp, int localPort, int remoteIp, int remotePort, int iss, int tsOffset) {
        TcpConnection c = new TcpConnection(now, settings, output, localIp, localPort, remoteIp, remotePort, iss, tsOffset);
        c.state = State.SYN_SENT;
        c.sender.sendSyn(now, false);
        c.lifespan.trackUserTimeout(now, c.sender, true);
        return c;
    }

    /**
     * Passive open for a SYN that reached a listener (RFC 9293 3.10.7.2): takes the peer's ISN
     * and options, answers SYN-ACK, and enters SYN-RECEIVED.
     */
    public static TcpConnection accept(long now, TcpSettings settings, SegmentOutput output, int localIp, int localPort,
                                       int remoteIp, int remotePort, int iss, int tsOffset, InboundSegment syn) {
        TcpConnection c = new TcpConnection(now, settings, output, localIp, localPort, remoteIp, remotePort, iss, tsOffset);
        c.state = State.SYN_RECEIVED;
        Handshake.synAtListener(now, syn, settings, c.receiver, c.sender, c.writer);
        return c;
    }

    // ---------------------------------------------------------------- accessors

    public State state() { return state; }
    public Ending ending() { return ending; }
    public SendBuffer sendBuffer() { return sender.buffer(); }
    public ReceiveBuffer receiveBuffer() { return receiver.buffer(); }

    // The four-tuple.
    public int localIp() { return localIp; }
    public int localPort() { return localPort; }
    public int remoteIp() { return remoteIp; }
    public int remotePort() { return remotePort; }

    /** What the SYN exchange settled: the peer's MSS, window scales, timestamps and SACK. */
    public Negotiated negotiated() { return sender.negotiated(); }

    public RttEstimator rtt() { return sender.rtt(); }
    public CongestionControl congestion() { return sender.congestion(); }

    /** True once the peer has sent FIN and every byte before it is readable: reads end after the buffer drains. */
    public boolean peerFinished() { return receiver.finReceived(); }

    /** How the connection handled loss, over its life (loop thread only). */
    public ConnectionCounters counters() { return counters; }

    public boolean orphaned() { return lifespan.orphaned(); }

    // ---------------------------------------------------------------- user calls

    /** The application wrote to the send buffer: send what the windows, Nagle and SWS avoidance allow. */
    public void flush(long now) {
        userSend(now, SendLimits.NORMAL);
    }

    /** The application flushed: what it wrote goes now, a short tail included, Nagle or not. */
    public void push(long now) {
        userSend(now, SendLimits.PUSH);
    }

    private void userSend(long now, SendLimits limits) {
        if (state == State.ESTABLISHED || state == State.CLOSE_WAIT) {
            transmit(now, limits);
            lifespan.trackUserTimeout(now, sender, userTimed());
        }
    }

    /**
     * RFC 9293 3.10.4 CLOSE: no more data; FIN follows the last byte. A half-close: reads go on
     * until the peer's FIN. The stack calls it for {@code shutdownOutput}, and for a socket's
     * {@code close} once all received data is read (with unread data it aborts, RFC 2525 2.17).
     */
    public void close(long now) {
        switch (state) {
            case SYN_SENT -> end(Ending.CLOSED_NORMALLY);
            case SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT -> {
                sender.queueFin();
                transmit(now, SendLimits.NORMAL); // not in SYN-RECEIVED: the FIN goes once established (RFC 9293 3.10.4)
                lifespan.trackUserTimeout(now, sender, userTimed());
            }
            default -> { }
        }
    }

    /** RFC 9293 MUST-17: Nagle's algorithm is on unless the application turns it off. */
    public void setNoDelay(boolean noDelay) {
        sender.noDelay(noDelay);
    }

    /** RFC 5482 (TCP_USER_TIMEOUT): how long data may wait without progress, in nanoseconds; 0 for no limit. */
    public void setUserTimeout(long nanos) { lifespan.userTimeout(nanos); }
    public long userTimeout() { return lifespan.userTimeout(); }

    /** RFC 9293 3.8.4 (MUST-24): keep-alives are off unless the application asks for them. */
    public void setKeepAlive(long now, boolean on) {
        lifespan.keepAlive(now, on);
    }

    /**
     * The application let go (its socket is closed): the close still finishes, but data that
     * arrives is answered with a reset (RFC 9293 3.10.7.4), FIN-WAIT-2 lasts at most 2 MSL, and the
     * rest of its life is bounded ({@link OrphanLimits}).
     */
    public void orphan(long now) {
        lifespan.orphan(now);
        if (state == State.FIN_WAIT_2) {
            lifespan.closing().boundFinWait2(now, true);
        }
        lifespan.discardBuffersIfDone(state, sender.buffer(), receiver.buffer());
    }

    /** RFC 9293 3.10.5 ABORT: a reset to the peer (in synchronized states) and gone. */
    public void abort(long now) {
        if (state == State.SYN_RECEIVED || state.synchronized_() && state != State.TIME_WAIT) {
            sender.sendReset(now);
        }
        end(Ending.ABORTED);
    }

    /** The application read: a window update goes if it is worth one (RFC 9293 3.8.6.2.2, MUST-39). */
    public void windowOpened(long now) {
        if (state.synchronized_() && state != State.TIME_WAIT && !receiver.finReceived()
                && receiver.windowUpdateWorthSending(now, negotiated().receiveScale(), writer)) {
            sender.sendAck(now);
        }
    }

    /** An ICMP error about a segment of ours in flight ({@link IcmpErrors}): remembered, or the end of the connection. */
    public void icmpError(int type, int code) {
        if (icmp == null) {
            icmp = new IcmpErrors();
        }
        Ending hard = icmp.take(state, type, code);
        if (hard != Ending.NONE) {
            end(hard);
        }
    }

    /** RFC 1191: the path to the peer takes at most {@code mtu} bytes ({@link PathMtuSearch}); what is in flight above it goes again now. */
    void pathMtu(long now, int mtu) {
        if (recovery.pathMtu(writer).lowered(now, mtu, sender)) {
            transmit(now, SendLimits.NORMAL);
        }
    }

    // ---------------------------------------------------------------- segment arrival

    /** A segment for this connection arrived (RFC 9293 3.10.7); nothing of {@code segment} is kept. */
    public void process(long now, InboundSegment segment) {
        switch (state) {
            case CLOSED, LISTEN -> { }
            case SYN_SENT -> synSent(now, segment);
            default -> synchronizedOrSynReceived(now, segment);
        }
        lifespan.trackUserTimeout(now, sender, userTimed());
    }

    /** RFC 9293 3.10.7.3: our SYN is out; this may be the SYN-ACK, a simultaneous SYN, or a refusal. */
    private void synSent(long now, InboundSegment s) {
        switch (Handshake.synSent(now, s, lifespan.settings(), receiver, sender, writer)) {
            case IGNORED -> { }
            case REFUSED -> end(Ending.REFUSED);
            case SYN_ACK -> {
                lifespan.heard(now);
                recovery.newData(now, s.ack, s.options, sender, negotiated().sack(), probing(),
                        sender.retransmissions() > 0);
                state = State.ESTABLISHED;
                // RFC 9293 3.10.7.3: text and FIN on the SYN-ACK are taken (the sixth step on); one ACK covers all.
                if (s.length > 0) {
                    receiver.data(SeqNum.add(s.seq, 1), s.payload, s.offset, s.length);
                }
                if (s.has(TcpSegment.FIN) && receiver.finInOrder(SeqNum.add(s.seq, s.sequenceLength() - 1))) {
                    receiver.fin();
                    state = State.CLOSE_WAIT;
                }
                sender.sendAck(now);
                transmit(now, SendLimits.NORMAL);
            }
            case SYN -> {
                // Simultaneous open: SYN-RECEIVED, answer with SYN-ACK (same ISN).
                lifespan.heard(now);
                state = State.SYN_RECEIVED;
                sender.rewindToIss();
                sender.sendSyn(now, true);
            }
        }
    }

    /** RFC 9293 3.10.7.4, steps 1 to 4, in order; then the ACK (step 5) and the text and FIN (steps 7 and 8). */
    private void synchronizedOrSynReceived(long now, InboundSegment s) {
        boolean rst = s.has(TcpSegment.RST);
        boolean syn = s.has(TcpSegment.SYN);
        int seq = s.seq;
        int segLen = s.sequenceLength();
        // RFC 7323 5.3 R1 (PAWS): a timestamp older than TS.Recent marks an old duplicate; ACK it and drop it.
        if (timestamped(s) && !rst && receiver.pawsRejects(s.options.tsVal(), now)) {
            sender.sendAck(now);
            return;
        }
        // The peer's SYN again while we are in SYN-RECEIVED: our SYN-ACK was lost.
        if (state == State.SYN_RECEIVED && Handshake.synAgain(now, s, receiver, sender)) {
            return;
        }
        // RFC 9293 3.10.7.4: a zero window takes no text, but the valid ACK of a segment at RCV.NXT still counts.
        if (!rst && !syn && s.has(TcpSegment.ACK) && receivingText() && receiver.closedWindowAt(seq, segLen)) {
            if (acknowledgment(now, s, seq)) {
                receiver.urgentPointer(s, counters); // 6. the URG bit counts at a zero window too (MUST-66)
                transmit(now, SendLimits.NORMAL);
                sender.sendAck(now); // the text was not taken: the window is still zero
            }
            return;
        }
        // 1. Sequence number check (RFC 9293 3.10.7.4, the four cases).
        if (!receiver.acceptable(seq, segLen)) {
            if (!rst) {
                receiver.duplicate(seq, s.length); // RFC 2883: an old duplicate's ACK carries a D-SACK block
                sender.sendAck(now); // 3.10.7.4: an unacceptable segment is answered with an ACK (unless it is a RST)
                if (state == State.TIME_WAIT && s.has(TcpSegment.FIN) && SeqNum.add(seq, segLen) == receiver.rcvNxt()) {
                    lifespan.closing().restartTimeWait(now); // the peer's FIN again: our last ACK was lost (3.10.7.4)
                }
            }
            return;
        }
        // 2. RST (RFC 5961 3.2): exactly at RCV.NXT resets; elsewhere in the advertised window, a challenge ACK;
        // beyond it, nothing. In TIME-WAIT a RST is ignored (RFC 1337): it would cut the wait short.
        if (rst) {
            if (state != State.TIME_WAIT && seq == receiver.rcvNxt()) {
                end(state == State.SYN_RECEIVED ? Ending.REFUSED : Ending.RESET);
            } else if (state != State.TIME_WAIT && receiver.inAdvertisedWindow(seq)) {
                challenges.send(now, sender, writer);
            }
            return;
        }
        // 4. SYN in a synchronized state (RFC 5961 4.2): challenge ACK, nothing else.
        if (syn && state != State.SYN_RECEIVED) {
            challenges.send(now, sender, writer);
            return;
        }
        if (syn) {
            // A retransmitted SYN while in SYN-RECEIVED: our SYN-ACK was lost; it goes again on the timer.
            seq = SeqNum.add(seq, 1);
            segLen--;
        }
        // 5. ACK.
        if (s.has(TcpSegment.ACK) && acknowledgment(now, s, seq)) {
            segmentText(now, s, seq, segLen);
        }
    }

    /**
     * RFC 9293 3.10.7.4 step 5, and the closing states' moves on it. False when the segment needs
     * nothing more (the handshake's ACK was bad, the ACK was unacceptable, or the state is one
     * that takes no text).
     */
    private boolean acknowledgment(long now, InboundSegment s, int seq) {
        lifespan.heard(now);
        sender.peerAnswered();
        if (state == State.SYN_RECEIVED) {
            if (!Handshake.synAcknowledged(now, s, seq, sender, writer)) {
                return false;
            }
            state = State.ESTABLISHED;
        }
        // RFC 5961 5.2: an ACK older than the largest window we were ever offered, or for data not yet sent, is ignored with an ACK.
        if (sender.ackUnacceptable(s.ack)) {
            challenges.send(now, sender, writer);
            return false;
        }
        // RFC 7323 4.3, 5.3 R3: TS.Recent only from a segment that passed every check (RFC 5961 too), or one forgery poisons PAWS.
        if (timestamped(s)) {
            receiver.rememberTimestamp(seq, s.options.tsVal(), now);
        }
        int scaledWindow = s.window << negotiated().sendScale();
        if (recovery.ackArrived(now, s, scaledWindow, sender, negotiated().sack(), probing())) {
            transmit(now, SendLimits.NORMAL); // limited transmit, or recovery with no hole left to fill
        }
        recovery.undoIfSpurious(now, sender);
        sender.updateWindow(seq, s.ack, scaledWindow);
        return closingOnAck(now, s.has(TcpSegment.FIN));
    }

    private boolean timestamped(InboundSegment s) { return negotiated().timestamps() && s.options.hasTimestamps(); }

    /** The closing states' moves once our FIN is acknowledged; false in states that take no text. */
    private boolean closingOnAck(long now, boolean fin) {
        boolean finAcked = sender.finAcknowledged();
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    state = State.FIN_WAIT_2;
                    if (lifespan.orphaned()) {
                        lifespan.closing().boundFinWait2(now, false);
                    }
                }
            }
            case CLOSING, LAST_ACK -> {
                if (finAcked && state == State.CLOSING) {
                    enterTimeWait(now);
                } else if (finAcked) {
                    end(Ending.CLOSED_NORMALLY);
                }
                return false;
            }
            case TIME_WAIT -> {
                if (fin) {
                    sender.sendAck(now); // the peer's FIN again: our last ACK was lost; restart 2 MSL (3.10.7.4)
                    lifespan.closing().restartTimeWait(now);
                }
                return false;
            }
            default -> { }
        }
        return true;
    }

    /** RFC 9293 3.10.7.4 steps 7 and 8: the segment's text and FIN; then what may be sent, and the ACK. */
    private void segmentText(long now, InboundSegment s, int seq, int segLen) {
        Receiver.AckUrgency urgency = Receiver.AckUrgency.DELAYED;
        if (s.length > 0 && lifespan.orphaned() && (state == State.FIN_WAIT_1 || state == State.FIN_WAIT_2)) {
            // Nobody will read this: tell the peer so it stops (RFC 9293 3.10.7.4; RFC 2525 2.17).
            sender.sendReset(now);
            end(Ending.ABORTED);
            return;
        }
        if (receivingText()) {
            urgency = receiver.text(now, seq, s, timestamped(s), counters); // 6. the URG bit, and 7. the text
        }
        // 8. FIN, only when everything before it has arrived (a FIN beyond a gap is taken when it comes again in order).
        if (s.has(TcpSegment.FIN) && receiver.finInOrder(SeqNum.add(seq, segLen - 1))) {
            receiver.fin();
            urgency = Receiver.AckUrgency.NOW;
            switch (state) {
                case SYN_RECEIVED, ESTABLISHED -> state = State.CLOSE_WAIT;
                case FIN_WAIT_1 -> {
                    if (sender.finAcknowledged()) {
                        enterTimeWait(now);
                    } else {
                        state = State.CLOSING;
                    }
                }
                case FIN_WAIT_2 -> enterTimeWait(now);
                default -> { }
            }
        }
        // With SACK, the ACK for out-of-order data goes on its own so it can carry the blocks.
        boolean sackNow = urgency == Receiver.AckUrgency.NOW && negotiated().sack() && receiver.hasSackBlocks();
        transmit(now, SendLimits.NORMAL); // data going out carries the ACK
        if (sackNow || receiver.ackDue(now, urgency)) {
            sender.sendAck(now);
        }
    }

    // ---------------------------------------------------------------- sending

    private boolean receivingText() {
        return state == State.ESTABLISHED || state == State.FIN_WAIT_1 || state == State.FIN_WAIT_2;
    }

    private boolean sending() {
        return state == State.ESTABLISHED || state == State.CLOSE_WAIT || state == State.FIN_WAIT_1
                || state == State.CLOSING || state == State.LAST_ACK;
    }

    /** Tail loss probes run with SACK only, while the connection sends. */
    private boolean probing() {
        return negotiated().sack() && sending();
    }

    /** A new turn of the event loop after this connection's {@link SendBudget} ran out: it goes on sending. */
    void resumeSending(long now) {
        transmit(now, SendLimits.NORMAL);
    }

    /** New data as far as {@code limits} let it go; the probe timer follows what went, and the state our first FIN. */
    private void transmit(long now, SendLimits limits) {
        if (!sending()) {
            return;
        }
        boolean finWasSent = sender.finSent();
        if (recovery.transmit(now, limits, sender)) {
            recovery.sent(now, sender, probing());
        }
        if (!finWasSent && sender.finSent()) {
            state = state == State.ESTABLISHED ? State.FIN_WAIT_1 : state == State.CLOSE_WAIT ? State.LAST_ACK : state;
        }
    }

    // ---------------------------------------------------------------- timers

    /**
     * Runs the timers due at {@code now}, in order: TIME-WAIT and FIN-WAIT-2, an orphan's life, the delayed ACK,
     * RACK's reordering timer, the tail loss probe, retransmission (RFC 6298 5.4-5.7), the
     * persist and SWS override timer, and keep-alive.
     */
    public void poll(long now) {
        Ending closed = lifespan.closingPoll(now, state == State.FIN_WAIT_2);
        if (closed != Ending.NONE) {
            end(closed);
            return;
        }
        if (lifespan.orphanExpired(now, state, writer)) {
            sender.sendReset(now); // every state an orphan's life bounds is synchronized, or SYN-RECEIVED
            end(Ending.TIMED_OUT);
            return;
        }
        if (now >= lifespan.userTimeoutDeadline()) { // RFC 5482: the data waited too long, probes answered or not
            writer.count(teacup.stats.Counter.TCP_USER_TIMEOUTS);
            giveUp(now);
            return;
        }
        if (receiver.ackTimerFired(now)) {
            sender.sendAck(now);
        }
        tailLossProbe(now, recovery.poll(now, sender, sending()));
        if (now >= sender.retransmitDeadline()) {
            retransmitTimeout(now);
        }
        if (state != State.CLOSED && sender.persistTimerFired(now)) {
            persist(now);
        }
        if (state == State.CLOSED) {
            return;
        }
        lifespan.trackUserTimeout(now, sender, userTimed());
        switch (lifespan.keepAlivePoll(now, keepAliveApplies())) {
            case GIVE_UP -> giveUp(now); // RFC 9293 3.8.4: the peer stopped answering; it is gone
            case PROBE -> sender.sendProbe(now);
            case NOTHING -> { }
        }
    }

    /** When {@link #poll} next has work: the earliest of the parts' deadlines and the connection's own. */
    public long nextDeadline() {
        long next = Math.min(sender.retransmitDeadline(), sender.persistDeadline());
        next = Math.min(next, recovery.nextDeadline());
        next = Math.min(next, lifespan.nextDeadline(state, keepAliveApplies()));
        return Math.min(next, receiver.nextDeadline());
    }

    private void retransmitTimeout(long now) {
        Sender.Timeout timeout = sender.retransmissionTimeout(now, state.synchronized_(), retransmissionLimit());
        if (timeout != Sender.Timeout.RETRANSMIT) { // R2 reached, or a zero window probed (MUST-35)
            if (timeout == Sender.Timeout.GIVE_UP) {
                giveUp(now);
            }
            return;
        }
        switch (state) {
            case SYN_SENT, SYN_RECEIVED -> sender.resendSyn(now, state == State.SYN_RECEIVED);
            default -> {
                // RFC 5681 3.1 and RFC 6582 3.2 step 4: collapse the window, forget recovery, go back to SND.UNA.
                recovery.retransmissionTimeout(now, sender, writer);
                transmit(now, SendLimits.NORMAL); // the FIN, if sent before, goes again after the data; no state moves twice
                sender.restartRetransmitTimerIfIdle(now);
            }
        }
    }

    /** RFC 8985 7.3: what a tail loss probe that fired needs still; the RTO then runs from now. */
    private void tailLossProbe(long now, TailLossProbe.Outcome outcome) {
        if (outcome == TailLossProbe.Outcome.NEW_DATA) {
            transmit(now, SendLimits.PROBE);
        }
        if (outcome != TailLossProbe.Outcome.NONE) {
            sender.rearmRetransmitTimer(now);
        }
    }

    /** The persist timer: probe a zero window (RFC 9293 3.8.6.1, MUST-36), or end an SWS wait (3.8.6.2.1). */
    private void persist(long now) {
        if (sending()) {
            switch (sender.persist(now, retransmissionLimit())) {
                case GIVE_UP -> giveUp(now);
                case SEND_SHORT -> transmit(now, SendLimits.SWS_OVERRIDE);
                case PROBED -> { }
            }
        }
    }

    /** R2: the SYN-ACK's own in SYN-RECEIVED, else the settings'; an orphan's when fewer. */
    private int retransmissionLimit() { return lifespan.retransmissionLimit(state); }
    /** The user timeout runs from our SYN on, as Linux's; not for a listener's half-open connection (synAckRetries bounds those). */
    private boolean userTimed() { return state != State.SYN_RECEIVED && state != State.TIME_WAIT && state != State.CLOSED; }

    /** RFC 9293 3.8.4: keep-alives run only on an idle connection with nothing outstanding. */
    private boolean keepAliveApplies() {
        return (state == State.ESTABLISHED || state == State.CLOSE_WAIT || state == State.FIN_WAIT_2)
                && sender.allAcknowledged();
    }

    // ---------------------------------------------------------------- ending

    /** A limit reached (R2, persist, keep-alive): a reset once synchronized, and gone, saying why (the last ICMP error, if any). */
    private void giveUp(long now) {
        lifespan.gaveUp(writer);
        if (state.synchronized_() || state == State.SYN_RECEIVED) {
            sender.sendReset(now);
        }
        end(icmp == null ? Ending.TIMED_OUT : icmp.timedOut());
    }

    private void enterTimeWait(long now) {
        state = State.TIME_WAIT;
        lifespan.timeWait(now);
        lifespan.discardBuffersIfDone(state, sender.buffer(), receiver.buffer());
        sender.stopTimers();
    }

    private void end(Ending why) {
        state = State.CLOSED;
        ending = why;
        lifespan.discardBuffersIfDone(state, sender.buffer(), receiver.buffer());
        sender.stopTimers();
        lifespan.stop();
        receiver.stop();
        recovery.stop();
    }

    @Override
    public String toString() {
        return "TcpConnection[" + state + " una=" + Integer.toUnsignedString(sender.una()) + " nxt="
                + Integer.toUnsignedString(sender.nxt()) + " rcv=" + Integer.toUnsignedString(receiver.rcvNxt())
                + " cwnd=" + sender.congestion().cwnd() + " wnd=" + sender.window() + "]";
    }
}
