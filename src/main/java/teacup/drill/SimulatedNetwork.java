package teacup.drill;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.stack.NetStack;
import teacup.wire.ArpPacket;
import teacup.wire.Checksum;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * One teacup {@link NetStack} on one end of a {@link VirtualWire}, the script's remote host on the
 * other, and one simulated clock. Nothing here sleeps or reads a real clock: time moves only in
 * {@link #advance}, from one stack deadline to the next, so a script runs the same every time.
 * The remote host answers ARP itself, writes the frames a script injects and keeps every TCP
 * segment teacup sends, with its time, for the script's outbound lines.
 */
final class SimulatedNetwork implements AutoCloseable {
    static final int MTU = 1500;
    static final MacAddress LOCAL_MAC = MacAddress.parse("02:00:00:00:d1:01");
    static final MacAddress REMOTE_MAC = MacAddress.parse("02:00:00:00:d1:02");
    /** How far time moves when the two ends keep answering each other at one instant. */
    private static final long TICK = 1_000_000L;
    private static final int SETTLE_LIMIT = 1_000;
    private static final long MAX_STEPS = 2_000_000L;

    private final VirtualWire wire = new VirtualWire(MTU);
    private final VirtualWire.End remote = wire.b();
    final NetStack stack;
    final int localIp;
    final int remoteIp;
    private final byte[] rx = new byte[MTU + 64];
    private final byte[] tx = new byte[MTU + 64];
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final Deque<CapturedSegment> captured = new ArrayDeque<>();
    private long now;
    private long steps;
    private int identification;

    SimulatedNetwork(Ipv4Address local, Ipv4Address remote, long seed) {
        this.localIp = local.bits();
        this.remoteIp = remote.bits();
        Interface iface = new Interface(LOCAL_MAC, local, 24, Ipv4Address.ANY, MTU);
        stack = new NetStack(wire.a(), iface, () -> now, new SplittableRandom(seed));
    }

    long now() {
        return now;
    }

    /** Segments teacup sent that no outbound line has taken yet, oldest first. */
    Deque<CapturedSegment> captured() {
        return captured;
    }

    /**
     * Runs the stack until simulated time reaches {@code until} and nothing more is due at that
     * instant, or until {@code done} holds after a step (checked at every step). Returns whether
     * {@code done} stopped it.
     */
    boolean advance(long until, BooleanSupplier done) {
        int sameInstant = 0;
        while (true) {
            if (++steps > MAX_STEPS) {
                throw new ScriptFailed("the simulation did not settle at " + now + " ns");
            }
            try {
                stack.step(now);
                drain();
            } catch (IOException e) {
                throw new ScriptFailed("the stack failed at " + now + " ns: " + e.getMessage());
            }
            if (done.getAsBoolean()) {
                return true;
            }
            long next = wire.a().queued() > 0 ? now : stack.nextDeadline();
            if (next <= now) {
                if (++sameInstant <= SETTLE_LIMIT) {
                    continue;
                }
                next = now + TICK;
            }
            sameInstant = 0;
            if (now >= until) {
                return false;
            }
            now = Math.min(next, until);
        }
    }

    /** Reads what teacup sent: answers ARP for the remote address, keeps TCP, ignores the rest. */
    private void drain() throws IOException {
        int n;
        while ((n = remote.receive(rx, 0)) > 0) {
            if (ethernet.wrap(rx, 0, n) != Defect.NONE) {
                continue;
            }
            if (ethernet.etherType() == EthernetFrame.TYPE_ARP) {
                answerArp(ethernet.payloadOffset(), ethernet.payloadLength());
            } else if (ethernet.etherType() == EthernetFrame.TYPE_IPV4) {
                keepTcp(ethernet.payloadOffset(), ethernet.payloadLength());
            }
        }
    }

    private void answerArp(int off, int len) throws IOException {
        if (!ArpPacket.check(rx, off, len).ok()) {
            return;
        }
        ArpPacket a = ArpPacket.read(rx, off);
        if (a.operation() == ArpPacket.REQUEST && a.targetIp() == remoteIp) {
            int h = EthernetFrame.write(tx, 0, a.senderMac(), REMOTE_MAC.bits(), EthernetFrame.TYPE_ARP);
            int l = new ArpPacket(ArpPacket.REPLY, REMOTE_MAC.bits(), remoteIp, a.senderMac(), a.senderIp()).write(tx, h);
            remote.send(tx, 0, h + l);
        }
    }

    private void keepTcp(int off, int len) {
        if (!ip.wrap(rx, off, len).ok() || ip.protocol() != Ipv4Packet.PROTOCOL_TCP || ip.destination() != remoteIp) {
            return;
        }
        if (!tcp.wrap(rx, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination()).ok()) {
            throw new ScriptFailed("teacup sent a TCP segment that does not check (" + tcp.wrap(rx, ip.payloadOffset(),
                    ip.payloadLength(), ip.source(), ip.destination()) + ") at " + now + " ns");
        }
        captured.add(new CapturedSegment(now, tcp.sourcePort(), tcp.destinationPort(), tcp.sequence(), tcp.acknowledgment(),
                tcp.flags(), tcp.window(), tcp.payloadLength(),
                CapturedSegment.decodeOptions(rx, tcp.optionsOffset(), tcp.optionsLength())));
    }

    /** Sends one TCP segment from the remote host to teacup, now; {@code options} as encoded bytes (may be empty). */
    void inject(int sourcePort, int destinationPort, int seq, int ack, int flags, int window, byte[] options, int payload) {
        int ipOff = EthernetFrame.HEADER_LENGTH;
        int tcpOff = ipOff + Ipv4Packet.MIN_HEADER_LENGTH;
        int optionsLength = (options.length + 3) & ~3;
        int payloadOff = tcpOff + TcpSegment.MIN_HEADER_LENGTH + optionsLength;
        if (payloadOff + payload > tx.length) {
            throw new ScriptSkipped("an inbound segment of " + payload + " bytes does not fit the " + MTU + "-byte MTU");
        }
        int tcpLength = writeTcp(tcpOff, sourcePort, destinationPort, seq, ack, flags, window, options, payload);
        Ipv4Packet.write(tx, ipOff, tcpLength, identification++ & 0xffff, Ipv4Packet.FLAG_DONT_FRAGMENT, 64,
                Ipv4Packet.PROTOCOL_TCP, remoteIp, localIp);
        EthernetFrame.write(tx, 0, LOCAL_MAC.bits(), REMOTE_MAC.bits(), EthernetFrame.TYPE_IPV4);
        remote.send(tx, 0, tcpOff + tcpLength);
    }

    /**
     * The TCP emitter takes parsed options, but a script's options are raw bytes in its own order
     * (nops where it puts them, even malformed ones), so the header goes out bare and the option
     * bytes and the payload are put behind it, with the data offset and checksum made right.
     */
    private int writeTcp(int off, int sourcePort, int destinationPort, int seq, int ack, int flags, int window,
                         byte[] options, int payload) {
        TcpSegment.write(tx, off, sourcePort, destinationPort, seq, ack, flags, window, 0, (TcpOptions) null,
                0, remoteIp, localIp);
        int header = TcpSegment.MIN_HEADER_LENGTH + ((options.length + 3) & ~3);
        java.util.Arrays.fill(tx, off + TcpSegment.MIN_HEADER_LENGTH, off + header, (byte) 0);
        System.arraycopy(options, 0, tx, off + TcpSegment.MIN_HEADER_LENGTH, options.length);
        java.util.Arrays.fill(tx, off + header, off + header + payload, (byte) 'x');
        tx[off + 12] = (byte) ((header >>> 2) << 4);
        tx[off + 16] = 0;
        tx[off + 17] = 0;
        int length = header + payload;
        long sum = Checksum.pseudoHeader(remoteIp, localIp, Ipv4Packet.PROTOCOL_TCP, length);
        int checksum = Checksum.finish(Checksum.add(sum, tx, off, length));
        tx[off + 16] = (byte) (checksum >>> 8);
        tx[off + 17] = (byte) checksum;
        return length;
    }

    @Override
    public void close() {
        wire.close();
    }
}
