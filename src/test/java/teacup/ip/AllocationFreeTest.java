package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * The per-packet paths through IP allocate nothing once warm (DESIGN.md, "Views, not copies"):
 * measured with the JVM's own count of the bytes this thread allocated, over many packets, so a
 * boxed key or a lambda per packet shows as bytes per packet.
 */
class AllocationFreeTest {
    private static final long NOW = 1_000_000_000L;
    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 20_000;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    @DisplayName("an ICMP echo request answered: under one byte allocated per packet, warm")
    void echoAllocatesNothing() {
        Statistics stats = new Statistics();
        long[] out = new long[1];
        IpLayer ip = new IpLayer(new Interface(MacAddress.parse("02:00:00:00:00:02"), Ipv4Address.parse("198.18.0.2"), 24,
                Ipv4Address.parse("198.18.0.1"), 1500), (b, off, len) -> out[0] += len, stats, new SplittableRandom(1));
        byte[] arp = Frames.arpRequestFromPeer(Frames.US);
        ip.receive(NOW, arp, 0, arp.length);
        byte[] echo = Frames.ipv4(Frames.PEER, Frames.US, teacup.wire.Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(0x4242, 1, Frames.data(1472)), 7, 0);
        for (int i = 0; i < WARM_UP; i++) {
            ip.receive(NOW, echo, 0, echo.length);
        }
        long before = allocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            ip.receive(NOW, echo, 0, echo.length);
        }
        long perPacket = (allocatedBytes() - before) / MEASURED;
        assertEquals(WARM_UP + MEASURED, stats.get(Counter.ICMP_ECHO_ANSWERED));
        assertTrue(perPacket < 1, "bytes allocated per echo: " + perPacket);
    }
}
