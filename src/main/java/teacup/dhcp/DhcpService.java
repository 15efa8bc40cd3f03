package teacup.dhcp;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import teacup.ip.Interface;
import teacup.stack.NetStack;
import teacup.udp.UdpEndpoint;
import teacup.wire.MacAddress;

/**
 * A {@link DhcpClient} at work on a stack: it owns UDP port 68, runs on the stack's loop (a
 * {@link NetStack.Service}), gives the interface each lease's address, router and prefix, takes
 * the address away when the lease ends, and releases the lease when the stack stops.
 *
 * <p>Application threads wait for the first lease with {@link #awaitLease} and read the current
 * one with {@link #lease}; everything else happens on the loop thread.
 */
public final class DhcpService implements NetStack.Service {
    /** Replies queued between loop turns; a client has one transaction open, so a few suffice. */
    private static final int QUEUE = 16;

    private final NetStack stack;
    private final Interface unconfigured;
    private final UdpEndpoint endpoint;
    private final DhcpClient client;
    private final CompletableFuture<DhcpLease> first = new CompletableFuture<>();
    private volatile DhcpLease current;
    private boolean stopping;

    private DhcpService(NetStack stack, DhcpClient.Settings settings, RandomGenerator random) {
        this.stack = stack;
        Interface iface = stack.iface();
        this.unconfigured = Interface.unconfigured(iface.mac(), iface.mtu());
        this.endpoint = stack.udp().bind(DhcpClient.CLIENT_PORT, QUEUE);
        this.client = new DhcpClient(iface.mac().bits(), settings, random, new DhcpClient.Output() {
            @Override
            public void send(long now, int destination, byte[] b, int off, int len) {
                if (stopping && !stack.ip().knows(destination, now)) {
                    // The RELEASE would wait for ARP on a stack about to stop, and be lost with it.
                    // Broadcast it instead: its server identifier still names the one server it is for.
                    destination = -1;
                }
                stack.udp().send(now, endpoint, destination, DhcpClient.SERVER_PORT, b, off, len);
            }

            @Override
            public void bound(long now, DhcpLease lease) {
                Interface next = lease.toInterface(unconfigured.mac(), unconfigured.mtu());
                if (!next.equals(stack.iface())) {
                    stack.ip().configure(now, next);
                }
                current = lease;
                first.complete(lease);
            }

            @Override
            public void unbound(long now) {
                current = null;
                stack.ip().configure(now, unconfigured);
            }
        });
    }

    /**
     * Starts DHCP on {@code stack}, whose interface should be {@link Interface#unconfigured}
     * (a configured one keeps its address until the first lease replaces it). Call on the
     * loop thread (inside {@link NetStack#call}, or from a simulation's driver).
     * Throws IllegalStateException when port 68 is taken.
     */
    public static DhcpService start(NetStack stack, long now, DhcpClient.Settings settings, RandomGenerator random) {
        DhcpService service = new DhcpService(stack, settings, random);
        stack.addService(service);
        service.client.start(now);
        return service;
    }

    /** The lease held now, or null (none yet, or it ended). Safe from any thread. */
    public DhcpLease lease() {
        return current;
    }

    /** Waits up to {@code timeoutNanos} for the first lease; null when none came in time. */
    public DhcpLease awaitLease(long timeoutNanos) throws InterruptedException {
        try {
            return first.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("the first lease never fails", e);
        }
    }

    /** The state machine, for tests and status; touch it only on the loop thread. */
    public DhcpClient client() {
        return client;
    }

    @Override
    public void poll(long now) {
        UdpEndpoint.Datagram d;
        // Bounded by the endpoint's queue: what arrived before this turn, and no more.
        for (int i = 0; i < QUEUE && (d = endpoint.poll()) != null; i++) {
            if (d.sourcePort() == DhcpClient.SERVER_PORT) {
                client.receive(now, d.data(), 0, d.data().length);
            }
        }
        client.poll(now);
    }

    @Override
    public long nextDeadline() {
        return client.nextDeadline();
    }

    /** The stack is stopping: RFC 2131 4.4.6, tell the server the address is free again. */
    @Override
    public void stop(long now) {
        stopping = true;
        client.release(now);
        stack.udp().unbind(endpoint);
    }
}
