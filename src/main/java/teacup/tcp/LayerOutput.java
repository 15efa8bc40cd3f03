package teacup.tcp;

import java.util.function.ToLongFunction;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.tcp.TcpConnection.State;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * The {@link SegmentOutput} of a {@link TcpLayer}'s connections: each segment is built in IP's
 * frame buffer, its data copied straight from the send buffer, and sent; a half-open
 * connection's SYN-ACK goes to the MAC its SYN came from rather than wait for ARP. It also holds
 * what every connection of the layer shares: the budgets of challenge ACKs (RFC 5961 7), send
 * rings and autotuned receive windows, the turn of the event loop, and the scratch segment (with the
 * negotiated values its connections share).
 */
final class LayerOutput implements SegmentOutput {
    /** What {@code synSource} says of a connection out of its listener's SYN queue: it is sent as any other. */
    static final long NOT_HALF_OPEN = Long.MIN_VALUE;

    private final IpLayer ip;
    private final Statistics stats;
    private final ChallengeAckBudget challengeAcks;
    private final SendTurns sendTurns;
    /** For a connection in SYN-RECEIVED: the MAC its SYN came from, or {@link #NOT_HALF_OPEN}. */
    private final ToLongFunction<TcpConnection> synSource;
    private final SendMemory sendMemory = new SendMemory(SendMemory.DEFAULT_LIMIT); // every send ring together
    private final ReceiveMemory receiveMemory = new ReceiveMemory(ReceiveMemory.DEFAULT_LIMIT); // autotuned windows
    private final Scratch scratch = new Scratch(); // every connection's, one at a time
    /** Set when IP could not send (no route); read right after a connection's first SYN. */
    boolean sendFailed;

    LayerOutput(IpLayer ip, Statistics stats, ChallengeAckBudget challengeAcks, SendTurns sendTurns,
                ToLongFunction<TcpConnection> synSource) {
        this.ip = ip;
        this.stats = stats;
        this.challengeAcks = challengeAcks;
        this.sendTurns = sendTurns;
        this.synSource = synSource;
    }

    @Override
    public void segment(TcpConnection c, OutboundSegment s) {
        byte[] frame = ip.txBuffer();
        TcpOptions segmentOptions = s.options();
        int length = s.length();
        int header = TcpSegment.headerLength(segmentOptions);
        if (length > 0) {
            c.sendBuffer().copyOut(s.sendOffset(), frame, IpLayer.PAYLOAD_OFFSET + header, length);
        }
        // Two segments or more (segmentation offload) go whole for the device to cut; a path MTU probe, under two, as one.
        int mss = c.sender.segmentSize();
        int segmentSize = length >= 2 * mss ? mss : 0;
        int n = TcpSegment.write(frame, IpLayer.PAYLOAD_OFFSET, c.localPort(), c.remotePort(), s.seq(), s.ack(), s.flags(),
                s.window(), s.urgentPointer(), segmentOptions, length, c.localIp(), c.remoteIp(), segmentSize == 0);
        // Segments on the wire: a large one counts as the pieces the link cuts it into (Linux's OutSegs does too).
        stats.add(Counter.TCP_SEGMENTS_SENT, segmentSize == 0 ? 1 : (length + mss - 1) / mss);
        if (s.has(TcpSegment.RST)) {
            stats.increment(Counter.TCP_RESETS_SENT);
        }
        // RFC 9293 MUST-20: R1 reached; IP re-validates the next hop first. Not for a half-open connection:
        // its peer is unproven, and spoofed SYNs (RFC 4987) would keep the gateway's entry in doubt.
        if (s.negativeAdvice() && c.state() != State.SYN_RECEIVED) {
            ip.negativeAdvice(s.now(), c.remoteIp());
        }
        // A half-open connection's SYN-ACK never waits for ARP (RFC 4987): the first goes while its SYN is in hand.
        long mac = c.state() == State.SYN_RECEIVED ? synSource.applyAsLong(c) : NOT_HALF_OPEN;
        if (mac != NOT_HALF_OPEN) {
            ip.sendIfResolved(s.now(), c.remoteIp(), Ipv4Packet.PROTOCOL_TCP, frame, n, s.ttl(), s.trafficClass(), mac);
        } else if (!ip.send(s.now(), c.remoteIp(), Ipv4Packet.PROTOCOL_TCP, frame, n, segmentSize, s.ttl(), s.trafficClass())) {
            sendFailed = true;
        }
    }

    @Override
    public int largestSegment() {
        return ip.segmentationOffload();
    }

    @Override
    public boolean takeChallengeAck(long now) {
        return challengeAcks.take(now);
    }

    @Override
    public void challengeAckLimited() {
        stats.increment(Counter.TCP_CHALLENGE_ACKS_SUPPRESSED);
    }

    @Override
    public void count(Counter counter) {
        stats.increment(counter);
    }

    @Override
    public long turn() {
        return sendTurns.turn();
    }

    @Override
    public SendMemory sendMemory() {
        return sendMemory;
    }

    @Override
    public ReceiveMemory receiveMemory() {
        return receiveMemory;
    }

    @Override
    public Scratch scratch() {
        return scratch;
    }
}
