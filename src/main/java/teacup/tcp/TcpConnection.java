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

    /** Where segments go. The stack writes headers and copies {@code length} bytes from {@code sendOffset} of the send buffer. */
    public interface Output {
        void segment(TcpConnection connection, int seq, int ack, int flags, int window, TcpOptions options,
                     int sendOffset, int length);
    }

    /** Tunables; times in nanoseconds. */
    public record Settings(int mss, int receiveBuffer, int sendBuffer, int windowScale, long msl,
                           long minRto, long maxRto, int maxRetransmissions, int maxOutOfOrderRanges) {
        /** RFC 9293 3.7.1 / RFC 6691: without an MSS option the peer takes 536. */
        public static final int DEFAULT_SEND_MSS = 536;

        public static Settings defaults() {
            return new Settings(1460, 256 * 1024, 256 * 1024, 7, 30_000_000_000L,
                    RttEstimator.DEFAULT_MIN_RTO, RttEstimator.DEFAULT_MAX_RTO, 12, 64);
        }

        public Settings withMsl(long nanos) {
            return new Settings(mss, receiveBuffer, sendBuffer, windowScale, nanos, minRto, maxRto, maxRetransmissions, maxOutOfOrderRanges);
        }
    }

    private final Settings settings;
    private final Output output;
    private final int localIp;
    private final int localPort;
    private final int remoteIp;
    private final int remotePort;
    private final SendBuffer sendBuffer;
    private final ReceiveBuffer receiveBuffer;
    private final RttEstimator rtt;
    private final TcpOptions outOptions = new TcpOptions();

    private State state;
    private Ending ending = Ending.NONE;

    // RFC 9293 3.3.1 send sequence variables.
    private final int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;          // highest sequence number sent (sndNxt goes back on retransmission)
    private int sndWnd;          // peer's window, scaled, in bytes
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    private int sendMss = Settings.DEFAULT_SEND_MSS;
    private int sendScale;       // shift applied to windows the peer advertises
    // Receive sequence variables.
    private int irs;
    private int rcvNxt;
    private int receiveScale;    // shift applied to windows we advertise

    private boolean closeRequested;   // the application will send no more
    private boolean finReceived;

    // Timers, as deadlines (Long.MAX_VALUE: not running).
    private long retransmitAt = Long.MAX_VALUE;
    private long timeWaitUntil = Long.MAX_VALUE;
    private int retransmissions;
    // Karn (MUST-18): one timed segment at a time, and never one that was retransmitted.
    private boolean timing;
    private int timedSeq;
    private long timedAt;

    private TcpConnection(Settings settings, Output output, int localIp, int localPort, int remoteIp, int remotePort, int iss) {
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
        this.sndUna = iss;
        this.sndNxt = iss;
        this.sndMax = iss;
    }

    /** Active open (RFC 9293 3.10.1): sends the SYN now and enters SYN-SENT. */
    public static TcpConnection connect(long now, Settings settings, Output output,
                                        int localIp, int localPort, int remoteIp, int remotePort, int iss) {
        TcpConnection c = new TcpConnection(settings, output, localIp, localPort, remoteIp, remotePort, iss);
        c.state = State.SYN_SENT;
        c.sendSyn(now, false);
        return c;
    }

    /**
     * Passive open for a SYN that reached a listener (RFC 9293 3.10.7.2): takes the peer's ISN
     * and options, answers SYN-ACK, and enters SYN-RECEIVED.
     */
    public static TcpConnection accept(long now, Settings settings, Output output, int localIp, int localPort,
                                       int remoteIp, int remotePort, int iss, int synSeq, int synWindow, TcpOptions synOptions) {
        TcpConnection c = new TcpConnection(settings, output, localIp, localPort, remoteIp, remotePort, iss);
        c.state = State.SYN_RECEIVED;
        c.takeSynOptions(synOptions);
        c.irs = synSeq;
        c.rcvNxt = SeqNum.add(synSeq, 1);
        c.sndWnd = synWindow; // RFC 7323 2.2: the window in a SYN is never scaled
        c.sndWl1 = synSeq;
        c.sndWl2 = iss;
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

    public int sendMss() {
        return sendMss;
    }

    public int peerWindow() {
        return sndWnd;
    }

    public RttEstimator rtt() {
        return rtt;
    }

    /** True once the peer has sent FIN and every byte before it is readable: reads end after the buffer drains. */
    public boolean peerFinished() {
        return finReceived;
    }

    /** Bytes sent and not yet acknowledged (sequence space, SYN and FIN included). */
    public int inFlight() {
        return SeqNum.diff(sndMax, sndUna);
    }

    // ---------------------------------------------------------------- user calls

    /** The application wrote to the send buffer: send what the window allows. */
    public void flush(long now) {
        if (state == State.ESTABLISHED || state == State.CLOSE_WAIT) {
            transmit(now);
        }
    }

    /** RFC 9293 3.10.4 CLOSE: no more data; FIN follows the last byte. */
    public void close(long now) {
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
        this.keepAlive = on;
        this.lastHeard = now;
    }

    public boolean keepAlive() {
        return keepAlive;
    }

    private boolean noDelay;
    private boolean keepAlive;
    private long lastHeard;

    /** RFC 9293 3.10.5 ABORT: a reset to the peer (in synchronized states) and gone. */
    public void abort(long now) {
        if (state == State.SYN_RECEIVED || state.synchronized_() && state != State.TIME_WAIT) {
            emit(sndNxt, 0, TcpSegment.RST, 0, 0);
        }
        end(Ending.ABORTED);
    }

    /** The application read from the receive buffer: tell the peer when the window opened usefully (receiver SWS avoidance, MUST-39). */
    public void windowOpened(long now) {
        if (!state.synchronized_() || state == State.TIME_WAIT) {
            return;
        }
        int window = receiveBuffer.window();
        if (window >= Math.min(receiveBuffer.capacity() / 2, settings.mss()) && lastAdvertisedWindowSmall) {
            sendAck();
        }
    }

    private boolean lastAdvertisedWindowSmall;

    // ---------------------------------------------------------------- segment arrival

    /**
     * A segment for this connection arrived (RFC 9293 3.10.7). {@code payload[off, off+len)} is its
     * data; {@code options} its parsed options.
     */
    public void process(long now, int seq, int ack, int flags, int window, TcpOptions options,
                        byte[] payload, int off, int len) {
        switch (state) {
            case CLOSED, LISTEN -> { }
            case SYN_SENT -> synSent(now, seq, ack, flags, window, options);
            default -> synchronizedOrSynReceived(now, seq, ack, flags, window, payload, off, len);
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
        irs = seq;
        rcvNxt = SeqNum.add(seq, 1);
        sndWnd = window; // unscaled in a SYN (RFC 7323 2.2)
        sndWl1 = seq;
        sndWl2 = ack;
        if (hasAck) {
            acknowledge(now, ack);
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

    private void synchronizedOrSynReceived(long now, int seq, int ack, int flags, int window,
                                           byte[] payload, int off, int len) {
        boolean rst = (flags & TcpSegment.RST) != 0;
        boolean syn = (flags & TcpSegment.SYN) != 0;
        boolean fin = (flags & TcpSegment.FIN) != 0;
        int segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
        int rcvWnd = receiveBuffer.window();

        // 1. Sequence number check (RFC 9293 3.10.7.4, the four cases).
        if (!acceptable(seq, segLen, rcvWnd)) {
            if (!rst) {
                sendAck(); // 3.10.7.4: an unacceptable segment is answered with an ACK (unless it is a RST)
            }
            return;
        }
        // 2. RST (RFC 5961 3.2): exactly at RCV.NXT resets; elsewhere in the window, a challenge ACK.
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
        if (state == State.SYN_RECEIVED) {
            if (!SeqNum.betweenExclusiveInclusive(sndUna, ack, sndMax)) {
                emit(ack, 0, TcpSegment.RST, 0, 0);
                return;
            }
            state = State.ESTABLISHED;
            sndWnd = window << sendScale;
            sndWl1 = seq;
            sndWl2 = ack;
        }
        // RFC 5961 5.2: an ACK older than the largest window we were ever offered, or for data not yet sent, is ignored with an ACK.
        if (SeqNum.gt(ack, sndMax) || SeqNum.lt(ack, SeqNum.add(sndUna, -Math.max(maxSndWnd, 1)))) {
            sendAck();
            return;
        }
        if (SeqNum.gt(ack, sndUna)) {
            acknowledge(now, ack);
        }
        // Window update (RFC 9293 3.10.7.4): from a newer segment, or the same one with a newer ACK.
        if (SeqNum.lt(sndWl1, seq) || (sndWl1 == seq && SeqNum.le(sndWl2, ack))) {
            sndWnd = window << sendScale;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            sndWl1 = seq;
            sndWl2 = ack;
        }
        boolean finAcked = finAcknowledged();
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    state = State.FIN_WAIT_2;
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
        boolean needAck = false;
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
            if (dataLen > 0) {
                int advanced = receiveBuffer.accept(offset, payload, dataOff, dataLen);
                if (advanced > 0) {
                    rcvNxt = SeqNum.add(rcvNxt, advanced);
                }
            }
            needAck = true; // in order or not, an ACK now (out of order: the duplicate ACK SHLD-31 asks for)
            if (offset > 0) {
                fin = false; // a FIN beyond a gap is taken when it comes again in order
            }
        }
        // 8. FIN, only when everything before it has arrived.
        if (fin && SeqNum.add(seq, segLen - 1) == rcvNxt && receiveBuffer.outOfOrder().isEmpty()) {
            rcvNxt = SeqNum.add(rcvNxt, 1);
            finReceived = true;
            needAck = true;
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
        if (needAck) {
            sendAck();
        }
        transmit(now);
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

    /** New data acknowledged up to {@code ack}: release it, take an RTT sample, manage the timer. */
    private void acknowledge(long now, int ack) {
        // Data acknowledged: sequence numbers past the SYN, capped at the data written (the FIN is not data).
        long ackedData = Math.min(Math.max(0, SeqNum.diff(ack, dataStart())), sendBuffer.writePosition());
        int release = (int) (ackedData - sendBuffer.releasePosition());
        if (release > 0) {
            sendBuffer.release(release);
        }
        if (timing && SeqNum.gt(ack, timedSeq)) {
            rtt.sample(now - timedAt);
            timing = false;
        }
        sndUna = ack;
        if (SeqNum.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        retransmissions = 0;
        // RFC 6298 5.2 and 5.3: stop the timer when all is acknowledged, else restart it.
        retransmitAt = sndUna == sndMax ? Long.MAX_VALUE : now + rtt.rto();
    }

    // ---------------------------------------------------------------- sending

    private boolean finSent;

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

    /** Sends new data (and the FIN after it) as the peer's window allows, in segments of at most the send MSS. */
    private void transmit(long now) {
        if (!(state == State.ESTABLISHED || state == State.CLOSE_WAIT || state == State.FIN_WAIT_1
                || state == State.CLOSING || state == State.LAST_ACK)) {
            return;
        }
        int bufferStart = SeqNum.add(dataStart(), (int) sendBuffer.releasePosition());
        while (true) {
            int sendOffset = SeqNum.diff(sndNxt, bufferStart);
            int unsent = sendBuffer.queued() - sendOffset;
            int windowLeft = SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt);
            int n = Math.max(0, Math.min(Math.min(unsent, sendMss), windowLeft));
            boolean sendFin = closeRequested && SeqNum.add(sndNxt, n) == finSeq();
            if (n == 0 && !sendFin) {
                return;
            }
            int flags = TcpSegment.ACK | (n > 0 && n == unsent ? TcpSegment.PSH : 0) | (sendFin ? TcpSegment.FIN : 0);
            if (!timing && SeqNum.ge(sndNxt, sndMax)) {
                timing = true;
                timedSeq = sndNxt;
                timedAt = now;
            }
            emit(sndNxt, rcvNxt, flags, sendOffset, n);
            sndNxt = SeqNum.add(sndNxt, n + (sendFin ? 1 : 0));
            if (SeqNum.gt(sndNxt, sndMax)) {
                sndMax = sndNxt;
            }
            if (retransmitAt == Long.MAX_VALUE) {
                retransmitAt = now + rtt.rto();
            }
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

    private void sendSyn(long now, boolean withAck) {
        outOptions.clear().mss(settings.mss());
        if (settings.windowScale() >= 0 && (!withAck || peerOfferedScale)) {
            outOptions.windowScale(settings.windowScale());
        }
        int window = Math.min(receiveBuffer.window(), 65535); // RFC 7323 2.2: never scaled in a SYN
        output.segment(this, iss, withAck ? rcvNxt : 0, TcpSegment.SYN | (withAck ? TcpSegment.ACK : 0),
                window, outOptions, 0, 0);
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

    private boolean peerOfferedScale;

    private void takeSynOptions(TcpOptions options) {
        if (options.hasMss() && options.mss() > 0) {
            sendMss = Math.min(options.mss(), settings.mss());
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
    }

    private void sendAck() {
        emit(sndNxt, rcvNxt, TcpSegment.ACK, 0, 0);
    }

    private void emit(int seq, int ack, int flags, int sendOffset, int length) {
        int window = 0;
        if ((flags & TcpSegment.RST) == 0) {
            window = Math.min(receiveBuffer.window() >> receiveScale, 65535);
            lastAdvertisedWindowSmall = (window << receiveScale) < Math.min(receiveBuffer.capacity() / 2, settings.mss());
        }
        output.segment(this, seq, ack, flags, window, null, sendOffset, length);
    }

    // ---------------------------------------------------------------- timers

    /** Runs the timers due at {@code now}: retransmission (RFC 6298 5.4-5.7) and TIME-WAIT. */
    public void poll(long now) {
        if (now >= timeWaitUntil) {
            timeWaitUntil = Long.MAX_VALUE;
            end(Ending.CLOSED_NORMALLY);
            return;
        }
        if (now < retransmitAt) {
            return;
        }
        retransmitAt = Long.MAX_VALUE;
        if (retransmissions >= settings.maxRetransmissions()) {
            // RFC 9293 MUST-20..23 (R2 reached): give up and say why.
            if (state.synchronized_() || state == State.SYN_RECEIVED) {
                emit(sndNxt, 0, TcpSegment.RST, 0, 0);
            }
            end(Ending.TIMED_OUT);
            return;
        }
        retransmissions++;
        rtt.backOff();
        timing = false; // Karn: no sample from a retransmitted segment
        switch (state) {
            case SYN_SENT -> sendSyn(now, false);
            case SYN_RECEIVED -> sendSyn(now, true);
            default -> {
                // Go back to the oldest unacknowledged byte and send again from there.
                sndNxt = sndUna;
                transmit(now); // the FIN, if sent before, goes again after the data; no state moves twice
                if (retransmitAt == Long.MAX_VALUE && sndUna != sndMax) {
                    retransmitAt = now + rtt.rto();
                }
            }
        }
    }

    /** When {@link #poll} next has work. */
    public long nextDeadline() {
        return Math.min(retransmitAt, timeWaitUntil);
    }

    private void enterTimeWait(long now) {
        state = State.TIME_WAIT;
        retransmitAt = Long.MAX_VALUE;
        timeWaitUntil = now + 2 * settings.msl();
    }

    private void end(Ending why) {
        state = State.CLOSED;
        ending = why;
        retransmitAt = Long.MAX_VALUE;
        timeWaitUntil = Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        return "TcpConnection[" + state + " una=" + Integer.toUnsignedString(sndUna) + " nxt=" + Integer.toUnsignedString(sndNxt)
                + " rcv=" + Integer.toUnsignedString(rcvNxt) + "]";
    }
}
