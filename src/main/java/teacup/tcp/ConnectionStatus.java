package teacup.tcp;

import teacup.wire.Ipv4Address;

/**
 * One connection as it stood when the event loop took a status snapshot: a value that any
 * thread may keep and print, so a report never touches live protocol state. Times are
 * nanoseconds; byte counts over the connection's life are longs, since a stream passes 2^31.
 *
 * @param srtt                  smoothed round-trip time (0 before the first sample)
 * @param rttSampled            whether any round trip was measured yet
 * @param segmentSize           data per full segment as the path allows now (RFC 1191, RFC 4821), for expressing the window in segments
 * @param inFlight              sequence space sent and not yet acknowledged
 * @param peerWindow            the window the peer last advertised, scaled, in bytes
 * @param sendQueue             bytes the application wrote that the peer has not acknowledged (sent or not)
 * @param receiveQueue          bytes received in order that the application has not read
 * @param bytesSent             data bytes the peer acknowledged
 * @param bytesReceived         data bytes received in order
 * @param segmentsRetransmitted segments sent more than once
 * @param orphaned              the application closed its socket; the connection is finishing on its own
 * @param retransmissionTimeouts times the retransmission timer expired
 * @param recoveryEpisodes      fast recoveries entered on duplicate ACKs or SACK evidence
 * @param tailLossProbes        tail loss probes sent
 * @param spuriousRecoveries    window reductions undone because D-SACKs showed nothing was lost
 */
public record ConnectionStatus(int localIp, int localPort, int remoteIp, int remotePort, TcpConnection.State state,
                               long srtt, long rttvar, long rto, boolean rttSampled,
                               String congestionControl, int cwnd, int ssthresh, int segmentSize,
                               int inFlight, int peerWindow, int sendQueue, int receiveQueue,
                               long bytesSent, long bytesReceived, long segmentsRetransmitted, boolean orphaned,
                               long retransmissionTimeouts, long recoveryEpisodes, long tailLossProbes,
                               long spuriousRecoveries) {

    /** The snapshot of {@code c}; call on the thread that owns it (the event loop). */
    public static ConnectionStatus of(TcpConnection c) {
        RttEstimator rtt = c.rtt();
        CongestionControl cc = c.congestion();
        ConnectionCounters n = c.counters();
        return new ConnectionStatus(c.localIp(), c.localPort(), c.remoteIp(), c.remotePort(), c.state(),
                rtt.srtt(), rtt.rttvar(), rtt.rto(), rtt.hasSample(),
                cc instanceof Cubic ? "cubic" : "newreno", cc.cwnd(), cc.ssthresh(), Math.max(1, c.sender.segmentSize()),
                c.sender.outstanding(), c.sender.window(), c.sendBuffer().queued(), c.receiveBuffer().available(),
                c.sendBuffer().releasePosition(), c.receiveBuffer().writePosition(), n.segmentsRetransmitted(), c.orphaned(),
                n.retransmissionTimeouts(), n.recoveryEpisodes(), n.tailLossProbes(), n.spuriousRecoveries());
    }

    /** A connection reduced to its {@link TimeWait}: nothing in flight, nothing queued, no counters kept. */
    static ConnectionStatus timeWait(int localIp, int localPort, int remoteIp, int remotePort) {
        return new ConnectionStatus(localIp, localPort, remoteIp, remotePort, TcpConnection.State.TIME_WAIT, 0, 0, 0, false,
                "-", 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, true, 0, 0, 0, 0);
    }

    /** RFC 9293's spelling of {@code state} (FIN-WAIT-2), which an enum constant cannot have. */
    public static String stateName(TcpConnection.State state) {
        return STATE_NAMES[state.ordinal()];
    }

    private static final String[] STATE_NAMES = java.util.Arrays.stream(TcpConnection.State.values())
            .map(s -> s.name().replace('_', '-')).toArray(String[]::new);

    /** {@code address:port} of our end. */
    public String local() {
        return Ipv4Address.format(localIp) + ":" + localPort;
    }

    /** {@code address:port} of the peer. */
    public String remote() {
        return Ipv4Address.format(remoteIp) + ":" + remotePort;
    }
}
