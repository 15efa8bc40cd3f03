package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * Fast retransmit and fast recovery (RFC 5681 3.2, RFC 6582), with the peer's SACKs when it sends
 * them (RFC 6675), early retransmit (RFC 5827), the repair of lost retransmissions that
 * {@link RackDetector} finds (RFC 8985 6.2), the {@link TailLossProbe} (RFC 8985 7), and the
 * undo of a recovery that D-SACKs show was spurious (RFC 3708). It decides what goes again; the
 * {@link Sender} sends it. New data it leaves to the connection, which it tells so by its answers.
 */
final class LossRecovery {
    private final int iss;
    private final ConnectionCounters counters;
    /** RACK's reordering timer ({@link RackDetector}, RFC 8985 6.3). */
    private long rackCheckAt = TcpConnection.NEVER;
    private final TailLossProbe probe;
    /**
     * Made at the first timeout or path MTU news (ICMP, or what IP knew at the open): until then the
     * peer's MSS rules and nothing is searched for, which most connections never change, and an
     * idle one held by the thousand should not keep the search's state. Null meanwhile.
     */
    private PathMtuSearch pathMtu;
    private int duplicateAcks;
    /** RFC 6582 recover: one past the highest byte sent when the last recovery (or timeout) began. */
    private int recover;
    /** In recovery: everything below this has been retransmitted once already (RFC 6675 HighRxt). */
    private int highRxt;
    /**
     * Duplicate ACKs (or segments' worth of SACKed data) that mean loss rather than reordering:
     * 3 (RFC 5681), raised when D-SACKs show a recovery was spurious, as a path that reorders does.
     */
    private int reorderThreshold = 3;
    // Spurious recovery detection with D-SACK (RFC 3708): the window before the reduction, and the tally.
    private boolean undoPossible;
    private int savedCwnd;
    private int savedSsthresh;
    private int episodeRetransmits;
    private int episodeDuplicates;
    /** SND.UNA when the episode began: everything it retransmits lies at or above. */
    private int episodeStart;

    LossRecovery(int iss, ConnectionCounters counters) {
        this.iss = iss;
        this.recover = iss;
        this.counters = counters;
        this.probe = new TailLossProbe();
    }

    int duplicateAcks() {
        return duplicateAcks;
    }

    /** The connection's path MTU search, made now if it was not yet ({@code writer}: the connection's). */
    PathMtuSearch pathMtu(SegmentWriter writer) {
        if (pathMtu == null) {
            pathMtu = new PathMtuSearch(counters, writer);
        }
        return pathMtu;
    }

    /**
     * New data as far as {@code limits} let it go (RFC 3042 limited transmit counts the duplicate
     * ACKs), a path MTU probe first if one is due (RFC 4821). True when anything went.
     */
    boolean transmit(long now, SendLimits limits, Sender sender) {
        if (pathMtu != null) {
            pathMtu.probe(now, sender);
        }
        return sender.transmit(now, limits, duplicateAcks);
    }

    int reorderThreshold() {
        return reorderThreshold;
    }

    // ---------------------------------------------------------------- D-SACK undo (RFC 3708)

    /**
     * Counts a D-SACK for data this episode retransmitted, but not one for the last tail loss
     * probe, whose duplicate says nothing about the episode. Only data at or above the
     * episode's start counts: a D-SACK for something resent before it began (a timeout going back
     * over data whose SACKs were lost, say) would otherwise make a real loss look spurious.
     */
    private void tallyDuplicateSack(int ack, TcpOptions options) {
        if (undoPossible && isDuplicateSack(ack, options) && options.sackLeft(0) != probe.probeSeq()
                && SeqNum.ge(options.sackLeft(0), episodeStart)) {
            episodeDuplicates++;
        }
    }

    /**
     * RFC 2883 4: the first SACK block reports a duplicate when it lies below the cumulative ACK
     * or within the second block.
     */
    private static boolean isDuplicateSack(int ack, TcpOptions options) {
        int left = options.sackLeft(0);
        int right = options.sackRight(0);
        if (SeqNum.le(right, ack)) {
            return true;
        }
        return options.sackBlockCount() > 1 && SeqNum.ge(left, options.sackLeft(1)) && SeqNum.le(right, options.sackRight(1));
    }

    /**
     * RFC 3708: when every retransmission of the episode reached the peer twice, nothing was
     * lost: the path reordered. Take the reduction back and wait for more evidence next time.
     */
    void undoIfSpurious(long now, Sender sender) {
        if (!undoPossible || episodeRetransmits == 0 || episodeDuplicates < episodeRetransmits) {
            return;
        }
        undoPossible = false;
        counters.spuriousRecovery();
        sender.congestion().undo(now, savedCwnd, savedSsthresh);
        // Nothing of that episode was lost, so it no longer guards its window against a second reduction
        // (RFC 6582 4.1): the next real loss, even below the old recovery point, starts recovery at once.
        recover = sender.una();
        reorderThreshold = Math.min(2 * reorderThreshold, 32);
    }

    // ---------------------------------------------------------------- acknowledgments

    /**
     * What an acceptable ACK says about our data (RFC 9293 3.10.7.4 step 5): D-SACKs are
     * tallied, new SACK blocks taken, and new data acknowledged, or else a duplicate ACK counted
     * (RFC 5681 2; RFC 6675 2 counts one that brings new SACK information too). {@code
     * scaledWindow}: the window it offers; {@code probing}: tail loss probes may run. Returns
     * true when the connection should send new data now.
     */
    boolean ackArrived(long now, InboundSegment s, int scaledWindow, Sender sender, boolean sack, boolean probing) {
        boolean sacks = sack && s.options().sackBlockCount() > 0;
        if (sacks) {
            tallyDuplicateSack(s.ack(), s.options());
        }
        boolean newSack = sacks && sender.sacked().record(s.options(), sender.una(), sender.max());
        if (SeqNum.gt(s.ack(), sender.una())) {
            newData(now, s.ack(), s.options(), sender, sack, probing, false);
            return false;
        }
        boolean duplicate = sender.isDuplicateCandidate(s.ack()) && (newSack || s.length() == 0
                && !s.has(TcpSegment.FIN) && !s.has(TcpSegment.SYN) && sender.windowUnchanged(scaledWindow));
        if (!duplicate) {
            return false;
        }
        boolean inRecovery = sender.congestion().inRecovery();
        boolean sendNew = duplicateAck(now, sender, sack, probing);
        if (inRecovery) {
            rearm(now, sender, probing); // the peer answered: a further silence may be probed again
        }
        return sendNew;
    }

    /**
     * New data acknowledged up to {@code ack}: the sender moves (an RTT sample unless {@code
     * synRetried}: our SYN went more than once), then recovery goes on as {@link #acknowledged} says.
     */
    void newData(long now, int ack, TcpOptions options, Sender sender, boolean sack, boolean probing,
                 boolean synRetried) {
        int acked = SeqNum.diff(ack, sender.una());
        int released = sender.acknowledge(now, ack, options, synRetried);
        acknowledged(now, ack, acked, released, sender, sack, probing);
    }

    /**
     * SND.UNA advanced by {@code acked} ({@code released} of it data) to {@code ack}: the end of
     * recovery, a partial acknowledgment whose next hole goes at once (RFC 6582 3.2 step 5), or,
     * outside recovery, the congestion window's growth. Then the retransmission timer restarts
     * (RFC 6298 5.2, 5.3), and the probe and reordering timers follow; {@code probing}: tail loss
     * probes may run.
     */
    private void acknowledged(long now, int ack, int acked, int released, Sender sender, boolean sack, boolean probing) {
        if (pathMtu != null) {
            pathMtu.acknowledged(now, sender);
        }
        repairOrGrow(now, ack, acked, released, sender, sack);
        sender.restartRetransmitTimer(now);
        rearm(now, sender, probing);
    }

    private void repairOrGrow(long now, int ack, int acked, int released, Sender sender, boolean sack) {
        CongestionControl congestion = sender.congestion();
        int flight = sender.outstanding();
        if (!congestion.inRecovery()) {
            duplicateAcks = 0;
            if (released > 0) {
                RttEstimator rtt = sender.rtt();
                congestion.onAck(now, released, flight, rtt.hasSample() ? rtt.srtt() : 0);
            }
            return;
        }
        if (SeqNum.ge(ack, recover)) {
            congestion.onExitRecovery(now, flight); // RFC 6582 3.2 step 3: a full acknowledgment
            duplicateAcks = 0;
            return;
        }
        congestion.onPartialAck(acked);
        // The new first segment went again earlier in this recovery (it lies below HighRxt): with SACK, that
        // copy is still on its way and sending it once more only earns a D-SACK (which then reads as a
        // spurious recovery); whether it was lost is the lost-retransmission check's call.
        boolean headResent = sack && SeqNum.gt(highRxt, sender.una());
        if (SeqNum.lt(highRxt, sender.una())) {
            highRxt = sender.una();
        }
        if (!retransmitLost(now, sender) && !retransmitNextHole(now, sender) && !headResent) {
            retransmitFirst(now, sender);
        }
    }

    /**
     * RFC 5681 3.2 with RFC 6582: a duplicate ACK. In recovery it inflates the window and repairs
     * the lowest hole; otherwise the threshold's worth (or other evidence of loss: SACKed data,
     * early retransmit, a tail loss probe's answer) starts recovery. Returns true when the
     * connection should send new data now (in recovery with nothing to repair, or RFC 3042
     * limited transmit).
     */
    private boolean duplicateAck(long now, Sender sender, boolean sack, boolean probing) {
        if (pathMtu != null && pathMtu.repairing()) {
            return true; // a lost path MTU probe's bytes are on their way again: not congestion (RFC 4821 7.6.2)
        }
        duplicateAcks++;
        CongestionControl congestion = sender.congestion();
        if (congestion.inRecovery()) {
            congestion.onDuplicateAckInRecovery();
            // RFC 6675 NextSeg rule 1: with a scoreboard, fill the lowest hole before sending new data; a lost
            // retransmission is the lowest of all (RFC 8985 6.2).
            return !retransmitLost(now, sender) && !retransmitNextHole(now, sender);
        }
        if (duplicateAcks < reorderThreshold && !lossIndicated(sender, sack)
                && !(probe.outstanding() && sack && !sender.sacked().isEmpty())) {
            return true; // RFC 3042 limited transmit
        }
        if (pathMtu != null && pathMtu.probeLost(now, sender)) {
            duplicateAcks = 0;
            return false;
        }
        // RFC 6582 4.1: no second fast retransmit for data sent before the last recovery began. Our recover is
        // one past the highest byte then sent, so SND.UNA at recover already covers it (RFC 6675 5.1: a new
        // recovery may start once HighACK >= RecoveryPoint); requiring more would leave a loss of the very
        // first segment after that point to the RTO.
        if (SeqNum.ge(sender.una(), recover) || recover == iss) {
            enterRecovery(now, sender, sack, probing);
        }
        return false;
    }

    private void enterRecovery(long now, Sender sender, boolean sack, boolean probing) {
        CongestionControl congestion = sender.congestion();
        recover = sender.max();
        highRxt = sender.una();
        undoPossible = sack;
        savedCwnd = congestion.cwnd();
        savedSsthresh = congestion.ssthresh();
        episodeRetransmits = 0;
        episodeDuplicates = 0;
        episodeStart = sender.una();
        counters.recoveryEpisode();
        congestion.onEnterRecovery(now, sender.outstanding());
        if (!retransmitNextHole(now, sender)) {
            retransmitFirst(now, sender);
        }
        // The probe timer runs from the fast retransmit, not from the flight's last send: a probe due at the
        // instant the repair's ACK comes would resend the flight's last segment, which the peer may have SACKed.
        probe.arm(now, sender, probing);
    }

    /**
     * Whether the first unacknowledged segment is lost though fewer than three duplicate ACKs came:
     * RFC 6675 IsLost (three segments' worth SACKed above it, as when ACKs themselves were lost),
     * or RFC 5827 early retransmit (fewer than four segments outstanding and nothing new to send,
     * so three duplicates can never come; the threshold is one less than the segments out).
     */
    private boolean lossIndicated(Sender sender, boolean sack) {
        int mss = Math.max(1, sender.segmentSize());
        if (sack && sender.sacked().sackedBytes() >= reorderThreshold * mss) {
            return true;
        }
        int segments = (sender.outstanding() + mss - 1) / mss;
        boolean nothingNew = sender.unsentBeyondMax() <= 0;
        return segments < 4 && nothingNew && duplicateAcks >= Math.max(1, segments - 1);
    }

    /**
     * RFC 5681 3.1 and RFC 6582 3.2 step 4, after a retransmission timeout: recovery is forgotten
     * and the recovery point moves to what was sent; the sender's window collapses and it goes
     * back to SND.UNA. The path MTU search hears of it first (a black hole shows as timeouts).
     */
    void retransmissionTimeout(long now, Sender sender, SegmentWriter writer) {
        pathMtu(writer).timedOut(now, sender);
        recover = sender.max();
        if (reorderThreshold > 3 && sender.sacked().sackedBytes() >= 3 * Math.max(1, sender.segmentSize())) {
            // A raised threshold let a loss that three SACKed segments already showed run into the RTO: the
            // earlier reordering evidence was wrong or is stale (Linux resets its reordering degree likewise).
            reorderThreshold = 3;
        }
        undoPossible = false;
        duplicateAcks = 0;
        sender.rewindAfterTimeout(now);
        rackCheckAt = TcpConnection.NEVER;
    }

    // ---------------------------------------------------------------- timers

    /** The peer answered or data went: the reordering timer and a fresh probe timer ({@code probing}: they may run). */
    void rearm(long now, Sender sender, boolean probing) {
        probe.answered();
        probe.arm(now, sender, probing);
        rackCheckAt = RackDetector.lossCheckTime(sender);
    }

    /** Something new went out: the probe timer runs from now. */
    void sent(long now, Sender sender, boolean probing) {
        probe.arm(now, sender, probing);
    }

    /**
     * Runs RACK's reordering timer and the probe timer; returns what a probe that fired did
     * ({@code sending}: the connection may send), for the connection to finish.
     */
    TailLossProbe.Outcome poll(long now, Sender sender, boolean sending) {
        if (now >= rackCheckAt) {
            rackCheckAt = TcpConnection.NEVER;
            if (retransmitLost(now, sender)) {
                rackCheckAt = RackDetector.lossCheckTime(sender);
            }
        }
        if (!probe.due(now, sender) || !sending) {
            return TailLossProbe.Outcome.NONE;
        }
        return probe.fire(now, sender, counters);
    }

    long nextDeadline() {
        return Math.min(rackCheckAt, probe.nextDeadline());
    }

    void stop() {
        rackCheckAt = TcpConnection.NEVER;
        probe.stop();
    }

    // ---------------------------------------------------------------- what goes again

    /**
     * Sends again the lowest retransmission that {@link RackDetector} shows lost. In recovery
     * only; true when one went.
     */
    private boolean retransmitLost(long now, Sender sender) {
        if (!sender.congestion().inRecovery()) {
            return false;
        }
        RetransmissionLog log = sender.retransmitted();
        int i = RackDetector.lostIndex(now, sender);
        if (i < 0) {
            return false;
        }
        int seq = log.start(i);
        int from = SeqNum.lt(seq, sender.una()) ? sender.una() : seq;
        int sendOffset = SeqNum.diff(from, sender.bufferStart());
        int n = Math.min(SeqNum.diff(log.end(i), from), sender.buffer().queued() - sendOffset);
        if (sendOffset < 0 || n <= 0) {
            return false;
        }
        episodeRetransmits++;
        sender.retransmit(now, from, n, TcpSegment.ACK);
        return true;
    }

    /**
     * RFC 6675 4 (NextSeg, rule 1, simplified): sends one segment from the lowest hole above
     * HighRxt that lies below data the peer SACKed. Returns false when there is no such hole.
     */
    private boolean retransmitNextHole(long now, Sender sender) {
        SackScoreboard sacked = sender.sacked();
        if (sacked.isEmpty()) {
            return false;
        }
        int una = sender.una();
        long hole = sacked.holeAbove(una, SeqNum.gt(highRxt, una) ? highRxt : una);
        if (hole == -1) {
            return false;
        }
        int holeStart = SackScoreboard.holeStart(hole);
        int sendOffset = SeqNum.diff(holeStart, sender.bufferStart());
        int n = Math.min(Math.min(sender.segmentSize(), SeqNum.diff(SackScoreboard.holeEnd(hole), holeStart)),
                sender.buffer().queued() - sendOffset);
        if (sendOffset < 0 || n <= 0) {
            return false;
        }
        episodeRetransmits++;
        sender.retransmit(now, holeStart, n, TcpSegment.ACK);
        highRxt = SeqNum.add(holeStart, n);
        return true;
    }

    /** Sends the first unacknowledged segment again (fast retransmit, partial ACK), leaving SND.NXT where it is. */
    private void retransmitFirst(long now, Sender sender) {
        int una = sender.una();
        int sendOffset = SeqNum.diff(una, sender.bufferStart());
        if (sendOffset < 0) {
            return; // the SYN is what is unacknowledged; its own timer handles it
        }
        int n = Math.max(0, Math.min(Math.min(sender.segmentSize(), sender.buffer().queued() - sendOffset),
                sender.outstanding()));
        boolean withFin = sender.finSent() && SeqNum.add(una, n) == sender.finSeq();
        if (n == 0 && !withFin) {
            return;
        }
        episodeRetransmits++;
        sender.retransmit(now, una, n, TcpSegment.ACK | (withFin ? TcpSegment.FIN : 0));
        if (SeqNum.lt(highRxt, SeqNum.add(una, n))) {
            highRxt = SeqNum.add(una, n);
        }
    }
}
