package teacup.dns;

import java.io.IOException;
import java.util.List;
import teacup.wire.Ipv4Address;

/**
 * Turns a host name into IPv4 addresses. The stub resolver over teacup's own UDP (RFC 1035)
 * implements it; commands take it so that tests and {@code --resolve} can stand in for DNS.
 */
public interface Resolver {
    /**
     * The host's IPv4 addresses in the order the answer gave them (never empty). A literal
     * address resolves to itself. Throws {@link java.net.UnknownHostException} with a one-line
     * reason when the name has no address or no server answered in time.
     */
    List<Ipv4Address> resolve(String host) throws IOException;
}
