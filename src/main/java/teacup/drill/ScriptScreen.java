package teacup.drill;

import java.util.Map;
import java.util.Set;
import teacup.drill.ScriptEvent.Shell;
import teacup.drill.ScriptEvent.SystemCall;

/**
 * Looks a script over before it runs, for what the in-process engine cannot do, so a script that
 * would half-run is skipped with its reason instead: a backtick command (a Linux or FreeBSD host
 * command, which never runs here), IPv6, a header option or system call it lacks.
 */
final class ScriptScreen {
    /** Header options the engine reads (see {@link DrillEngine}). */
    private static final Set<String> KNOWN_OPTIONS = Set.of("ip_version", "tolerance_usecs", "local_ip", "remote_ip",
            "bind_port", "connect_port", "remote_port");
    static final Set<String> SYSTEM_CALLS = Set.of("socket", "bind", "listen", "accept", "accept4", "connect", "write",
            "send", "read", "recv", "close", "shutdown", "fcntl", "setsockopt", "getsockopt", "sendto", "recvfrom", "writev",
            "readv", "poll");

    private ScriptScreen() {
    }

    /** Why the script cannot run in-process, or null when it can. */
    static String skipReason(Script script) {
        String header = headerReason(script.options());
        if (header != null) {
            return header;
        }
        for (ScriptEvent e : script.events()) {
            String reason = switch (e) {
                case Shell s when !harmless(s.command()) -> "line " + s.line() + ": shell command `" + s.command()
                        + "` (host commands never run in-process)";
                case ScriptEvent.Unsupported u -> "line " + u.line() + ": " + u.what() + " are not supported";
                case SystemCall c when !SYSTEM_CALLS.contains(c.name()) -> "line " + c.line() + ": system call " + c.name()
                        + " is not mapped onto teacup";
                default -> null;
            };
            if (reason != null) {
                return reason;
            }
        }
        return null;
    }

    private static String headerReason(Map<String, String> options) {
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (!KNOWN_OPTIONS.contains(o.getKey())) {
                return "header option --" + o.getKey() + " is not supported";
            }
        }
        String ip = options.getOrDefault("ip_version", "ipv4");
        if (!ip.equals("ipv4")) {
            return "--ip_version=" + ip + " (only ipv4 in-process)";
        }
        for (String key : new String[] {"local_ip", "remote_ip"}) {
            String v = options.get(key);
            if (v != null && !v.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                return "--" + key + "=" + v + " is not an IPv4 address";
            }
        }
        return null;
    }

    /**
     * A command that only reads a setting changes nothing the script depends on, so it may be
     * passed over (it is still never run). One that writes a setting would change the host's TCP,
     * which teacup does not share, so the script is skipped.
     */
    static boolean harmless(String command) {
        String c = command.strip();
        return c.isEmpty() || c.equals("true") || c.equals(":") || c.matches("sysctl( -[nq]+)* [\\w.]+");
    }
}
