package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.udp.UdpLayer;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;

/** Whatever a peer sends, the IP layer neither throws nor loses count, and stays bounded. */
class HostileFramesTest {

    private static final class Fixture {
        final Statistics stats = new Statistics();
        final List<Integer> sentLengths = new ArrayList<>();
        final IpLayer ip;

        Fixture() {
            Interface iface = new Interface(new MacAddress(Frames.US_MAC), new Ipv4Address(Frames.US), 24,
                    new Ipv4Address(Frames.PEER), 1500);
            ip = new IpLayer(iface, (b, off, len) -> {
                assertTrue(len >= 14 && len <= 1514, "sent frame length " + len);
                sentLengths.add(len);
            }, stats, new SplittableRandom(1));
            new UdpLayer(ip, new SplittableRandom(2)).bind(9, 4);
            ip.start(0);
            ip.receive(0, Frames.arpRequestFromPeer(Frames.US), 0, 60);
        }

        void receive(long now, byte[] frame) {
            ip.receive(now, frame, 0, frame.length);
        }

        void assertAccounted() {
            assertEquals(stats.get(Counter.FRAMES_IN),
                    stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED));
        }
    }

    @Property(tries = 300)
    void randomBytesNeverThrowAndAreCounted(@ForAll @Size(max = 40) List<@Size(max = 1600) byte[]> frames) {
        Fixture f = new Fixture();
        long now = 0;
        for (byte[] frame : frames) {
            f.receive(now += 1_000_000, frame);
        }
        f.assertAccounted();
    }

    @Provide
    Arbitrary<byte[]> validFrame() {
        int us = Frames.US;
        int peer = Frames.PEER;
        return Arbitraries.of(
                Frames.arpRequestFromPeer(us),
                Frames.arpReplyFromPeer(),
                Frames.ipv4(peer, us, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 2, Frames.data(64)), 3, 0),
                Frames.ipv4(peer, us, Ipv4Packet.PROTOCOL_UDP, Frames.udp(peer, us, 1234, 9, Frames.data(100)), 4, 0),
                Frames.ipv4(peer, us, Ipv4Packet.PROTOCOL_UDP, Frames.udp(peer, us, 1234, 7, Frames.data(100)), 5, 0),
                Frames.fragments(peer, us, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 2, Frames.data(3000)), 6, 1480)[0],
                Frames.fragments(peer, us, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 2, Frames.data(3000)), 6, 1480)[1],
                Frames.fragments(peer, us, Ipv4Packet.PROTOCOL_ICMP, Frames.echoRequest(1, 2, Frames.data(3000)), 6, 1480)[2],
                Frames.ipv4(peer, us, 6, Frames.data(40), 7, 0));
    }

    @Property(tries = 500)
    void mutatedFramesNeverThrowAndAreCounted(@ForAll("validFrame") byte[] original,
                                              @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 100_000) Integer> flips,
                                              @ForAll @IntRange(min = 0, max = 2000) int cut) {
        Fixture f = new Fixture();
        byte[] frame = original.clone();
        for (int flip : flips) {
            int bit = flip % (frame.length * 8);
            frame[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        if (cut < frame.length) {
            frame = java.util.Arrays.copyOf(frame, cut);
        }
        f.receive(1, frame);
        f.receive(2, original);
        f.ip.poll(60_000_000_000L);
        f.assertAccounted();
    }

    @Property(tries = 50)
    void fragmentFloodStaysBounded(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed) {
        Fixture f = new Fixture();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 500; i++) {
            int offset = random.nextInt(8000) * 8;
            byte[] chunk = Frames.data(8 * (1 + random.nextInt(180)));
            f.receive(i, Frames.ipv4(Frames.PEER, Frames.US, Ipv4Packet.PROTOCOL_UDP, chunk, random.nextInt(65536),
                    (random.nextBoolean() ? Ipv4Packet.FLAG_MORE_FRAGMENTS : 0) | Math.min(offset / 8, 0x1fff)));
        }
        assertTrue(f.ip.reassembliesInProgress() <= 64);
        f.ip.poll(31_000_000_000L);
        assertEquals(0, f.ip.reassembliesInProgress(), "all time out");
        f.assertAccounted();
    }
}
