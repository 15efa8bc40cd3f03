package teacup.drill;

import java.util.List;
import java.util.Map;

/**
 * A parsed packetdrill script: where it came from, the {@code --name=value} options of its header
 * (in order; a bare {@code --name} maps to the empty string), and its events in order.
 */
public record Script(String name, Map<String, String> options, List<ScriptEvent> events) {
    public Script {
        options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
        events = List.copyOf(events);
    }
}
