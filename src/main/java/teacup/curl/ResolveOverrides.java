package teacup.curl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import teacup.wire.Ipv4Address;

/**
 * curl's {@code --resolve HOST:PORT:ADDR[,ADDR]...}: fixed addresses for a host name on one port,
 * used before any DNS. As with curl, an entry applies to its port only (a redirect to the same
 * name on another port is resolved normally), names match without regard to case, and a later
 * entry for the same name and port replaces an earlier one. Port {@code *} matches every port.
 */
public final class ResolveOverrides {
    private final Map<String, List<Ipv4Address>> entries = new HashMap<>();

    /** Parses the entries; a malformed one is an IllegalArgumentException naming it. */
    public static ResolveOverrides parse(List<String> specs) {
        ResolveOverrides o = new ResolveOverrides();
        if (specs == null) {
            return o;
        }
        for (String spec : specs) {
            int first = spec.indexOf(':');
            int second = first < 0 ? -1 : spec.indexOf(':', first + 1);
            if (first <= 0 || second < 0 || second == spec.length() - 1) {
                throw new IllegalArgumentException("--resolve expects HOST:PORT:ADDRESS, not '" + spec + "'");
            }
            String host = spec.substring(0, first).toLowerCase(Locale.ROOT);
            String portText = spec.substring(first + 1, second);
            if (!portText.equals("*")) {
                int port;
                try {
                    port = Integer.parseInt(portText);
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("--resolve " + spec + ": port must be 1..65535 or *");
                }
                portText = Integer.toString(port);
            }
            List<Ipv4Address> addresses = new ArrayList<>();
            for (String a : spec.substring(second + 1).split(",")) {
                String text = a.strip();
                if (text.startsWith("[")) {
                    throw new IllegalArgumentException("--resolve " + spec + ": teacup speaks IPv4 only");
                }
                try {
                    addresses.add(Ipv4Address.parse(text));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--resolve " + spec + ": " + e.getMessage());
                }
            }
            o.entries.put(host + ":" + portText, List.copyOf(addresses));
        }
        return o;
    }

    /** The addresses given for {@code host} on {@code port}, or null when no entry names them. */
    List<Ipv4Address> lookup(String host, int port) {
        String h = host.toLowerCase(Locale.ROOT);
        List<Ipv4Address> exact = entries.get(h + ":" + port);
        return exact != null ? exact : entries.get(h + ":*");
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }
}
