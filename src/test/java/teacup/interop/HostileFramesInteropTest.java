package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;
import static teacup.interop.TapNetwork.total;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.link.CoalescingLink;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;
import teacup.os.PacketSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;
import teacup.wire.UdpDatagram;

/**
 * Ten thousand random and mutated frames written at teacup from the kernel's side of the TAP,
 * through a raw packet socket inside the namespace. teacup must drop or handle each one, count
 * every one, keep its tables bounded, and still answer the kernel's ping afterwards.
 *
 * <p>The run is reproducible from the printed seed: {@code -Dteacup.interop.seed=N}.
 */
@Tag("interop")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@DisplayName("interop: hostile frames from the kernel side")
class HostileFramesInteropTest {
    private static final int FRAMES = 10_000;
    /** Frames sent before waiting for teacup to catch up: well under the TAP's 500-frame queue. */
    private static final int BATCH = 200;
    private static final int MAX_FRAME = 1514;
    private static final int KERNEL_IP = TapNetwork.KERNEL_ADDRESS.bits();
    private static final int TEACUP_IP = TapNetwork.TEACUP_ADDRESS.bits();
    private static final long TEACUP_MAC = TapNetwork.TEACUP_MAC.bits();
    private static final Pattern LINK_ADDRESS = Pattern.compile("link/ether ([0-9a-f:]{17})");

    private final byte[] frame = new byte[MAX_FRAME + 64];
    private SplittableRandom random;
    private long kernelMac;
    private final int[] shapes = new int[Shape.values().length];

    private enum Shape { RANDOM, RANDOM_IPV4, ARP, ECHO, UDP, FRAGMENT, FRAGMENT_FLOOD, TCP_RUN }

    /** How teacup's end of the TAP takes frames: one at a time, one at a time through receive coalescing (the CLI's default), or with offloads. */
    enum LinkMode { PLAIN, PLAIN_COALESCING, OFFLOAD }

    @ParameterizedTest(name = "link: {0}")
    @EnumSource(LinkMode.class)
    @DisplayName("10,000 random and mutated frames: every one counted, tables bounded, the stack still answers ping")
    void survivesAndAccountsForHostileFrames(LinkMode mode) throws Exception {
        TapNetwork.requireRoot("creates a network namespace, a TAP device and a raw packet socket");
        TapNetwork.requirePrograms("ip", "ping");
        long seed = Long.getLong("teacup.interop.seed", System.nanoTime());
        System.out.println("hostile frames (" + mode + "): seed " + seed + " (rerun with -Dteacup.interop.seed=" + seed + ")");
        random = new SplittableRandom(seed);
        try (TapNetwork net = TapNetwork.create()) {
            TapLink tap = net.openTap(mode == LinkMode.OFFLOAD);
            NetStack stack = net.startStack(mode == LinkMode.PLAIN_COALESCING ? new CoalescingLink(tap) : tap, seed);
            kernelMac = kernelMac(net);
            try (PacketSocket kernelSide = NetworkNamespace.callIn(net.namespace(), () -> PacketSocket.open(TapNetwork.TAP))) {
                long framesInBefore = framesRead(net.counters());
                int accepted = 0;
                int refused = 0;
                for (int i = 0; i < FRAMES; i++) {
                    int length = next();
                    int n = kernelSide.send(frame, 0, length);
                    if (n == length) {
                        accepted++;
                    } else {
                        refused++; // the kernel will not send it (e.g. shorter than an Ethernet header)
                    }
                    if ((i + 1) % BATCH == 0) {
                        int sent = accepted;
                        // Let teacup drain the TAP so its queue never overflows and every frame is seen.
                        TapNetwork.waitUntil(Duration.ofSeconds(5),
                                () -> framesRead(net.counters()) - framesInBefore >= sent);
                    }
                }
                int sent = accepted;
                boolean drained = TapNetwork.waitUntil(Duration.ofSeconds(10),
                        () -> framesRead(net.counters()) - framesInBefore >= sent);
                Map<Counter, Long> counters = net.counters();
                String report = "seed " + seed + ", shapes " + Arrays.toString(shapes) + " " + Arrays.toString(Shape.values())
                        + ", sent " + accepted + ", refused by the kernel " + refused
                        + ", TAP receive drops " + net.tap().receiveDropped() + "\ncounters " + counters;
                System.out.println("hostile frames: " + report);

                assertNull(stack.failure(), report);
                assertTrue(stack.isRunning(), report);
                assertTrue(accepted >= FRAMES * 9 / 10, "the kernel refused too many frames to prove much: " + report);
                assertTrue(drained, "teacup saw fewer frames than were sent: " + report);
                long framesIn = get(counters, Counter.FRAMES_IN);
                assertTrue(framesRead(counters) - framesInBefore >= accepted, report);
                assertEquals(framesIn, total(counters, Counter.Kind.ACCEPTED) + total(counters, Counter.Kind.DROPPED),
                        "frames in must equal accepted + dropped: " + report);
                int reassemblies = stack.call(() -> stack.ip().reassembliesInProgress());
                assertTrue(reassemblies <= 64, "reassemblies in progress: " + reassemblies);
                assertTrue(get(counters, Counter.REASSEMBLIES_EVICTED) > 0,
                        "the fragment flood never reached the reassembly limit: " + report);

                // Mutations may have taught teacup a wrong MAC for the kernel (RFC 826 merge is
                // trusting by design); the kernel's own gratuitous ARP puts it right again.
                int n = EthernetFrame.write(frame, 0, MacAddress.BROADCAST_BITS, kernelMac, EthernetFrame.TYPE_ARP);
                n += new ArpPacket(ArpPacket.REQUEST, kernelMac, KERNEL_IP, 0, KERNEL_IP).write(frame, n);
                assertEquals(n, kernelSide.send(frame, 0, n));
            }

            SystemCommand.Result ping = net.run(Duration.ofSeconds(20),
                    "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", TapNetwork.TEACUP);
            assertEquals(0, ping.exitCode(), ping.stdout() + ping.stderr() + "\ncounters " + net.counters());
            assertTrue(ping.stdout().contains("3 packets transmitted, 3 received"), ping.stdout());
            assertNull(stack.failure());
        }
    }

    /** Frames teacup's link read: those the stack saw, plus every piece beyond the first of each joined one. */
    private static long framesRead(Map<Counter, Long> counters) {
        return get(counters, Counter.FRAMES_IN) + get(counters, Counter.LINK_FRAMES_COALESCED)
                - get(counters, Counter.LINK_LARGE_FRAMES_MADE);
    }

    private static long kernelMac(TapNetwork net) throws Exception {
        String link = net.ip("link", "show", TapNetwork.TAP);
        Matcher m = LINK_ADDRESS.matcher(link);
        assertTrue(m.find(), "no MAC in: " + link);
        return MacAddress.parse(m.group(1)).bits();
    }

    // ---------------------------------------------------------------- frame factory

    /** Builds the next hostile frame in {@link #frame}; returns its length. */
    private int next() {
        if (tcpRunLeft > 0) {
            tcpRunLeft--;
            shapes[Shape.TCP_RUN.ordinal()]++;
            int length = tcpSegment();
            return random.nextInt(4) == 0 ? mutate(length) : length;
        }
        Shape shape = pickShape();
        shapes[shape.ordinal()]++;
        if (shape == Shape.RANDOM) {
            return randomFrame();
        }
        if (shape == Shape.RANDOM_IPV4) {
            return randomIpv4();
        }
        if (shape == Shape.TCP_RUN) {
            startTcpRun();
            return tcpSegment();
        }
        int length = switch (shape) {
            case ARP -> arp();
            case ECHO -> echoRequest();
            case UDP -> udp();
            case FRAGMENT -> fragment(random.nextInt(0x10000));
            default -> fragment(random.nextInt(0x10000));
        };
        // A fifth of the valid frames go through untouched; the rest are damaged.
        return random.nextInt(5) == 0 || shape == Shape.FRAGMENT_FLOOD ? length : mutate(length);
    }

    private Shape pickShape() {
        int p = random.nextInt(100);
        if (p < 28) {
            return Shape.RANDOM;
        }
        if (p < 30) {
            return Shape.TCP_RUN; // a run of 1 to 30 frames: about a fifth of all
        }
        if (p < 45) {
            return Shape.RANDOM_IPV4;
        }
        if (p < 55) {
            return Shape.ARP;
        }
        if (p < 68) {
            return Shape.ECHO;
        }
        if (p < 80) {
            return Shape.UDP;
        }
        if (p < 90) {
            return Shape.FRAGMENT;
        }
        return Shape.FRAGMENT_FLOOD;
    }

    /** Our MAC or broadcast in most frames (so they get past the MAC filter), anything in a few. */
    private long destinationMac() {
        int p = random.nextInt(10);
        return p < 6 ? TEACUP_MAC : p < 9 ? MacAddress.BROADCAST_BITS : random.nextLong() & 0xffff_ffff_ffffL;
    }

    private int randomFrame() {
        int length = random.nextInt(MAX_FRAME + 1);
        random.nextBytes(frame);
        if (length >= 6 && random.nextInt(10) < 8) {
            BigEndian.put48(frame, 0, destinationMac());
        }
        if (length >= 14 && random.nextBoolean()) {
            BigEndian.put16(frame, 12, random.nextBoolean() ? EthernetFrame.TYPE_IPV4 : EthernetFrame.TYPE_ARP);
        }
        return length;
    }

    /** Random bytes behind a well-formed IPv4 header: gets past the checksum into protocol handling. */
    private int randomIpv4() {
        int length = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH
                + random.nextInt(MAX_FRAME - EthernetFrame.HEADER_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH + 1);
        random.nextBytes(frame);
        EthernetFrame.write(frame, 0, destinationMac(), kernelMac, EthernetFrame.TYPE_IPV4);
        int protocol = switch (random.nextInt(4)) {
            case 0 -> Ipv4Packet.PROTOCOL_ICMP;
            case 1 -> Ipv4Packet.PROTOCOL_UDP;
            case 2 -> Ipv4Packet.PROTOCOL_TCP;
            default -> random.nextInt(256);
        };
        int source = random.nextBoolean() ? KERNEL_IP : random.nextInt();
        int payload = length - EthernetFrame.HEADER_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;
        Ipv4Packet.write(frame, EthernetFrame.HEADER_LENGTH, payload, random.nextInt(0x10000),
                random.nextInt(4) == 0 ? random.nextInt(0x10000) : 0, 1 + random.nextInt(255), protocol, source,
                random.nextInt(8) == 0 ? random.nextInt() : TEACUP_IP);
        return length;
    }

    // A run of TCP segments of one flow in sequence, as a receive coalescer joins them; some damaged, some with PSH or FIN.
    private int tcpRunLeft;
    private int tcpSequence;
    private int tcpPort;
    private boolean tcpTimestamps;

    private void startTcpRun() {
        tcpRunLeft = 1 + random.nextInt(30);
        tcpSequence = random.nextInt();
        tcpPort = 1024 + random.nextInt(60000);
        tcpTimestamps = random.nextBoolean();
    }

    /** The run's next segment to a port with no listener (teacup answers with a reset): valid, in order. */
    private int tcpSegment() {
        int options = tcpTimestamps ? 12 : 0;
        int data = 1 + random.nextInt(1400);
        int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        int header = 20 + options;
        for (int i = 0; i < data; i++) {
            frame[at + header + i] = (byte) random.nextInt(256);
        }
        int p = random.nextInt(20);
        int flags = TcpSegment.ACK | (p == 0 ? TcpSegment.PSH : p == 1 ? TcpSegment.FIN : 0);
        TcpOptions ts = tcpTimestamps ? new TcpOptions().timestamps(12345, 678) : null;
        int tcp = TcpSegment.write(frame, at, tcpPort, 7000, tcpSequence, 1, flags, 1000, 0, ts, data, KERNEL_IP, TEACUP_IP);
        tcpSequence += data;
        return ipv4(Ipv4Packet.PROTOCOL_TCP, KERNEL_IP, tcp, Ipv4Packet.FLAG_DONT_FRAGMENT);
    }

    /** Some address on the subnet other than the kernel's and teacup's. */
    private int neighbour() {
        return (TEACUP_IP & 0xffffff00) | (3 + random.nextInt(250));
    }

    private int arp() {
        long sender = (random.nextLong() & 0xfeff_ffff_ffffL) | 0x0200_0000_0000L; // unicast, locally administered
        boolean request = random.nextBoolean();
        int n = EthernetFrame.write(frame, 0, request ? MacAddress.BROADCAST_BITS : TEACUP_MAC, sender, EthernetFrame.TYPE_ARP);
        // Never the kernel's address as sender: a valid frame naming it would, quite rightly,
        // change where teacup sends to the kernel, which is not what this test is about.
        n += new ArpPacket(request ? ArpPacket.REQUEST : ArpPacket.REPLY, sender, neighbour(),
                request ? 0 : TEACUP_MAC, random.nextInt(4) == 0 ? neighbour() : TEACUP_IP).write(frame, n);
        return n;
    }

    private int echoRequest() {
        int data = random.nextInt(1400);
        int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        for (int i = 0; i < data; i++) {
            frame[at + IcmpMessage.HEADER_LENGTH + i] = (byte) random.nextInt(256);
        }
        int icmp = IcmpMessage.write(frame, at, IcmpMessage.TYPE_ECHO_REQUEST, 0,
                IcmpMessage.echoRest(random.nextInt(0x10000), random.nextInt(0x10000)), data);
        return ipv4(Ipv4Packet.PROTOCOL_ICMP, KERNEL_IP, icmp, 0);
    }

    private int udp() {
        int data = random.nextInt(1400);
        int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        for (int i = 0; i < data; i++) {
            frame[at + UdpDatagram.HEADER_LENGTH + i] = (byte) random.nextInt(256);
        }
        int source = random.nextInt(4) == 0 ? neighbour() : KERNEL_IP;
        int udp = UdpDatagram.write(frame, at, 1 + random.nextInt(65535), 1 + random.nextInt(65535), data, source, TEACUP_IP);
        return ipv4(Ipv4Packet.PROTOCOL_UDP, source, udp, 0);
    }

    /** One fragment of a UDP datagram: a first one, a middle one, or a last one at a random offset. */
    private int fragment(int identification) {
        int data = 8 * (1 + random.nextInt(170));
        int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        for (int i = 0; i < data; i++) {
            frame[at + i] = (byte) random.nextInt(256);
        }
        int offsetUnits = random.nextInt(3) == 0 ? 0 : random.nextInt(8192);
        boolean more = random.nextInt(4) != 0;
        int field = (more ? Ipv4Packet.FLAG_MORE_FRAGMENTS : 0) | offsetUnits;
        if (field == 0) {
            field = Ipv4Packet.FLAG_MORE_FRAGMENTS; // a fragment, not a whole datagram
        }
        int n = ipv4(Ipv4Packet.PROTOCOL_UDP, KERNEL_IP, data, field);
        BigEndian.put16(frame, EthernetFrame.HEADER_LENGTH + 4, identification);
        fixIpv4Checksum(Ipv4Packet.MIN_HEADER_LENGTH);
        return n;
    }

    private int ipv4(int protocol, int source, int payloadLength, int flagsAndOffset) {
        EthernetFrame.write(frame, 0, TEACUP_MAC, kernelMac, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.write(frame, EthernetFrame.HEADER_LENGTH, payloadLength, random.nextInt(0x10000),
                flagsAndOffset, 64, protocol, source, TEACUP_IP);
        return EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + payloadLength;
    }

    private void fixIpv4Checksum(int headerLength) {
        int at = EthernetFrame.HEADER_LENGTH;
        BigEndian.put16(frame, at + 10, 0);
        BigEndian.put16(frame, at + 10, Checksum.compute(frame, at, headerLength));
    }

    /** Damages a valid frame of {@code length} bytes in one or two ways; returns its new length. */
    private int mutate(int length) {
        int rounds = 1 + random.nextInt(2);
        for (int r = 0; r < rounds; r++) {
            switch (random.nextInt(7)) {
                case 0 -> { // bit flips anywhere past the destination MAC
                    int flips = 1 + random.nextInt(8);
                    for (int i = 0; i < flips && length > 6; i++) {
                        int bit = 6 * 8 + random.nextInt((length - 6) * 8);
                        frame[bit >>> 3] ^= (byte) (1 << (bit & 7));
                    }
                }
                case 1 -> length = random.nextInt(length + 1); // truncation
                case 2 -> { // padding or junk beyond the IP datagram
                    int extra = Math.min(random.nextInt(64), MAX_FRAME - length);
                    for (int i = 0; i < extra; i++) {
                        frame[length + i] = (byte) random.nextInt(256);
                    }
                    length += extra;
                }
                case 3 -> { // a bad IPv4 total length, its header checksum made right half the time
                    if (length >= EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH) {
                        BigEndian.put16(frame, EthernetFrame.HEADER_LENGTH + 2, random.nextInt(0x10000));
                        if (random.nextBoolean()) {
                            fixIpv4Checksum(Ipv4Packet.MIN_HEADER_LENGTH);
                        }
                    }
                }
                case 4 -> { // a bogus IHL, its header checksum made right where the bytes allow
                    if (length >= EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH) {
                        int ihl = random.nextInt(16);
                        frame[EthernetFrame.HEADER_LENGTH] = (byte) (0x40 | ihl);
                        int header = Math.max(Ipv4Packet.MIN_HEADER_LENGTH, ihl * 4);
                        if (random.nextBoolean() && EthernetFrame.HEADER_LENGTH + header <= length) {
                            fixIpv4Checksum(header);
                        }
                    }
                }
                case 5 -> { // a wrong checksum: IPv4 header's, or the transport's
                    int at = random.nextBoolean() ? EthernetFrame.HEADER_LENGTH + 10
                            : EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + (random.nextBoolean() ? 2 : 6);
                    if (at + 2 <= length) {
                        BigEndian.put16(frame, at, BigEndian.u16(frame, at) ^ (1 + random.nextInt(0xffff)));
                    }
                }
                default -> { // random fragment fields with a correct header checksum
                    if (length >= EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH) {
                        BigEndian.put16(frame, EthernetFrame.HEADER_LENGTH + 6, random.nextInt(0x10000));
                        fixIpv4Checksum(Ipv4Packet.MIN_HEADER_LENGTH);
                    }
                }
            }
        }
        return length;
    }
}
