package teacup.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;
import teacup.wire.UdpDatagram;

/**
 * The wire codecs on full-sized packets: the cost of checking what arrives. Each benchmark
 * returns something derived from the parse so the JIT cannot drop it; setup refuses to run
 * when the sample input does not parse cleanly, so a figure is never the speed of a rejection.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBench {
    /** A full-sized TCP payload: a 1500-byte packet less IPv4, TCP and a timestamps option. */
    static final int TCP_DATA = 1448;
    /** That payload with its header (20 bytes and the 12-byte padded timestamps option). */
    static final int TCP_DATA_SEGMENT = TcpSegment.headerLength(new TcpOptions().timestamps(0, 0)) + TCP_DATA;

    private byte[] udpFrame;
    private byte[] tcpSyn;
    private int tcpSynLength;
    private byte[] tcpData;
    private int tcpDataLength;

    private final Ipv4Packet ip = new Ipv4Packet();
    private final UdpDatagram udp = new UdpDatagram();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options = new TcpOptions();

    @Setup
    public void setUp() {
        udpFrame = Frames.udp(9000, Frames.FULL_UDP_PAYLOAD);

        // A SYN as Linux sends it: MSS, SACK permitted, timestamps, window scale.
        TcpOptions syn = new TcpOptions().mss(1460).sackPermitted(true).timestamps(0x01020304, 0).windowScale(7);
        tcpSyn = new byte[TcpSegment.MAX_HEADER_LENGTH];
        tcpSynLength = TcpSegment.write(tcpSyn, 0, 40000, 80, 0x11223344, 0, TcpSegment.SYN, 64240, 0, syn, 0,
                Frames.PEER.bits(), Frames.TEACUP.bits());
        // A full data segment carrying the timestamps option, the common case in bulk transfer.
        TcpOptions ts = new TcpOptions().timestamps(0x01020304, 0x05060708);
        tcpData = new byte[TcpSegment.MAX_HEADER_LENGTH + TCP_DATA];
        int header = TcpSegment.headerLength(ts);
        Frames.fill(tcpData, header, TCP_DATA);
        tcpDataLength = TcpSegment.write(tcpData, 0, 40000, 80, 0x11223345, 0x55667788, TcpSegment.ACK | TcpSegment.PSH,
                502, 0, ts, TCP_DATA, Frames.PEER.bits(), Frames.TEACUP.bits());

        require(ipv4WrapChecksum() == Defect.NONE.ordinal() + Frames.MTU, "IPv4 sample");
        require(udpWrapChecksum() == Defect.NONE.ordinal() + Frames.FULL_UDP_PAYLOAD, "UDP sample");
        require(tcpWrapSynOptions() == 1460, "TCP SYN sample");
        require(tcpWrapDataTimestamps() == TCP_DATA, "TCP data sample");
    }

    static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " did not parse cleanly; the benchmark would measure a rejection");
        }
    }

    /** IPv4 header checks and header checksum of a 1500-byte packet (the payload is not summed). */
    @Benchmark
    public int ipv4WrapChecksum() {
        Defect d = ip.wrap(udpFrame, EthernetFrame.HEADER_LENGTH, udpFrame.length - EthernetFrame.HEADER_LENGTH);
        return d.ordinal() + ip.totalLength();
    }

    /** UDP checks and checksum (pseudo-header and 1480 bytes) of a full-sized datagram. */
    @Benchmark
    public int udpWrapChecksum() {
        int off = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        Defect d = udp.wrap(udpFrame, off, udpFrame.length - off, Frames.PEER.bits(), Frames.TEACUP.bits());
        return d.ordinal() + udp.payloadLength();
    }

    /** A SYN with four options: header checks, checksum, and the option parse. */
    @Benchmark
    public int tcpWrapSynOptions() {
        if (tcp.wrap(tcpSyn, 0, tcpSynLength, Frames.PEER.bits(), Frames.TEACUP.bits()) != Defect.NONE
                || tcp.options(options) != Defect.NONE) {
            return -1;
        }
        return options.mss();
    }

    /** A 1448-byte data segment with timestamps: checks, checksum over 1480 bytes, option parse. */
    @Benchmark
    public int tcpWrapDataTimestamps() {
        if (tcp.wrap(tcpData, 0, tcpDataLength, Frames.PEER.bits(), Frames.TEACUP.bits()) != Defect.NONE
                || tcp.options(options) != Defect.NONE) {
            return -1;
        }
        return tcp.payloadLength();
    }
}
