package teacup.drill;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A TCP segment as a script line gives it: flags in packetdrill's letters ({@code S . F R P U E W}),
 * the sequence range {@code start:end(length)}, and, when the line has them, {@code ack}, {@code win}
 * and the option list (null: the line has no {@code <...>}). Sequence and acknowledgment numbers are
 * relative, as the script writes them; {@code ack}, {@code window} and the urgent pointer
 * {@code urg} are -1 when absent.
 */
public record TcpPacketSpec(String flags, long startSeq, long endSeq, int length, long ack, long window, long urgent,
                            List<TcpOptionSpec> options) {
    public TcpPacketSpec {
        options = options == null ? null : List.copyOf(options);
    }

    public boolean hasAck() {
        return ack >= 0;
    }

    public boolean hasWindow() {
        return window >= 0;
    }

    public boolean hasUrgent() {
        return urgent >= 0;
    }

    /** The flags, in the canonical order packetdrill prints them. */
    public static String canonicalFlags(String flags) {
        StringBuilder b = new StringBuilder();
        for (char c : "SFRPUEW.".toCharArray()) {
            if (flags.indexOf(c) >= 0) {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The segment as a script line writes it, without direction or time. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(flags).append(' ').append(startSeq).append(':').append(endSeq)
                .append('(').append(length).append(')');
        if (hasAck()) {
            b.append(" ack ").append(ack);
        }
        if (hasWindow()) {
            b.append(" win ").append(window);
        }
        if (hasUrgent()) {
            b.append(" urg ").append(urgent);
        }
        if (options != null) {
            b.append(" <").append(options.stream().map(TcpOptionSpec::toString).collect(Collectors.joining(","))).append('>');
        }
        return b.toString();
    }
}
