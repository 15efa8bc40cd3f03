package teacup.tcp;

import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * The tail loss probe (RFC 8985 7): after a flight goes out, a probe timer of two round trips,
 * well inside the RTO, so that a loss at the tail of a flight (which leaves no later segments to
 * cause duplicate ACKs) is found by the ACK the probe draws instead of by the timeout. With SACK
 * only: the probe's SACK is what reveals the hole.
 *
 * <p>Unlike RFC 8985 7.2 we also probe in fast recovery. The RFC leaves recovery to the ACK
 * clock and RACK's reordering timer, but both need ACKs, and a Linux receiver coalesces its
 * SACKs for out-of-order data (one ACK may stand for a whole burst): when that ACK is lost, or
 * the last retransmission is, nothing more comes back and recovery would sit out a 200 ms RTO.
 * A probe draws a fresh ACK; its SACK then shows which retransmissions were lost.
 */
final class TailLossProbe {
    /** What a probe that fired did. */
    enum Outcome {
        /** Nothing was outstanding: no probe. */
        NONE,
        /** The last segment went again (or nothing could go); the RTO runs from now. */
        SENT,
        /** The probe must be new data: the connection sends one segment beyond the usual limits, then the RTO runs. */
        NEW_DATA
    }

    private long probeAt = TcpConnection.NEVER;
    /** A probe is out and unanswered: no second one until the peer answers. */
    private boolean probeOut;
    /** Where the last probe resent the last segment. */
    private int probeSeq;

    boolean outstanding() {
        return probeOut;
    }

    int probeSeq() {
        return probeSeq;
    }

    /** The peer answered (an ACK of new data, or a duplicate in recovery): a further silence may be probed again. */
    void answered() {
        probeOut = false;
    }

    /** RFC 8985 7.2: the probe timer after something went out or was acknowledged; {@code active}: SACK on and sending. */
    void arm(long now, Sender sender, boolean active) {
        probeAt = TcpConnection.NEVER;
        if (!active || probeOut || sender.allAcknowledged() || !sender.rtt().hasSample()) {
            return;
        }
        int mss = Math.max(1, sender.segmentSize());
        // RFC 8985 7.2: PTO = 2*SRTT. The floor is two ticks of the 1 ms timestamp clock most RTT samples come
        // from, not a fixed 10 ms: on a LAN the round trip is well under a millisecond, and a stalled flight waited
        // ten times longer than it needed to for every probe.
        long pto = Math.max(2 * sender.rtt().srtt(), 2_000_000L);
        if (sender.outstanding() <= mss) {
            pto += sender.rtt().minRto(); // one segment out: the peer may be holding a delayed ACK for it
        }
        if (now + pto < sender.retransmitDeadline()) {
            probeAt = now + pto;
        }
    }

    long nextDeadline() {
        return probeAt;
    }

    /** True when the probe timer is due and the RTO is not: the caller then {@link #fire}s. */
    boolean due(long now, Sender sender) {
        if (now < probeAt) {
            return false;
        }
        probeAt = TcpConnection.NEVER;
        return now < sender.retransmitDeadline();
    }

    /**
     * RFC 8985 7.3: the last segment again (new data only when that cannot be resent). RFC 8985 7.3
     * prefers new data for the probe; we send the last segment again whenever we can. A receiver may
     * hold its ACK for in-order data (RFC 5681 4.2 allows up to 500 ms; Linux, holding unread data,
     * waits for its 40 ms delayed-ACK timer even for several full segments), so a probe of new data
     * can be answered only after the RTO. A segment it already has, or one beyond a hole, is answered
     * at once (RFC 5681 4.2, RFC 2883), and either answer tells what is missing.
     */
    Outcome fire(long now, Sender sender, ConnectionCounters counters) {
        if (sender.allAcknowledged()) {
            return Outcome.NONE;
        }
        probeOut = true;
        counters.tailLossProbe();
        int bufferStart = sender.bufferStart();
        int unsent = sender.buffer().queued() - SeqNum.diff(sender.nxt(), bufferStart);
        int peerLeft = SeqNum.diff(SeqNum.add(sender.una(), sender.window()), sender.nxt());
        int n = Math.min(Math.max(1, sender.segmentSize()), sender.outstanding());
        int seq = SeqNum.add(sender.max(), -n);
        int sendOffset = SeqNum.diff(seq, bufferStart);
        if (!sender.finSent() && sendOffset >= 0 && sendOffset + n <= sender.buffer().queued()) {
            probeSeq = seq;
            sender.retransmit(now, seq, n, TcpSegment.ACK); // once SACKed, evidence against earlier ones
            return Outcome.SENT;
        }
        return unsent > 0 && peerLeft > 0 && sender.nxt() == sender.max() ? Outcome.NEW_DATA : Outcome.SENT;
    }

    void stop() {
        probeAt = TcpConnection.NEVER;
    }
}
