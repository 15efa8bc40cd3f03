package teacup.cli;

import java.net.UnknownHostException;
import java.util.List;
import teacup.dns.Resolver;
import teacup.wire.Ipv4Address;

/**
 * The resolver commands use until teacup speaks DNS: an IPv4 literal resolves to itself, and any
 * name is an {@link UnknownHostException}. It never asks the kernel's resolver, whose query would
 * leave through the host's own network rather than teacup's.
 */
final class LiteralResolver implements Resolver {
    @Override
    public List<Ipv4Address> resolve(String host) throws UnknownHostException {
        if (host == null || host.isEmpty()) {
            throw new UnknownHostException("no host given");
        }
        try {
            return List.of(Ipv4Address.parse(host));
        } catch (IllegalArgumentException e) {
            throw new UnknownHostException(host + " (no DNS resolver yet: give an IPv4 address or --resolve "
                    + host + ":PORT:ADDRESS)");
        }
    }
}
