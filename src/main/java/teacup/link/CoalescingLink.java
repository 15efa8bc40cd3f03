package teacup.link;

import java.io.IOException;
import java.util.Arrays;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpSegment;

/**
 * Receive coalescing (as Linux's GRO does it) for a link that hands over one MTU-sized frame at a
 * time: consecutive in-order TCP/IPv4 segments of one flow that are already readable are joined
 * into one large frame, so the stack's IP and TCP work (and TCP's ACK decisions) run once per
 * up to 64 KB instead of once per 1448 bytes. A TAP with offloads gets such frames from the
 * kernel already and needs none of this ({@link #whereNeeded}).
 *
 * <p>A frame is joined onto the one before it only when nothing the stack would see differs but
 * the data: same Ethernet addresses, IPv4 without options or fragmentation with the same
 * addresses, TOS (ECN included), TTL and DF; same ports, acknowledgment number, window, header
 * length and option bytes (so timestamps equal); ACK set and no other flag but PSH, which ends the
 * run after its piece; data in every piece; sequence numbers exactly contiguous; no piece longer
 * than the first, and a shorter one ends the run (the first's length stands for the sender's
 * segment size). Each piece's IPv4 header and TCP checksums are verified here; a piece that fails
 * either, and any other frame, goes up on its own exactly as it came, so the stack counts it as
 * it always has. SYN, FIN, RST, URG, ECE and CWR never join: their segments mean something beyond
 * their data. The IPv4 identification is not compared: nothing above reads it for whole
 * datagrams.
 *
 * <p>The joined frame carries the first piece's headers with a new IPv4 total length and header
 * checksum, PSH if its last piece had it, and a TCP checksum computed from the pieces' own sums
 * (so a capture or a later check finds it correct); {@link #receivedChecksumTrusted} says the
 * link checked it, so the stack does not sum 64 KB again. A single checked segment is reported
 * trusted too.
 *
 * <p>It never waits: each {@link #receive} reads ahead only what the inner link has ready, at most
 * {@value #MAX_PIECES} frames and no more than fits a 64 KB IPv4 packet and the caller's buffer.
 * The first frame that does not join is held and is what the next receive returns, so nothing is
 * lost and no frame passes another; {@link #await} returns at once while one is held. Frames the
 * inner link vouched for (an offload TAP's) go up as they came. Nothing is allocated per frame.
 */
public final class CoalescingLink extends ForwardingLink {
    /** Largest IPv4 packet a joined frame may become. */
    public static final int MAX_PACKET = Ipv4Packet.MAX_TOTAL_LENGTH;
    /** Frames read per receive at most, the first included: the bound on one call's work. */
    static final int MAX_PIECES = 64;

    private static final int ETH = EthernetFrame.HEADER_LENGTH;
    private static final int IP = ETH;
    private static final int TCP = ETH + Ipv4Packet.MIN_HEADER_LENGTH;
    private static final int HEADERS = TCP + TcpSegment.MIN_HEADER_LENGTH;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_CHECKSUM = 16;

    private final int headroom;
    /** Where the next frame is read ahead of the caller's buffer. */
    private byte[] ahead;
    /** The frame that did not join the last run, returned by the next receive; at {@link #headroom}. */
    private byte[] held;
    private int heldLength;
    private boolean heldTrusted;
    /** What {@link #inspect} found in the held frame: its payload length, or -1 (not one to join, or not looked at). */
    private int heldPayload;
    private boolean trusted;

    // What the last inspect found (the first piece's while a run is joined).
    private int tcpHeaderLength;
    private int sequence;
    private int tcpFlags;
    /** Unfolded sum of the last inspected piece's TCP data alone. */
    private long payloadSum;

    private long framesCoalesced;
    private long largeFramesMade;
    private long heldDropped;

    public CoalescingLink(Link inner) {
        super(inner);
        this.headroom = inner.receiveHeadroom();
        int room = headroom + inner.maxFrameLength() + 1;
        this.ahead = new byte[room];
        this.held = new byte[room];
    }

    /**
     * {@code link} under a coalescer when its frames are never above its MTU (a plain TAP, a packet
     * socket, either batched); as it is when it already delivers large frames (a TAP with offloads).
     */
    public static Link whereNeeded(Link link) {
        return link.maxFrameLength() > link.mtu() + ETH ? link : new CoalescingLink(link);
    }

    /** A joined frame may be a whole 64 KB IPv4 packet, whatever the inner link's frames are. */
    @Override
    public int maxFrameLength() {
        return Math.max(inner.maxFrameLength(), ETH + MAX_PACKET);
    }

    @Override
    public boolean receivedChecksumTrusted() {
        return trusted;
    }

    @Override
    public int receive(byte[] buf, int off) throws IOException {
        trusted = false;
        int n;
        int payload;
        if (heldLength > 0) {
            n = heldLength;
            heldLength = 0;
            if (n > buf.length - off) {
                heldDropped++; // the caller's buffer cannot take it; the inner link would have refused it too
                return receive(buf, off);
            }
            System.arraycopy(held, headroom, buf, off, n);
            if (heldTrusted) {
                trusted = true;
                return n;
            }
            payload = heldPayload;
        } else {
            n = inner.receive(buf, off);
            if (n <= 0) {
                return n;
            }
            if (inner.receivedChecksumTrusted()) {
                trusted = true;
                return n;
            }
            payload = inspect(buf, off, n);
        }
        if (payload < 0) {
            return n; // not one to join, or it failed a check: up as it came, for the stack to judge
        }
        trusted = true;
        return (tcpFlags & TcpSegment.PSH) != 0 ? n : join(buf, off, n, payload);
    }

    /**
     * Reads ahead and appends the data of each frame that continues the run in {@code buf}, whose
     * first piece (of {@code length} bytes, {@code payload} of them data) {@link #inspect} found
     * good; holds the first frame that does not. Returns the frame's new length.
     */
    private int join(byte[] buf, int off, int length, int payload) throws IOException {
        int headerLength = tcpHeaderLength;
        int segmentSize = payload;
        int limit = Math.min(buf.length - off, ETH + MAX_PACKET);
        int end = TCP + headerLength + payload; // past the first piece's data (any Ethernet padding dropped)
        int nextSequence = sequence + payload;
        long dataSum = payloadSum;
        int pieces = 1;
        while (pieces < MAX_PIECES) {
            int n = inner.receive(ahead, headroom);
            if (n <= 0) {
                break;
            }
            boolean vouched = inner.receivedChecksumTrusted();
            int p = vouched ? -1 : inspect(ahead, headroom, n);
            if (p < 0 || p > segmentSize || sequence != nextSequence || end + p > limit
                    || !sameFlow(buf, off, ahead, headroom, headerLength)) {
                hold(n, vouched, p);
                break;
            }
            System.arraycopy(ahead, headroom + TCP + headerLength, buf, off + end, p);
            dataSum += ((end - TCP - headerLength) & 1) == 0 ? payloadSum : swapped(payloadSum);
            end += p;
            nextSequence += p;
            pieces++;
            if ((tcpFlags & TcpSegment.PSH) != 0) {
                buf[off + TCP + TCP_FLAGS] |= TcpSegment.PSH; // the sender's push ends the run, and goes up with it
                break;
            }
            if (p < segmentSize) {
                break;
            }
        }
        if (pieces == 1) {
            return length;
        }
        framesCoalesced += pieces;
        largeFramesMade++;
        finishHeaders(buf, off, end, headerLength, dataSum);
        return end;
    }

    /** Keeps the frame just read ahead for the next receive (swapping buffers: nothing is copied). */
    private void hold(int n, boolean vouched, int payload) {
        byte[] t = held;
        held = ahead;
        ahead = t;
        heldLength = n;
        heldTrusted = vouched;
        heldPayload = payload;
    }

    /** The joined frame's IPv4 total length and header checksum, and its TCP checksum from the pieces' sums. */
    private static void finishHeaders(byte[] buf, int off, int end, int headerLength, long dataSum) {
        int ip = off + IP;
        BigEndian.put16(buf, ip + 2, end - IP);
        BigEndian.put16(buf, ip + 10, 0);
        BigEndian.put16(buf, ip + 10, Checksum.compute(buf, ip, Ipv4Packet.MIN_HEADER_LENGTH));
        int tcp = off + TCP;
        BigEndian.put16(buf, tcp + TCP_CHECKSUM, 0);
        long sum = Checksum.pseudoHeader(BigEndian.i32(buf, ip + 12), BigEndian.i32(buf, ip + 16),
                Ipv4Packet.PROTOCOL_TCP, end - TCP);
        sum = Checksum.add(sum, buf, tcp, headerLength) + dataSum;
        BigEndian.put16(buf, tcp + TCP_CHECKSUM, Checksum.finish(sum));
    }

    /** A sum over bytes that land at an odd offset: RFC 1071's byte-order independence, swapped back. */
    private static long swapped(long sum) {
        int folded = Checksum.fold(sum);
        return ((folded & 0xff) << 8) | (folded >>> 8);
    }

    /**
     * Whether {@code b[o, o+len)} is a TCP/IPv4 segment that may be joined (see the class comment)
     * with good checksums. Returns its data length, having noted its header length, sequence
     * number, flags and data sum; or -1. Never reads outside the frame.
     */
    private int inspect(byte[] b, int o, int len) {
        if (len < HEADERS || BigEndian.u16(b, o + 12) != EthernetFrame.TYPE_IPV4
                || b[o + IP] != 0x45 || b[o + IP + 9] != Ipv4Packet.PROTOCOL_TCP) {
            return -1; // not IPv4 with a plain 20-byte header carrying TCP
        }
        int total = BigEndian.u16(b, o + IP + 2);
        int fragment = BigEndian.u16(b, o + IP + 6);
        if (total > len - ETH || (fragment & ~Ipv4Packet.FLAG_DONT_FRAGMENT) != 0
                || Checksum.compute(b, o + IP, Ipv4Packet.MIN_HEADER_LENGTH) != 0) {
            return -1; // cut short, a fragment (or the reserved flag), or a damaged header
        }
        int tcp = o + TCP;
        int headerLength = (b[tcp + 12] & 0xf0) >>> 2;
        int tcpLength = total - Ipv4Packet.MIN_HEADER_LENGTH;
        int flags = b[tcp + TCP_FLAGS] & 0xff;
        if (headerLength < TcpSegment.MIN_HEADER_LENGTH || headerLength >= tcpLength
                || (flags & ~TcpSegment.PSH) != TcpSegment.ACK) {
            return -1; // no data, a bad offset, or a flag that means more than data
        }
        int payload = tcpLength - headerLength;
        long header = Checksum.add(Checksum.pseudoHeader(BigEndian.i32(b, o + IP + 12), BigEndian.i32(b, o + IP + 16),
                Ipv4Packet.PROTOCOL_TCP, tcpLength), b, tcp, headerLength);
        long data = Checksum.add(0, b, tcp + headerLength, payload);
        if (Checksum.fold(header + data) != 0xffff) {
            return -1;
        }
        tcpHeaderLength = headerLength;
        sequence = BigEndian.i32(b, tcp + 4);
        tcpFlags = flags;
        payloadSum = data;
        return payload;
    }

    /**
     * Whether the piece at {@code p[po]} has every header field of the first at {@code f[fo]} that
     * must match (both already inspected: IPv4 with a 20-byte header, TCP of {@code headerLength}).
     */
    private static boolean sameFlow(byte[] f, int fo, byte[] p, int po, int headerLength) {
        return Arrays.equals(f, fo, fo + ETH, p, po, po + ETH) // Ethernet addresses and type
                && f[fo + IP + 1] == p[po + IP + 1] // TOS and ECN
                && Arrays.equals(f, fo + IP + 6, fo + IP + 10, p, po + IP + 6, po + IP + 10) // DF, TTL, protocol
                && Arrays.equals(f, fo + IP + 12, fo + TCP + 4, p, po + IP + 12, po + TCP + 4) // addresses, ports
                && Arrays.equals(f, fo + TCP + 8, fo + TCP + 13, p, po + TCP + 8, po + TCP + 13) // ack, data offset
                && Arrays.equals(f, fo + TCP + 14, fo + TCP + 16, p, po + TCP + 14, po + TCP + 16) // window
                && Arrays.equals(f, fo + HEADERS, fo + TCP + headerLength, p, po + HEADERS, po + TCP + headerLength);
    }

    /** While a frame is held, the next receive has it: no waiting. */
    @Override
    public void await(long timeoutNanos) throws IOException {
        if (heldLength > 0) {
            return;
        }
        inner.await(timeoutNanos);
    }

    /** Whether a frame read ahead waits for the next {@link #receive}. */
    public boolean holding() {
        return heldLength > 0;
    }

    /** Frames that went into joined frames, every piece counted (a frame of 30 pieces counts 30). */
    @Override
    public long framesCoalesced() {
        return framesCoalesced + inner.framesCoalesced();
    }

    /** Joined frames made, each of two pieces or more. */
    @Override
    public long largeFramesMade() {
        return largeFramesMade + inner.largeFramesMade();
    }

    /** Held frames dropped because the next caller's buffer was too small for them (never with a NetStack). */
    public long heldDropped() {
        return heldDropped;
    }

    @Override
    public String toString() {
        return "CoalescingLink[" + inner + "]";
    }
}
