package teacup.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import teacup.ip.Interface;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.udp.UdpEndpoint;
import teacup.udp.UdpLayer;

/**
 * One received frame through the stack's input path, on one thread, with no link and no event
 * loop: Ethernet, IPv4 and UDP checks, demultiplexing and the hand-over to a socket queue (the
 * benchmark drains the queue itself, so it never fills); and the ICMP echo path, which checks
 * a request and builds the full reply into a sink that only counts.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IpLayerBench {
    static final int PORT = 9000;
    /** Fixed stack time: nothing in the measured path may expire (the ARP entry lasts a minute). */
    private static final long NOW = 1_000_000_000L;

    private final Statistics stats = new Statistics();
    private IpLayer ip;
    private UdpEndpoint endpoint;
    private byte[] udpFrame;
    private byte[] echoFrame;
    private long bytesOut;
    private int framesOut;

    @Setup
    public void setUp() throws InterruptedException {
        Interface iface = new Interface(Frames.TEACUP_MAC, Frames.TEACUP, 24, Frames.PEER, Frames.MTU);
        SplittableRandom random = new SplittableRandom(1);
        ip = new IpLayer(iface, (b, off, len) -> {
            bytesOut += len;
            framesOut++;
        }, stats, random);
        UdpLayer udp = new UdpLayer(ip, random);
        endpoint = udp.bind(PORT, 256);
        udpFrame = Frames.udp(PORT, Frames.FULL_UDP_PAYLOAD);
        echoFrame = Frames.echoRequest(Frames.FULL_UDP_PAYLOAD);

        // The peer's ARP request teaches teacup its MAC, so echo replies go straight out.
        byte[] arp = Frames.arpRequest();
        ip.receive(NOW, arp, 0, arp.length);
        CodecBench.require(stats.get(Counter.ARP_REQUEST_ANSWERED) == 1, "ARP request");

        CodecBench.require(udpReceive() == Frames.FULL_UDP_PAYLOAD && stats.get(Counter.UDP_DELIVERED) == 1, "UDP frame");
        int before = framesOut;
        icmpEcho();
        CodecBench.require(stats.get(Counter.ICMP_ECHO_ANSWERED) == 1 && framesOut == before + 1, "ICMP echo");
    }

    /** A 1514-byte frame (1472 bytes of UDP data) received and taken from the socket queue. */
    @Benchmark
    public int udpReceive() throws InterruptedException {
        ip.receive(NOW, udpFrame, 0, udpFrame.length);
        UdpEndpoint.Datagram d = endpoint.take(0);
        return d == null ? -1 : d.data().length;
    }

    /** A 1514-byte echo request received and its 1514-byte reply built and handed to the sink. */
    @Benchmark
    public long icmpEcho() {
        ip.receive(NOW, echoFrame, 0, echoFrame.length);
        return bytesOut;
    }
}
