package teacup.drill;

import java.util.Map;

/**
 * packetdrill's names for ICMP types and codes, as its scripts write them
 * ({@code unreachable port_unreachable}, {@code unreachable frag_needed}); a number is taken as
 * the value itself. A name it does not know makes the script skipped, not guessed at.
 */
final class IcmpNames {
    private static final Map<String, Integer> TYPES = Map.of("echo_reply", 0, "unreachable", 3, "source_quench", 4,
            "redirect", 5, "echo_request", 8, "time_exceeded", 11, "parameter_problem", 12);
    private static final Map<String, Integer> UNREACHABLE_CODES = Map.ofEntries(Map.entry("net_unreachable", 0),
            Map.entry("host_unreachable", 1), Map.entry("protocol_unreachable", 2), Map.entry("port_unreachable", 3),
            Map.entry("frag_needed", 4), Map.entry("source_route_failed", 5), Map.entry("net_unknown", 6),
            Map.entry("host_unknown", 7), Map.entry("source_host_isolated", 8), Map.entry("net_prohibited", 9),
            Map.entry("host_prohibited", 10), Map.entry("net_unreachable_for_tos", 11),
            Map.entry("host_unreachable_for_tos", 12), Map.entry("packet_filtered", 13),
            Map.entry("precedence_violation", 14), Map.entry("precedence_cutoff", 15));
    private static final Map<String, Integer> TIME_EXCEEDED_CODES = Map.of("ttl_exceeded", 0, "reassembly_time_exceeded", 1);

    private IcmpNames() {
    }

    static int type(String name) {
        Integer t = number(name);
        t = t != null ? t : TYPES.get(name);
        if (t == null) {
            throw new ScriptSkipped("ICMP type " + name + " is not known");
        }
        return t;
    }

    /** The code named {@code name} for {@code type}; 0 when the line gives none. */
    static int code(int type, String name) {
        if (name == null) {
            return 0;
        }
        Integer c = number(name);
        if (c == null) {
            c = switch (type) {
                case 3 -> UNREACHABLE_CODES.get(name);
                case 11 -> TIME_EXCEEDED_CODES.get(name);
                default -> null;
            };
        }
        if (c == null) {
            throw new ScriptSkipped("ICMP code " + name + " is not known for type " + type);
        }
        return c;
    }

    private static Integer number(String s) {
        return s.matches("\\d{1,3}") ? Integer.valueOf(s) : null;
    }
}
