package teacup.stack;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import teacup.ip.Interface;
import teacup.stats.Counter;
import teacup.tcp.ConnectionStatus;
import teacup.tcp.ListenerStatus;

/**
 * What a stack looked like at one turn of its event loop: its interface, its TCP connections
 * and listeners, and its counters, all taken in the same turn so they agree with each other.
 */
public record StackStatus(Interface iface, List<ConnectionStatus> connections, List<ListenerStatus> listeners,
                          Map<Counter, Long> counters) {
    public StackStatus {
        connections = List.copyOf(connections);
        listeners = List.copyOf(listeners);
        EnumMap<Counter, Long> ordered = new EnumMap<>(Counter.class); // declaration order, as Statistics.format expects
        ordered.putAll(counters);
        counters = Collections.unmodifiableMap(ordered);
    }
}
