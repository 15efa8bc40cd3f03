package teacup.tcp;

import teacup.ip.IpLayer;

/**
 * The transport's forward progress, which confirms the peer's (or the gateway's) neighbour entry
 * without any ARP (RFC 4861 7.3.1, as Linux applies it to IPv4): new data acknowledged (SND.UNA
 * advanced) or data received in order (RCV.NXT advanced). A segment that moves neither, such as
 * a duplicate or a forgery, confirms nothing; nor does the handshake's last ACK of a connection
 * that is still half-open (its peer is unproven).
 */
final class ForwardProgress {
    private ForwardProgress() {}

    /** A mark that changes when SND.UNA or RCV.NXT moves. */
    static long mark(TcpConnection c) {
        return (long) c.sender.una() << 32 | c.receiver.rcvNxt() & 0xffffffffL;
    }

    /** Tells IP the next hop answered when the segment just processed moved {@code c} past {@code before}. */
    static void confirmIfMoved(long now, IpLayer ip, TcpConnection c, long before) {
        if (mark(c) != before && c.state() != TcpConnection.State.SYN_RECEIVED) {
            ip.confirm(now, c.remoteIp());
        }
    }
}
