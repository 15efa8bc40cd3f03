package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The sending half of a connection (RFC 9293 3.3.1 send variables, 3.8, 3.10.7.4 step 5): what
 * may go and when, within the peer's window and the congestion window, with Nagle (MUST-17),
 * sender SWS avoidance (MUST-38), the persist timer (MUST-36), RTT sampling with Karn's rule
 * (MUST-18, in the {@link RttEstimator}) and the retransmission timer (RFC 6298). It also keeps the peer's SACKs
 * ({@link SackScoreboard}) and what it retransmitted ({@link RetransmissionLog}), which loss
 * recovery reads. Every retransmission, whatever found the loss, goes through {@link #retransmit}.
 */
final class Sender {
    /** RFC 9293 3.8.6.2.1: the SWS override timer, within the 0.1 to 1 s the RFC suggests. */
    private static final long SWS_OVERRIDE = 200_000_000L;

    /** What the persist timer asks of the connection when it fires. */
    enum PersistOutcome { PROBED, GIVE_UP, SEND_SHORT }

    private final TcpSettings settings;
    private final SegmentWriter writer;
    private final SendBuffer buffer;
    private final RttEstimator rtt;
    private final CongestionControl congestion;
    private final SackScoreboard sacked = new SackScoreboard(64);
    /**
     * Retransmissions not yet acknowledged, with when each went and SND.MAX then: once the peer
     * SACKs something sent after one while it is still missing, that retransmission was lost too
     * (RACK's reasoning, RFC 8985 6.2).
     */
    private final RetransmissionLog retransmitted = new RetransmissionLog(64);
    private Negotiated negotiated = Negotiated.BEFORE_SYN;
    private int pathMss = Integer.MAX_VALUE; // the path's MSS as PathMtuSearch knows it (MAX_VALUE: the peer's)

    private final int iss;
    private int sndUna;
    private int sndNxt;
    /** Highest sequence number sent (SND.NXT goes back after a timeout). */
    private int sndMax;
    /** The peer's window, scaled, in bytes. */
    private int sndWnd;
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    private boolean noDelay;
    /**
     * The end of the last new segment sent shorter than the MSS. Nagle holds a small segment back
     * only while such a one is unacknowledged (Minshall's refinement, as Linux does): a reply of
     * two full segments and a short tail then goes at once instead of a round trip later.
     */
    private int smallSentEnd;
    /** The application will send no more: a FIN follows the last byte. */
    private boolean finQueued;
    private boolean finSent;

    private long retransmitAt = TcpConnection.NEVER;
    /** Timeouts in a row for the same data (R2 counts them); an acknowledgment of new data resets it. */
    private int retransmissions;
    private long persistAt = TcpConnection.NEVER;
    private int persistBackoff;
    private int probesUnanswered;
    private long lastSendAt = TcpConnection.NEVER;

    private final ConnectionCounters counters;

    Sender(TcpSettings settings, SegmentWriter writer, ConnectionCounters counters, int iss) {
        this.settings = settings;
        this.counters = counters;
        this.writer = writer;
        this.iss = iss;
        this.buffer = new SendBuffer(settings.sendBuffer(), writer.sendMemory());
        this.rtt = new RttEstimator(settings); // its bounds read there
        this.congestion = settings.congestion() == TcpSettings.Congestion.CUBIC
                ? new Cubic(TcpSettings.DEFAULT_SEND_MSS) : new NewReno(TcpSettings.DEFAULT_SEND_MSS);
        this.sndUna = iss;
        this.sndNxt = iss;
        this.sndMax = iss;
        this.smallSentEnd = iss;
    }

    // ---------------------------------------------------------------- state

    SendBuffer buffer() {
        return buffer;
    }

    RttEstimator rtt() {
        return rtt;
    }

    CongestionControl congestion() {
        return congestion;
    }

    SackScoreboard sacked() {
        return sacked;
    }

    RetransmissionLog retransmitted() {
        return retransmitted;
    }

    // The send sequence variables of RFC 9293 3.3.1 (SND.MAX: the highest sequence number sent).
    int iss() { return iss; }
    int una() { return sndUna; }
    int nxt() { return sndNxt; }
    int max() { return sndMax; }
    int maxWindow() { return maxSndWnd; } // the largest window the peer offered (RFC 5961 5.2)
    int window() { return sndWnd; }

    /** True when everything sent is acknowledged. */
    boolean allAcknowledged() {
        return sndUna == sndMax;
    }

    /** Sequence space sent and not yet acknowledged. */
    int outstanding() {
        return SeqNum.diff(sndMax, sndUna);
    }

    boolean noDelay() {
        return noDelay;
    }

    void noDelay(boolean on) {
        noDelay = on;
    }

    boolean finSent() {
        return finSent;
    }

    int retransmissions() {
        return retransmissions;
    }

    void negotiated(Negotiated n) {
        negotiated = n;
        congestion.setMss(Math.max(1, segmentSize()));
    }

    Negotiated negotiated() {
        return negotiated;
    }

    /** Most data one segment carries (RFC 6691), on this path (RFC 1191, RFC 4821). */
    int segmentSize() {
        return negotiated.segmentSize(pathMss);
    }

    /** Segments from now on fit an MSS of {@code mss} ({@link PathMtuSearch}); the congestion window counts in them. */
    void pathMss(int mss) {
        pathMss = mss;
        congestion.setMss(Math.max(1, segmentSize()));
    }

    /** RFC 1191 6.5: what is in flight was too big; go back to SND.UNA and resend at the new size, window as it is. */
    void resendFromUna() {
        retransmitted.clear();
        sndNxt = sndUna;
    }

    /** RFC 4821 7.5: a probe, one new segment of {@code length} data bytes, above the MSS ({@link PathMtuSearch} sees it may go). */
    void sendProbeSegment(long now, int length) {
        int sendOffset = SeqNum.diff(sndNxt, bufferStart());
        sendNew(now, length, buffer.queued() - sendOffset, sendOffset, false, false, length);
    }

    /** Sequence number of the oldest byte still in the send buffer. */
    int bufferStart() {
        return SeqNum.add(dataStart(), (int) buffer.releasePosition());
    }

    /** Sequence number of the first data byte. */
    private int dataStart() {
        return SeqNum.add(iss, 1);
    }

    /** Sequence number of our FIN: right after the last byte the application wrote. */
    int finSeq() {
        return SeqNum.add(dataStart(), (int) buffer.writePosition());
    }

    /** The application will write no more (RFC 9293 3.10.4 CLOSE). */
    void queueFin() {
        finQueued = true;
    }

    /** True once our FIN is sent and acknowledged. */
    boolean finAcknowledged() {
        return finQueued && finSent && SeqNum.gt(sndUna, finSeq());
    }

    /** Bytes written and not yet sent (as far as SND.MAX; a rewind does not count). */
    int unsentBeyondMax() {
        return buffer.queued() - SeqNum.diff(sndMax, bufferStart());
    }

    // ---------------------------------------------------------------- the handshake

    /** Our SYN ({@code withAck}: SYN-ACK) goes, first or again; the retransmission timer runs. */
    void sendSyn(long now, boolean withAck) {
        writer.syn(now, iss, withAck, settings);
        sndNxt = SeqNum.add(iss, 1);
        if (SeqNum.gt(sndNxt, sndMax)) {
            sndMax = sndNxt;
        }
        if (retransmissions == 0) {
            rtt.timeSent(now, iss);
        }
        retransmitAt = now + rtt.rto();
    }

    /** A listener took the peer's SYN: its window ({@code window}, never scaled, RFC 7323 2.2) at {@code seq}. */
    void windowFromSyn(int seq, int ack, int window) {
        sndWnd = window;
        sndWl1 = seq;
        sndWl2 = ack;
    }

    /** Our SYN was answered by the peer's SYN (with or without an ACK of ours): its window, never scaled. */
    void windowFromSynAck(int seq, int ack, int window) {
        windowFromSyn(seq, ack, window);
        maxSndWnd = sndWnd;
        buffer.peerWindow(maxSndWnd);
    }

    /** The handshake is done: if our SYN or SYN-ACK had to go again, data starts with RFC 6298 5.7's RTO. */
    void handshakeDone() {
        if (retransmissions > 0) {
            rtt.synLost();
        }
    }

    /** Simultaneous open: our SYN-ACK repeats our SYN's sequence number. */
    void rewindToIss() {
        sndNxt = iss;
    }

    // ---------------------------------------------------------------- acknowledgments and window

    /** RFC 5961 5.2: an ACK for data not yet sent, or older than the largest window the peer ever offered. */
    boolean ackUnacceptable(int ack) {
        return SeqNum.gt(ack, sndMax) || SeqNum.lt(ack, SeqNum.add(sndUna, -Math.max(maxSndWnd, 1)));
    }

    /** RFC 5681 2: nothing new acknowledged, and something is outstanding. */
    boolean isDuplicateCandidate(int ack) {
        return ack == sndUna && sndUna != sndMax;
    }

    /**
     * New data acknowledged up to {@code ack}: releases it from the buffer, takes an RTT sample
     * (timestamps, or the timed segment, RFC 6298 and RFC 7323 4.1; none from a handshake whose
     * SYN went more than once), and moves SND.UNA. Returns the data bytes released.
     */
    int acknowledge(long now, int ack, TcpOptions options, boolean synRetried) {
        // Data acknowledged: counted from the oldest byte still buffered, never from the ISN (a stream passes
        // 2^31 bytes, and sequence numbers wrap); capped at what is queued (the SYN and FIN are not data).
        int release = Math.min(SeqNum.diff(ack, bufferStart()), buffer.queued());
        if (release > 0) {
            buffer.release(release);
        }
        rtt.acknowledged(now, ack, options, synRetried, negotiated.timestamps(), writer);
        sndUna = ack;
        sacked.acknowledged(sndUna);
        retransmitted.acknowledged(sndUna);
        if (SeqNum.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        return release;
    }

    /** RFC 6298 5.2 and 5.3, after new data was acknowledged: stop the timer when all is, else restart it. */
    void restartRetransmitTimer(long now) {
        retransmissions = 0;
        retransmitAt = sndUna == sndMax ? TcpConnection.NEVER : now + rtt.rto();
    }

    /** The peer answered: unanswered zero-window probes start again from none. */
    void peerAnswered() {
        probesUnanswered = 0;
    }

    /** Our SYN-ACK was acknowledged: the peer's first scaled window. */
    void establishedWindow(int seq, int ack, int scaledWindow) {
        sndWnd = scaledWindow;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        buffer.peerWindow(maxSndWnd);
        sndWl1 = seq;
        sndWl2 = ack;
    }

    /** The window of a segment whose window was not taken for a duplicate ACK's test. */
    boolean windowUnchanged(int scaledWindow) {
        return scaledWindow == sndWnd;
    }

    /** RFC 9293 3.10.7.4 window update: from a newer segment, or the same one with a newer ACK. */
    void updateWindow(int seq, int ack, int scaledWindow) {
        if (SeqNum.lt(sndWl1, seq) || (sndWl1 == seq && SeqNum.le(sndWl2, ack))) {
            sndWnd = scaledWindow;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            buffer.peerWindow(maxSndWnd);
            sndWl1 = seq;
            sndWl2 = ack;
            if (sndWnd > 0 && persistBackoff > 0) {
                persistBackoff = 0; // the window opened: probing is over
                persistAt = TcpConnection.NEVER;
            }
        }
    }

    // ---------------------------------------------------------------- sending

    /**
     * Most new data one segment carries: one MSS, or with segmentation offload below, as many
     * whole MSS as fit the largest segment it takes beside the longest TCP header.
     */
    private int sendSize(int mss) {
        int largest = writer.largestSegment() - TcpSegment.MAX_HEADER_LENGTH;
        return largest >= 2 * mss ? largest - largest % mss : mss;
    }

    /**
     * Sends new data (and the FIN after it) from SND.NXT as far as the peer's window, the
     * congestion window ({@code duplicateAcks} feeds limited transmit), Nagle and sender SWS
     * avoidance allow, as {@code limits} relaxes them. After a timeout's rewind it skips what the
     * peer SACKed (RFC 6675 5.1). When data waits on a zero window, the persist timer runs; when it
     * waits on SWS avoidance, the override timer. Returns true when anything went.
     */
    boolean transmit(long now, SendLimits limits, int duplicateAcks) {
        int mss = segmentSize();
        int burst = sendSize(mss);
        int bufferStart = bufferStart();
        if (sndUna == sndMax && lastSendAt != TcpConnection.NEVER && now - lastSendAt > rtt.rto()) {
            congestion.onIdleRestart(now); // RFC 5681 4.1: restart window after an idle RTO
            lastSendAt = now;
        }
        boolean sent = false;
        for (int guard = 0; guard < 1 << 20; guard++) {
            boolean retransmission = SeqNum.lt(sndNxt, sndMax);
            int cap = Integer.MAX_VALUE;
            if (retransmission && !sacked.isEmpty()) {
                int holding = sacked.rangeHolding(sndNxt);
                if (holding >= 0) {
                    int end = sacked.right(holding);
                    sndNxt = SeqNum.lt(end, sndMax) ? end : sndMax;
                    continue;
                }
                int above = sacked.nextSackedAbove(sndNxt, sndNxt);
                if (above != sndNxt) {
                    cap = SeqNum.diff(above, sndNxt);
                }
            }
            int sendOffset = SeqNum.diff(sndNxt, bufferStart);
            int unsent = buffer.queued() - sendOffset;
            int peerLeft = SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt);
            int flight = SeqNum.diff(sndNxt, sndUna);
            int pipe = flight - (sacked.isEmpty() ? 0 : sacked.sackedBelow(sndNxt));
            int allowance = congestion.sendAllowance(pipe, duplicateAcks);
            if (limits.beyondCongestionWindow()) {
                allowance = Math.max(allowance, mss);
            }
            int usable = Math.max(0, Math.min(peerLeft, allowance));
            int n = Math.max(0, Math.min(Math.min(Math.min(unsent, retransmission ? mss : burst), usable), cap));
            if (n > mss && (n < 2 * mss || n != unsent || retransmission || !(noDelay || limits.nagleOff()))) {
                // Whole MSS-sized pieces, the short tail on its own through Nagle and SWS avoidance; unless nothing
                // would hold it back: then it ends the large segment, one device write per answer (as Linux's TSO). Under
                // two MSS there is none to end (only a path MTU probe is sent whole that size): the tail goes on its own.
                n -= n % mss;
            }
            boolean sendFin = finQueued && SeqNum.add(sndNxt, n) == finSeq();
            if (n == 0 && !sendFin) {
                writer.sendStopped(unsent, peerLeft, allowance, mss);
                if (unsent > 0 && peerLeft <= 0 && sndUna == sndMax && persistAt == TcpConnection.NEVER) {
                    persistAt = now + persistInterval(); // RFC 9293 3.8.6.1: probe the zero window
                }
                return sent;
            }
            if (!sendFin && !retransmission && n < mss && !limits.overridesSws()
                    && holdsBack(now, n, unsent, limits.nagleOff())) {
                writer.sendStopped(unsent, peerLeft, allowance, mss);
                return sent; // Nagle waits for the ACK, which restarts sending
            }
            if (!writer.takeSendTurn()) {
                return sent; // this turn's segments are spent: the rest goes in the next (SendBudget)
            }
            limits = limits.afterFirstSegment();
            sendNew(now, n, unsent, sendOffset, sendFin, retransmission, mss);
            sent = true;
            if (sendFin) {
                finSent = true;
                return true;
            }
        }
        return sent;
    }

    /**
     * Nagle (MUST-17, in Minshall's form; off for this call when {@code nagleOff}) and sender SWS
     * avoidance (MUST-38) for a short segment of {@code n} bytes: true when it must wait; an SWS
     * wait runs the override timer.
     */
    private boolean holdsBack(long now, int n, int unsent, boolean nagleOff) {
        boolean nagleAllows = noDelay || nagleOff || sndUna == sndMax || SeqNum.le(smallSentEnd, sndUna);
        boolean swsAllows = n == unsent || n >= maxSndWnd / 2;
        if (nagleAllows && swsAllows) {
            return false;
        }
        if (!swsAllows && persistAt == TcpConnection.NEVER) {
            persistAt = now + Math.max(SWS_OVERRIDE, Math.min(rtt.rto(), 1_000_000_000L));
        }
        return true;
    }

    /** One segment from SND.NXT: {@code n} bytes (a retransmission after a rewind when {@code retransmission}), maybe the FIN. */
    private void sendNew(long now, int n, int unsent, int sendOffset, boolean sendFin, boolean retransmission, int mss) {
        int flags = TcpSegment.ACK | (n > 0 && n == unsent ? TcpSegment.PSH : 0) | (sendFin ? TcpSegment.FIN : 0);
        if (!negotiated.timestamps() && !retransmission) {
            rtt.timeSent(now, sndNxt);
        }
        if (retransmission) {
            counters.segmentRetransmitted();
        }
        writer.send(now, sndNxt, flags, sendOffset, n);
        if (!retransmission && n % mss != 0) {
            smallSentEnd = SeqNum.add(sndNxt, n);
        }
        sndNxt = SeqNum.add(sndNxt, n + (sendFin ? 1 : 0));
        if (SeqNum.gt(sndNxt, sndMax)) {
            sndMax = sndNxt;
        }
        lastSendAt = now;
        persistAt = TcpConnection.NEVER;
        if (retransmitAt == TcpConnection.NEVER) {
            retransmitAt = now + rtt.rto();
        }
    }

    /**
     * Sends {@code [from, from+length)} again (with {@code flags}, ACK among them), leaving SND.NXT
     * where it is: the one path for fast retransmit, SACK holes, lost retransmissions and tail
     * loss probes. Karn's rule (no RTT sample from it), the counts, the retransmission log and
     * the timer restart are here, once.
     */
    void retransmit(long now, int from, int length, int flags) {
        rtt.untime();
        counters.segmentRetransmitted();
        if (length > 0) {
            retransmitted.add(from, SeqNum.add(from, length), sndMax, now);
        }
        writer.send(now, from, flags, SeqNum.diff(from, bufferStart()), length);
        lastSendAt = now;
        retransmitAt = now + rtt.rto();
    }

    /**
     * A bare ACK. Its sequence number is the highest sent, not SND.NXT, which goes back after a
     * timeout: the peer has seen up to there; a lower number would make the ACK unacceptable to
     * it (RFC 9293 3.10.7.4), answered by its own ACK, and two rewound ends would trade ACKs
     * without end.
     */
    void sendAck(long now) {
        writer.send(now, sndMax, TcpSegment.ACK, 0, 0);
    }

    /** A zero-window probe or keep-alive: one sequence number below SND.UNA, which the peer must answer with an ACK. */
    void sendProbe(long now) {
        writer.send(now, SeqNum.add(sndUna, -1), TcpSegment.ACK, 0, 0);
    }

    /** A reset from the highest sequence number sent. */
    void sendReset(long now) {
        writer.reset(now, sndMax);
    }

    // ---------------------------------------------------------------- timers

    /** The retransmission timer's deadline. */
    long retransmitDeadline() {
        return retransmitAt;
    }

    long persistDeadline() {
        return persistAt;
    }

    void restartRetransmitTimerIfIdle(long now) {
        if (retransmitAt == TcpConnection.NEVER && sndUna != sndMax) {
            retransmitAt = now + rtt.rto();
        }
    }

    /** Restarts the retransmission timer from now (after a probe went). */
    void rearmRetransmitTimer(long now) {
        retransmitAt = now + rtt.rto();
    }

    /** What a retransmission timeout asks of the connection. */
    enum Timeout { GIVE_UP, RETRANSMIT, PROBED }

    /**
     * The retransmission timer fired (RFC 6298 5.4-5.7): GIVE_UP at R2 (RFC 9293 MUST-20..23), else
     * back off and count it. A window shrunk to zero under data sent (past the handshake) makes it a
     * zero-window probe (MUST-35); only silence counts toward R2 then (SHLD-17), as with Linux. R2 is {@code limit}.
     */
    Timeout retransmissionTimeout(long now, boolean synchronized_, int limit) {
        retransmitAt = TcpConnection.NEVER;
        if (synchronized_ && sndWnd == 0 && sndUna != sndMax) {
            if (probesUnanswered >= limit) {
                return Timeout.GIVE_UP;
            }
            probesUnanswered++;
            rtt.backOff();
            sendProbe(now);
            retransmitAt = now + rtt.rto();
            return Timeout.PROBED;
        }
        if (retransmissions >= limit) {
            return Timeout.GIVE_UP;
        }
        retransmissions++;
        counters.retransmissionTimeout(writer.timedOut(retransmissions));
        rtt.backOff();
        rtt.untime(); // Karn: no sample from a retransmitted segment
        return Timeout.RETRANSMIT;
    }

    void untimed() { rtt.untime(); } // a connection made from a SYN cookie: the handshake gives no RTT sample

    /** The SYN goes again after a timeout. */
    void resendSyn(long now, boolean withAck) {
        counters.segmentRetransmitted();
        sendSyn(now, withAck);
    }

    /**
     * After a timeout in a synchronized state (RFC 5681 3.1, RFC 6582 3.2 step 4): the window
     * collapses and sending goes back to SND.UNA. The first timeout keeps the scoreboard, so going
     * back resends only the holes rather than the whole window (each resent segment the peer
     * already has would come back as a D-SACK); a second one for the same data starts afresh, so
     * SACKed data the receiver discarded cannot stall the connection (RFC 6675 5.1, RFC 2018 8).
     */
    void rewindAfterTimeout(long now) {
        congestion.onRetransmissionTimeout(now, SeqNum.diff(sndMax, sndUna));
        if (retransmissions > 1) {
            sacked.clear();
        }
        retransmitted.clear(); // everything outstanding goes again from SND.UNA
        sndNxt = sndUna;
    }

    /** The persist timer is due: it stops, and the caller acts on {@link #persist}. */
    boolean persistTimerFired(long now) {
        if (now < persistAt) {
            return false;
        }
        persistAt = TcpConnection.NEVER;
        return true;
    }

    /**
     * The persist timer: probe a zero window (RFC 9293 3.8.6.1, MUST-36; probing goes on as long
     * as the peer answers, MUST-35, and silence counts toward R2, {@code limit}), or end an SWS wait (3.8.6.2.1).
     */
    PersistOutcome persist(long now, int limit) {
        if (SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt) > 0) {
            return PersistOutcome.SEND_SHORT;
        }
        if (probesUnanswered >= limit) {
            return PersistOutcome.GIVE_UP;
        }
        probesUnanswered++;
        sendProbe(now);
        persistBackoff++;
        persistAt = now + persistInterval();
        return PersistOutcome.PROBED;
    }

    private long persistInterval() {
        long base = rtt.rto();
        return persistBackoff >= 20 ? settings.maxRto() : Math.min(settings.maxRto(), base << persistBackoff);
    }

    /** Every timer stops (the connection closed or entered TIME-WAIT). */
    void stopTimers() {
        retransmitAt = TcpConnection.NEVER;
        persistAt = TcpConnection.NEVER;
    }

    @Override
    public String toString() {
        return "una=" + Integer.toUnsignedString(sndUna) + " nxt=" + Integer.toUnsignedString(sndNxt);
    }
}
