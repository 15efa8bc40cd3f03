package teacup.ip;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;

/**
 * Ethernet, ARP, IPv4 and ICMP for one interface: frames in, transport payloads up; transport
 * payloads down, frames out. Owned by the stack's event-loop thread; time is always passed in.
 *
 * <p>Outgoing packets are built in place: a transport writes its payload at
 * {@link #PAYLOAD_OFFSET} of a frame buffer and calls {@link #send}; this layer writes the IPv4
 * and Ethernet headers in front, fragments when the packet exceeds the MTU (for what is not TCP,
 * the path MTU a router reported, RFC 1191), and holds frames for an address that ARP has not
 * resolved yet. Every unfragmented packet carries Don't Fragment, so a router on a narrower path
 * says so ({@link PathMtuTable}).
 *
 * <p>An {@link Interface#unconfigured() unconfigured} interface (waiting for DHCP) sends only
 * broadcasts, from 0.0.0.0, and accepts UDP to any address, since a DHCP server may send its
 * offer to the address it is offering (RFC 2131 4.1); it answers no ARP and sends no ICMP
 * errors until {@link #configure} gives it an address.
 */
public final class IpLayer {
    /** Where a transport's payload starts in a frame buffer handed to {@link #send}. */
    public static final int PAYLOAD_OFFSET = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
    /** Largest payload {@link #send} accepts (fragmented as needed). */
    public static final int MAX_PAYLOAD = Ipv4Packet.MAX_TOTAL_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;
    public static final int DEFAULT_TTL = 64;
    private int defaultTtl = DEFAULT_TTL;

    /** A protocol above IPv4 (UDP, TCP). Returns the counter that says what became of the packet. */
    public interface Transport {
        /**
         * Handles {@code b[off, off+len)}, the IPv4 payload, from {@code source} to
         * {@code destination}. Return {@link Counter#DROP_UDP_NO_SOCKET} to have this layer
         * answer with ICMP port unreachable.
         */
        Counter receive(long now, int source, int destination, byte[] b, int off, int len);

        /**
         * An ICMP error about a datagram this transport sent to {@code destination} (RFC 1122
         * 3.2.2): {@code b[off, off+len)} is the quoted transport header, at least its first 8
         * bytes. Also called, with Destination Unreachable code 1 (host unreachable), for each
         * datagram dropped because its next hop never answered ARP (RFC 1122 2.3.2.2); the
         * returned counter is then ignored. Returns what became of the error.
         */
        default Counter error(long now, int type, int code, int destination, byte[] b, int off, int len) {
            return Counter.ICMP_ERROR_RECEIVED;
        }

        /**
         * RFC 1191: a "fragmentation needed" error that {@link #error} took (returned
         * {@link Counter#ICMP_ERROR_DELIVERED}) lowered the path MTU to {@code destination} to
         * {@code mtu}; everything this transport sends there should fit it.
         */
        default void pathMtuLowered(long now, int destination, int mtu) {
        }
    }

    /** Receives ICMP echo replies carrying one identifier (a ping in progress). */
    public interface EchoListener {
        void echoReply(long now, int source, int sequence, int ttl, byte[] b, int off, int len);
    }

    private static final int ANNOUNCE_COUNT = 2;                      // RFC 5227 ANNOUNCE_NUM
    private static final long ANNOUNCE_INTERVAL = 2_000_000_000L;    // RFC 5227 ANNOUNCE_INTERVAL
    private static final int ICMP_ERROR_BURST = 50;
    private static final long ICMP_ERROR_REFILL_NANOS = 10_000_000L; // one token per 10 ms
    private static final int ICMP_ERROR_MAX = 576;                    // RFC 1122 3.2.2: total size bound
    private static final int TCP_CHECKSUM = 16;                       // the field's place in the TCP header

    private Interface iface;
    private final long mac;
    private int address;
    private final FrameSink sink;
    private final Statistics stats;
    private final ArpCache arp;
    private final ArpSolicitations solicitations = new ArpSolicitations();
    private final FragmentReassembler reassembler;
    private final Transport[] transports = new Transport[256];
    private final Map<Integer, EchoListener> echoListeners = new HashMap<>();
    private final PathMtuTable pathMtus = new PathMtuTable(256);

    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv4Packet whole = new Ipv4Packet();
    private final IcmpMessage icmp = new IcmpMessage();
    private final byte[] tx;
    private final byte[] fragmentTx;
    private final byte[] controlTx = new byte[EthernetFrame.HEADER_LENGTH + ICMP_ERROR_MAX];

    /** Whether the link vouched for the transport checksum of the frame being received. */
    private boolean checksumTrusted;
    /** Whether the frame being received was sent to the Ethernet broadcast address. */
    private boolean linkBroadcast;
    private long frameSource;
    private final Ipv4Identifiers identifiers; // RFC 6864, RFC 7739: per destination, not one global counter
    private int announcementsLeft;
    private long nextAnnouncementAt = Long.MAX_VALUE;
    private int icmpErrorTokens = ICMP_ERROR_BURST;
    private long icmpErrorRefilledAt;

    public IpLayer(Interface iface, FrameSink sink, Statistics stats, RandomGenerator random) {
        this.iface = iface;
        this.mac = iface.mac().bits();
        this.address = iface.address().bits();
        this.sink = sink;
        this.stats = stats;
        this.identifiers = new Ipv4Identifiers(random);
        // The neighbour table's jitter comes from the identifiers' draw, so adding it took none of the
        // stack's other draws (ISNs, ports) and seeded runs keep their segments.
        this.arp = new ArpCache(ArpCache.Settings.DEFAULT, identifiers.derivedRandom(),
                new ArpCache.Listener() {
            @Override
            public void sendRequest(int target) {
                sendArp(ArpPacket.REQUEST, MacAddress.BROADCAST_BITS, 0, target);
                stats.increment(Counter.ARP_REQUESTS_SENT);
            }

            @Override
            public void pollUnicast(int target, long targetMac) {
                sendArp(ArpPacket.REQUEST, targetMac, 0, target);
                stats.increment(Counter.ARP_REQUESTS_SENT);
            }

            @Override
            public void abandoned(long now, int target, java.util.List<ArpCache.Waiting> frames) {
                stats.add(Counter.OUT_ARP_FAILED, frames.size());
                for (ArpCache.Waiting w : frames) {
                    unreachable(now, w.frame(), w.length());
                }
            }

            @Override
            public void count(Counter counter) {
                stats.increment(counter);
            }
        });
        this.reassembler = new FragmentReassembler(FragmentReassembler.Settings.DEFAULT,
                (now, b, off, len) -> sendIcmpError(now, IcmpMessage.TYPE_TIME_EXCEEDED,
                        IcmpMessage.CODE_REASSEMBLY_TIME_EXCEEDED, 0, b, off, len));
        this.tx = new byte[EthernetFrame.HEADER_LENGTH + Ipv4Packet.MAX_TOTAL_LENGTH];
        this.fragmentTx = new byte[EthernetFrame.HEADER_LENGTH + iface.mtu()];
    }

    public Interface iface() {
        return iface;
    }

    /** Our IPv4 address (0 while unconfigured). */
    public int address() {
        return address;
    }

    /** Starts the RFC 5227 announcements of our address: one now, one more after the interval. */
    public void start(long now) {
        icmpErrorRefilledAt = now;
        announce(now);
        poll(now);
    }

    private void announce(long now) {
        announcementsLeft = iface.configured() ? ANNOUNCE_COUNT : 0;
        nextAnnouncementAt = iface.configured() ? now : Long.MAX_VALUE;
    }

    /**
     * Gives the interface a new address (a DHCP lease, or {@link Interface#unconfigured} when
     * one ends) and announces it. The MAC and MTU stay those the layer was built with.
     */
    public void configure(long now, Interface next) {
        if (next.mac().bits() != mac || next.mtu() != iface.mtu()) {
            throw new IllegalArgumentException("a new configuration keeps the MAC and MTU: " + next + " after " + iface);
        }
        boolean moved = next.address().bits() != address;
        iface = next;
        address = next.address().bits();
        if (moved) {
            announce(now);
        }
    }

    public void register(int protocol, Transport transport) {
        transports[protocol] = transport;
    }

    public void registerEcho(int identifier, EchoListener listener) {
        echoListeners.put(identifier, listener);
    }

    public void unregisterEcho(int identifier) {
        echoListeners.remove(identifier);
    }

    /** A frame buffer for {@link #send}; shared, so fill and send it before handing control back. */
    public byte[] txBuffer() {
        return tx;
    }

    // ---------------------------------------------------------------- input

    /** Handles one received frame; every frame ends in exactly one accepted or dropped counter. */
    public void receive(long now, byte[] b, int off, int len) {
        receive(now, b, off, len, false);
    }

    /**
     * As {@link #receive(long, byte[], int, int)}, for a frame whose transport checksum the link
     * vouched for when {@code checksumTrusted} (a TAP frame the kernel made; see
     * {@link #checksumTrusted}). The IPv4 header checksum is checked either way.
     */
    public void receive(long now, byte[] b, int off, int len, boolean checksumTrusted) {
        this.checksumTrusted = checksumTrusted;
        try {
            receiveFrame(now, b, off, len);
        } finally {
            this.checksumTrusted = false;
            this.linkBroadcast = false;
        }
    }

    /**
     * While a transport handles a received packet: whether the link vouched for its checksum,
     * so the transport takes it without summing (the checksum may be only partly filled in).
     */
    public boolean checksumTrusted() {
        return checksumTrusted;
    }

    /** While a transport handles a received packet: the Ethernet address of the frame it came in. */
    public long frameSource() {
        return frameSource;
    }

    /**
     * While a transport handles a received packet: whether it came as a link-layer broadcast,
     * which nothing may answer (RFC 1122 3.2.2) and TCP does not take (it is for unicast).
     */
    public boolean linkBroadcast() {
        return linkBroadcast;
    }

    private void receiveFrame(long now, byte[] b, int off, int len) {
        stats.increment(Counter.FRAMES_IN);
        if (eth.wrap(b, off, len) != Defect.NONE) {
            stats.increment(Counter.DROP_ETHERNET_TRUNCATED);
            return;
        }
        long destination = eth.destination();
        if (destination != mac && destination != MacAddress.BROADCAST_BITS) {
            stats.increment(Counter.DROP_NOT_OUR_MAC);
            return;
        }
        linkBroadcast = destination == MacAddress.BROADCAST_BITS;
        frameSource = eth.source();
        switch (eth.etherType()) {
            case EthernetFrame.TYPE_ARP -> stats.increment(arpInput(now, b, eth.payloadOffset(), eth.payloadLength()));
            case EthernetFrame.TYPE_IPV4 -> stats.increment(ipInput(now, b, eth.payloadOffset(), eth.payloadLength()));
            default -> stats.increment(Counter.DROP_ETHER_TYPE);
        }
    }

    private Counter arpInput(long now, byte[] b, int off, int len) {
        if (ArpPacket.check(b, off, len) != Defect.NONE) {
            return Counter.DROP_ARP_MALFORMED;
        }
        ArpPacket p = ArpPacket.read(b, off);
        if (p.senderIp() == address || MacAddress.isMulticast(p.senderMac()) || p.senderMac() == mac
                || p.senderIp() == -1 || Ipv4Address.isMulticast(p.senderIp())) {
            return Counter.DROP_ARP_BAD_SENDER;
        }
        boolean forUs = address != 0 && p.targetIp() == address;
        // RFC 826 "merge": refresh a known sender; add it only when the packet is for us. A reply to us
        // may be the answer to our request; anything else that claims a new MAC is probed before it is
        // believed (ArpCache). A probe (sender 0.0.0.0, RFC 5227) teaches nothing.
        boolean refused = false;
        if (p.senderIp() != 0) {
            for (ArpCache.Waiting w : arp.learn(p.senderIp(), p.senderMac(), now, forUs, forUs && p.operation() == ArpPacket.REPLY)) {
                BigEndian.put48(w.frame(), 0, p.senderMac());
                emit(w.frame(), 0, w.length());
            }
            refused = arp.learnt() == ArpCache.Learnt.REFUSED || arp.learnt() == ArpCache.Learnt.LOCKED;
        }
        if (forUs && p.operation() == ArpPacket.REQUEST) {
            sendArp(ArpPacket.REPLY, p.senderMac(), p.senderMac(), p.senderIp());
            stats.increment(Counter.ARP_REPLIES_SENT);
            return Counter.ARP_REQUEST_ANSWERED;
        }
        if (refused) {
            return Counter.DROP_ARP_CHANGE_REFUSED;
        }
        if (!forUs) {
            return arp.lookup(p.senderIp(), now) == p.senderMac() && p.senderIp() != 0
                    ? Counter.ARP_LEARNED : Counter.DROP_ARP_NOT_FOR_US;
        }
        return Counter.ARP_LEARNED;
    }

    private Counter ipInput(long now, byte[] b, int off, int len) {
        Defect defect = ip.wrap(b, off, len);
        if (defect != Defect.NONE) {
            return switch (defect) {
                case BAD_VERSION -> Counter.DROP_IPV4_BAD_VERSION;
                case BAD_HEADER_LENGTH -> Counter.DROP_IPV4_BAD_HEADER_LENGTH;
                case BAD_LENGTH -> Counter.DROP_IPV4_BAD_LENGTH;
                case BAD_CHECKSUM -> Counter.DROP_IPV4_BAD_CHECKSUM;
                default -> Counter.DROP_IPV4_TRUNCATED;
            };
        }
        int destination = ip.destination();
        boolean broadcast = iface.isBroadcast(destination);
        if (destination != address && !broadcast
                && (address != 0 || ip.protocol() != Ipv4Packet.PROTOCOL_UDP)) {
            return Counter.DROP_IPV4_NOT_FOR_US;
        }
        int source = ip.source();
        if (invalidSource(source, ip.protocol())) {
            return Counter.DROP_IPV4_BAD_SOURCE;
        }
        // RFC 1122 3.2.2: nothing sent to a broadcast, whether by IP or by the link, is answered.
        broadcast |= linkBroadcast;
        // RFC 1122 3.2.1.8: options are checked, not skipped; RFC 1122 3.3.5: a host that does not forward
        // takes no datagram whose source route still names another hop (Linux drops source routes too).
        switch (ip.checkOptions()) {
            case MALFORMED -> {
                // RFC 1122 3.2.2.5 (SHOULD): a parameter problem, pointing at the octet; never to a broadcast.
                sendIcmpError(now, IcmpMessage.TYPE_PARAMETER_PROBLEM, 0, ip.optionProblem() << 24, b, off, ip.totalLength());
                return Counter.DROP_IPV4_BAD_OPTIONS;
            }
            case UNFINISHED_SOURCE_ROUTE -> {
                return Counter.DROP_IPV4_SOURCE_ROUTED;
            }
            case NONE -> { }
        }
        Ipv4Packet packet = ip;
        if (ip.isFragment()) {
            FragmentReassembler.Result result = reassembler.add(ip, now, !linkBroadcast);
            stats.add(Counter.REASSEMBLIES_EVICTED, reassembler.takeEvictions());
            switch (result) {
                case HELD -> {
                    return Counter.FRAGMENT_HELD;
                }
                case INVALID -> {
                    return Counter.DROP_FRAGMENT_INVALID;
                }
                case NO_ROOM -> {
                    return Counter.DROP_FRAGMENT_NO_ROOM;
                }
                case COMPLETE -> {
                    stats.increment(Counter.DATAGRAMS_REASSEMBLED);
                    if (whole.wrap(reassembler.completeBuffer(), reassembler.completeOffset(),
                            reassembler.completeLength()) != Defect.NONE) {
                        return Counter.DROP_FRAGMENT_INVALID; // cannot happen: we built it
                    }
                    packet = whole;
                }
            }
        }
        int protocol = packet.protocol();
        if (protocol == Ipv4Packet.PROTOCOL_ICMP) {
            return icmpInput(now, packet, broadcast);
        }
        Transport t = transports[protocol];
        if (t == null) {
            if (!broadcast) {
                sendIcmpError(now, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_PROTOCOL_UNREACHABLE,
                        0, packet.buffer(), packet.offset(), packet.totalLength());
            }
            return Counter.DROP_PROTOCOL_UNKNOWN;
        }
        Counter outcome = t.receive(now, source, destination, packet.buffer(), packet.payloadOffset(), packet.payloadLength());
        if (outcome == Counter.DROP_UDP_NO_SOCKET && !broadcast) {
            // RFC 1122 3.2.2.1 and 4.1.3.1: a datagram to a closed port is answered with port unreachable.
            sendIcmpError(now, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_PORT_UNREACHABLE,
                    0, packet.buffer(), packet.offset(), packet.totalLength());
        }
        return outcome;
    }

    private Counter icmpInput(long now, Ipv4Packet packet, boolean broadcast) {
        if (icmp.wrap(packet.buffer(), packet.payloadOffset(), packet.payloadLength()) != Defect.NONE) {
            return Counter.DROP_ICMP_MALFORMED;
        }
        switch (icmp.type()) {
            case IcmpMessage.TYPE_ECHO_REQUEST -> {
                if (broadcast) {
                    return Counter.DROP_ICMP_TO_BROADCAST;
                }
                // RFC 1122 3.2.2.6: the reply carries the request's identifier, sequence and data.
                int length = icmp.length();
                System.arraycopy(packet.buffer(), packet.payloadOffset(), tx, PAYLOAD_OFFSET, length);
                IcmpMessage.write(tx, PAYLOAD_OFFSET, IcmpMessage.TYPE_ECHO_REPLY, 0,
                        BigEndian.i32(tx, PAYLOAD_OFFSET + 4), length - IcmpMessage.HEADER_LENGTH);
                send(now, packet.source(), Ipv4Packet.PROTOCOL_ICMP, tx, length);
                return Counter.ICMP_ECHO_ANSWERED;
            }
            case IcmpMessage.TYPE_ECHO_REPLY -> {
                EchoListener listener = echoListeners.get(icmp.identifier());
                if (listener == null) {
                    return Counter.DROP_ICMP_UNHANDLED;
                }
                listener.echoReply(now, packet.source(), icmp.sequence(), packet.ttl(),
                        packet.buffer(), icmp.payloadOffset(), icmp.payloadLength());
                return Counter.ICMP_ECHO_REPLY_DELIVERED;
            }
            case IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.TYPE_TIME_EXCEEDED, IcmpMessage.TYPE_PARAMETER_PROBLEM -> {
                return icmpError(now);
            }
            default -> {
                return Counter.DROP_ICMP_UNHANDLED;
            }
        }
    }

    /**
     * True when {@code ip} names a single host a transport may open a connection to: not a
     * broadcast (limited or our subnet's), multicast, reserved, loopback or "this network".
     */
    public boolean unicastHost(int ipAddress) {
        return !iface.isBroadcast(ipAddress) && Ipv4Address.isUnicastHost(ipAddress);
    }

    /**
     * RFC 1122 3.2.1.3 (RFC 9293 MUST-63): a datagram from a source no host can have is dropped
     * without a word: a broadcast (limited or our subnet's), multicast, reserved (240/4),
     * loopback, "this network" (0/8; 0.0.0.0 itself only for UDP, a DHCP client's), or our own.
     */
    private boolean invalidSource(int source, int protocol) {
        if (source == 0) {
            return protocol != Ipv4Packet.PROTOCOL_UDP;
        }
        return source == address || iface.isBroadcast(source) || !Ipv4Address.isUnicastHost(source);
    }

    /**
     * RFC 1122 3.2.2 and 4.1.3.3, RFC 9293 3.9.2.2: an ICMP error goes up to the transport that
     * sent the datagram it quotes (its IPv4 header and at least 8 bytes of the transport's),
     * named by the quoted protocol. "Fragmentation needed" (code 4) takes this path as well; once
     * the transport has found it to be about a datagram it has in flight (for TCP, RFC 5927's
     * sequence check), it lowers the path MTU ({@link PathMtuTable}, RFC 1191) and the transport is
     * told of the new value.
     */
    private Counter icmpError(long now) {
        byte[] b = icmp.buffer();
        int quoted = icmp.payloadOffset();
        int n = icmp.payloadLength();
        int header = n < Ipv4Packet.MIN_HEADER_LENGTH ? 0 : (BigEndian.u8(b, quoted) & 0xf) * 4;
        if (header < Ipv4Packet.MIN_HEADER_LENGTH || n < header + 8 || BigEndian.u8(b, quoted) >>> 4 != 4) {
            return Counter.DROP_ICMP_MALFORMED;
        }
        if (address == 0 || BigEndian.i32(b, quoted + 12) != address) {
            return Counter.DROP_ICMP_ERROR_NOT_OURS;
        }
        Transport t = transports[BigEndian.u8(b, quoted + 9)];
        if (t == null || (BigEndian.u16(b, quoted + 6) & 0x1fff) != 0) {
            return Counter.ICMP_ERROR_RECEIVED; // a later fragment quotes no transport header
        }
        int destination = BigEndian.i32(b, quoted + 16);
        Counter outcome = t.error(now, icmp.type(), icmp.code(), destination, b, quoted + header, n - header);
        if (icmp.type() == IcmpMessage.TYPE_DESTINATION_UNREACHABLE && icmp.code() == IcmpMessage.CODE_FRAGMENTATION_NEEDED
                && outcome == Counter.ICMP_ERROR_DELIVERED) {
            int mtu = pathMtus.lower(destination, PathMtuTable.reported(icmp.nextHopMtu(), BigEndian.u16(b, quoted + 2)),
                    now, iface.mtu());
            stats.increment(mtu == 0 ? Counter.PMTU_NOT_LOWERED : Counter.PMTU_LOWERED);
            if (mtu != 0) {
                t.pathMtuLowered(now, destination, mtu);
            }
        }
        return outcome;
    }

    /**
     * The path MTU to {@code destination} (RFC 1191): what a "fragmentation needed" error taught,
     * for at most {@link PathMtuTable#LIFETIME}, else the link's MTU.
     */
    public int pathMtu(int destination, long now) {
        return pathMtus.mtu(destination, now, iface.mtu());
    }

    /**
     * RFC 1122 2.3.2.2: a datagram dropped because ARP never found its next hop is reported to
     * its transport as a host unreachable, so a connect to a silent neighbour fails after the
     * ARP retries rather than after the transport's own time-out.
     */
    private void unreachable(long now, byte[] frame, int length) {
        int at = EthernetFrame.HEADER_LENGTH;
        int header = (BigEndian.u8(frame, at) & 0xf) * 4;
        Transport t = transports[BigEndian.u8(frame, at + 9)];
        if (t != null && (BigEndian.u16(frame, at + 6) & 0x1fff) == 0 && length >= at + header + 8) {
            t.error(now, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, IcmpMessage.CODE_HOST_UNREACHABLE,
                    BigEndian.i32(frame, at + 16), frame, at + header, length - at - header);
        }
    }

    // ---------------------------------------------------------------- output

    /** Sends an ICMP echo request; the reply goes to the listener registered for {@code identifier}. */
    public boolean sendEchoRequest(long now, int destination, int identifier, int sequence, byte[] data, int off, int len) {
        if (len > MAX_PAYLOAD - IcmpMessage.HEADER_LENGTH) {
            stats.increment(Counter.OUT_TOO_BIG);
            return false;
        }
        System.arraycopy(data, off, tx, PAYLOAD_OFFSET + IcmpMessage.HEADER_LENGTH, len);
        int length = IcmpMessage.write(tx, PAYLOAD_OFFSET, IcmpMessage.TYPE_ECHO_REQUEST, 0,
                IcmpMessage.echoRest(identifier, sequence), len);
        return send(now, destination, Ipv4Packet.PROTOCOL_ICMP, tx, length);
    }

    /**
     * Sends the {@code payloadLength} bytes at {@link #PAYLOAD_OFFSET} of {@code frame} to
     * {@code destination}: writes the IPv4 and Ethernet headers in front, fragments when needed,
     * holds the frames while ARP resolves the next hop (a frame that finds the ARP queue full is
     * dropped and counted, as a full device queue would drop it). Returns false when the packet
     * cannot be sent at all (no route, too big); the reason is counted.
     */
    public boolean send(long now, int destination, int protocol, byte[] frame, int payloadLength) {
        return send(now, destination, protocol, frame, payloadLength, 0);
    }

    /**
     * As {@link #send(long, int, int, byte[], int, int, int, int)}, for a packet that must never wait
     * for ARP: a SYN-ACK, which a flood of spoofed on-link SYNs would otherwise pile up in the ARP
     * queue every connection shares. When the next hop's MAC is not known, the packet goes to
     * {@code senderMac}, the Ethernet address the SYN came from (the peer itself on the link, or the
     * router that forwarded it), or is dropped and counted when there is none; either way an ARP
     * request goes if {@link ArpSolicitations} allows one, so that what follows finds the MAC. Never
     * holds a frame or makes an ARP entry: only an answer to us does (RFC 826, RFC 1122 2.3.2.1).
     */
    public boolean sendIfResolved(long now, int destination, int protocol, byte[] frame, int payloadLength,
                                  int timeToLive, int typeOfService, long senderMac) {
        int nextHop = iface.onLink(destination) ? destination : iface.hasGateway() ? iface.gateway().bits() : 0;
        if (address == 0 || nextHop == 0 || iface.isBroadcast(destination) || arp.lookup(nextHop, now) != ArpCache.UNRESOLVED) {
            return send(now, destination, protocol, frame, payloadLength, 0, timeToLive, typeOfService);
        }
        switch (solicitations.ask(nextHop, now)) {
            case SEND -> {
                sendArp(ArpPacket.REQUEST, MacAddress.BROADCAST_BITS, 0, nextHop);
                stats.increment(Counter.ARP_REQUESTS_SENT);
            }
            case LIMITED -> stats.increment(Counter.ARP_SOLICITATIONS_LIMITED);
            case ASKED_ALREADY -> { }
        }
        if (senderMac == 0 || MacAddress.isMulticast(senderMac) || payloadLength > iface.mtu() - Ipv4Packet.MIN_HEADER_LENGTH) {
            stats.increment(Counter.OUT_ARP_UNRESOLVED);
            return true;
        }
        Ipv4Packet.write(frame, EthernetFrame.HEADER_LENGTH, payloadLength, identifiers.next(destination, protocol),
                Ipv4Packet.FLAG_DONT_FRAGMENT, timeToLive == 0 ? defaultTtl : timeToLive, typeOfService, protocol, address, destination);
        EthernetFrame.write(frame, 0, senderMac, mac, EthernetFrame.TYPE_IPV4);
        stats.increment(Counter.OUT_TO_FRAME_SENDER);
        emit(frame, 0, PAYLOAD_OFFSET + payloadLength);
        return true;
    }

    /**
     * RFC 1122 3.3.1.4, RFC 9293 MUST-20: negative advice from a transport whose datagrams to
     * {@code destination} go unanswered: the next hop (the gateway, or the host itself on the link)
     * is re-validated before the next datagram goes: its ARP entry is asked again, unicast first
     * (RFC 1122 2.3.2.1), and one that never answers is given up, its datagrams reported
     * unreachable. The interface has one gateway, so there is none to switch to (3.3.1.5).
     */
    public void negativeAdvice(long now, int destination) {
        int nextHop = iface.onLink(destination) ? destination : iface.hasGateway() ? iface.gateway().bits() : 0;
        if (nextHop != 0) {
            stats.increment(Counter.IP_NEGATIVE_ADVICE);
            arp.suspect(nextHop, now);
        }
    }

    /**
     * RFC 4861 7.3.1 applied to ARP: the transport made forward progress with {@code destination}
     * (new data acknowledged, or data received in order), which confirms its next hop's entry
     * REACHABLE without any ARP. Cheap enough to call on every such segment: a few field writes
     * for the next hop the stack last sent to.
     */
    public void confirm(long now, int destination) {
        int nextHop = iface.onLink(destination) ? destination : iface.hasGateway() ? iface.gateway().bits() : 0;
        if (nextHop != 0) {
            arp.confirm(nextHop, now);
        }
    }

    /** The neighbour table's limits and timers. */
    public ArpCache.Settings neighbourSettings() {
        return arp.settings();
    }

    /**
     * The bound on ARP requests a second for packets that are not held while ARP resolves (SYN-ACKs
     * to unresolved neighbours; {@link ArpSolicitations}), 1 to 1,000,000; past it they are counted
     * as ARP_SOLICITATIONS_LIMITED.
     */
    public void arpSolicitationRate(int perSecond) {
        solicitations.perSecond(perSecond);
    }

    public int arpSolicitationRate() {
        return solicitations.perSecond();
    }

    /** New limits and timers for the neighbour table (configuration); entries take them at their next move. */
    public void neighbourSettings(ArpCache.Settings settings) {
        arp.settings(java.util.Objects.requireNonNull(settings));
    }

    /**
     * RFC 1122 3.2.1.7: the TTL of datagrams whose transport chose none (ICMP, and sockets left at
     * 0), {@link #DEFAULT_TTL} unless configured; 1 to 255.
     */
    public void defaultTtl(int ttl) {
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("TTL out of range 1 to 255: " + ttl);
        }
        defaultTtl = ttl;
    }

    /**
     * Largest TCP segment (header and data) {@link #send(long, int, int, byte[], int, int)} sends
     * whole for the link to cut up (segmentation offload); 0 when every packet must fit the MTU.
     */
    public int segmentationOffload() {
        int packet = Math.min(sink.segmentationOffload(), Ipv4Packet.MAX_TOTAL_LENGTH);
        return packet > iface.mtu() ? packet - Ipv4Packet.MIN_HEADER_LENGTH : 0;
    }

    /** How many segments of {@code segmentSize} data bytes the link cuts the TCP segment in {@code frame} into. */
    private static int pieces(byte[] frame, int payloadLength, int segmentSize) {
        int data = payloadLength - ((frame[PAYLOAD_OFFSET + 12] & 0xff) >>> 4) * 4;
        return Math.max(1, (data + segmentSize - 1) / segmentSize);
    }

    /**
     * As {@link #send(long, int, int, byte[], int)}; a TCP segment with {@code segmentSize > 0}
     * (more than one segment's data, above the MTU or not) goes whole, Don't Fragment set, for
     * the link to cut into segments of {@code segmentSize} data bytes and to finish its checksum: such a segment's checksum field
     * holds only the pseudo-header sum ({@link teacup.wire.TcpSegment#write(byte[], int, int, int,
     * int, int, int, int, int, teacup.wire.TcpOptions, int, int, int, boolean)}). Without the
     * offload, or before ARP has resolved the next hop, the checksum is finished here and the
     * packet sent as {@link #send(long, int, int, byte[], int)} would send it.
     */
    public boolean send(long now, int destination, int protocol, byte[] frame, int payloadLength, int segmentSize) {
        return send(now, destination, protocol, frame, payloadLength, segmentSize, 0, 0);
    }

    /**
     * As {@link #send(long, int, int, byte[], int, int)}, with the TTL ({@code 0}: {@link #defaultTtl(int)}'s) and the
     * TOS octet the transport chose for this datagram (RFC 1122 3.2.1.6, 3.2.1.7; RFC 9293 MUST-48, MUST-49).
     */
    public boolean send(long now, int destination, int protocol, byte[] frame, int payloadLength, int segmentSize,
                        int timeToLive, int typeOfService) {
        int ttl = timeToLive == 0 ? defaultTtl : timeToLive; // never TTL 0 (RFC 1122 3.2.1.7 MUST NOT)
        // Whenever the link cuts, even under the MTU: a peer's small MSS (down to the floor) must hold for every piece.
        if (segmentSize > 0 && protocol == Ipv4Packet.PROTOCOL_TCP
                && payloadLength <= segmentationOffload() && address != 0 && !iface.isBroadcast(destination)) {
            int nextHop = iface.onLink(destination) ? destination : iface.hasGateway() ? iface.gateway().bits() : 0;
            long nextHopMac = nextHop == 0 ? ArpCache.UNRESOLVED : arp.resolve(nextHop, now);
            if (nextHopMac != ArpCache.UNRESOLVED) {
                int pieces = pieces(frame, payloadLength, segmentSize);
                int identification = identifiers.next(destination, protocol, pieces);
                Ipv4Packet.write(frame, EthernetFrame.HEADER_LENGTH, payloadLength, identification,
                        Ipv4Packet.FLAG_DONT_FRAGMENT, ttl, typeOfService, protocol, address, destination);
                EthernetFrame.write(frame, 0, nextHopMac, mac, EthernetFrame.TYPE_IPV4);
                stats.add(Counter.FRAMES_OUT, pieces); // the frames on the wire, whoever cuts them (as Linux counts gso_segs)
                sink.sendSegmented(frame, 0, PAYLOAD_OFFSET + payloadLength, segmentSize);
                return true;
            }
        }
        if (segmentSize > 0 && protocol == Ipv4Packet.PROTOCOL_TCP) {
            Checksum.finishInPlace(frame, PAYLOAD_OFFSET, payloadLength, TCP_CHECKSUM);
        }
        if (payloadLength > MAX_PAYLOAD) {
            stats.increment(Counter.OUT_TOO_BIG);
            return false;
        }
        long nextHopMac;
        int nextHop;
        if (iface.isBroadcast(destination)) {
            nextHop = destination;
            nextHopMac = MacAddress.BROADCAST_BITS;
        } else {
            if (address == 0) {
                stats.increment(Counter.OUT_NO_ROUTE); // no address: nothing but broadcast yet
                return false;
            } else if (iface.onLink(destination)) {
                nextHop = destination;
            } else if (iface.hasGateway()) {
                nextHop = iface.gateway().bits();
            } else {
                stats.increment(Counter.OUT_NO_ROUTE);
                return false;
            }
            nextHopMac = arp.resolve(nextHop, now);
        }
        int identification = identifiers.next(destination, protocol);
        // RFC 1191: what is not TCP is fragmented here to the path MTU a router reported; TCP keeps DF
        // and its segments whole, sizing them itself (so it can tell when a path takes larger ones again).
        int mtu = protocol == Ipv4Packet.PROTOCOL_TCP ? iface.mtu() : pathMtus.mtu(destination, now, iface.mtu());
        int maxPayload = mtu - Ipv4Packet.MIN_HEADER_LENGTH;
        if (payloadLength <= maxPayload) {
            Ipv4Packet.write(frame, EthernetFrame.HEADER_LENGTH, payloadLength, identification,
                    Ipv4Packet.FLAG_DONT_FRAGMENT, ttl, typeOfService, protocol, address, destination);
            deliver(now, nextHop, nextHopMac, frame, EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
            return true;
        }
        // RFC 791 3.2: fragments carry payload in multiples of 8 bytes, all but the last with MF set.
        int step = maxPayload & ~7;
        for (int at = 0; at < payloadLength; at += step) {
            int chunk = Math.min(step, payloadLength - at);
            boolean more = at + chunk < payloadLength;
            System.arraycopy(frame, PAYLOAD_OFFSET + at, fragmentTx, PAYLOAD_OFFSET, chunk);
            Ipv4Packet.write(fragmentTx, EthernetFrame.HEADER_LENGTH, chunk, identification,
                    (more ? Ipv4Packet.FLAG_MORE_FRAGMENTS : 0) | (at / 8), ttl, typeOfService, protocol, address, destination);
            stats.increment(Counter.FRAGMENTS_SENT);
            deliver(now, nextHop, nextHopMac, fragmentTx, PAYLOAD_OFFSET + chunk);
        }
        return true;
    }

    private void deliver(long now, int nextHop, long nextHopMac, byte[] frame, int length) {
        EthernetFrame.write(frame, 0, nextHopMac == ArpCache.UNRESOLVED ? 0 : nextHopMac, mac, EthernetFrame.TYPE_IPV4);
        if (nextHopMac != ArpCache.UNRESOLVED) {
            emit(frame, 0, length);
            return;
        }
        if (!arp.hold(nextHop, java.util.Arrays.copyOf(frame, length), length, now)) {
            // Like a full queue on any wire: counted and dropped, not an error for the sender.
            stats.increment(Counter.OUT_ARP_QUEUE_FULL);
        }
    }

    private void emit(byte[] frame, int off, int length) {
        stats.increment(Counter.FRAMES_OUT);
        sink.send(frame, off, length);
    }

    private void sendArp(int operation, long ethernetDestination, long targetMac, int targetIp) {
        int n = EthernetFrame.write(controlTx, 0, ethernetDestination, mac, EthernetFrame.TYPE_ARP);
        n += new ArpPacket(operation, mac, address, targetMac, targetIp).write(controlTx, n);
        emit(controlTx, 0, n);
    }

    /**
     * Sends an ICMP error about the packet at {@code b[off, off+len)} (its IPv4 header first),
     * unless RFC 1122 3.2.2 forbids it or the rate limit is spent.
     */
    private void sendIcmpError(long now, int type, int code, int rest, byte[] b, int off, int len) {
        // The packet passed Ipv4Packet.wrap earlier, so its header fields can be read directly.
        if (len < Ipv4Packet.MIN_HEADER_LENGTH || address == 0) {
            return;
        }
        int source = BigEndian.i32(b, off + 12);
        int destination = BigEndian.i32(b, off + 16);
        int protocol = BigEndian.u8(b, off + 9);
        int fragmentField = BigEndian.u16(b, off + 6) & 0x1fff;
        // RFC 1122 3.2.2: never about a datagram to a broadcast or multicast address (by IP or by
        // the link), from an address that names no single host, or a fragment but the first.
        if (source == 0 || invalidSource(source, protocol) || linkBroadcast || iface.isBroadcast(destination)
                || Ipv4Address.isMulticast(destination) || fragmentField != 0) {
            return;
        }
        if (protocol == Ipv4Packet.PROTOCOL_ICMP && len >= (BigEndian.u8(b, off) & 0xf) * 4 + 1) {
            int icmpType = BigEndian.u8(b, off + (BigEndian.u8(b, off) & 0xf) * 4);
            if (icmpType != IcmpMessage.TYPE_ECHO_REQUEST && icmpType != IcmpMessage.TYPE_ECHO_REPLY) {
                return; // never an error about an error
            }
        }
        long tokens = (now - icmpErrorRefilledAt) / ICMP_ERROR_REFILL_NANOS;
        if (tokens > 0) {
            icmpErrorTokens = (int) Math.min(ICMP_ERROR_BURST, icmpErrorTokens + tokens);
            icmpErrorRefilledAt += tokens * ICMP_ERROR_REFILL_NANOS;
        }
        if (icmpErrorTokens == 0) {
            stats.increment(Counter.ICMP_ERRORS_SUPPRESSED);
            return;
        }
        icmpErrorTokens--;
        int quoted = Math.min(len, ICMP_ERROR_MAX - Ipv4Packet.MIN_HEADER_LENGTH - IcmpMessage.HEADER_LENGTH);
        System.arraycopy(b, off, tx, PAYLOAD_OFFSET + IcmpMessage.HEADER_LENGTH, quoted);
        int length = IcmpMessage.write(tx, PAYLOAD_OFFSET, type, code, rest, quoted);
        stats.increment(Counter.ICMP_ERRORS_SENT);
        send(now, source, Ipv4Packet.PROTOCOL_ICMP, tx, length);
    }

    // ---------------------------------------------------------------- timers

    /** Runs what is due at {@code now}: announcements, ARP retries and expiry, reassembly timeouts. */
    public void poll(long now) {
        if (announcementsLeft > 0 && now >= nextAnnouncementAt) {
            // RFC 5227 2.3: an announcement is a request with our address as sender and target.
            sendArp(ArpPacket.REQUEST, MacAddress.BROADCAST_BITS, 0, address);
            stats.increment(Counter.ARP_ANNOUNCEMENTS_SENT);
            announcementsLeft--;
            nextAnnouncementAt = announcementsLeft > 0 ? now + ANNOUNCE_INTERVAL : Long.MAX_VALUE;
        }
        arp.poll(now);
        stats.add(Counter.REASSEMBLY_TIMEOUTS, reassembler.poll(now));
    }

    /** When {@link #poll} next has work to do. */
    public long nextDeadline() {
        return Math.min(nextAnnouncementAt, Math.min(arp.nextDeadline(), reassembler.nextDeadline()));
    }

    /** The MAC cached for {@code ip}, if any (for tests and status). */
    public boolean knows(int ipAddress, long now) {
        return arp.lookup(ipAddress, now) != ArpCache.UNRESOLVED;
    }

    /** The reachability state of {@code ipAddress}'s neighbour entry ("REACHABLE", ...), null if none (tests, status). */
    public String neighbourState(int ipAddress) {
        ArpCache.State state = arp.state(ipAddress);
        return state == null ? null : state.name();
    }

    /** How many ARP entries (resolved or pending) are held (for tests and status). */
    public int arpEntries() {
        return arp.size();
    }

    /** How many datagrams are part way through reassembly (for tests and status). */
    public int reassembliesInProgress() {
        return reassembler.datagramsHeld();
    }
}
