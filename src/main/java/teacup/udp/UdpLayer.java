package teacup.udp;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Packet;
import teacup.wire.UdpDatagram;

/**
 * UDP (RFC 768): demultiplexes datagrams to bound endpoints by destination port and sends
 * datagrams from them. Runs on the stack's event-loop thread; endpoints hand datagrams to
 * application threads through their bounded queues.
 */
public final class UdpLayer implements IpLayer.Transport {
    public static final int EPHEMERAL_FIRST = 49152;
    public static final int EPHEMERAL_LAST = 65535;
    public static final int MAX_PAYLOAD = IpLayer.MAX_PAYLOAD - UdpDatagram.HEADER_LENGTH;

    private final IpLayer ip;
    private final RandomGenerator random;
    private final Map<Integer, UdpEndpoint> endpoints = new HashMap<>();
    private final UdpDatagram view = new UdpDatagram();

    public UdpLayer(IpLayer ip, RandomGenerator random) {
        this.ip = ip;
        this.random = random;
        ip.register(Ipv4Packet.PROTOCOL_UDP, this);
    }

    /**
     * Binds a port; 0 picks a free ephemeral port at random (RFC 6056 style). Throws
     * IllegalStateException when the port is taken or no ephemeral port is free.
     */
    public UdpEndpoint bind(int port, int queueCapacity) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (port == 0) {
            port = freeEphemeralPort();
        } else if (endpoints.containsKey(port)) {
            throw new IllegalStateException("UDP port " + port + " is already in use");
        }
        UdpEndpoint e = new UdpEndpoint(port, queueCapacity);
        endpoints.put(port, e);
        return e;
    }

    public void unbind(UdpEndpoint endpoint) {
        endpoints.remove(endpoint.port(), endpoint);
        endpoint.close();
    }

    /** Closes every endpoint, waking their readers; for when the stack stops. */
    public void closeAll() {
        for (UdpEndpoint e : endpoints.values()) {
            e.close();
        }
        endpoints.clear();
    }

    private int freeEphemeralPort() {
        int range = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
        int start = random.nextInt(range);
        for (int i = 0; i < range; i++) {
            int candidate = EPHEMERAL_FIRST + (start + i) % range;
            if (!endpoints.containsKey(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free UDP port");
    }

    /** Sends one datagram from {@code endpoint}; false when IP could not send or hold it. */
    public boolean send(long now, UdpEndpoint endpoint, int destination, int destinationPort, byte[] data, int off, int len) {
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload of " + len + " bytes exceeds " + MAX_PAYLOAD);
        }
        byte[] frame = ip.txBuffer();
        System.arraycopy(data, off, frame, IpLayer.PAYLOAD_OFFSET + UdpDatagram.HEADER_LENGTH, len);
        int length = UdpDatagram.write(frame, IpLayer.PAYLOAD_OFFSET, endpoint.port(), destinationPort, len,
                ip.iface().address().bits(), destination);
        return ip.send(now, destination, Ipv4Packet.PROTOCOL_UDP, frame, length, 0, endpoint.ttl(), endpoint.trafficClass());
    }

    /**
     * RFC 1122 4.1.3.3: an ICMP error about a datagram we sent goes to the endpoint of the quoted
     * source port, for its next receive or send. "Fragmentation needed" (code 4) for a port that
     * is open is not the socket's error: it is taken (so IP records the path MTU, RFC 1191, which
     * {@link IpLayer#pathMtu} tells, and IP fragments later datagrams to that size), and the
     * socket's next call goes on as before.
     */
    @Override
    public Counter error(long now, int type, int code, int destination, byte[] b, int off, int len) {
        UdpEndpoint e = endpoints.get(BigEndian.u16(b, off));
        if (e == null) {
            return Counter.DROP_ICMP_ERROR_UNMATCHED;
        }
        if (type == IcmpMessage.TYPE_DESTINATION_UNREACHABLE && code == IcmpMessage.CODE_FRAGMENTATION_NEEDED) {
            return Counter.ICMP_ERROR_DELIVERED;
        }
        e.error(new UdpEndpoint.Error(type, code, destination, BigEndian.u16(b, off + 2)));
        return Counter.ICMP_ERROR_DELIVERED;
    }

    @Override
    public Counter receive(long now, int source, int destination, byte[] b, int off, int len) {
        if (view.wrap(b, off, len, source, destination, !ip.checksumTrusted()) != Defect.NONE) {
            return Counter.DROP_UDP_MALFORMED;
        }
        UdpEndpoint e = endpoints.get(view.destinationPort());
        if (e == null) {
            return Counter.DROP_UDP_NO_SOCKET;
        }
        byte[] data = new byte[view.payloadLength()];
        System.arraycopy(b, view.payloadOffset(), data, 0, data.length);
        if (!e.offer(new UdpEndpoint.Datagram(source, view.sourcePort(), destination, data, now))) {
            return Counter.DROP_UDP_QUEUE_FULL;
        }
        return Counter.UDP_DELIVERED;
    }
}
