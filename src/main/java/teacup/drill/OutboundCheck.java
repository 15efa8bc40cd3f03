package teacup.drill;

import java.util.List;
import java.util.Objects;

/**
 * Whether a segment teacup sent is the one an outbound line expects. Flags, sequence range,
 * length and (when the line gives it) the acknowledgment are always checked. In strict mode the
 * window and the option list are checked exactly, as packetdrill does (TS val excepted: teacup's
 * clock is its own, so only its echo is compared). In portable mode the window is not checked and
 * of the options only which kinds are present (nop and eol are padding and do not count).
 */
final class OutboundCheck {
    private OutboundCheck() {
    }

    /** What differs, in packetdrill's words, or null when the segment is the one expected. */
    static String mismatch(TcpPacketSpec expected, TcpPacketSpec actual, boolean strict) {
        if (!expected.flags().equals(actual.flags())) {
            return "TCP flags: expected " + expected.flags() + " vs actual " + actual.flags();
        }
        if (expected.startSeq() != actual.startSeq()) {
            return "tcp_seq: expected " + expected.startSeq() + " vs actual " + actual.startSeq();
        }
        if (expected.length() != actual.length()) {
            return "payload length: expected " + expected.length() + " vs actual " + actual.length();
        }
        if (expected.hasAck() && expected.ack() != actual.ack()) {
            return "tcp_ack_seq: expected " + expected.ack() + " vs actual " + actual.ack();
        }
        long urgent = actual.hasUrgent() ? actual.urgent() : 0; // the field, read only when URG is set
        if (expected.hasUrgent() && expected.urgent() != urgent) {
            return "tcp_urg_ptr: expected " + expected.urgent() + " vs actual " + urgent;
        }
        if (strict && expected.hasWindow() && expected.window() != actual.window()) {
            return "tcp_window: expected " + expected.window() + " vs actual " + actual.window();
        }
        if (expected.options() == null) {
            return null;
        }
        List<TcpOptionSpec> got = actual.options() == null ? List.of() : actual.options();
        return strict ? strictOptions(expected.options(), got) : portableOptions(expected.options(), got);
    }

    private static String strictOptions(List<TcpOptionSpec> expected, List<TcpOptionSpec> actual) {
        boolean same = expected.size() == actual.size();
        for (int i = 0; same && i < expected.size(); i++) {
            TcpOptionSpec e = expected.get(i);
            TcpOptionSpec a = actual.get(i);
            same = e.name().equals(a.name())
                    && (e.name().equals("TS") ? Objects.equals(e.values().get(1), a.values().get(1)) : e.values().equals(a.values()));
        }
        return same ? null : "TCP options: expected <" + join(expected) + "> vs actual <" + join(actual) + ">";
    }

    private static String portableOptions(List<TcpOptionSpec> expected, List<TcpOptionSpec> actual) {
        java.util.Set<String> want = kinds(expected);
        java.util.Set<String> got = kinds(actual);
        return want.equals(got) ? null : "TCP options present: expected " + want + " vs actual " + got;
    }

    private static java.util.Set<String> kinds(List<TcpOptionSpec> options) {
        java.util.Set<String> s = new java.util.TreeSet<>();
        options.stream().map(TcpOptionSpec::name).filter(n -> !n.equals("nop") && !n.equals("eol")).forEach(s::add);
        return s;
    }

    private static String join(List<TcpOptionSpec> options) {
        return String.join(",", options.stream().map(TcpOptionSpec::toString).toList());
    }
}
