package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties for every wire format: hostile bytes are accepted or rejected with a {@link Defect},
 * never an exception, and what is accepted has every accessor inside the buffer; what the emitters
 * write parses back to the same fields.
 */
class WireProperties {
    private static final List<byte[]> FRAMES = sampleFrames();

    // ---- never throw, always in bounds ----

    @Property(tries = 2000)
    @Label("random bytes: every view accepts or names a defect, never throws")
    void randomBytes(@ForAll @Size(max = 160) byte[] b, @ForAll @IntRange(min = -4, max = 170) int off,
                     @ForAll @IntRange(min = -4, max = 170) int len) {
        dissect(b, 0, b.length);
        everyViewAt(b, off, len);
    }

    @Property(tries = 5000)
    @Label("mutated real frames: flipped bits, truncation, rewritten length fields never throw")
    void mutatedFrames(@ForAll @IntRange(min = 0, max = 1000) int pick, @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 600) Integer> flips,
                       @ForAll @IntRange(min = 0, max = 17) int field, @ForAll @IntRange(min = 0, max = 0xffff) int value,
                       @ForAll("keepPercent") int keepPercent, @ForAll boolean refreshChecksums) {
        byte[] original = FRAMES.get(pick % FRAMES.size());
        byte[] f = original.clone();
        for (int bit : flips) {
            int at = (bit / 8) % f.length;
            f[at] ^= (byte) (1 << (bit % 8));
        }
        rewriteField(f, field, value);
        int len = keepPercent == 100 ? f.length : f.length * keepPercent / 100;
        if (refreshChecksums) {
            refreshChecksums(f, len);
        }
        Statistics.label("outcome").collect(dissect(f, 0, len));
    }

    /** Most mutations keep the whole frame so the parse reaches the inner layers; a quarter truncate it. */
    @Provide
    Arbitrary<Integer> keepPercent() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(100)), Tuple.of(1, Arbitraries.integers().between(0, 99)));
    }

    @Property(tries = 2000)
    @Label("TCP options: random option lists parse or are BAD_OPTION, and check() agrees with parse()")
    void randomOptionLists(@ForAll @Size(max = 44) byte[] b) {
        TcpOptions o = new TcpOptions();
        Defect d = o.parse(b, 0, b.length);
        assertEquals(d, TcpOptions.check(b, 0, b.length));
        assertTrue(d == Defect.NONE || d == Defect.BAD_OPTION, d::toString);
        if (d == Defect.NONE) {
            checkOptions(o);
            // What was understood re-encodes and parses to the same thing.
            if (o.encodedLength() <= TcpOptions.MAX_LENGTH) {
                TcpOptions again = reparse(o);
                if (o.windowScaleClamped()) {
                    assertEquals(14, again.windowScale());
                } else {
                    assertEquals(o, again);
                }
            }
        }
    }

    // ---- emit then parse ----

    @Property
    void ethernetRoundTrip(@ForAll long destination, @ForAll long source, @ForAll @IntRange(max = 0xffff) int type) {
        byte[] b = new byte[20];
        long dst = destination & MacAddress.BROADCAST_BITS;
        long src = source & MacAddress.BROADCAST_BITS;
        EthernetFrame.write(b, 3, dst, src, type);
        EthernetFrame eth = new EthernetFrame();
        assertEquals(Defect.NONE, eth.wrap(b, 3, 17));
        assertEquals(dst, eth.destination());
        assertEquals(src, eth.source());
        assertEquals(type, eth.etherType());
    }

    @Property
    void ipv4RoundTrip(@ForAll @IntRange(max = 200) int payload, @ForAll @IntRange(max = 0xffff) int id,
                       @ForAll @IntRange(max = 0xffff) int flagsAndOffset, @ForAll @IntRange(max = 255) int ttl,
                       @ForAll @IntRange(max = 255) int protocol, @ForAll int source, @ForAll int destination) {
        byte[] b = new byte[2 + 20 + payload];
        assertEquals(20, Ipv4Packet.write(b, 2, payload, id, flagsAndOffset, ttl, protocol, source, destination));
        Ipv4Packet ip = new Ipv4Packet();
        assertEquals(Defect.NONE, ip.wrap(b, 2, b.length - 2));
        assertEquals(payload, ip.payloadLength());
        assertEquals(id, ip.identification());
        assertEquals((flagsAndOffset & 0x1fff) * 8, ip.fragmentOffset());
        assertEquals((flagsAndOffset & Ipv4Packet.FLAG_DONT_FRAGMENT) != 0, ip.dontFragment());
        assertEquals((flagsAndOffset & Ipv4Packet.FLAG_MORE_FRAGMENTS) != 0, ip.moreFragments());
        assertEquals(ttl, ip.ttl());
        assertEquals(protocol, ip.protocol());
        assertEquals(source, ip.source());
        assertEquals(destination, ip.destination());
    }

    @Property
    void arpRoundTrip(@ForAll boolean request, @ForAll long senderMac, @ForAll int senderIp, @ForAll long targetMac,
                      @ForAll int targetIp) {
        ArpPacket p = new ArpPacket(request ? ArpPacket.REQUEST : ArpPacket.REPLY, senderMac & MacAddress.BROADCAST_BITS,
                senderIp, targetMac & MacAddress.BROADCAST_BITS, targetIp);
        byte[] b = new byte[ArpPacket.LENGTH];
        p.write(b, 0);
        assertEquals(Defect.NONE, ArpPacket.check(b, 0, b.length));
        assertEquals(p, ArpPacket.read(b, 0));
    }

    @Property
    void icmpRoundTrip(@ForAll @IntRange(max = 255) int type, @ForAll @IntRange(max = 255) int code, @ForAll int rest,
                       @ForAll @Size(max = 100) byte[] payload) {
        byte[] b = new byte[8 + payload.length];
        System.arraycopy(payload, 0, b, 8, payload.length);
        assertEquals(b.length, IcmpMessage.write(b, 0, type, code, rest, payload.length));
        IcmpMessage icmp = new IcmpMessage();
        assertEquals(Defect.NONE, icmp.wrap(b, 0, b.length));
        assertEquals(type, icmp.type());
        assertEquals(code, icmp.code());
        assertEquals(rest >>> 16, icmp.identifier());
        assertEquals(rest & 0xffff, icmp.sequence());
        assertArrayEquals(payload, Arrays.copyOfRange(b, icmp.payloadOffset(), icmp.payloadOffset() + icmp.payloadLength()));
    }

    @Property
    void udpRoundTrip(@ForAll @IntRange(max = 0xffff) int sourcePort, @ForAll @IntRange(max = 0xffff) int destinationPort,
                      @ForAll @Size(max = 100) byte[] payload, @ForAll int source, @ForAll int destination) {
        byte[] b = new byte[8 + payload.length];
        System.arraycopy(payload, 0, b, 8, payload.length);
        UdpDatagram.write(b, 0, sourcePort, destinationPort, payload.length, source, destination);
        UdpDatagram udp = new UdpDatagram();
        assertEquals(Defect.NONE, udp.wrap(b, 0, b.length, source, destination));
        assertTrue(udp.checksum() != 0, "RFC 768: an emitted checksum is never zero");
        assertEquals(sourcePort, udp.sourcePort());
        assertEquals(destinationPort, udp.destinationPort());
        assertEquals(payload.length, udp.payloadLength());
    }

    @Property(tries = 2000)
    @Label("TCP: random header fields and option sets emit and parse back unchanged")
    void tcpRoundTrip(@ForAll @IntRange(max = 0xffff) int sourcePort, @ForAll @IntRange(max = 0xffff) int destinationPort,
                      @ForAll int seq, @ForAll int ack, @ForAll @IntRange(max = 255) int flags,
                      @ForAll @IntRange(max = 0xffff) int window, @ForAll @IntRange(max = 0xffff) int urgent,
                      @ForAll("tcpOptions") TcpOptions options, @ForAll @Size(max = 64) byte[] payload,
                      @ForAll int source, @ForAll int destination, @ForAll @IntRange(max = 5) int off) {
        int h = TcpSegment.headerLength(options);
        byte[] b = new byte[off + h + payload.length];
        System.arraycopy(payload, 0, b, off + h, payload.length);
        int n = TcpSegment.write(b, off, sourcePort, destinationPort, seq, ack, flags, window, urgent, options,
                payload.length, source, destination);
        assertEquals(h + payload.length, n);
        TcpSegment tcp = new TcpSegment();
        assertEquals(Defect.NONE, tcp.wrap(b, off, n, source, destination));
        assertEquals(sourcePort, tcp.sourcePort());
        assertEquals(destinationPort, tcp.destinationPort());
        assertEquals(seq, tcp.sequence());
        assertEquals(ack, tcp.acknowledgment());
        assertEquals(flags, tcp.flags());
        assertEquals(window, tcp.window());
        assertEquals(urgent, tcp.urgentPointer());
        assertEquals(h, tcp.headerLength());
        assertEquals(payload.length, tcp.payloadLength());
        assertArrayEquals(payload, Arrays.copyOfRange(b, tcp.payloadOffset(), tcp.payloadOffset() + tcp.payloadLength()));
        TcpOptions parsed = new TcpOptions();
        assertEquals(Defect.NONE, tcp.options(parsed));
        assertEquals(options, parsed);
    }

    @Provide
    Arbitrary<TcpOptions> tcpOptions() {
        Arbitrary<Integer> mss = Arbitraries.integers().between(0, 0xffff).injectNull(0.4);
        Arbitrary<Integer> scale = Arbitraries.integers().between(0, TcpOptions.MAX_WINDOW_SCALE).injectNull(0.4);
        Arbitrary<Boolean> sackOk = Arbitraries.of(true, false);
        Arbitrary<int[]> timestamps = Arbitraries.integers().array(int[].class).ofSize(2).injectNull(0.4);
        Arbitrary<List<int[]>> blocks = Arbitraries.integers().array(int[].class).ofSize(2).list().ofMaxSize(4);
        return Combinators.combine(mss, scale, sackOk, timestamps, blocks).as((m, w, s, t, sack) -> {
            TcpOptions o = new TcpOptions().sackPermitted(s);
            if (m != null) {
                o.mss(m);
            }
            if (w != null) {
                o.windowScale(w);
            }
            if (t != null) {
                o.timestamps(t[0], t[1]);
            }
            List<int[]> fit = new ArrayList<>(sack);
            while (true) {
                o.clearSackBlocks();
                for (int[] edge : fit) {
                    o.addSackBlock(edge[0], edge[1]);
                }
                if (o.encodedLength() <= TcpOptions.MAX_LENGTH) {
                    return o;
                }
                fit.removeLast();
            }
        });
    }

    @Property
    void tcpOptionsRoundTrip(@ForAll("tcpOptions") TcpOptions options) {
        assertEquals(0, options.encodedLength() % 4, "options fill whole 32-bit words");
        assertEquals(options, reparse(options));
        assertEquals(options.toString(), reparse(options).toString());
    }

    // ---- helpers ----

    private static TcpOptions reparse(TcpOptions o) {
        byte[] b = new byte[TcpOptions.MAX_LENGTH + 16];
        int n = o.write(b, 0);
        TcpOptions again = new TcpOptions();
        assertEquals(Defect.NONE, again.parse(b, 0, n));
        return again;
    }

    /** Walks a frame down through every layer as the stack will, checking invariants on what is accepted. */
    static String dissect(byte[] b, int off, int len) {
        EthernetFrame eth = new EthernetFrame();
        Defect d = eth.wrap(b, off, len);
        if (d != Defect.NONE) {
            return "ethernet " + d;
        }
        inBounds(b, eth.payloadOffset(), eth.payloadLength());
        eth.destination();
        eth.source();
        int type = eth.etherType();
        if (type == EthernetFrame.TYPE_ARP) {
            d = ArpPacket.check(b, eth.payloadOffset(), eth.payloadLength());
            if (d == Defect.NONE) {
                assertNotNull(ArpPacket.read(b, eth.payloadOffset()).toString());
            }
            return "arp " + d;
        }
        if (type != EthernetFrame.TYPE_IPV4) {
            return "other ethertype";
        }
        Ipv4Packet ip = new Ipv4Packet();
        d = ip.wrap(b, eth.payloadOffset(), eth.payloadLength());
        if (d != Defect.NONE) {
            return "ipv4 " + d;
        }
        assertTrue(ip.headerLength() >= 20 && ip.headerLength() <= 60 && ip.headerLength() % 4 == 0);
        inBounds(b, ip.payloadOffset(), ip.payloadLength());
        assertTrue(ip.payloadOffset() + ip.payloadLength() <= eth.payloadOffset() + eth.payloadLength());
        ip.typeOfService();
        ip.identification();
        ip.isFragment();
        ip.ttl();
        ip.checksum();
        return switch (ip.protocol()) {
            case Ipv4Packet.PROTOCOL_TCP -> {
                tcp(b, ip, true);
                yield "tcp " + tcp(b, ip, false);
            }
            case Ipv4Packet.PROTOCOL_UDP -> {
                UdpDatagram udp = new UdpDatagram();
                d = udp.wrap(b, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination());
                if (d == Defect.NONE) {
                    inBounds(b, udp.payloadOffset(), udp.payloadLength());
                    assertTrue(udp.length() <= ip.payloadLength());
                    udp.sourcePort();
                    udp.destinationPort();
                    udp.checksum();
                }
                yield "udp " + d;
            }
            case Ipv4Packet.PROTOCOL_ICMP -> {
                IcmpMessage icmp = new IcmpMessage();
                d = icmp.wrap(b, ip.payloadOffset(), ip.payloadLength());
                if (d == Defect.NONE) {
                    inBounds(b, icmp.payloadOffset(), icmp.payloadLength());
                    icmp.type();
                    icmp.code();
                    icmp.identifier();
                    icmp.sequence();
                    icmp.nextHopMtu();
                }
                yield "icmp " + d;
            }
            default -> "other protocol";
        };
    }

    private static Defect tcp(byte[] b, Ipv4Packet ip, boolean verifyChecksum) {
        TcpSegment tcp = new TcpSegment();
        Defect d = tcp.wrap(b, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination(), verifyChecksum);
        if (d == Defect.NONE) {
            checkSegment(b, tcp);
        }
        return d;
    }

    private static void checkSegment(byte[] b, TcpSegment tcp) {
        assertTrue(tcp.headerLength() >= 20 && tcp.headerLength() <= 60 && tcp.headerLength() % 4 == 0);
        assertEquals(tcp.headerLength(), tcp.dataOffset() * 4);
        inBounds(b, tcp.payloadOffset(), tcp.payloadLength());
        inBounds(b, tcp.optionsOffset(), tcp.optionsLength());
        assertEquals(tcp.optionsOffset() + tcp.optionsLength(), tcp.payloadOffset());
        assertEquals(tcp.offset() + tcp.length(), tcp.payloadOffset() + tcp.payloadLength());
        assertTrue(tcp.sequenceLength() >= tcp.payloadLength());
        tcp.sourcePort();
        tcp.destinationPort();
        tcp.sequence();
        tcp.acknowledgment();
        tcp.flags();
        tcp.reservedBits();
        tcp.window();
        tcp.checksum();
        tcp.urgentPointer();
        TcpOptions o = new TcpOptions();
        assertEquals(Defect.NONE, tcp.options(o), "wrap already checked the options");
        checkOptions(o);
    }

    private static void checkOptions(TcpOptions o) {
        assertTrue(o.sackBlockCount() >= 0 && o.sackBlockCount() <= TcpOptions.MAX_SACK_BLOCKS);
        for (int i = 0; i < o.sackBlockCount(); i++) {
            o.sackLeft(i);
            o.sackRight(i);
        }
        assertTrue(o.windowScale() >= 0 && o.windowScale() <= TcpOptions.MAX_WINDOW_SCALE);
        assertTrue(o.mss() >= 0 && o.mss() <= 0xffff);
        assertNotNull(o.toString());
    }

    /** Every view applied at an arbitrary (possibly out of range) offset and length. */
    private static void everyViewAt(byte[] b, int off, int len) {
        EthernetFrame eth = new EthernetFrame();
        if (eth.wrap(b, off, len) == Defect.NONE) {
            inBounds(b, eth.payloadOffset(), eth.payloadLength());
        }
        Ipv4Packet ip = new Ipv4Packet();
        if (ip.wrap(b, off, len) == Defect.NONE) {
            inBounds(b, ip.payloadOffset(), ip.payloadLength());
        }
        if (ArpPacket.check(b, off, len) == Defect.NONE) {
            ArpPacket.read(b, off);
        }
        IcmpMessage icmp = new IcmpMessage();
        if (icmp.wrap(b, off, len) == Defect.NONE) {
            inBounds(b, icmp.payloadOffset(), icmp.payloadLength());
        }
        UdpDatagram udp = new UdpDatagram();
        if (udp.wrap(b, off, len, 1, 2) == Defect.NONE) {
            inBounds(b, udp.payloadOffset(), udp.payloadLength());
        }
        TcpSegment tcp = new TcpSegment();
        if (tcp.wrap(b, off, len, 1, 2, false) == Defect.NONE) {
            checkSegment(b, tcp);
        }
        if (tcp.wrap(b, off, len, 1, 2) == Defect.NONE) {
            checkSegment(b, tcp);
        }
        TcpOptions o = new TcpOptions();
        if (o.parse(b, off, len) == Defect.NONE) {
            checkOptions(o);
        }
    }

    private static void inBounds(byte[] b, int off, int len) {
        assertTrue(off >= 0 && len >= 0 && off + len <= b.length,
                () -> "[" + off + ", +" + len + ") outside a buffer of " + b.length);
    }

    /** Overwrites one length-bearing field of an Ethernet/IPv4 frame (TCP and UDP fields assume a 20-byte IP header). */
    private static void rewriteField(byte[] f, int field, int value) {
        int at = switch (field) {
            case 0 -> 12;       // EtherType
            case 1 -> 14;       // version and IHL (high byte written)
            case 2 -> 16;       // IPv4 total length
            case 3 -> 14 + 20 + 12; // TCP data offset and flags
            case 4 -> 14 + 20 + 4;  // UDP length
            case 5 -> 14 + 20 + 20; // first TCP option kind and length
            case 6 -> 14 + 20 + 22; // an option length further in
            case 7 -> 14 + 20 + 24;
            case 8 -> 14 + 20 + 26;
            default -> -1;      // leave it
        };
        if (at >= 0 && at + 2 <= f.length) {
            BigEndian.put16(f, at, value);
        }
    }

    /**
     * Makes checksums right again after a mutation so the parse gets past them to the fields behind
     * (otherwise nearly every mutation would stop at BAD_CHECKSUM). Careful with bounds: the frame is hostile.
     */
    private static void refreshChecksums(byte[] f, int len) {
        if (len < 34 || BigEndian.u16(f, 12) != EthernetFrame.TYPE_IPV4) {
            return;
        }
        int ihl = (f[14] & 0xf) * 4;
        if (ihl < 20 || 14 + ihl > len) {
            return;
        }
        BigEndian.put16(f, 24, 0);
        BigEndian.put16(f, 24, Checksum.compute(f, 14, ihl));
        int total = BigEndian.u16(f, 16);
        int t = 14 + ihl;
        int segment = total - ihl;
        if (segment < 0 || 14 + total > len) {
            return;
        }
        int src = BigEndian.i32(f, 26);
        int dst = BigEndian.i32(f, 30);
        int protocol = f[23] & 0xff;
        int checksumAt = switch (protocol) {
            case Ipv4Packet.PROTOCOL_TCP -> segment >= 20 ? t + 16 : -1;
            case Ipv4Packet.PROTOCOL_UDP -> segment >= 8 ? t + 6 : -1;
            case Ipv4Packet.PROTOCOL_ICMP -> segment >= 8 ? t + 2 : -1;
            default -> -1;
        };
        if (checksumAt < 0) {
            return;
        }
        BigEndian.put16(f, checksumAt, 0);
        long sum = protocol == Ipv4Packet.PROTOCOL_ICMP ? 0 : Checksum.pseudoHeader(src, dst, protocol,
                protocol == Ipv4Packet.PROTOCOL_UDP ? BigEndian.u16(f, t + 4) : segment);
        int udpLength = protocol == Ipv4Packet.PROTOCOL_UDP ? Math.min(BigEndian.u16(f, t + 4), segment) : segment;
        BigEndian.put16(f, checksumAt, Checksum.finish(Checksum.add(sum, f, t, udpLength)));
    }

    /** Real TCP frames from the captures plus emitted ARP, ICMP, UDP and option-rich TCP frames. */
    private static List<byte[]> sampleFrames() {
        List<byte[]> frames = new ArrayList<>();
        for (byte[] f : Captures.allFrames()) {
            frames.add(f.length > 400 ? Arrays.copyOf(f, 400) : f); // long bodies add nothing but time
        }
        frames.addAll(SampleFrames.all());
        return frames;
    }
}
