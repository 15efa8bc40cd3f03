package teacup.tcp;

import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.wire.IcmpMessage;

/**
 * What ICMP told a connection about its segments (RFC 9293 3.9.2.2, RFC 1122 4.2.3.9, RFC 5461):
 * which errors end it at once, and the last soft error, which is how it ends if it then times
 * out (as Linux reports {@code sk_err_soft} rather than a bare time-out).
 *
 * <p>While our SYN is out, every Destination Unreachable is hard (RFC 5461 4: soft errors are
 * treated as hard during connection establishment, as the common stacks do), so a connect that
 * a router or a firewall refuses fails at once. Once synchronized, nothing ICMP says aborts the
 * connection: codes 0, 1 and 5, Time Exceeded and Parameter Problem MUST NOT (MUST-56), and the
 * hard codes are taken as soft too (RFC 5927 4.1, against SHLD-26's "should abort": a forged
 * error must not be able to kill an established connection); they are remembered (SHLD-25).
 * Time Exceeded and Parameter Problem are soft in SYN-SENT as well: a routing loop may pass.
 * "Fragmentation needed" (code 4) is no error of the connection: IP lowers the path MTU once the
 * connection has validated it, and {@link PathMtuSearch} follows (RFC 1191).
 */
final class IcmpErrors {
    /** The ending the last soft error would give ({@link Ending#NONE}: none heard). */
    private Ending soft = Ending.NONE;

    /**
     * Takes an ICMP error (already checked to quote a sequence number in flight, RFC 5927) for a
     * connection in {@code state}: the ending it gives now, or {@link Ending#NONE} when it is
     * only remembered.
     */
    Ending take(State state, int type, int code) {
        if (type == IcmpMessage.TYPE_DESTINATION_UNREACHABLE && code == IcmpMessage.CODE_FRAGMENTATION_NEEDED) {
            return Ending.NONE; // path MTU discovery (RFC 1191): IpLayer lowers the path MTU, PathMtuSearch follows
        }
        Ending meaning = ending(type, code);
        if (state == State.SYN_SENT && type == IcmpMessage.TYPE_DESTINATION_UNREACHABLE) {
            return meaning;
        }
        soft = meaning;
        return Ending.NONE;
    }

    /** How a connection that timed out ends: as its last soft error says, else {@link Ending#TIMED_OUT}. */
    Ending timedOut() {
        return soft == Ending.NONE ? Ending.TIMED_OUT : soft;
    }

    /** Port and protocol unreachable: the peer host refused (ECONNREFUSED); anything else: no way there. */
    private static Ending ending(int type, int code) {
        return type == IcmpMessage.TYPE_DESTINATION_UNREACHABLE && (code == IcmpMessage.CODE_PORT_UNREACHABLE || code == IcmpMessage.CODE_PROTOCOL_UNREACHABLE)
                ? Ending.REFUSED : Ending.UNREACHABLE;
    }
}
