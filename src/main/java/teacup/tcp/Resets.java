package teacup.tcp;

import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.Ipv4Packet;
import teacup.wire.SeqNum;
import teacup.wire.TcpSegment;

/**
 * The resets {@link TcpLayer} sends for segments that belong to no connection (RFC 9293
 * 3.10.7.1): to a closed port, or an ACK to a listener that carries no cookie of ours. Written
 * straight into IP's frame buffer; nothing is kept.
 */
final class Resets {
    private final IpLayer ip;
    private final Statistics stats;

    Resets(IpLayer ip, Statistics stats) {
        this.ip = ip;
        this.stats = stats;
    }

    /**
     * The reset for {@code segment}, from {@code source:sourcePort} to our {@code destinationPort}
     * (never in answer to a reset): with an ACK, the reset takes its sequence number from SEG.ACK;
     * without, it acknowledges the segment from sequence number zero.
     */
    void answer(long now, TcpSegment segment, int source, int sourcePort, int destinationPort) {
        int flags = segment.flags();
        if ((flags & TcpSegment.RST) != 0) {
            return;
        }
        if ((flags & TcpSegment.ACK) != 0) {
            write(now, source, sourcePort, destinationPort, segment.acknowledgment(), 0, TcpSegment.RST);
        } else {
            write(now, source, sourcePort, destinationPort, 0, SeqNum.add(segment.sequence(), segment.sequenceLength()),
                    TcpSegment.RST | TcpSegment.ACK);
        }
    }

    private void write(long now, int remoteIp, int remotePort, int localPort, int seq, int ack, int flags) {
        byte[] frame = ip.txBuffer();
        int n = TcpSegment.write(frame, IpLayer.PAYLOAD_OFFSET, localPort, remotePort, seq, ack, flags, 0, 0, null, 0,
                ip.address(), remoteIp);
        stats.increment(Counter.TCP_SEGMENTS_SENT);
        stats.increment(Counter.TCP_RESETS_SENT);
        ip.send(now, remoteIp, Ipv4Packet.PROTOCOL_TCP, frame, n);
    }
}
