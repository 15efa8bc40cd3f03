package teacup.curl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.hc.client5.http.DnsResolver;
import teacup.dns.Resolver;
import teacup.wire.Ipv4Address;

/**
 * HttpClient's {@link DnsResolver} over teacup's {@link Resolver}, with curl's {@code --resolve}
 * entries consulted first. Every address handed to HttpClient carries the name it was resolved
 * from, so nothing downstream (TLS, logging) falls back to the kernel's reverse lookup.
 *
 * <p>It remembers the addresses of the last name it resolved, so the {@code -v} log can say which
 * one a connection attempt is trying: HttpClient tries them in the order given.
 */
final class HttpDnsResolver implements DnsResolver {
    private final Resolver resolver;
    private final ResolveOverrides overrides;
    private final VerboseLog log;
    private volatile List<InetSocketAddress> last = List.of();
    private volatile int tried;

    HttpDnsResolver(Resolver resolver, ResolveOverrides overrides, VerboseLog log) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.overrides = Objects.requireNonNull(overrides, "overrides");
        this.log = Objects.requireNonNull(log, "log");
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        return addresses(host, lookup(host)).toArray(InetAddress[]::new);
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        List<Ipv4Address> found = overrides.lookup(host, port);
        if (found != null) {
            log.info("Added " + host + ":" + port + ":" + join(found) + " to DNS cache");
        } else {
            found = lookup(host);
        }
        List<InetSocketAddress> result = new ArrayList<>();
        for (InetAddress a : addresses(host, found)) {
            result.add(new InetSocketAddress(a, port));
        }
        log.info("Host " + host + ":" + port + " was resolved.");
        log.info("IPv4: " + join(found));
        last = List.copyOf(result);
        tried = 0;
        return result;
    }

    /** The name itself: teacup's resolver reports no canonical names. */
    @Override
    public String resolveCanonicalHostname(String host) {
        return host;
    }

    /** The next address HttpClient will try, from the last resolution, or null when unknown. */
    InetSocketAddress nextAttempt() {
        List<InetSocketAddress> l = last;
        int i = tried++;
        return i < l.size() ? l.get(i) : null;
    }

    private List<Ipv4Address> lookup(String host) throws UnknownHostException {
        List<Ipv4Address> found;
        try {
            found = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw e;
        } catch (IOException e) {
            UnknownHostException u = new UnknownHostException(host + " (" + e.getMessage() + ")");
            u.initCause(e);
            throw u;
        }
        if (found == null || found.isEmpty()) {
            throw new UnknownHostException(host);
        }
        return found;
    }

    private static List<InetAddress> addresses(String host, List<Ipv4Address> found) throws UnknownHostException {
        List<InetAddress> result = new ArrayList<>();
        for (Ipv4Address a : found) {
            int v = a.bits();
            byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
            result.add(InetAddress.getByAddress(host, b));
        }
        return result;
    }

    private static String join(List<Ipv4Address> addresses) {
        return addresses.stream().map(Ipv4Address::toString).collect(Collectors.joining(", "));
    }
}
