package teacup.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpSegment;

class CoalescingLinkTest {
    static final long PEER_MAC = 0x02_00_00_00_00_01L;
    static final long OUR_MAC = 0x02_00_00_00_00_02L;
    static final int PEER_IP = 0xc612_0001;
    static final int OUR_IP = 0xc612_0002;
    static final int MSS = 1448;

    /** An in-memory link: the frames the test queued, only {@link #readable} of them ready at once. */
    static final class FrameQueue implements Link {
        final List<byte[]> frames = new ArrayList<>();
        final List<Boolean> vouched = new ArrayList<>();
        int next;
        /** Frames ready now (those beyond are "still on the wire"): receive returns 0 past it. */
        int readable = Integer.MAX_VALUE;
        int awaits;
        private boolean lastVouched;

        void add(byte[] frame) {
            add(frame, false);
        }

        void add(byte[] frame, boolean trusted) {
            frames.add(frame);
            vouched.add(trusted);
        }

        /** Room for a frame with IPv4 options, or a piece one byte longer than an MSS, beside full-sized ones. */
        @Override public int mtu() { return 1600; }

        @Override
        public int receive(byte[] buf, int off) {
            lastVouched = false;
            if (next >= frames.size() || next >= readable) {
                return 0;
            }
            byte[] f = frames.get(next);
            if (f.length > buf.length - off) {
                throw new AssertionError("the coalescer gave a buffer too small for a " + f.length + "-byte frame");
            }
            lastVouched = vouched.get(next);
            next++;
            System.arraycopy(f, 0, buf, off, f.length);
            return f.length;
        }

        @Override public boolean receivedChecksumTrusted() { return lastVouched; }
        @Override public void send(byte[] buf, int off, int len) {}
        @Override public void await(long timeoutNanos) { awaits++; }
        @Override public void wakeup() {}
        @Override public void close() {}
    }

    /** One TCP/IPv4 segment in an Ethernet frame, every field the coalescer compares settable. */
    static final class Segment {
        long destinationMac = OUR_MAC;
        long sourceMac = PEER_MAC;
        int source = PEER_IP;
        int destination = OUR_IP;
        int tos;
        int ttl = 64;
        int fragment = Ipv4Packet.FLAG_DONT_FRAGMENT;
        int identification = 1;
        boolean ipOptions;
        int sourcePort = 40000;
        int destinationPort = 9001;
        int seq = 1000;
        int ack = 5000;
        int flags = TcpSegment.ACK;
        int window = 501;
        /** Timestamps option value (NOP NOP TS); negative: no options at all. */
        long tsVal = 77;
        byte[] data = new byte[0];

        Segment copy(Consumer<Segment> change) {
            Segment s = new Segment();
            s.destinationMac = destinationMac;
            s.sourceMac = sourceMac;
            s.source = source;
            s.destination = destination;
            s.tos = tos;
            s.ttl = ttl;
            s.fragment = fragment;
            s.identification = identification;
            s.ipOptions = ipOptions;
            s.sourcePort = sourcePort;
            s.destinationPort = destinationPort;
            s.seq = seq;
            s.ack = ack;
            s.flags = flags;
            s.window = window;
            s.tsVal = tsVal;
            s.data = data;
            change.accept(s);
            return s;
        }

        byte[] frame() {
            int ipHeader = ipOptions ? 24 : 20;
            int tcpHeader = tsVal < 0 ? 20 : 32;
            byte[] f = new byte[14 + ipHeader + tcpHeader + data.length];
            EthernetFrame.write(f, 0, destinationMac, sourceMac, EthernetFrame.TYPE_IPV4);
            int tcp = 14 + ipHeader;
            System.arraycopy(data, 0, f, tcp + tcpHeader, data.length);
            BigEndian.put16(f, tcp, sourcePort);
            BigEndian.put16(f, tcp + 2, destinationPort);
            BigEndian.put32(f, tcp + 4, seq);
            BigEndian.put32(f, tcp + 8, ack);
            f[tcp + 12] = (byte) ((tcpHeader / 4) << 4);
            f[tcp + 13] = (byte) flags;
            BigEndian.put16(f, tcp + 14, window);
            if (tsVal >= 0) {
                f[tcp + 20] = 1;
                f[tcp + 21] = 1;
                f[tcp + 22] = 8;
                f[tcp + 23] = 10;
                BigEndian.put32(f, tcp + 24, (int) tsVal);
                BigEndian.put32(f, tcp + 28, 99);
            }
            int tcpLength = tcpHeader + data.length;
            long sum = Checksum.pseudoHeader(source, destination, Ipv4Packet.PROTOCOL_TCP, tcpLength);
            BigEndian.put16(f, tcp + 16, Checksum.finish(Checksum.add(sum, f, tcp, tcpLength)));
            Ipv4Packet.write(f, 14, ipHeader - 20 + tcpLength, identification, fragment, ttl, tos, Ipv4Packet.PROTOCOL_TCP,
                    source, destination);
            if (ipOptions) {
                f[14] = 0x46;
                f[34] = 1; // four No Operation options
                f[35] = 1;
                f[36] = 1;
                f[37] = 1;
                BigEndian.put16(f, 24, 0);
                BigEndian.put16(f, 24, Checksum.compute(f, 14, ipHeader));
            }
            return f;
        }
    }

    private final FrameQueue wire = new FrameQueue();
    private final CoalescingLink link = new CoalescingLink(wire);
    private final byte[] rx = new byte[link.maxFrameLength() + 1];
    private final SplittableRandom random = new SplittableRandom(7);

    private byte[] data(int length) {
        byte[] d = new byte[length];
        random.nextBytes(d);
        return d;
    }

    /** {@code count} in-order pieces of one flow from {@code first.seq}, each of {@code size} bytes; queued, and returned. */
    private List<Segment> run(Segment first, int count, int size) {
        List<Segment> run = new ArrayList<>();
        int seq = first.seq;
        for (int i = 0; i < count; i++) {
            int at = seq;
            Segment s = first.copy(x -> {
                x.seq = at;
                x.data = data(size);
                x.identification = first.identification + run.size();
            });
            run.add(s);
            wire.add(s.frame());
            seq += size;
        }
        return run;
    }

    private byte[] receive() throws Exception {
        int n = link.receive(rx, 0);
        return Arrays.copyOf(rx, n);
    }

    private static byte[] concat(List<Segment> pieces) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Segment s : pieces) {
            all.writeBytes(s.data);
        }
        return all.toByteArray();
    }

    /** The frame's TCP segment, its IPv4 header and TCP checksums checked as the stack would. */
    private static TcpSegment tcp(byte[] frame) {
        Ipv4Packet ip = new Ipv4Packet();
        assertEquals(Defect.NONE, ip.wrap(frame, 14, frame.length - 14), "IPv4 header");
        assertEquals(frame.length - 14, ip.totalLength(), "IPv4 total length");
        TcpSegment tcp = new TcpSegment();
        assertEquals(Defect.NONE, tcp.wrap(frame, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination(), true),
                "TCP checksum of the joined frame");
        return tcp;
    }

    private static byte[] payload(byte[] frame) {
        TcpSegment t = tcp(frame);
        return Arrays.copyOfRange(frame, t.payloadOffset(), t.payloadOffset() + t.payloadLength());
    }

    @Test
    void anInOrderRunBecomesOneFrameWithTheFirstHeadersAndEveryByte() throws Exception {
        List<Segment> pieces = run(new Segment(), 10, MSS);

        byte[] joined = receive();
        assertTrue(link.receivedChecksumTrusted());
        TcpSegment t = tcp(joined);
        assertEquals(1000, t.sequence());
        assertEquals(5000, t.acknowledgment());
        assertEquals(TcpSegment.ACK, t.flags());
        assertEquals(501, t.window());
        assertEquals(32, t.headerLength());
        assertArrayEquals(Arrays.copyOfRange(pieces.get(0).frame(), 14 + 20 + 20, 14 + 20 + 32),
                Arrays.copyOfRange(joined, 14 + 20 + 20, 14 + 20 + 32), "the options, timestamps and all");
        assertArrayEquals(Arrays.copyOf(pieces.get(0).frame(), 14), Arrays.copyOf(joined, 14), "the Ethernet header");
        assertArrayEquals(concat(pieces), payload(joined));
        assertEquals(10, link.framesCoalesced());
        assertEquals(1, link.largeFramesMade());
        assertEquals(0, link.receive(rx, 0));
        assertFalse(link.holding());
    }

    @Test
    void piecesOfOddLengthStillSumToTheRightChecksum() throws Exception {
        List<Segment> pieces = run(new Segment(), 7, 1001);
        byte[] joined = receive();
        assertArrayEquals(concat(pieces), payload(joined)); // tcp() checked the sum of data at odd offsets
        assertEquals(7, link.framesCoalesced());
    }

    @Test
    void aSingleCheckedSegmentGoesUpAsItCameAndTrusted() throws Exception {
        List<Segment> one = run(new Segment(), 1, 100);
        assertArrayEquals(one.get(0).frame(), receive());
        assertTrue(link.receivedChecksumTrusted(), "the coalescer summed it: the stack need not again");
        assertEquals(0, link.largeFramesMade());
    }

    @Test
    void aGapEndsTheRunAndTheFrameAfterItStartsTheNext() throws Exception {
        List<Segment> before = run(new Segment(), 3, MSS);
        List<Segment> after = run(new Segment().copy(s -> s.seq = 1000 + 5 * MSS), 4, MSS);

        assertArrayEquals(concat(before), payload(receive()));
        assertTrue(link.holding());
        byte[] second = receive();
        assertEquals(1000 + 5 * MSS, tcp(second).sequence());
        assertArrayEquals(concat(after), payload(second));
        assertEquals(0, link.receive(rx, 0));
        assertEquals(2, link.largeFramesMade());
    }

    @Test
    void aRetransmissionOrAnEarlierSegmentIsNotJoined() throws Exception {
        List<Segment> first = run(new Segment(), 3, MSS);
        Segment again = first.get(1).copy(s -> {});
        wire.add(again.frame());

        assertArrayEquals(concat(first), payload(receive()));
        assertArrayEquals(again.frame(), receive(), "the retransmission, alone and unchanged");
        assertEquals(0, link.receive(rx, 0));
    }

    @Test
    void interleavedFlowsKeepTheirOrderAndLoseNothing() throws Exception {
        Segment a = new Segment();
        Segment b = new Segment().copy(s -> {
            s.sourcePort = 40001;
            s.seq = 90000;
        });
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int k = i;
            for (Segment flow : List.of(a, b)) {
                byte[] f = flow.copy(s -> {
                    s.seq = flow.seq + k * MSS;
                    s.data = data(MSS);
                }).frame();
                sent.add(f);
                wire.add(f);
            }
        }
        for (byte[] f : sent) {
            assertArrayEquals(f, receive(), "each frame in its place, none joined across flows");
        }
        assertEquals(0, link.receive(rx, 0));
        assertEquals(0, link.largeFramesMade());
    }

    @Test
    void pushIsJoinedAsTheLastPieceAndEndsTheRun() throws Exception {
        List<Segment> pieces = new ArrayList<>(run(new Segment(), 3, MSS));
        Segment push = new Segment().copy(s -> {
            s.seq = 1000 + 3 * MSS;
            s.flags = TcpSegment.ACK | TcpSegment.PSH;
            s.data = data(MSS);
        });
        pieces.add(push);
        wire.add(push.frame());
        List<Segment> more = run(new Segment().copy(s -> s.seq = 1000 + 4 * MSS), 2, MSS);

        byte[] joined = receive();
        assertEquals(TcpSegment.ACK | TcpSegment.PSH, tcp(joined).flags());
        assertArrayEquals(concat(pieces), payload(joined));
        assertFalse(link.holding(), "a push ends the run without reading further");
        byte[] next = receive();
        assertEquals(TcpSegment.ACK, tcp(next).flags());
        assertArrayEquals(concat(more), payload(next));
    }

    @Test
    void aFirstSegmentWithPushGoesUpAlone() throws Exception {
        Segment push = new Segment().copy(s -> {
            s.flags = TcpSegment.ACK | TcpSegment.PSH;
            s.data = data(MSS);
        });
        wire.add(push.frame());
        run(new Segment().copy(s -> s.seq = 1000 + MSS), 2, MSS);
        assertArrayEquals(push.frame(), receive());
        assertEquals(2 * MSS, tcp(receive()).payloadLength());
    }

    @ParameterizedTest(name = "flags {0}")
    @ValueSource(ints = {TcpSegment.ACK | TcpSegment.FIN, TcpSegment.ACK | TcpSegment.SYN, TcpSegment.ACK | TcpSegment.RST,
            TcpSegment.ACK | TcpSegment.URG, TcpSegment.ACK | TcpSegment.ECE, TcpSegment.ACK | TcpSegment.CWR,
            TcpSegment.PSH, 0})
    void aSegmentWithAFlagBeyondAckAndPushIsNeverJoined(int flags) throws Exception {
        List<Segment> first = run(new Segment(), 2, MSS);
        Segment odd = new Segment().copy(s -> {
            s.seq = 1000 + 2 * MSS;
            s.flags = flags;
            s.data = data(MSS);
        });
        wire.add(odd.frame());
        List<Segment> after = run(new Segment().copy(s -> s.seq = 1000 + 3 * MSS), 2, MSS);

        assertArrayEquals(concat(first), payload(receive()));
        assertArrayEquals(odd.frame(), receive(), "alone and unchanged");
        assertFalse(link.receivedChecksumTrusted(), "the stack checks it as it always has");
        assertArrayEquals(concat(after), payload(receive()));
    }

    @Test
    void aFrameWithTheOnlyUnusualFlagFirstIsNotTheStartOfARun() throws Exception {
        Segment fin = new Segment().copy(s -> {
            s.flags = TcpSegment.ACK | TcpSegment.FIN;
            s.data = data(MSS);
        });
        wire.add(fin.frame());
        run(new Segment().copy(s -> s.seq = 1000 + MSS + 1), 2, MSS);
        assertArrayEquals(fin.frame(), receive());
        assertEquals(2 * MSS, tcp(receive()).payloadLength());
    }

    /** A change to one field of the second piece that must keep it out of the first's run. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"options", "no options", "ack", "window", "ttl", "tos", "not DF", "more fragments",
            "fragment offset", "ip options", "source port", "destination port", "source address", "destination address",
            "source MAC", "destination MAC", "longer piece", "no data"})
    void aPieceThatDiffersInAnyComparedFieldIsNotJoined(String field) throws Exception {
        List<Segment> first = run(new Segment(), 2, MSS);
        Segment odd = new Segment().copy(s -> {
            s.seq = 1000 + 2 * MSS;
            s.data = data(MSS);
            switch (field) {
                case "options" -> s.tsVal = 78;
                case "no options" -> s.tsVal = -1;
                case "ack" -> s.ack = 5001;
                case "window" -> s.window = 502;
                case "ttl" -> s.ttl = 63;
                case "tos" -> s.tos = 0x03; // ECN CE
                case "not DF" -> s.fragment = 0;
                case "more fragments" -> s.fragment = Ipv4Packet.FLAG_MORE_FRAGMENTS;
                case "fragment offset" -> s.fragment = 1;
                case "ip options" -> s.ipOptions = true;
                case "source port" -> s.sourcePort++;
                case "destination port" -> s.destinationPort++;
                case "source address" -> s.source++;
                case "destination address" -> s.destination++;
                case "source MAC" -> s.sourceMac++;
                case "destination MAC" -> s.destinationMac++;
                case "longer piece" -> s.data = data(MSS + 1);
                case "no data" -> s.data = new byte[0];
                default -> throw new AssertionError(field);
            }
        });
        wire.add(odd.frame());

        assertArrayEquals(concat(first), payload(receive()));
        assertArrayEquals(odd.frame(), receive(), "alone and unchanged");
        assertEquals(0, link.receive(rx, 0));
        assertEquals(2, link.framesCoalesced());
    }

    @Test
    void aShorterPieceIsJoinedAndEndsTheRun() throws Exception {
        List<Segment> pieces = new ArrayList<>(run(new Segment(), 2, MSS));
        pieces.addAll(run(new Segment().copy(s -> s.seq = 1000 + 2 * MSS), 1, 500));
        List<Segment> after = run(new Segment().copy(s -> s.seq = 1000 + 2 * MSS + 500), 2, MSS);

        assertArrayEquals(concat(pieces), payload(receive()));
        assertFalse(link.holding());
        assertArrayEquals(concat(after), payload(receive()));
    }

    @Test
    void aPieceWithABadChecksumGoesUpAloneForTheStackToCount() throws Exception {
        List<Segment> first = run(new Segment(), 2, MSS);
        byte[] bad = new Segment().copy(s -> {
            s.seq = 1000 + 2 * MSS;
            s.data = data(MSS);
        }).frame();
        bad[200] ^= 0x10;
        wire.add(bad);
        List<Segment> after = run(new Segment().copy(s -> s.seq = 1000 + 3 * MSS), 2, MSS);

        assertArrayEquals(concat(first), payload(receive()));
        assertArrayEquals(bad, receive());
        assertFalse(link.receivedChecksumTrusted());
        assertArrayEquals(concat(after), payload(receive()));
        assertTrue(link.receivedChecksumTrusted());
    }

    @Test
    void aPieceWithABadIpHeaderChecksumIsNotJoined() throws Exception {
        List<Segment> first = run(new Segment(), 2, MSS);
        byte[] bad = new Segment().copy(s -> {
            s.seq = 1000 + 2 * MSS;
            s.data = data(MSS);
        }).frame();
        bad[14 + 5] ^= 1; // the identification: only the header checksum notices
        wire.add(bad);
        assertArrayEquals(concat(first), payload(receive()));
        assertArrayEquals(bad, receive());
        assertFalse(link.receivedChecksumTrusted());
    }

    @Test
    void aJoinedFrameStopsAtTheLargestIpv4Packet() throws Exception {
        List<Segment> pieces = run(new Segment(), 50, MSS);
        byte[] first = receive();
        int fit = (Ipv4Packet.MAX_TOTAL_LENGTH - 20 - 32) / MSS; // 45
        assertEquals(20 + 32 + fit * MSS, tcp(first).length() + 20);
        assertTrue(first.length <= 14 + Ipv4Packet.MAX_TOTAL_LENGTH);
        assertArrayEquals(concat(pieces.subList(0, fit)), payload(first));
        assertArrayEquals(concat(pieces.subList(fit, 50)), payload(receive()));
        assertEquals(0, link.receive(rx, 0));
    }

    @Test
    void aJoinedFrameFitsTheCallersBuffer() throws Exception {
        List<Segment> pieces = run(new Segment(), 10, MSS);
        byte[] small = new byte[5000];
        int n = link.receive(small, 0);
        assertTrue(n <= small.length);
        assertArrayEquals(concat(pieces.subList(0, 3)), payload(Arrays.copyOf(small, n)));
        assertArrayEquals(concat(pieces.subList(3, 10)), payload(receive()));
    }

    @Test
    void onlyWhatIsReadyIsJoinedAndNothingIsWaitedFor() throws Exception {
        List<Segment> pieces = run(new Segment(), 8, MSS);
        wire.readable = 3;
        assertArrayEquals(concat(pieces.subList(0, 3)), payload(receive()));
        assertEquals(0, link.receive(rx, 0));
        assertEquals(0, wire.awaits, "receive never waits");
        wire.readable = 8;
        assertArrayEquals(concat(pieces.subList(3, 8)), payload(receive()));
    }

    @Test
    void oneReceiveReadsABoundedNumberOfFrames() throws Exception {
        run(new Segment(), 200, 10);
        receive();
        assertEquals(CoalescingLink.MAX_PIECES, wire.next, "frames read by one call");
        assertFalse(link.holding());
        assertEquals(CoalescingLink.MAX_PIECES, link.framesCoalesced());
    }

    @Test
    void framesTheInnerLinkVouchedForGoUpAsTheyCame() throws Exception {
        byte[] a = new Segment().copy(s -> s.data = data(MSS)).frame();
        byte[] b = new Segment().copy(s -> {
            s.seq = 1000 + MSS;
            s.data = data(MSS);
        }).frame();
        BigEndian.put16(a, 14 + 20 + 16, 0x1234); // a checksum left for the device: not for the coalescer to judge
        wire.add(a, true);
        wire.add(b, true);
        assertArrayEquals(a, receive());
        assertTrue(link.receivedChecksumTrusted());
        assertArrayEquals(b, receive());
        assertTrue(link.receivedChecksumTrusted());
        assertEquals(0, link.largeFramesMade());
    }

    @Test
    void awaitReturnsAtOnceWhileAFrameIsHeld() throws Exception {
        run(new Segment(), 2, MSS);
        wire.add(new byte[60]);
        receive();
        assertTrue(link.holding());
        link.await(-1);
        assertEquals(0, wire.awaits);
        receive();
        link.await(5);
        assertEquals(1, wire.awaits);
    }

    @Test
    void whereNeededLeavesALinkThatDeliversLargeFramesAlone() {
        assertTrue(CoalescingLink.whereNeeded(wire) instanceof CoalescingLink);
        Link large = new ForwardingLink(wire) {
            @Override
            public int maxFrameLength() {
                return 14 + 65535;
            }
        };
        assertSame(large, CoalescingLink.whereNeeded(large));
    }

    @Nested
    class BadInput {
        @Test
        void truncatedAndBogusFramesPassThroughUnchanged() throws Exception {
            byte[] good = new Segment().copy(s -> s.data = data(MSS)).frame();
            List<byte[]> bad = new ArrayList<>();
            bad.add(Arrays.copyOf(good, 13));
            bad.add(Arrays.copyOf(good, 14 + 20 + 19));
            bad.add(Arrays.copyOf(good, 14 + 20 + 32)); // total length says more than is there
            byte[] shortTotal = good.clone();
            BigEndian.put16(shortTotal, 16, 10); // below its own header
            bad.add(shortTotal);
            byte[] offset = good.clone();
            offset[14 + 20 + 12] = (byte) 0xf0; // a 60-byte TCP header
            bad.add(offset);
            byte[] tiny = good.clone();
            tiny[14 + 20 + 12] = 0x10; // a 4-byte TCP header
            bad.add(tiny);
            for (byte[] f : bad) {
                wire.add(f);
                run(new Segment().copy(s -> s.seq = 1000 + MSS), 2, MSS); // good frames around each
            }
            for (byte[] f : bad) {
                int n = link.receive(rx, 0);
                assertArrayEquals(f, Arrays.copyOf(rx, n));
                assertFalse(link.receivedChecksumTrusted());
                assertEquals(2 * MSS, tcp(receive()).payloadLength());
            }
            assertEquals(0, link.receive(rx, 0));
        }

        /**
         * Random runs of valid segments, some damaged: every frame read comes out exactly once, in
         * order, alone and unchanged or as a piece of a joined frame whose headers and sums check.
         */
        @Test
        void mutatedRunsComeOutWholeAndInOrder() throws Exception {
            for (int round = 0; round < 200; round++) {
                List<byte[]> in = new ArrayList<>();
                int seq = random.nextInt();
                for (int i = 0; i < 30; i++) {
                    int at = seq;
                    int size = 1 + random.nextInt(MSS);
                    byte[] f = new Segment().copy(s -> {
                        s.seq = at;
                        s.data = data(size);
                        s.flags = random.nextInt(8) == 0 ? TcpSegment.ACK | TcpSegment.PSH : TcpSegment.ACK;
                    }).frame();
                    seq += random.nextInt(6) == 0 ? 1 : size;
                    if (random.nextInt(4) == 0) {
                        f[random.nextInt(f.length)] = (byte) random.nextInt(256);
                    }
                    if (random.nextInt(10) == 0) {
                        f = Arrays.copyOf(f, 1 + random.nextInt(f.length));
                    }
                    in.add(f);
                    wire.add(f);
                }
                checkComesOutWhole(in);
            }
        }

        private void checkComesOutWhole(List<byte[]> in) throws Exception {
            int i = 0;
            while (true) {
                long piecesBefore = link.framesCoalesced();
                int n = link.receive(rx, 0);
                if (n == 0) {
                    break;
                }
                byte[] out = Arrays.copyOf(rx, n);
                long pieces = link.framesCoalesced() - piecesBefore;
                if (pieces == 0) {
                    assertArrayEquals(in.get(i++), out);
                    continue;
                }
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                for (int k = 0; k < pieces; k++) {
                    data.writeBytes(payload(in.get(i + k)));
                }
                assertArrayEquals(data.toByteArray(), payload(out));
                assertEquals(tcp(in.get(i)).sequence(), tcp(out).sequence());
                i += (int) pieces;
            }
            assertEquals(in.size(), i, "every frame came out");
        }
    }

    @Test
    void joiningAllocatesNothingPerFrame() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        run(new Segment(), 40, MSS);
        run(new Segment().copy(s -> s.sourcePort = 1), 1, MSS); // a frame to hold
        int frames = wire.frames.size();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 40 && fewest > 0; round++) {
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 500; i++) {
                wire.next = 0;
                while (wire.next < frames) {
                    link.receive(rx, 0);
                }
                link.receive(rx, 0); // the held one
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(thread) - before);
        }
        // 20,500 frames a round: one object per frame would be at least 320 KB.
        assertTrue(fewest < 1024, "fewest bytes allocated in a round: " + fewest);
    }
}
