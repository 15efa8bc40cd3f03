package teacup.link;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import teacup.wire.ArpPacket;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;
import teacup.wire.UdpDatagram;

/**
 * {@code --trace-packets}: a {@link Link} that prints one tcpdump-like line per frame it passes
 * (wall-clock time, direction, addresses and ports, TCP flags, seq, ack, window, payload length)
 * and, once {@link #watch watching} the states of the stack's connections, a line for each state
 * change of the TCP connections those frames belong to. Frames pass through unchanged.
 *
 * <p>The states come in as their names through {@link ConnectionStates}, so this link needs
 * nothing from the layers above it. The connection table belongs to the loop thread, and so does
 * every call into a link (receive, send, await), so the tracer looks up states there without any
 * locking. A state is compared at every frame and at every wait of the loop, so a change shows
 * before the frame it causes and, at the latest, when the loop next goes idle.
 *
 * <p>A large TCP segment (segmentation offload) is one line, as it passes here, which says what it
 * stands for on the wire: {@code length 43440 (tso 30×1448)} for one sent to be cut into 30 segments
 * of 1448 bytes ({@code 30×1448+60}: and one of 60 after them); {@code (gro 30×1448)} for a frame
 * received above the MTU (one the kernel did not cut, or a link joined), counted in the segments
 * of the most data the link's MTU holds beside its headers, since the size it was joined at is not
 * kept.
 *
 * <p>Sequence numbers are printed as they are on the wire (like {@code tcpdump -S}): the trace
 * must match a pcap of the same run. This is a diagnostic: each line is a new string, which is
 * fine here and would not be on the stack's own paths.
 */
public final class PacketTracer extends ObservedLink {
    /**
     * The state of the connection from {@code localPort} to {@code remoteIp:remotePort} as RFC 9293
     * spells it ({@code FIN-WAIT-1}), or null when there is none; asked on the loop thread only.
     */
    @FunctionalInterface
    public interface ConnectionStates {
        String state(int remoteIp, int remotePort, int localPort);
    }

    /** In place of a segment size: a frame received above the MTU, its segment size unknown. */
    private static final int LARGE_RECEIVED = -1;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");

    private final PrintStream out;
    private final InstantSource clock;
    private final ZoneId zone;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options = new TcpOptions();
    private final UdpDatagram udp = new UdpDatagram();
    private final IcmpMessage icmp = new IcmpMessage();
    /** Connections seen in frames, with the state last printed (null: not yet in the table). */
    private final Map<Long, String> known = new HashMap<>();
    private volatile ConnectionStates states;

    public PacketTracer(Link inner, PrintStream out) {
        this(inner, out, InstantSource.system(), ZoneId.systemDefault());
    }

    public PacketTracer(Link inner, PrintStream out, InstantSource clock, ZoneId zone) {
        super(inner);
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    /** Reports state changes, from now on, as {@code states} tells them (called on the loop thread only). */
    public void watch(ConnectionStates states) {
        this.states = Objects.requireNonNull(states, "states");
    }

    @Override
    protected void received(byte[] buf, int off, int len) {
        checkStates();
        print(false, buf, off, len, len > inner.mtu() + EthernetFrame.HEADER_LENGTH ? LARGE_RECEIVED : 0);
    }

    @Override
    protected void sending(byte[] buf, int off, int len) {
        checkStates();
        print(true, buf, off, len, 0);
    }

    @Override
    protected void sendingSegmented(byte[] buf, int off, int len, int segmentSize) {
        checkStates();
        print(true, buf, off, len, Math.max(1, segmentSize));
    }

    @Override
    public void await(long timeoutNanos) throws IOException {
        checkStates();
        super.await(timeoutNanos);
    }

    // ---------------------------------------------------------------- frames

    private void print(boolean outgoing, byte[] b, int off, int len, int segmentSize) {
        String line = describe(outgoing, b, off, len, segmentSize);
        out.println(time() + (outgoing ? " Out " : " In  ") + line);
    }

    private String time() {
        Instant now = clock.instant();
        return TIME.format(now.atZone(zone));
    }

    /** One frame in tcpdump's words (without time and direction); remembers the TCP connection it belongs to. */
    String describe(boolean outgoing, byte[] b, int off, int len) {
        return describe(outgoing, b, off, len, 0);
    }

    /**
     * As {@link #describe(boolean, byte[], int, int)}; {@code segmentSize} above 0: a large segment
     * to be cut into segments of that many data bytes; {@link #LARGE_RECEIVED}: a large frame received.
     */
    private String describe(boolean outgoing, byte[] b, int off, int len, int segmentSize) {
        if (!ethernet.wrap(b, off, len).ok()) {
            return "truncated frame, length " + len;
        }
        int type = ethernet.etherType();
        int p = ethernet.payloadOffset();
        int plen = ethernet.payloadLength();
        if (type == EthernetFrame.TYPE_ARP) {
            if (!ArpPacket.check(b, p, plen).ok()) {
                return "ARP, malformed, length " + plen;
            }
            ArpPacket arp = ArpPacket.read(b, p);
            if (arp.operation() == ArpPacket.REQUEST && arp.senderIp() == arp.targetIp()) {
                // RFC 5227's announcement: a request for one's own address.
                return "ARP, Announcement " + Ipv4Address.format(arp.senderIp()) + ", length " + plen;
            }
            if (arp.operation() == ArpPacket.REQUEST) {
                return "ARP, Request who-has " + Ipv4Address.format(arp.targetIp()) + " tell "
                        + Ipv4Address.format(arp.senderIp()) + ", length " + plen;
            }
            if (arp.operation() == ArpPacket.REPLY) {
                return "ARP, Reply " + Ipv4Address.format(arp.senderIp()) + " is-at "
                        + MacAddress.format(arp.senderMac()) + ", length " + plen;
            }
            return "ARP, operation " + arp.operation() + ", length " + plen;
        }
        if (type == 0x86dd) {
            return "IP6, length " + plen; // teacup speaks IPv4 only; the kernel's IPv6 chatter is shown, not decoded
        }
        if (type != EthernetFrame.TYPE_IPV4) {
            return String.format("ethertype 0x%04x, length %d", type, len);
        }
        if (!ip.wrap(b, p, plen).ok()) {
            return "IP, malformed, length " + plen;
        }
        String from = Ipv4Address.format(ip.source());
        String to = Ipv4Address.format(ip.destination());
        if (ip.isFragment()) {
            return "IP " + from + " > " + to + ": fragment id " + ip.identification() + " offset "
                    + ip.fragmentOffset() + (ip.moreFragments() ? "+" : "") + ", length " + ip.payloadLength();
        }
        int q = ip.payloadOffset();
        int qlen = ip.payloadLength();
        switch (ip.protocol()) {
            case Ipv4Packet.PROTOCOL_TCP -> {
                if (!tcp.wrap(b, q, qlen, ip.source(), ip.destination(), false).ok()) {
                    return "IP " + from + " > " + to + ": TCP, malformed, length " + qlen;
                }
                remember(outgoing);
                return "IP " + from + "." + tcp.sourcePort() + " > " + to + "." + tcp.destinationPort() + ": " + tcpDetails()
                        + segments(segmentSize, qlen);
            }
            case Ipv4Packet.PROTOCOL_UDP -> {
                if (!udp.wrap(b, q, qlen, ip.source(), ip.destination()).ok()) {
                    return "IP " + from + " > " + to + ": UDP, malformed, length " + qlen;
                }
                return "IP " + from + "." + udp.sourcePort() + " > " + to + "." + udp.destinationPort()
                        + ": UDP, length " + udp.payloadLength();
            }
            case Ipv4Packet.PROTOCOL_ICMP -> {
                if (!icmp.wrap(b, q, qlen).ok()) {
                    return "IP " + from + " > " + to + ": ICMP, malformed, length " + qlen;
                }
                return "IP " + from + " > " + to + ": ICMP " + icmpDetails() + ", length " + qlen;
            }
            default -> {
                return "IP " + from + " > " + to + ": ip-proto-" + ip.protocol() + " " + qlen;
            }
        }
    }

    private String tcpDetails() {
        StringBuilder s = new StringBuilder("Flags [").append(flags(tcp.flags())).append("]");
        if (tcp.sequenceLength() > 0) {
            long first = Integer.toUnsignedLong(tcp.sequence());
            s.append(", seq ").append(first);
            if (tcp.payloadLength() > 0) {
                s.append(':').append(Integer.toUnsignedLong(tcp.sequence() + tcp.payloadLength()));
            }
        } else {
            s.append(", seq ").append(Integer.toUnsignedLong(tcp.sequence()));
        }
        if (tcp.has(TcpSegment.ACK)) {
            s.append(", ack ").append(Integer.toUnsignedLong(tcp.acknowledgment()));
        }
        s.append(", win ").append(tcp.window());
        if (tcp.optionsLength() > 0) {
            s.append(", options [").append(optionsText()).append(']');
        }
        return s.append(", length ").append(tcp.payloadLength()).toString();
    }

    /**
     * What a large segment in {@link #tcp} stands for on the wire, e.g. {@code " (tso 30×1448)"}; empty
     * for a plain frame or one that holds no more than a segment.
     */
    private String segments(int segmentSize, int ipPayload) {
        if (segmentSize == 0) {
            return "";
        }
        boolean received = segmentSize == LARGE_RECEIVED;
        int size = received ? inner.mtu() - ip.headerLength() - (ipPayload - tcp.payloadLength()) : segmentSize;
        int data = tcp.payloadLength();
        if (size < 1 || data <= size) {
            return "";
        }
        int whole = data / size;
        int rest = data % size;
        return " (" + (received ? "gro " : "tso ") + whole + "×" + size + (rest > 0 ? "+" + rest : "") + ")";
    }

    /** tcpdump's letters, in its order: F S R P, then '.' for ACK, then U E W. */
    static String flags(int f) {
        StringBuilder s = new StringBuilder();
        if ((f & TcpSegment.FIN) != 0) {
            s.append('F');
        }
        if ((f & TcpSegment.SYN) != 0) {
            s.append('S');
        }
        if ((f & TcpSegment.RST) != 0) {
            s.append('R');
        }
        if ((f & TcpSegment.PSH) != 0) {
            s.append('P');
        }
        if ((f & TcpSegment.ACK) != 0) {
            s.append('.');
        }
        if ((f & TcpSegment.URG) != 0) {
            s.append('U');
        }
        if ((f & TcpSegment.ECE) != 0) {
            s.append('E');
        }
        if ((f & TcpSegment.CWR) != 0) {
            s.append('W');
        }
        return s.isEmpty() ? "none" : s.toString();
    }

    private String optionsText() {
        if (!tcp.options(options).ok()) {
            return "malformed";
        }
        StringBuilder s = new StringBuilder();
        if (options.hasMss()) {
            s.append("mss ").append(options.mss()).append(',');
        }
        if (options.sackPermitted()) {
            s.append("sackOK,");
        }
        if (options.hasTimestamps()) {
            s.append("TS val ").append(Integer.toUnsignedLong(options.tsVal())).append(" ecr ")
                    .append(Integer.toUnsignedLong(options.tsEcr())).append(',');
        }
        if (options.hasWindowScale()) {
            s.append("wscale ").append(options.windowScale()).append(',');
        }
        if (options.sackBlockCount() > 0) {
            s.append("sack ").append(options.sackBlockCount()).append(' ');
            for (int i = 0; i < options.sackBlockCount(); i++) {
                s.append('{').append(Integer.toUnsignedLong(options.sackLeft(i))).append(':')
                        .append(Integer.toUnsignedLong(options.sackRight(i))).append('}');
            }
            s.append(',');
        }
        if (!s.isEmpty()) {
            s.setLength(s.length() - 1);
        }
        return s.toString();
    }

    private String icmpDetails() {
        return switch (icmp.type()) {
            case IcmpMessage.TYPE_ECHO_REQUEST -> "echo request, id " + icmp.identifier() + ", seq " + icmp.sequence();
            case IcmpMessage.TYPE_ECHO_REPLY -> "echo reply, id " + icmp.identifier() + ", seq " + icmp.sequence();
            case IcmpMessage.TYPE_DESTINATION_UNREACHABLE -> "unreachable, code " + icmp.code();
            case IcmpMessage.TYPE_TIME_EXCEEDED -> "time exceeded, code " + icmp.code();
            default -> "type " + icmp.type() + ", code " + icmp.code();
        };
    }

    // ---------------------------------------------------------------- TCP states

    private static long key(int remoteIp, int remotePort, int localPort) {
        return (Integer.toUnsignedLong(remoteIp) << 32) | ((long) remotePort << 16) | localPort;
    }

    /** Starts following the connection of the TCP segment in {@link #tcp} (seen from teacup's side). */
    private void remember(boolean outgoing) {
        long k = outgoing ? key(ip.destination(), tcp.destinationPort(), tcp.sourcePort())
                : key(ip.source(), tcp.sourcePort(), tcp.destinationPort());
        if (states != null && !known.containsKey(k)) {
            known.put(k, null);
        }
    }

    private void checkStates() {
        ConnectionStates s = states;
        if (s == null || known.isEmpty()) {
            return;
        }
        for (Iterator<Map.Entry<Long, String>> it = known.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, String> e = it.next();
            long k = e.getKey();
            int remoteIp = (int) (k >>> 32);
            int remotePort = (int) (k >>> 16) & 0xffff;
            int localPort = (int) k & 0xffff;
            String now = s.state(remoteIp, remotePort, localPort);
            String before = e.getValue();
            if (now == null) {
                if (before != null) {
                    // Gone from the table: the connection reached CLOSED (RFC 9293 3.3.2).
                    out.println(time() + " TCP " + connection(remoteIp, remotePort, localPort) + ": "
                            + before + " -> CLOSED");
                }
                // A segment for no connection (a stray, or a reset answered) is never followed.
                it.remove();
            } else if (!now.equals(before)) {
                out.println(time() + " TCP " + connection(remoteIp, remotePort, localPort) + ": "
                        + (before == null ? "CLOSED" : before) + " -> " + now);
                e.setValue(now);
            }
        }
    }

    private static String connection(int remoteIp, int remotePort, int localPort) {
        return "port " + localPort + " <> " + Ipv4Address.format(remoteIp) + "." + remotePort;
    }
}
