package teacup.drill;

import java.util.List;

/** One timed line of a script (it may span lines), with the line it starts on. */
public sealed interface ScriptEvent {
    int line();

    EventTime time();

    /**
     * {@code name(arguments) = result}, with the errno name when the result is -1. A blocking call
     * written {@code 0.1...0.2 name(...)} has {@code returnTime}, the time it is expected to return
     * (null otherwise).
     */
    record SystemCall(int line, EventTime time, EventTime returnTime, String name, List<Expression> arguments,
                      Expression result, String errno) implements ScriptEvent {
        public SystemCall {
            arguments = List.copyOf(arguments);
        }
    }

    /** {@code <} (inbound: the script sends it to teacup) or {@code >} (outbound: teacup must send it). */
    record Packet(int line, EventTime time, boolean inbound, TcpPacketSpec tcp) implements ScriptEvent {
    }

    /**
     * An ICMP line: its type and code as written ({@code unreachable port_unreachable}; code null
     * when left out), the {@code mtu} (-1 when absent), and the TCP segment it quotes
     * ({@code [1:1461(1460)]}, before or after the message as packetdrill's grammar allows; null
     * when the line quotes none). The quoted numbers are relative to teacup's ISN: teacup sent it.
     */
    record Icmp(int line, EventTime time, boolean inbound, String type, String code, long mtu, TcpPacketSpec quoted)
            implements ScriptEvent {
    }

    /**
     * A line in the language the runner cannot play (a UDP, GRE or MPLS packet, an ICMP message
     * quoting a UDP datagram): it parses, so the script can be reported, and makes it skipped.
     */
    record Unsupported(int line, EventTime time, String what) implements ScriptEvent {
    }

    /** A backtick line: a command for the host shell, which the in-process engine never runs. */
    record Shell(int line, EventTime time, String command) implements ScriptEvent {
    }
}
