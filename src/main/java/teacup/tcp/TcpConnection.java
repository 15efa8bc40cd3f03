package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * One TCP connection as a pure state machine (RFC 9293 3.3.2, 3.10): segments and user calls
 * go in with the current time, segments come out through an {@link Output}. It never reads a
 * clock, never blocks and knows nothing of links, threads or sockets; the stack's event loop
 * owns it. Application threads exchange bytes with it only through its lock-free
 * {@link SendBuffer} and {@link ReceiveBuffer}.
 *
 * <p>This is the first slice of the connection: opening in both roles (including simultaneous
 * open), MSS and window-scale negotiation, sending in MSS-sized segments within the peer's
 * window, out-of-order reassembly, FIN in both directions through every closing state,
 * TIME-WAIT, reset processing with RFC 5961 checks, and retransmission on the RFC 6298 timer
 * with Karn's rule. Delayed ACKs, Nagle, congestion control, timestamps, keep-alive and
 * zero-window probes come next.
 */
public final class TcpConnection {

    public enum State {
        CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT;

        /** RFC 9293 3.3.2: states in which both sides have exchanged ISNs. */
        public boolean synchronized_() {
            return this.compareTo(ESTABLISHED) >= 0;
        }
    }

    /** Why a connection ended, for the application (RFC 9293 MUST-12: tell the user). */
    public enum Ending { NONE, CLOSED_NORMALLY, REFUSED, RESET, TIMED_OUT, ABORTED }

    /** Where segments go. The stack writes headers and copies the segment's data from the send buffer. */
    public interface Output {
        /** {@code segment} is reused for the connection's next one: copy what must outlive the call. */
        void segment(TcpConnection connection, OutboundSegment segment);

        /**
         * Largest segment (TCP header and data) the layers below take whole and cut into
         * MSS-sized segments on the way out (segmentation offload); 0, the default, when every
         * segment must fit the MSS. New data then goes in segments of a multiple of the MSS up
         * to this size; retransmissions still go one MSS at a time.
         */
        default int largestSegment() {
            return 0;
        }
    }

    private static final long NEVER = Long.MAX_VALUE;
    /** RFC 7323 5.5: a TS.Recent older than 24 days is no longer trusted for PAWS. */
    private static final long PAWS_IDLE_LIMIT = 24L * 24 * 3600 * 1_000_000_000L;
    /** Bytes the timestamps option takes in every segment once negotiated (RFC 7323 3.2, with two NOPs). */
    private static final int TIMESTAMPS_LENGTH = 12;
    /** RFC 9293 3.8.6.2.1: the SWS override timer, within the 0.1 to 1 s the RFC suggests. */
    private static final long SWS_OVERRIDE = 200_000_000L;

    private final TcpSettings settings;
    private final Output output;
    private final int localIp;
    private final int localPort;
    private final int remoteIp;
    private final int remotePort;
    private final SendBuffer sendBuffer;
    private final ReceiveBuffer receiveBuffer;
    private final RttEstimator rtt;
    private final CongestionControl congestion;
    private final TcpOptions outOptions = new TcpOptions();
    private final OutboundSegment outSegment = new OutboundSegment();

    private State state;
    private Ending ending = Ending.NONE;
    /** The time of the call being handled; segments emitted during it carry timestamps from it. */
    private long now;

    // RFC 9293 3.3.1 send sequence variables.
    private final int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;          // highest sequence number sent (sndNxt goes back after a timeout)
    private int sndWnd;          // peer's window, scaled, in bytes
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    private int sendMss = TcpSettings.DEFAULT_SEND_MSS;
    private int sendScale;       // shift applied to windows the peer advertises
    // Receive sequence variables.
    private int irs;
    private int rcvNxt;
    private int receiveScale;    // shift applied to windows we advertise
    private int rcvAdvEdge;      // right edge of the window last advertised; it never moves left (RFC 9293 3.8.6.2.2)

    private boolean closeRequested;   // the application will send no more
    private boolean finSent;
    private boolean finReceived;
    private boolean noDelay;
    /**
     * The end of the last new segment sent shorter than the MSS. Nagle holds a small segment back
     * only while such a one is unacknowledged (Minshall's refinement, as Linux does): a reply of
     * two full segments and a short tail then goes at once instead of a round trip later.
     */
    private int smallSentEnd;
    private boolean keepAlive;
    private boolean peerOfferedScale;
    private boolean swsOverride;

    // RFC 7323 timestamps.
    private boolean timestampsOn;
    private boolean sackOn;
    /** Sequence number of the latest out-of-order segment; its block is reported first (RFC 2018 4). */
    private int latestOutOfOrder;
    private int tsRecent;
    private long tsRecentAt;
    private int lastAckSent;
    private final int tsOffset;

    // Loss recovery (RFC 5681 3.2, RFC 6582), with the peer's SACK blocks when it sends them (RFC 6675).
    private int duplicateAcks;
    private int recover;
    /** What the peer has SACKed above SND.UNA: the sender's scoreboard. */
    private final SackScoreboard sacked = new SackScoreboard(64);
    /** In recovery: everything below this has been retransmitted once already (RFC 6675 HighRxt). */
    private int highRxt;
    /** Tail loss probe (RFC 8985 7): when it fires, and whether one is out and unanswered. */
    private long probeAt = NEVER;
    private boolean probeOut;
    /** Lets the probe send one new segment whatever the congestion window says (RFC 8985 7.3). */
    private boolean probeBudget;
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
    /** Where the last tail loss probe resent the last segment. */
    private int probeSeq;
    /**
     * Retransmissions not yet acknowledged, with when each went and SND.MAX then: once the peer
     * SACKs something sent after one while it is still missing, that retransmission was lost too
     * (RACK's reasoning, RFC 8985 6.2), and it goes again without waiting for the RTO.
     */
    private final RetransmissionLog retransmitted = new RetransmissionLog(64);
    /** When a retransmission that later data overtook runs out of reordering window (RFC 8985 6.3's timer). */
    private long lossCheckAt = NEVER;

    // Delayed ACK (RFC 9293 3.8.6.3).
    private boolean ackPending;
    private int segmentsUnacked;

    // Timers, as deadlines (NEVER: not running).
    private long retransmitAt = NEVER;
    private long timeWaitUntil = NEVER;
    private long ackAt = NEVER;
    private long persistAt = NEVER;
    private int retransmissions;
    /** Segments sent again, for the whole life of the connection (status reports; never reset). */
    private long segmentsRetransmitted;
    // How loss was handled, over the connection's life (status reports; never reset).
    private long retransmissionTimeouts;
    private long recoveryEpisodes;
    private long tailLossProbes;
    private long spuriousRecoveries;
    private int persistBackoff;
    private int probesUnanswered;
    private long lastHeard;
    private long lastSendAt = NEVER;
    private int keepAlivesSent;
    private long lastKeepAliveAt;
    // Karn (MUST-18): without timestamps, one timed segment at a time, and never one that was retransmitted.
    private boolean timing;
    private int timedSeq;
    private long timedAt;

    private TcpConnection(long now, TcpSettings settings, Output output, int localIp, int localPort, int remoteIp, int remotePort, int iss) {
        this.now = now;
        this.settings = settings;
        this.output = output;
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.iss = iss;
        this.sendBuffer = new SendBuffer(settings.sendBuffer());
        this.receiveBuffer = new ReceiveBuffer(settings.receiveBuffer(), settings.maxOutOfOrderRanges());
        this.rtt = new RttEstimator(settings.minRto(), settings.maxRto(), 1_000_000L);
        this.congestion = settings.congestion() == TcpSettings.Congestion.CUBIC
                ? new Cubic(TcpSettings.DEFAULT_SEND_MSS) : new NewReno(TcpSettings.DEFAULT_SEND_MSS);
        // The timestamp clock starts at a point derived from the keyed ISN, so it does not reveal uptime (RFC 7323 5.4).
        this.tsOffset = Integer.rotateLeft(iss, 11) * 0x9E3779B1;
        this.sndUna = iss;
        this.sndNxt = iss;
        this.sndMax = iss;
        this.smallSentEnd = iss;
        this.recover = iss;
        this.lastHeard = now;
    }

    /** Active open (RFC 9293 3.10.1): sends the SYN now and enters SYN-SENT. */
    public static TcpConnection connect(long now, TcpSettings settings, Output output,
                                        int localIp, int localPort, int remoteIp, int remotePort, int iss) {
        TcpConnection c = new TcpConnection(now, settings, output, localIp, localPort, remoteIp, remotePort, iss);
        c.state = State.SYN_SENT;
        c.sendSyn(now, false);
        return c;
    }

    /**
     * Passive open for a SYN that reached a listener (RFC 9293 3.10.7.2): takes the peer's ISN
     * and options, answers SYN-ACK, and enters SYN-RECEIVED.
     */
    public static TcpConnection accept(long now, TcpSettings settings, Output output, int localIp, int localPort,
                                       int remoteIp, int remotePort, int iss, InboundSegment syn) {
        int synSeq = syn.seq();
        int synWindow = syn.window();
        TcpOptions synOptions = syn.options();
        TcpConnection c = new TcpConnection(now, settings, output, localIp, localPort, remoteIp, remotePort, iss);
        c.state = State.SYN_RECEIVED;
        c.takeSynOptions(synOptions);
        c.irs = synSeq;
        c.rcvNxt = SeqNum.add(synSeq, 1);
        c.rcvAdvEdge = c.rcvNxt;
        c.sndWnd = synWindow; // RFC 7323 2.2: the window in a SYN is never scaled
        c.sndWl1 = synSeq;
        c.sndWl2 = iss;
        if (c.timestampsOn) {
            c.tsRecent = synOptions.tsVal();
            c.tsRecentAt = now;
        }
        c.sendSyn(now, true);
        return c;
    }

    // ---------------------------------------------------------------- accessors

    public State state() {
        return state;
    }

    public Ending ending() {
        return ending;
    }

    public SendBuffer sendBuffer() {
        return sendBuffer;
    }

    public ReceiveBuffer receiveBuffer() {
        return receiveBuffer;
    }

    public int localIp() {
        return localIp;
    }

    public int localPort() {
        return localPort;
    }

    public int remoteIp() {
        return remoteIp;
    }

    public int remotePort() {
        return remotePort;
    }

    /** The peer's MSS as negotiated (bounded by ours); segments carry less when options take room. */
    public int sendMss() {
        return sendMss;
    }

    public int peerWindow() {
        return sndWnd;
    }

    public RttEstimator rtt() {
        return rtt;
    }

    public CongestionControl congestion() {
        return congestion;
    }

    /** True when both SYNs carried RFC 7323 timestamps. */
    public boolean timestamps() {
        return timestampsOn;
    }

    /** True once the peer has sent FIN and every byte before it is readable: reads end after the buffer drains. */
    public boolean peerFinished() {
        return finReceived;
    }

    /**
     * RFC 6191 (and RFC 9293 3.10.7.4's note on TIME-WAIT): may a new SYN with this sequence
     * number and options reopen the four-tuple of this connection in TIME-WAIT? Only if it cannot
     * be an old duplicate: its timestamp is newer than the last one seen, or, without
     * timestamps, its sequence number lies beyond everything received.
     */
    public boolean acceptsNewIncarnation(int synSeq, TcpOptions synOptions) {
        if (state != State.TIME_WAIT) {
            return false;
        }
        if (timestampsOn && synOptions.hasTimestamps()) {
            return SeqNum.gt(synOptions.tsVal(), tsRecent);
        }
        return SeqNum.gt(synSeq, rcvNxt);
    }

    /** Bytes sent and not yet acknowledged (sequence space, SYN and FIN included). */
    public int inFlight() {
        return SeqNum.diff(sndMax, sndUna);
    }

    /**
     * Data bytes the peer has acknowledged, over the connection's life. The send buffer's release
     * position is exactly that count, kept as a long, so a status report costs the send path nothing.
     */
    public long bytesAcknowledged() {
        return sendBuffer.releasePosition();
    }

    /** Data bytes received in order (readable or already read), over the connection's life. */
    public long bytesReceived() {
        return receiveBuffer.writePosition();
    }

    /** Segments sent more than once (timeouts, fast retransmit, SACK holes, tail loss probes, SYNs). */
    public long segmentsRetransmitted() {
        return segmentsRetransmitted;
    }

    /** Retransmission timer expiries (RFC 6298 5.5), the SYN's included. */
    public long retransmissionTimeouts() {
        return retransmissionTimeouts;
    }

    /** Fast recovery episodes entered (RFC 5681 3.2 / RFC 6675 5). */
    public long recoveryEpisodes() {
        return recoveryEpisodes;
    }

    /** Tail loss probes sent (RFC 8985 7.3). */
    public long tailLossProbes() {
        return tailLossProbes;
    }

    /** Window reductions taken back because D-SACKs showed them spurious (RFC 3708). */
    public long spuriousRecoveries() {
        return spuriousRecoveries;
    }

    // ---------------------------------------------------------------- user calls

    /** The application wrote to the send buffer: send what the windows, Nagle and SWS avoidance allow. */
    public void flush(long now) {
        this.now = now;
        if (state == State.ESTABLISHED || state == State.CLOSE_WAIT) {
            transmit(now);
        }
    }

    /**
     * The application flushed: what it wrote goes now, a short tail included, whatever Nagle
     * would say (the connection's own no-delay setting stays as it is for later writes).
     */
    public void push(long now) {
        boolean wasNoDelay = noDelay;
        noDelay = true;
        flush(now);
        noDelay = wasNoDelay;
    }

    /** RFC 9293 3.10.4 CLOSE: no more data; FIN follows the last byte. */
    public void close(long now) {
        this.now = now;
        switch (state) {
            case SYN_SENT -> end(Ending.CLOSED_NORMALLY);
            case SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT -> {
                closeRequested = true;
                if (state == State.SYN_RECEIVED) {
                    return; // the FIN goes once established (RFC 9293 3.10.4)
                }
                transmit(now);
            }
            default -> { }
        }
    }

    /**
     * Half-close (RFC 9293 3.10.4 CLOSE is a half-close): the same as {@link #close}; reads go on
     * until the peer's FIN. The socket layer calls this for {@code shutdownOutput} and for
     * {@code close} when all received data has been read; with unread data it calls
     * {@link #abort} instead (RFC 2525 2.17).
     */
    public void shutdownOutput(long now) {
        close(now);
    }

    /** RFC 9293 MUST-17: Nagle's algorithm is on unless the application turns it off. */
    public void setNoDelay(boolean noDelay) {
        this.noDelay = noDelay;
    }

    public boolean noDelay() {
        return noDelay;
    }

    /** RFC 9293 3.8.4 (MUST-24): keep-alives are off unless the application asks for them. */
    public void setKeepAlive(long now, boolean on) {
        this.now = now;
        this.keepAlive = on;
        this.lastHeard = now;
        this.keepAlivesSent = 0;
    }

    public boolean keepAlive() {
        return keepAlive;
    }

    /**
     * The application has let go of the connection (its socket is closed): nobody will read
     * again. It still finishes its close, but a peer cannot keep it alive: data that arrives is
     * answered with a reset (RFC 9293 3.10.7.4, as after a full close), and FIN-WAIT-2 lasts at
     * most 2 MSL (RFC 9293 leaves this open; without a bound, a peer that never sends FIN would
     * hold the connection forever).
     */
    public void orphan(long now) {
        this.now = now;
        orphaned = true;
        if (state == State.FIN_WAIT_2 && finWait2Until == NEVER) {
            finWait2Until = now + 2 * settings.msl();
        }
        discardBuffersIfDone();
    }

    /** An orphan with nothing left to send or read gives its rings back (TIME-WAIT can last a minute). */
    private void discardBuffersIfDone() {
        if (orphaned && (state == State.TIME_WAIT || state == State.CLOSED)) {
            sendBuffer.discard();
            receiveBuffer.discard();
        }
    }

    public boolean orphaned() {
        return orphaned;
    }

    private boolean orphaned;
    private long finWait2Until = NEVER;

    /** RFC 9293 3.10.5 ABORT: a reset to the peer (in synchronized states) and gone. */
    public void abort(long now) {
        this.now = now;
        if (state == State.SYN_RECEIVED || state.synchronized_() && state != State.TIME_WAIT) {
            emit(sndMax, 0, TcpSegment.RST, 0, 0);
        }
        end(Ending.ABORTED);
    }

    /**
     * The application read from the receive buffer. Tell the peer when the window opened by a
     * useful amount (receiver SWS avoidance, RFC 9293 3.8.6.2.2, MUST-39): at least
     * min(half the buffer, one MSS), and only when the window last offered was small or is now
     * doubled; otherwise the next ACK carries it.
     */
    public void windowOpened(long now) {
        this.now = now;
        if (!state.synchronized_() || state == State.TIME_WAIT || finReceived) {
            return;
        }
        int available = receiveBuffer.window();
        int offered = Math.max(0, SeqNum.diff(rcvAdvEdge, rcvNxt));
        int threshold = windowThreshold();
        if (available - offered >= threshold && (offered < threshold || available >= 2 * offered)) {
            sendAck();
        }
    }

    // ---------------------------------------------------------------- segment arrival

    /**
     * A segment for this connection arrived (RFC 9293 3.10.7); the connection keeps nothing of
     * {@code segment} after the call.
     */
    public void process(long now, InboundSegment segment) {
        int seq = segment.seq;
        int ack = segment.ack;
        int flags = segment.flags;
        int window = segment.window;
        TcpOptions options = segment.options;
        this.now = now;
        switch (state) {
            case CLOSED, LISTEN -> { }
            case SYN_SENT -> synSent(now, seq, ack, flags, window, options);
            default -> synchronizedOrSynReceived(now, seq, ack, flags, window, options, segment.payload, segment.offset,
                    segment.length);
        }
    }

    private void synSent(long now, int seq, int ack, int flags, int window, TcpOptions options) {
        boolean hasAck = (flags & TcpSegment.ACK) != 0;
        // RFC 9293 3.10.7.3 first: an ACK for something we never sent gets a reset.
        if (hasAck && (SeqNum.le(ack, iss) || SeqNum.gt(ack, sndMax))) {
            if ((flags & TcpSegment.RST) == 0) {
                emit(ack, 0, TcpSegment.RST, 0, 0);
            }
            return;
        }
        if ((flags & TcpSegment.RST) != 0) {
            if (hasAck) {
                end(Ending.REFUSED); // "connection reset" -> refused (MUST-12)
            }
            return;
        }
        if ((flags & TcpSegment.SYN) == 0) {
            return;
        }
        takeSynOptions(options);
        if (timestampsOn) {
            tsRecent = options.tsVal();
            tsRecentAt = now;
        }
        irs = seq;
        rcvNxt = SeqNum.add(seq, 1);
        rcvAdvEdge = rcvNxt;
        sndWnd = window; // unscaled in a SYN (RFC 7323 2.2)
        maxSndWnd = sndWnd;
        sndWl1 = seq;
        sndWl2 = ack;
        lastHeard = now;
        if (hasAck) {
            acknowledge(now, ack, options);
            state = State.ESTABLISHED;
            sendAck();
            transmit(now);
        } else {
            // Simultaneous open: SYN-RECEIVED, answer with SYN-ACK (same ISN).
            state = State.SYN_RECEIVED;
            sndNxt = iss;
            sendSyn(now, true);
        }
    }

    private void synchronizedOrSynReceived(long now, int seq, int ack, int flags, int window, TcpOptions options,
                                           byte[] payload, int off, int len) {
        boolean rst = (flags & TcpSegment.RST) != 0;
        boolean syn = (flags & TcpSegment.SYN) != 0;
        boolean fin = (flags & TcpSegment.FIN) != 0;
        int segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
        int rcvWnd = receiveBuffer.window();
        boolean hasTimestamp = timestampsOn && options.hasTimestamps();

        // RFC 7323 5.3 R1 (PAWS): a timestamp older than TS.Recent marks an old duplicate; ACK it and drop it.
        if (hasTimestamp && !rst && SeqNum.lt(options.tsVal(), tsRecent) && now - tsRecentAt <= PAWS_IDLE_LIMIT) {
            sendAck();
            return;
        }
        // The peer's SYN again while we are in SYN-RECEIVED: our SYN-ACK was lost. Answer with the
        // SYN-ACK at once rather than the bare ACK an unacceptable segment gets (Linux does the same),
        // echoing this SYN's timestamp: echoing the first SYN's would give the peer a first RTT sample
        // as long as its SYN timeout (1 s), and an RTO and probe timeout of seconds to start with.
        if (syn && !rst && state == State.SYN_RECEIVED && seq == irs && (flags & TcpSegment.ACK) == 0) {
            if (hasTimestamp) {
                tsRecent = options.tsVal();
                tsRecentAt = now;
            }
            sendSyn(now, true);
            return;
        }
        // 1. Sequence number check (RFC 9293 3.10.7.4, the four cases).
        if (!acceptable(seq, segLen, rcvWnd)) {
            if (!rst) {
                sendAck(); // 3.10.7.4: an unacceptable segment is answered with an ACK (unless it is a RST)
                if (state == State.TIME_WAIT && fin && SeqNum.add(seq, segLen) == rcvNxt) {
                    timeWaitUntil = now + 2 * settings.msl(); // the peer's FIN again: our last ACK was lost (3.10.7.4)
                }
            }
            return;
        }
        // RFC 7323 4.3: remember the timestamp of the segment that the next ACK will acknowledge.
        if (hasTimestamp && SeqNum.le(seq, lastAckSent) && SeqNum.ge(options.tsVal(), tsRecent)) {
            tsRecent = options.tsVal();
            tsRecentAt = now;
        }
        // 2. RST (RFC 5961 3.2): exactly at RCV.NXT resets; elsewhere in the window, a challenge ACK.
        // In TIME-WAIT a RST is ignored (RFC 1337): it would cut the wait short and let old duplicates in.
        if (rst && state == State.TIME_WAIT) {
            return;
        }
        if (rst) {
            if (seq == rcvNxt) {
                end(state == State.SYN_RECEIVED ? Ending.REFUSED : Ending.RESET);
            } else {
                sendAck();
            }
            return;
        }
        // 4. SYN in a synchronized state (RFC 5961 4.2): challenge ACK, nothing else.
        if (syn && state != State.SYN_RECEIVED) {
            sendAck();
            return;
        }
        if (syn) {
            // A retransmitted SYN while in SYN-RECEIVED: our SYN-ACK was lost; it goes again on the timer.
            seq = SeqNum.add(seq, 1);
            segLen--;
        }
        // 5. ACK.
        if ((flags & TcpSegment.ACK) == 0) {
            return;
        }
        lastHeard = now;
        keepAlivesSent = 0;
        probesUnanswered = 0;
        if (state == State.SYN_RECEIVED) {
            if (!SeqNum.betweenExclusiveInclusive(sndUna, ack, sndMax)) {
                emit(ack, 0, TcpSegment.RST, 0, 0);
                return;
            }
            state = State.ESTABLISHED;
            sndWnd = window << sendScale;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            sndWl1 = seq;
            sndWl2 = ack;
        }
        // RFC 5961 5.2: an ACK older than the largest window we were ever offered, or for data not yet sent, is ignored with an ACK.
        if (SeqNum.gt(ack, sndMax) || SeqNum.lt(ack, SeqNum.add(sndUna, -Math.max(maxSndWnd, 1)))) {
            sendAck();
            return;
        }
        int scaledWindow = window << sendScale;
        if (sackOn && options.sackBlockCount() > 0 && undoPossible && isDuplicateSack(ack, options)
                && options.sackLeft(0) != probeSeq // a probe's duplicate says nothing about the episode
                && SeqNum.ge(options.sackLeft(0), episodeStart)) {
            // Only data of this episode: a D-SACK for something resent before it began (a timeout going back
            // over data whose SACKs were lost, say) would otherwise make a real loss look spurious.
            episodeDuplicates++;
        }
        boolean newSack = sackOn && options.sackBlockCount() > 0 && sacked.record(options, sndUna, sndMax);
        if (SeqNum.gt(ack, sndUna)) {
            acknowledge(now, ack, options);
        } else if (ack == sndUna && sndUna != sndMax && state != State.SYN_RECEIVED
                && (newSack || len == 0 && !fin && !syn && scaledWindow == sndWnd)) {
            // RFC 5681 2: the definition of a duplicate ACK; RFC 6675 2 counts one that brings new SACK information too.
            duplicateAck(now);
        }
        if (undoPossible && episodeRetransmits > 0 && episodeDuplicates >= episodeRetransmits) {
            // RFC 3708: every retransmission of the episode reached the peer twice, so nothing was lost: the
            // path reordered. Take the reduction back and wait for more evidence next time.
            undoPossible = false;
            spuriousRecoveries++;
            congestion.undo(now, savedCwnd, savedSsthresh);
            // Nothing of that episode was lost, so it no longer guards its window against a second reduction
            // (RFC 6582 4.1): the next real loss, even below the old recovery point, starts recovery at once.
            recover = sndUna;
            reorderThreshold = Math.min(2 * reorderThreshold, 32);
        }
        // Window update (RFC 9293 3.10.7.4): from a newer segment, or the same one with a newer ACK.
        if (SeqNum.lt(sndWl1, seq) || (sndWl1 == seq && SeqNum.le(sndWl2, ack))) {
            sndWnd = scaledWindow;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            sndWl1 = seq;
            sndWl2 = ack;
            if (sndWnd > 0 && persistBackoff > 0) {
                persistBackoff = 0; // the window opened: probing is over
                persistAt = NEVER;
            }
        }
        boolean finAcked = finAcknowledged();
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    state = State.FIN_WAIT_2;
                    if (orphaned) {
                        finWait2Until = now + 2 * settings.msl();
                    }
                }
            }
            case CLOSING -> {
                if (finAcked) {
                    enterTimeWait(now);
                }
                return;
            }
            case LAST_ACK -> {
                if (finAcked) {
                    end(Ending.CLOSED_NORMALLY);
                }
                return;
            }
            case TIME_WAIT -> {
                if (fin) {
                    sendAck(); // the peer's FIN again: our last ACK was lost; restart 2 MSL (3.10.7.4)
                    timeWaitUntil = now + 2 * settings.msl();
                }
                return;
            }
            default -> { }
        }
        // 7. Segment text.
        boolean ackNow = false;
        boolean ackSoon = false;
        if (len > 0 && orphaned && (state == State.FIN_WAIT_1 || state == State.FIN_WAIT_2)) {
            // Nobody will read this: tell the peer so it stops (RFC 9293 3.10.7.4; RFC 2525 2.17).
            emit(sndMax, 0, TcpSegment.RST, 0, 0);
            end(Ending.ABORTED);
            return;
        }
        if (len > 0 && (state == State.ESTABLISHED || state == State.FIN_WAIT_1 || state == State.FIN_WAIT_2)) {
            int skip = SeqNum.diff(rcvNxt, seq); // bytes already received at the front
            int dataOff = off;
            int dataLen = len;
            int offset = 0;
            if (skip > 0) {
                dataOff += skip;
                dataLen -= skip;
            } else {
                offset = -skip;
            }
            boolean hadGap = !receiveBuffer.outOfOrder().isEmpty();
            if (offset > 0) {
                latestOutOfOrder = SeqNum.add(rcvNxt, offset);
            }
            if (dataLen > 0) {
                int advanced = receiveBuffer.accept(offset, payload, dataOff, dataLen);
                if (advanced > 0) {
                    rcvNxt = SeqNum.add(rcvNxt, advanced);
                }
            }
            ackPending = true;
            if (offset > 0 || hadGap || skip > 0) {
                // Out of order, filling a gap, or partly old: ACK at once (RFC 9293 SHLD-31; RFC 5681 4.2), so the
                // sender's duplicate-ACK count and recovery see it.
                ackNow = true;
            } else if ((segmentsUnacked += len > settings.mss() ? 2 : 1) >= 2) {
                // A segment above our MSS is several the peer's device joined (or it sent as one): count it as two.
                // RFC 9293 SHLD-19: at least every second full segment. Due now, it goes when the stack polls
                // after the batch of frames this one came in, so a burst read at one instant gets one ACK.
                ackSoon = true;
            }
            if (offset > 0) {
                fin = false; // a FIN beyond a gap is taken when it comes again in order
            }
        }
        // 8. FIN, only when everything before it has arrived.
        if (fin && SeqNum.add(seq, segLen - 1) == rcvNxt && receiveBuffer.outOfOrder().isEmpty()) {
            rcvNxt = SeqNum.add(rcvNxt, 1);
            finReceived = true;
            ackPending = true;
            ackNow = true;
            switch (state) {
                case SYN_RECEIVED, ESTABLISHED -> state = State.CLOSE_WAIT;
                case FIN_WAIT_1 -> {
                    if (finAcked) {
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
        boolean sackNow = ackNow && sackOn && !receiveBuffer.outOfOrder().isEmpty();
        transmit(now); // data going out carries the ACK
        if (sackNow) {
            sendAck();
        } else if (ackPending) {
            if (ackNow) {
                sendAck();
            } else if (ackSoon) {
                ackAt = now;
            } else if (ackAt == NEVER) {
                ackAt = now + settings.ackDelay(); // RFC 9293 SHLD-18: delayed, under 500 ms
            }
        }
    }

    /** RFC 9293 3.10.7.4: the four acceptability cases for segment length and receive window. */
    private boolean acceptable(int seq, int segLen, int rcvWnd) {
        if (segLen == 0) {
            return rcvWnd == 0 ? seq == rcvNxt : SeqNum.between(rcvNxt, seq, SeqNum.add(rcvNxt, rcvWnd));
        }
        if (rcvWnd == 0) {
            return false;
        }
        int last = SeqNum.add(seq, segLen - 1);
        int windowEnd = SeqNum.add(rcvNxt, rcvWnd);
        return SeqNum.between(rcvNxt, seq, windowEnd) || SeqNum.between(rcvNxt, last, windowEnd);
    }

    /** New data acknowledged up to {@code ack}: release it, take an RTT sample, move the congestion window, manage the timer. */
    private void acknowledge(long now, int ack, TcpOptions options) {
        int acked = SeqNum.diff(ack, sndUna);
        // Data acknowledged: counted from the oldest byte still buffered, never from the ISN (a stream passes
        // 2^31 bytes, and sequence numbers wrap); capped at what is queued (the SYN and FIN are not data).
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        int release = Math.min(SeqNum.diff(ack, bufferStart), sendBuffer.queued());
        if (release > 0) {
            sendBuffer.release(release);
        }
        if (state == State.SYN_SENT && retransmissions > 0) {
            // Our SYN went more than once, and the peer's SYN-ACK may itself be a retransmission made by its
            // timer, echoing the first SYN: a sample would then measure our SYN timeout (a second or more)
            // and start the connection with an RTO and probe timeout of seconds. Karn's rule instead: no sample
            // from the handshake; the first data acknowledged gives one.
            timing = false;
        } else if (timestampsOn && options.hasTimestamps() && options.tsEcr() != 0) {
            // RFC 7323 4.1: the echoed timestamp dates the segment acknowledged, retransmitted or not.
            int elapsedMillis = timestampNow(now) - options.tsEcr();
            if (elapsedMillis >= 0) {
                rtt.sample(elapsedMillis * 1_000_000L);
            }
            timing = false;
        } else if (timing && SeqNum.gt(ack, timedSeq)) {
            rtt.sample(now - timedAt);
            timing = false;
        }
        sndUna = ack;
        sacked.acknowledged(sndUna);
        retransmitted.acknowledged(sndUna);
        if (SeqNum.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        int flight = SeqNum.diff(sndMax, sndUna);
        if (congestion.inRecovery()) {
            if (SeqNum.ge(ack, recover)) {
                congestion.onExitRecovery(now, flight); // RFC 6582 3.2 step 3: a full acknowledgment
                duplicateAcks = 0;
            } else {
                // RFC 6582 3.2 step 5: a partial acknowledgment; the next hole goes at once.
                congestion.onPartialAck(acked);
                // The new first segment went again earlier in this recovery (it lies below HighRxt): with SACK, that
                // copy is still on its way and sending it once more only earns a D-SACK (which then reads as a
                // spurious recovery); whether it was lost is the lost-retransmission check's call.
                boolean headResent = sackOn && SeqNum.gt(highRxt, sndUna);
                if (SeqNum.lt(highRxt, sndUna)) {
                    highRxt = sndUna;
                }
                if (!retransmitLost(now) && !retransmitNextHole(now) && !headResent) {
                    retransmitFirst(now);
                }
            }
        } else {
            duplicateAcks = 0;
            if (release > 0) {
                congestion.onAck(now, release, flight, rtt.hasSample() ? rtt.srtt() : 0);
            }
        }
        retransmissions = 0;
        probeOut = false;
        // RFC 6298 5.2 and 5.3: stop the timer when all is acknowledged, else restart it.
        retransmitAt = sndUna == sndMax ? NEVER : now + rtt.rto();
        armProbe(now);
        armLossCheck();
    }

    /** RFC 5681 3.2 with RFC 6582: the third duplicate ACK starts fast retransmit; more inflate the window. */
    private void duplicateAck(long now) {
        duplicateAcks++;
        if (congestion.inRecovery()) {
            congestion.onDuplicateAckInRecovery();
            // RFC 6675 NextSeg rule 1: with a scoreboard, fill the lowest hole before sending new data; a lost
            // retransmission is the lowest of all (RFC 8985 6.2).
            if (!retransmitLost(now) && !retransmitNextHole(now)) {
                transmit(now);
            }
            armLossCheck();
            probeOut = false; // the peer answered: a further silence may be probed again
            armProbe(now);
        } else if (duplicateAcks >= reorderThreshold || lossIndicated() || probeOut && sackOn && !sacked.isEmpty()) {
            // RFC 6582 4.1: no second fast retransmit for data sent before the last recovery began. Our recover
            // is one past the highest byte then sent, so SND.UNA at recover already covers it (RFC 6675 5.1: a new
            // recovery may start once HighACK >= RecoveryPoint); requiring more would leave a loss of the very
            // first segment after that point to the RTO.
            if (SeqNum.ge(sndUna, recover) || recover == iss) {
                recover = sndMax;
                highRxt = sndUna;
                undoPossible = sackOn;
                savedCwnd = congestion.cwnd();
                savedSsthresh = congestion.ssthresh();
                episodeRetransmits = 0;
                episodeDuplicates = 0;
                episodeStart = sndUna;
                recoveryEpisodes++;
                congestion.onEnterRecovery(now, SeqNum.diff(sndMax, sndUna));
                if (!retransmitNextHole(now)) {
                    retransmitFirst(now);
                }
            }
        } else if (duplicateAcks < reorderThreshold) {
            transmit(now); // RFC 3042 limited transmit
        }
    }

    /**
     * Whether the first unacknowledged segment is lost though fewer than three duplicate ACKs came:
     * RFC 6675 IsLost (three segments' worth SACKed above it, as when ACKs themselves were lost),
     * or RFC 5827 early retransmit (fewer than four segments outstanding and nothing new to send,
     * so three duplicates can never come; the threshold is one less than the segments out).
     */
    private boolean lossIndicated() {
        int mss = Math.max(1, segmentSize());
        if (sackOn && sacked.sackedBytes() >= reorderThreshold * mss) {
            return true;
        }
        int outstanding = SeqNum.diff(sndMax, sndUna);
        int segments = (outstanding + mss - 1) / mss;
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        boolean nothingNew = sendBuffer.queued() - SeqNum.diff(sndMax, bufferStart) <= 0;
        return segments < 4 && nothingNew && duplicateAcks >= Math.max(1, segments - 1);
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

    /** How many duplicate ACKs now mean loss (3, more after spurious recoveries). */
    public int reorderThreshold() {
        return reorderThreshold;
    }

    /**
     * RFC 8985 6.2's reordering window: how long after a retransmission, once something sent later
     * has arrived, the sender still allows for it to be merely late: a quarter of the smoothed RTT,
     * but at least 1 ms, the granularity of the timestamps most RTT samples come from.
     */
    private long reorderingWindow() {
        return Math.max(rtt.srtt() / 4, 1_000_000L);
    }

    /**
     * Sends again the lowest retransmission that {@link RetransmissionLog} shows lost (RFC 8985
     * 6.2: data sent after it arrived, it did not, and the reordering window passed). In recovery
     * only; true when one went.
     */
    private boolean retransmitLost(long now) {
        if (!congestion.inRecovery() || retransmitted.size() == 0) {
            return false;
        }
        int i = retransmitted.lostIndex(sndUna, sacked, now, reorderingWindow());
        if (i < 0) {
            return false;
        }
        int seq = retransmitted.start(i);
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        int from = SeqNum.lt(seq, sndUna) ? sndUna : seq;
        int sendOffset = SeqNum.diff(from, bufferStart);
        int n = Math.min(SeqNum.diff(retransmitted.end(i), from), sendBuffer.queued() - sendOffset);
        if (sendOffset < 0 || n <= 0) {
            return false;
        }
        timing = false; // Karn
        episodeRetransmits++;
        segmentsRetransmitted++;
        retransmitted.add(from, SeqNum.add(from, n), sndMax, now);
        emit(from, rcvNxt, TcpSegment.ACK, sendOffset, n);
        lastSendAt = now;
        retransmitAt = now + rtt.rto();
        return true;
    }

    /** Runs the reordering timer for the earliest retransmission that later data has overtaken. */
    private void armLossCheck() {
        lossCheckAt = congestion.inRecovery() && retransmitted.size() > 0
                ? retransmitted.nextLossTime(sndUna, sacked, reorderingWindow()) : NEVER;
        if (lossCheckAt == Long.MAX_VALUE) {
            lossCheckAt = NEVER;
        }
    }

    // ---------------------------------------------------------------- sending

    /** Sequence number of the first data byte. */
    private int dataStart() {
        return SeqNum.add(iss, 1);
    }

    /** Sequence number of our FIN: right after the last byte the application wrote. */
    private int finSeq() {
        return SeqNum.add(dataStart(), (int) sendBuffer.writePosition());
    }

    /** True once our FIN is sent and acknowledged. */
    private boolean finAcknowledged() {
        return closeRequested && finSent && SeqNum.gt(sndUna, finSeq());
    }

    /** Most data one segment carries: the peer's MSS less the options every segment has (RFC 6691). */
    public int segmentSize() {
        return sendMss - (timestampsOn ? TIMESTAMPS_LENGTH : 0);
    }

    /**
     * Most new data one segment carries: one MSS, or with segmentation offload below, as many
     * whole MSS as fit the largest segment it takes beside the longest TCP header.
     */
    private int sendSize(int mss) {
        int largest = output.largestSegment() - TcpSegment.MAX_HEADER_LENGTH;
        return largest >= 2 * mss ? largest - largest % mss : mss;
    }

    private boolean sending() {
        return state == State.ESTABLISHED || state == State.CLOSE_WAIT || state == State.FIN_WAIT_1
                || state == State.CLOSING || state == State.LAST_ACK;
    }

    /**
     * Sends new data (and the FIN after it) as far as the peer's window, the congestion window,
     * Nagle (MUST-17) and sender SWS avoidance (RFC 9293 3.8.6.2.1, MUST-38) allow, in segments of
     * at most {@link #segmentSize}. When data waits on a zero window, the persist timer runs; when
     * it waits on SWS avoidance, the override timer.
     */
    private void transmit(long now) {
        if (!sending()) {
            return;
        }
        int mss = segmentSize();
        int burst = sendSize(mss);
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        if (sndUna == sndMax && lastSendAt != NEVER && now - lastSendAt > rtt.rto()) {
            congestion.onIdleRestart(now); // RFC 5681 4.1: restart window after an idle RTO
            lastSendAt = now;
        }
        for (int guard = 0; guard < 1 << 20; guard++) {
            boolean retransmission = SeqNum.lt(sndNxt, sndMax);
            int cap = Integer.MAX_VALUE;
            if (retransmission && !sacked.isEmpty()) {
                // Going back after a timeout: what the peer SACKed since need not go again (RFC 6675 5.1).
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
            int unsent = sendBuffer.queued() - sendOffset;
            int peerLeft = SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt);
            int flight = SeqNum.diff(sndNxt, sndUna);
            int pipe = flight - (sacked.isEmpty() ? 0 : sacked.sackedBelow(sndNxt));
            int allowance = congestion.sendAllowance(pipe, duplicateAcks);
            if (probeBudget) {
                allowance = Math.max(allowance, mss);
            }
            int usable = Math.max(0, Math.min(peerLeft, allowance));
            int n = Math.max(0, Math.min(Math.min(Math.min(unsent, retransmission ? mss : burst), usable), cap));
            if (n > mss) {
                // Whole MSS-sized pieces only: the short tail goes on its own, through Nagle and SWS avoidance as ever.
                n -= n % mss;
            }
            boolean sendFin = closeRequested && SeqNum.add(sndNxt, n) == finSeq();
            if (n == 0 && !sendFin) {
                if (unsent > 0 && peerLeft <= 0 && sndUna == sndMax && persistAt == NEVER) {
                    persistAt = now + persistInterval(); // RFC 9293 3.8.6.1: probe the zero window
                }
                return;
            }
            if (!sendFin && !retransmission && n < mss && !swsOverride) {
                boolean idle = sndUna == sndMax;
                boolean nagleAllows = noDelay || idle || SeqNum.le(smallSentEnd, sndUna);
                boolean swsAllows = n == unsent || n >= maxSndWnd / 2;
                if (!(nagleAllows && swsAllows)) {
                    if (!swsAllows && persistAt == NEVER) {
                        persistAt = now + Math.max(SWS_OVERRIDE, Math.min(rtt.rto(), 1_000_000_000L));
                    }
                    return; // Nagle waits for the ACK, which restarts sending
                }
            }
            swsOverride = false;
            probeBudget = false;
            int flags = TcpSegment.ACK | (n > 0 && n == unsent ? TcpSegment.PSH : 0) | (sendFin ? TcpSegment.FIN : 0);
            if (!timestampsOn && !timing && !retransmission) {
                timing = true;
                timedSeq = sndNxt;
                timedAt = now;
            }
            if (retransmission) {
                segmentsRetransmitted++;
            }
            emit(sndNxt, rcvNxt, flags, sendOffset, n);
            if (!retransmission && n > 0 && n < mss) {
                smallSentEnd = SeqNum.add(sndNxt, n);
            }
            sndNxt = SeqNum.add(sndNxt, n + (sendFin ? 1 : 0));
            if (SeqNum.gt(sndNxt, sndMax)) {
                sndMax = sndNxt;
            }
            lastSendAt = now;
            persistAt = NEVER;
            if (retransmitAt == NEVER) {
                retransmitAt = now + rtt.rto();
            }
            armProbe(now);
            if (sendFin) {
                if (!finSent) {
                    finSent = true;
                    if (state == State.ESTABLISHED) {
                        state = State.FIN_WAIT_1;
                    } else if (state == State.CLOSE_WAIT) {
                        state = State.LAST_ACK;
                    }
                }
                return;
            }
        }
    }

    /** Sends the first unacknowledged segment again (fast retransmit, partial ACK), leaving SND.NXT where it is. */
    private void retransmitFirst(long now) {
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        int sendOffset = SeqNum.diff(sndUna, bufferStart);
        if (sendOffset < 0) {
            return; // the SYN is what is unacknowledged; its own timer handles it
        }
        int outstanding = SeqNum.diff(sndMax, sndUna);
        int n = Math.max(0, Math.min(Math.min(segmentSize(), sendBuffer.queued() - sendOffset), outstanding));
        boolean withFin = finSent && SeqNum.add(sndUna, n) == finSeq();
        if (n == 0 && !withFin) {
            return;
        }
        timing = false; // Karn
        episodeRetransmits++;
        segmentsRetransmitted++;
        if (n > 0) {
            retransmitted.add(sndUna, SeqNum.add(sndUna, n), sndMax, now);
        }
        emit(sndUna, rcvNxt, TcpSegment.ACK | (withFin ? TcpSegment.FIN : 0), sendOffset, n);
        if (SeqNum.lt(highRxt, SeqNum.add(sndUna, n))) {
            highRxt = SeqNum.add(sndUna, n);
        }
        lastSendAt = now;
        retransmitAt = now + rtt.rto();
    }

    /**
     * RFC 6675 4 (NextSeg, rule 1, simplified): sends one segment from the lowest hole above
     * HighRxt that lies below data the peer SACKed. Returns false when there is no such hole.
     */
    private boolean retransmitNextHole(long now) {
        if (sacked.isEmpty()) {
            return false;
        }
        long hole = sacked.holeAbove(sndUna, SeqNum.gt(highRxt, sndUna) ? highRxt : sndUna);
        if (hole == -1) {
            return false;
        }
        int holeStart = SackScoreboard.holeStart(hole);
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        int sendOffset = SeqNum.diff(holeStart, bufferStart);
        int n = Math.min(Math.min(segmentSize(), SeqNum.diff(SackScoreboard.holeEnd(hole), holeStart)),
                sendBuffer.queued() - sendOffset);
        if (sendOffset < 0 || n <= 0) {
            return false;
        }
        timing = false; // Karn
        episodeRetransmits++;
        segmentsRetransmitted++;
        retransmitted.add(holeStart, SeqNum.add(holeStart, n), sndMax, now);
        emit(holeStart, rcvNxt, TcpSegment.ACK, sendOffset, n);
        highRxt = SeqNum.add(holeStart, n);
        lastSendAt = now;
        retransmitAt = now + rtt.rto();
        return true;
    }

    private long persistInterval() {
        long base = rtt.rto();
        return persistBackoff >= 20 ? settings.maxRto() : Math.min(settings.maxRto(), base << persistBackoff);
    }

    private void sendSyn(long now, boolean withAck) {
        outOptions.clear().mss(settings.mss());
        if (settings.windowScale() >= 0 && (!withAck || peerOfferedScale)) {
            outOptions.windowScale(settings.windowScale());
        }
        if (settings.sack() && (!withAck || sackOn)) {
            outOptions.sackPermitted(true);
        }
        if (settings.timestamps() && (!withAck || timestampsOn)) {
            outOptions.timestamps(timestampNow(now), withAck ? tsRecent : 0);
        }
        int window = Math.min(receiveBuffer.window(), 65535); // RFC 7323 2.2: never scaled in a SYN
        if (withAck) {
            rcvAdvEdge = SeqNum.add(rcvNxt, window);
            lastAckSent = rcvNxt;
        }
        output.segment(this, outSegment.set(now, iss, withAck ? rcvNxt : 0, TcpSegment.SYN | (withAck ? TcpSegment.ACK : 0),
                window, outOptions, 0, 0));
        sndNxt = SeqNum.add(iss, 1);
        if (SeqNum.gt(sndNxt, sndMax)) {
            sndMax = sndNxt;
        }
        if (!timing && retransmissions == 0) {
            timing = true;
            timedSeq = iss;
            timedAt = now;
        }
        retransmitAt = now + rtt.rto();
    }

    private void takeSynOptions(TcpOptions options) {
        if (options.hasMss() && options.mss() > 0) {
            sendMss = Math.min(options.mss(), settings.mss());
        } else {
            sendMss = Math.min(TcpSettings.DEFAULT_SEND_MSS, settings.mss());
        }
        // RFC 7323 2.2: scaling is on only when both SYNs carry the option.
        if (options.hasWindowScale() && settings.windowScale() >= 0) {
            peerOfferedScale = true;
            sendScale = options.windowScale();
            receiveScale = settings.windowScale();
        } else {
            peerOfferedScale = false;
            sendScale = 0;
            receiveScale = 0;
        }
        // RFC 7323 3.2: timestamps are used only when both SYNs carry them.
        timestampsOn = settings.timestamps() && options.hasTimestamps();
        sackOn = settings.sack() && options.sackPermitted(); // RFC 2018 2: only when the peer's SYN allows it
        congestion.setMss(Math.max(1, segmentSize()));
    }

    /** Our timestamp clock: milliseconds from an offset private to the connection (RFC 7323 5.4). */
    private int timestampNow(long now) {
        return (int) (now / 1_000_000L) + tsOffset;
    }

    /**
     * A segment with no data: its sequence number is the highest sent, not SND.NXT, which goes
     * back after a timeout. The peer has seen up to there; a lower number would make the ACK
     * unacceptable to it (3.10.7.4), answered by its own ACK, and two rewound ends would trade
     * ACKs without end.
     */
    private void sendAck() {
        emit(sndMax, rcvNxt, TcpSegment.ACK, 0, 0);
    }

    /** A zero-window probe or keep-alive: one sequence number below SND.UNA, which the peer must answer with an ACK. */
    private void sendProbe() {
        emit(SeqNum.add(sndUna, -1), rcvNxt, TcpSegment.ACK, 0, 0);
    }

    private int windowThreshold() {
        return Math.max(1, Math.min(receiveBuffer.capacity() / 2, settings.mss()));
    }

    /**
     * The window to advertise (RFC 9293 3.8.6.2.2, receiver SWS avoidance): the right edge moves
     * only by at least min(half the buffer, one MSS), and never moves left.
     */
    private int advertisedWindow() {
        int available = receiveBuffer.window();
        int offered = Math.max(0, SeqNum.diff(rcvAdvEdge, rcvNxt));
        if (available - offered >= windowThreshold() || offered > available) {
            offered = available;
        }
        int unit = 1 << receiveScale;
        // Round up to the scale's unit so the edge does not creep left, unless that would promise room we lack.
        int scaled = (int) Math.min(65535, ((long) offered + unit - 1) >> receiveScale);
        if ((long) scaled << receiveScale > available) {
            scaled = Math.min(65535, available >> receiveScale);
        }
        rcvAdvEdge = SeqNum.add(rcvNxt, scaled << receiveScale);
        return scaled;
    }

    /**
     * RFC 2018 4: the block holding the latest out-of-order segment first, then the others, as
     * many as fit beside the timestamps (three, or four without).
     */
    private TcpOptions addSackBlocks(TcpOptions options) {
        Assembler ranges = receiveBuffer.outOfOrder();
        int room = timestampsOn ? 3 : TcpOptions.MAX_SACK_BLOCKS;
        int latest = SeqNum.diff(latestOutOfOrder, rcvNxt);
        int first = -1;
        for (int i = 0; i < ranges.rangeCount(); i++) {
            if (ranges.rangeStart(i) <= latest && latest < ranges.rangeEnd(i)) {
                first = i;
                options.addSackBlock(SeqNum.add(rcvNxt, ranges.rangeStart(i)), SeqNum.add(rcvNxt, ranges.rangeEnd(i)));
                room--;
                break;
            }
        }
        for (int i = 0; i < ranges.rangeCount() && room > 0; i++) {
            if (i != first) {
                options.addSackBlock(SeqNum.add(rcvNxt, ranges.rangeStart(i)), SeqNum.add(rcvNxt, ranges.rangeEnd(i)));
                room--;
            }
        }
        return options;
    }

    /** True when both SYNs carried SACK-permitted. */
    public boolean sack() {
        return sackOn;
    }

    private void emit(int seq, int ack, int flags, int sendOffset, int length) {
        int window = 0;
        TcpOptions options = null;
        if ((flags & TcpSegment.RST) == 0) {
            window = advertisedWindow();
            if ((flags & TcpSegment.ACK) != 0) {
                lastAckSent = ack;
                ackPending = false;
                segmentsUnacked = 0;
                ackAt = NEVER;
            }
            if (timestampsOn) {
                options = outOptions.clear().timestamps(timestampNow(now), tsRecent);
            }
            if (sackOn && length == 0 && (flags & TcpSegment.ACK) != 0 && !receiveBuffer.outOfOrder().isEmpty()) {
                // Only on segments without data: the blocks would otherwise push a full segment past the MSS.
                options = addSackBlocks(options == null ? outOptions.clear() : options);
            }
        }
        output.segment(this, outSegment.set(now, seq, ack, flags, window, options, sendOffset, length));
    }

    // ---------------------------------------------------------------- timers

    /**
     * Runs the timers due at {@code now}: TIME-WAIT, delayed ACK, retransmission (RFC 6298
     * 5.4-5.7), the persist and SWS override timer, and keep-alive.
     */
    public void poll(long now) {
        this.now = now;
        if (now >= timeWaitUntil) {
            timeWaitUntil = NEVER;
            end(Ending.CLOSED_NORMALLY);
            return;
        }
        if (now >= finWait2Until) {
            if (state == State.FIN_WAIT_2) {
                end(Ending.TIMED_OUT); // the peer never closed its side; quietly forget it, as Linux does
                return;
            }
            finWait2Until = NEVER;
        }
        if (now >= ackAt) {
            ackAt = NEVER;
            if (ackPending) {
                sendAck();
            }
        }
        if (now >= lossCheckAt) {
            lossCheckAt = NEVER;
            if (retransmitLost(now)) {
                armLossCheck();
            }
        }
        if (now >= probeAt) {
            probeAt = NEVER;
            if (now < retransmitAt) {
                tailLossProbe(now);
            }
        }
        if (now >= retransmitAt) {
            retransmitTimeout(now);
            if (state == State.CLOSED) {
                return;
            }
        }
        if (now >= persistAt) {
            persistAt = NEVER;
            persist(now);
            if (state == State.CLOSED) {
                return;
            }
        }
        if (now >= keepAliveDeadline()) {
            if (keepAlivesSent >= settings.keepAliveProbes()) {
                // RFC 9293 3.8.4: the peer stopped answering; it is gone.
                emit(sndMax, 0, TcpSegment.RST, 0, 0);
                end(Ending.TIMED_OUT);
                return;
            }
            keepAlivesSent++;
            lastKeepAliveAt = now;
            sendProbe();
        }
    }

    private void retransmitTimeout(long now) {
        retransmitAt = NEVER;
        if (retransmissions >= settings.maxRetransmissions()) {
            // RFC 9293 MUST-20..23 (R2 reached): give up and say why.
            if (state.synchronized_() || state == State.SYN_RECEIVED) {
                emit(sndMax, 0, TcpSegment.RST, 0, 0);
            }
            end(Ending.TIMED_OUT);
            return;
        }
        retransmissions++;
        retransmissionTimeouts++;
        rtt.backOff();
        timing = false; // Karn: no sample from a retransmitted segment
        switch (state) {
            case SYN_SENT, SYN_RECEIVED -> {
                segmentsRetransmitted++;
                sendSyn(now, state == State.SYN_RECEIVED);
            }
            default -> {
                // RFC 5681 3.1 and RFC 6582 3.2 step 4: collapse the window, forget recovery, go back to SND.UNA.
                congestion.onRetransmissionTimeout(now, SeqNum.diff(sndMax, sndUna));
                recover = sndMax;
                if (reorderThreshold > 3 && sacked.sackedBytes() >= 3 * Math.max(1, segmentSize())) {
                    // A raised threshold let a loss that three SACKed segments already showed run into the RTO: the
                    // earlier reordering evidence was wrong or is stale (Linux resets its reordering degree likewise).
                    reorderThreshold = 3;
                }
                if (retransmissions > 1) {
                    // RFC 6675 5.1 / RFC 2018 8: the receiver may have reneged on what it SACKed. The first timeout keeps
                    // the scoreboard, so going back resends only the holes rather than the whole window (each resent
                    // segment the peer already has would come back as a D-SACK); a second one for the same data
                    // starts afresh, so SACKed data the receiver discarded cannot stall the connection.
                    sacked.clear();
                }
                retransmitted.clear(); // everything outstanding goes again from SND.UNA
                lossCheckAt = NEVER;
                undoPossible = false;
                duplicateAcks = 0;
                sndNxt = sndUna;
                transmit(now); // the FIN, if sent before, goes again after the data; no state moves twice
                if (retransmitAt == NEVER && sndUna != sndMax) {
                    retransmitAt = now + rtt.rto();
                }
            }
        }
    }

    /** The persist timer: probe a zero window (RFC 9293 3.8.6.1, MUST-36), or end an SWS wait (3.8.6.2.1). */
    private void persist(long now) {
        if (!sending()) {
            return;
        }
        if (SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt) <= 0) {
            // Probing goes on as long as the peer answers (MUST-35); silence counts toward R2.
            if (probesUnanswered >= settings.maxRetransmissions()) {
                emit(sndMax, 0, TcpSegment.RST, 0, 0);
                end(Ending.TIMED_OUT);
                return;
            }
            probesUnanswered++;
            sendProbe();
            persistBackoff++;
            persistAt = now + persistInterval();
        } else {
            swsOverride = true;
            transmit(now);
            swsOverride = false;
        }
    }

    /** RFC 9293 3.8.4: keep-alives run only when asked for, on an idle connection with nothing outstanding. */
    private long keepAliveDeadline() {
        if (!keepAlive || !(state == State.ESTABLISHED || state == State.CLOSE_WAIT || state == State.FIN_WAIT_2)
                || sndUna != sndMax) {
            return NEVER;
        }
        return keepAlivesSent == 0 ? lastHeard + settings.keepAliveIdle() : lastKeepAliveAt + settings.keepAliveInterval();
    }

    /**
     * RFC 8985 7.2: after a flight goes out, a probe timer of two round trips, well inside the
     * RTO, so a loss at the tail of a flight (which leaves no later segments to cause duplicate
     * ACKs) is found by the ACK the probe draws instead of by the timeout. With SACK only: the
     * probe's SACK is what reveals the hole.
     *
     * <p>Unlike RFC 8985 7.2 we also probe in fast recovery. The RFC leaves recovery to the ACK
     * clock and RACK's reordering timer, but both need ACKs, and a Linux receiver coalesces its
     * SACKs for out-of-order data (one ACK may stand for a whole burst): when that ACK is lost,
     * or the last retransmission is, nothing more comes back and recovery would sit out a
     * 200 ms RTO. A probe draws a fresh ACK; its SACK then shows which retransmissions were lost.
     */
    private void armProbe(long now) {
        probeAt = NEVER;
        if (!sackOn || probeOut || sndUna == sndMax || !rtt.hasSample() || !sending()) {
            return;
        }
        int mss = Math.max(1, segmentSize());
        // RFC 8985 7.2: PTO = 2*SRTT. The floor is two ticks of the 1 ms timestamp clock most RTT samples come
        // from, not a fixed 10 ms: on a LAN the round trip is well under a millisecond, and a stalled flight waited
        // ten times longer than it needed to for every probe.
        long pto = Math.max(2 * rtt.srtt(), 2_000_000L);
        if (SeqNum.diff(sndMax, sndUna) <= mss) {
            pto += settings.minRto(); // one segment out: the peer may be holding a delayed ACK for it
        }
        if (now + pto < retransmitAt) {
            probeAt = now + pto;
        }
    }

    /** RFC 8985 7.3: the last segment again (new data only when that cannot be resent); then the RTO runs. */
    private void tailLossProbe(long now) {
        if (!sending() || sndUna == sndMax) {
            return;
        }
        probeOut = true;
        tailLossProbes++;
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        int unsent = sendBuffer.queued() - SeqNum.diff(sndNxt, bufferStart);
        int peerLeft = SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt);
        // RFC 8985 7.3 prefers new data for the probe; we send the last segment again whenever we can. A receiver
        // may hold its ACK for in-order data (RFC 5681 4.2 allows up to 500 ms; Linux, holding unread data, waits
        // for its 40 ms delayed-ACK timer even for several full segments), so a probe of new data can be answered
        // only after the RTO. A segment it already has, or one beyond a hole, is answered at once (RFC 5681 4.2,
        // RFC 2883), and either answer tells what is missing.
        int n = Math.min(Math.max(1, segmentSize()), SeqNum.diff(sndMax, sndUna));
        int seq = SeqNum.add(sndMax, -n);
        int sendOffset = SeqNum.diff(seq, bufferStart);
        if (!finSent && sendOffset >= 0 && sendOffset + n <= sendBuffer.queued()) {
            timing = false; // Karn
            segmentsRetransmitted++;
            probeSeq = seq;
            retransmitted.add(seq, SeqNum.add(seq, n), sndMax, now); // once SACKed, evidence against earlier ones
            emit(seq, rcvNxt, TcpSegment.ACK, sendOffset, n);
            lastSendAt = now;
        } else if (unsent > 0 && peerLeft > 0 && sndNxt == sndMax) {
            probeBudget = true;
            swsOverride = true;
            transmit(now);
            probeBudget = false;
            swsOverride = false;
        }
        retransmitAt = now + rtt.rto();
    }

    /** When {@link #poll} next has work. */
    public long nextDeadline() {
        return Math.min(Math.min(Math.min(Math.min(Math.min(retransmitAt, lossCheckAt), probeAt), timeWaitUntil), finWait2Until),
                Math.min(Math.min(ackAt, persistAt), keepAliveDeadline()));
    }

    private void enterTimeWait(long now) {
        state = State.TIME_WAIT;
        finWait2Until = NEVER;
        discardBuffersIfDone();
        retransmitAt = NEVER;
        persistAt = NEVER;
        timeWaitUntil = now + 2 * settings.msl();
    }

    private void end(Ending why) {
        state = State.CLOSED;
        ending = why;
        discardBuffersIfDone();
        retransmitAt = NEVER;
        timeWaitUntil = NEVER;
        finWait2Until = NEVER;
        ackAt = NEVER;
        persistAt = NEVER;
        probeAt = NEVER;
        lossCheckAt = NEVER;
    }

    @Override
    public String toString() {
        return "TcpConnection[" + state + " una=" + Integer.toUnsignedString(sndUna) + " nxt=" + Integer.toUnsignedString(sndNxt)
                + " rcv=" + Integer.toUnsignedString(rcvNxt) + " cwnd=" + congestion.cwnd() + " wnd=" + sndWnd + "]";
    }
}
