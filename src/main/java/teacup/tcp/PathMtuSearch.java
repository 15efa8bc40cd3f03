package teacup.tcp;

import teacup.stats.Counter;
import teacup.wire.SeqNum;

/**
 * How large the connection's segments may be on its path: path MTU discovery by ICMP (RFC 1191)
 * and, where ICMP never comes, by the connection's own segments (RFC 4821, packetization layer
 * path MTU discovery). It sets the sender's path MSS (path MTU less the 40 bytes of IPv4 and TCP
 * headers; the options every segment carries come off that, RFC 6691).
 *
 * <ul>
 * <li>RFC 1191: a validated "fragmentation needed" lowers the MSS at once, and what is in flight
 * goes again from SND.UNA at the new size without waiting for the RTO and without any
 * congestion response (RFC 1191 6.5: it is not congestion). Never below {@link #MIN_MSS}.</li>
 * <li>RFC 4821 black hole: when a segment larger than {@link #BASE_MSS} times out
 * R1 times in a row with no ICMP (RFC 4821 7.7's full-stop timeout: the timeouts after which IP
 * is given negative advice, RFC 9293 MUST-20), the path is taken to drop large packets silently
 * (a firewall that filters ICMP): the MSS falls to {@link #BASE_MSS} (RFC 4821 7.2's 1024-byte
 * MTU) and the size that failed bounds the search from above. Linux does the same with
 * {@code tcp_mtu_probing=1}, at {@code tcp_retries1}. Fewer timeouts would be a false alarm
 * whenever a queue overflows: with a thousand connections on one link, nearly every one of them
 * once timed out twice in a row and fell to the base size.</li>
 * <li>RFC 4821 search: a binary search between the MSS that works and the smallest that failed
 * (or the peer's MSS), one probe at a time: a new segment of the middle size sent ahead of at
 * least three segments more, so its loss shows as duplicate ACKs. Its acknowledgment raises the
 * MSS to its size; its loss (SND.UNA held at its start while three duplicate ACKs came, or a
 * timeout there) lowers the bound, and its bytes go again at the MSS in use, which is not taken
 * for congestion (RFC 4821 7.6.2): the duplicate ACKs that follow until the repair is acknowledged
 * do not start fast recovery. The search ends when the bounds are within {@link #DONE_WITHIN},
 * and starts again upward from the peer's MSS ten minutes later (RFC 4821 7.7; RFC 1191 6.3 does
 * likewise for an MTU learnt from ICMP). A probe is at most one byte short of two segments, so a
 * link that cuts large segments (segmentation offload) sends it whole.</li>
 * </ul>
 */
final class PathMtuSearch {
    /** IPv4 and TCP headers without options: the path MTU less this is the largest MSS it takes. */
    static final int HEADERS = 40;
    /** RFC 4821 7.2: the MSS of a 1024-byte MTU, which nearly every path takes; where a black hole sends us. */
    static final int BASE_MSS = 1024 - HEADERS;
    /** The least MSS an ICMP error can bring us to (Linux's tcp_min_snd_mss): a forged tiny MTU costs little. */
    static final int MIN_MSS = 48;
    /** RFC 4821 7.7: the search stops when what works and what failed are this close (Linux's tcp_probe_threshold). */
    static final int DONE_WITHIN = 8;
    /** RFC 1191 6.3, RFC 4821 7.7: how long a lowered MSS or a finished search stands before searching upward again. */
    static final long SEARCH_AGAIN_AFTER = 10L * 60 * 1_000_000_000L;
    /** Segments that must follow a probe, so that its loss brings duplicate ACKs (RFC 5681's three). */
    private static final int SEGMENTS_AFTER_PROBE = 3;

    private final ConnectionCounters counters;
    private final SegmentWriter writer;
    /** The path MSS in use (MAX_VALUE: nothing learnt; the peer's MSS rules). */
    private int mss = Integer.MAX_VALUE;
    /** The smallest MSS known not to pass (MAX_VALUE: none); probes stay below it and below the peer's MSS + 1. */
    private int tooBig = Integer.MAX_VALUE;
    /** When probing may next start ({@link TcpConnection#NEVER}: nothing to search for). */
    private long searchAt = TcpConnection.NEVER;
    /** The probe in flight: its MSS (0: none), first sequence number and end. */
    private int probeMss;
    private int probeSeq;
    private int probeEnd;
    /** A lost probe's bytes went again: duplicate ACKs at its start are its doing until SND.UNA passes this. */
    private boolean repairing;
    private int repairEnd;

    PathMtuSearch(ConnectionCounters counters, SegmentWriter writer) {
        this.counters = counters;
        this.writer = writer;
    }

    /** The MSS segments are cut to now: the peer's, bounded by the path's. */
    private int effectiveMss(Sender sender) {
        return Math.min(sender.negotiated().sendMss(), mss);
    }

    // ---------------------------------------------------------------- RFC 1191

    /**
     * RFC 1191: the path takes datagrams of at most {@code pathMtu} bytes. Lowers the MSS if that is
     * below it; returns true when data in flight must go again now at the new size (the caller
     * then sends), false when nothing changed or nothing is in flight.
     */
    boolean lowered(long now, int pathMtu, Sender sender) {
        int next = Math.max(MIN_MSS, pathMtu - HEADERS);
        if (next >= mss) {
            return false;
        }
        int before = sender.segmentSize();
        mss = next;
        tooBig = Integer.MAX_VALUE; // what ICMP said passes; the search upward waits SEARCH_AGAIN_AFTER
        searchAt = now + SEARCH_AGAIN_AFTER;
        sender.pathMss(mss);
        probeMss = 0;
        repairing = false;
        if (sender.allAcknowledged() || sender.segmentSize() >= before) {
            return false;
        }
        sender.resendFromUna();
        return true;
    }

    // ---------------------------------------------------------------- RFC 4821

    /**
     * The retransmission timer fired ({@link Sender#retransmissions} already counts it), before
     * the sender goes back to SND.UNA: a probe at SND.UNA was lost; the R1-th timeout in a row of
     * data larger than {@link #BASE_MSS} is a black hole, and what goes again goes at the base.
     */
    void timedOut(long now, Sender sender) {
        if (probeMss != 0 && sender.una() == probeSeq) {
            probeFailed();
        }
        probeMss = 0;
        repairing = false;
        int current = effectiveMss(sender);
        if (sender.retransmissions() != writer.adviseAfter() || current <= BASE_MSS
                || sender.outstanding() < sender.segmentSize()) {
            return;
        }
        tooBig = current;
        mss = BASE_MSS;
        sender.pathMss(mss);
        searchAt = now; // once the base size gets through, the search for the real size begins
        counters.pathMtuBlackHole();
        writer.count(Counter.TCP_PMTU_BLACK_HOLES);
    }

    /**
     * Before new data goes: a probe of the next size in the search, when one is due and nothing
     * stands in its way (no recovery, no timeout, no rewind; room in both windows; enough data
     * behind it).
     */
    void probe(long now, Sender sender) {
        if (probeMss != 0 || repairing || now < searchAt || sender.congestion().inRecovery()
                || sender.retransmissions() > 0 || sender.nxt() != sender.max()) {
            return;
        }
        int works = effectiveMss(sender);
        int fails = Math.min(tooBig, sender.negotiated().sendMss() + 1);
        if (fails - 1 - works <= DONE_WITHIN) {
            // The search is over: it starts again upward later, when the path may have grown.
            tooBig = Integer.MAX_VALUE;
            searchAt = works >= sender.negotiated().sendMss() ? TcpConnection.NEVER : now + SEARCH_AGAIN_AFTER;
            return;
        }
        int segment = sender.segmentSize();
        int options = works - segment;
        int length = Math.min((works + fails) / 2 - options, 2 * segment - 1);
        int flight = sender.outstanding();
        if (length <= segment || sender.unsentBeyondMax() < length + SEGMENTS_AFTER_PROBE * segment
                || SeqNum.diff(SeqNum.add(sender.una(), sender.window()), sender.nxt()) < length
                || sender.congestion().sendAllowance(flight, 0) < length) {
            return;
        }
        probeSeq = sender.nxt();
        probeEnd = SeqNum.add(probeSeq, length);
        probeMss = length + options;
        sender.sendProbeSegment(now, length);
        counters.pathMtuProbe();
        writer.count(Counter.TCP_PMTU_PROBES);
    }

    /** New data acknowledged up to SND.UNA: a probe all acknowledged raises the MSS to its size; a repair is over. */
    void acknowledged(long now, Sender sender) {
        if (repairing && SeqNum.ge(sender.una(), repairEnd)) {
            repairing = false;
        }
        if (probeMss == 0 || SeqNum.lt(sender.una(), probeEnd)) {
            return;
        }
        mss = probeMss;
        probeMss = 0;
        sender.pathMss(mss);
        counters.pathMtuProbeSucceeded();
        writer.count(Counter.TCP_PMTU_PROBES_SUCCEEDED);
    }

    /** A lost probe's bytes went again and are not yet acknowledged: duplicate ACKs until then are its doing. */
    boolean repairing() {
        return repairing;
    }

    /**
     * A duplicate ACK that would start fast recovery: true when it is a probe's loss, not congestion
     * (the probe is held at SND.UNA). The bound then falls, and the probe's bytes go again at the MSS
     * in use.
     */
    boolean probeLost(long now, Sender sender) {
        if (probeMss == 0 || sender.una() != probeSeq) {
            return false;
        }
        probeFailed();
        probeMss = 0;
        repairing = true;
        repairEnd = probeEnd;
        int segment = Math.max(1, sender.segmentSize());
        for (int from = probeSeq; SeqNum.lt(from, probeEnd); from = SeqNum.add(from, segment)) {
            sender.retransmit(now, from, Math.min(segment, SeqNum.diff(probeEnd, from)), teacup.wire.TcpSegment.ACK);
        }
        return true;
    }

    private void probeFailed() {
        tooBig = Math.min(tooBig, probeMss);
        counters.pathMtuProbeFailed();
        writer.count(Counter.TCP_PMTU_PROBES_FAILED);
    }
}
