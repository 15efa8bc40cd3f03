package teacup.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.os.NetworkNamespace;
import teacup.os.ScratchNamespace;
import teacup.wire.ArpPacket;
import teacup.wire.EthernetFrame;
import teacup.wire.IcmpMessage;
import teacup.wire.Ipv4Address;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;

/**
 * TapLink against the real kernel: a TAP device in a private namespace, the kernel's address on
 * one side and a tiny ARP and echo responder on teacup's.
 */
class TapLinkTest {
    static final int KERNEL_IP = Ipv4Address.parse("198.18.0.1").bits();
    static final int TEACUP_IP = Ipv4Address.parse("198.18.0.2").bits();
    static final long TEACUP_MAC = MacAddress.parse("02:00:5e:18:00:02").bits();
    private static final String NEEDS_ROOT = "needs root: creates a TAP device in a private network namespace";

    @Test
    void mtuOutsideWhatIpv4AllowsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TapLink.open("tcup0", 67));
        assertThrows(IllegalArgumentException.class, () -> TapLink.open("tcup0", 65522));
    }

    @Test
    @Tag("interop")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void kernelPingOfTeacupsAddressIsAnsweredThroughTheTap() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create();
             TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open("tcup%d"))) {
            String dev = link.name();
            assertTrue(dev.startsWith("tcup"), dev);
            ns.ip("link", "set", dev, "up");
            ns.ip("addr", "add", "198.18.0.1/24", "dev", dev);

            Process ping = ns.start("ping", "-n", "-c", "3", "-i", "0.2", "-w", "10", "198.18.0.2");
            Responder responder = new Responder(link);
            responder.serveUntil(() -> !ping.isAlive(), TimeUnit.SECONDS.toNanos(15));
            String output = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertTrue(responder.arpRequests >= 1, "kernel's ARP request for 198.18.0.2 never arrived");
            assertTrue(responder.echoRequests >= 3, "echo requests received: " + responder.echoRequests);
            assertEquals(0, ping.waitFor(), "ping did not get its replies:\n" + output);
            String neighbours = ns.ip("neigh", "show", "198.18.0.2", "dev", dev);
            assertTrue(neighbours.contains(MacAddress.format(TEACUP_MAC)), "kernel's neighbour table: " + neighbours);
            assertEquals(0, link.sendDropped());
            assertTrue(!responder.sources.contains(TEACUP_MAC), "the link handed back a frame it sent");
        }
    }

    @Test
    @Tag("interop")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void frameLongerThanTheMtuIsDroppedAndCounted() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create();
             TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open("tcupm", 1500))) {
            ns.ip("link", "set", "tcupm", "mtu", "2000", "up");
            ns.ip("addr", "add", "198.18.0.1/24", "dev", "tcupm");

            // 1900 bytes of data make a 1942-byte frame, more than the 1514 the link takes.
            Process ping = ns.start("ping", "-n", "-c", "1", "-s", "1900", "-w", "3", "198.18.0.2");
            Responder responder = new Responder(link);
            responder.serveUntil(() -> !ping.isAlive(), TimeUnit.SECONDS.toNanos(10));

            assertTrue(responder.arpRequests >= 1, "kernel's ARP request never arrived");
            assertEquals(0, responder.echoRequests, "an oversized echo request got through whole");
            assertTrue(link.receiveDropped() >= 1, "no oversized frame was counted");
        }
    }

    @Test
    @Tag("interop")
    void frameSentWhileTheInterfaceIsDownIsDroppedNotThrown() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create();
             TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open("tcupd"))) {
            byte[] frame = new byte[60];
            EthernetFrame.write(frame, 0, MacAddress.BROADCAST_BITS, TEACUP_MAC, EthernetFrame.TYPE_ARP);
            link.send(frame, 0, frame.length);
            link.flush(); // a batching link counts the drop once the kernel has answered its write
            assertEquals(1, link.sendDropped());
            assertEquals(0, link.receive(new byte[link.maxFrameLength()], 0), "nothing to receive yet");
        }
    }

    @Test
    @Tag("interop")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void wakeupFromAnotherThreadEndsAnUnboundedAwait() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create();
             TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open("tcupw", 9000))) {
            assertEquals(9000, link.mtu());
            assertEquals(9014, link.maxFrameLength());
            CountDownLatch started = new CountDownLatch(1);
            Thread waker = Thread.ofVirtual().start(() -> {
                try {
                    started.await();
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                link.wakeup();
            });
            started.countDown();
            link.await(-1);
            waker.join();
        }
    }

    @Test
    @Tag("interop")
    void closingTwiceIsHarmless() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open("tcupc"));
            link.close();
            link.close();
            assertTrue(!ns.ip("-o", "link", "show").contains("tcupc"), "device outlived its descriptor");
        }
    }

    /**
     * Plays the host at {@link #TEACUP_IP}: answers ARP requests for it and echo requests to it,
     * with frames built by teacup's own wire emitters. Counts what it saw.
     */
    static final class Responder {
        private final Link link;
        private final byte[] in;
        private final byte[] out;
        private final EthernetFrame ethernet = new EthernetFrame();
        private final Ipv4Packet ipv4 = new Ipv4Packet();
        private final IcmpMessage icmp = new IcmpMessage();
        int arpRequests;
        int echoRequests;
        /** The source MAC of every frame received, to prove what a link never hands over. */
        final Set<Long> sources = new HashSet<>();

        Responder(Link link) {
            this.link = link;
            // One byte to spare, so TapLink can tell a frame that is too long.
            this.in = new byte[link.maxFrameLength() + 1];
            this.out = new byte[link.maxFrameLength()];
        }

        /** Serves until {@code done} says so or {@code limitNanos} passes. */
        void serveUntil(BooleanSupplier done, long limitNanos) throws IOException {
            long deadline = System.nanoTime() + limitNanos;
            while (!done.getAsBoolean() && System.nanoTime() - deadline < 0) {
                link.await(TimeUnit.MILLISECONDS.toNanos(50));
                int n;
                while ((n = link.receive(in, 0)) > 0) {
                    handle(n);
                }
            }
        }

        private void handle(int length) throws IOException {
            if (!ethernet.wrap(in, 0, length).ok()) {
                return;
            }
            sources.add(ethernet.source());
            if (ethernet.etherType() == EthernetFrame.TYPE_ARP) {
                answerArp();
            } else if (ethernet.etherType() == EthernetFrame.TYPE_IPV4) {
                answerEcho();
            }
        }

        private void answerArp() throws IOException {
            if (!ArpPacket.check(in, ethernet.payloadOffset(), ethernet.payloadLength()).ok()) {
                return;
            }
            ArpPacket request = ArpPacket.read(in, ethernet.payloadOffset());
            if (request.operation() != ArpPacket.REQUEST || request.targetIp() != TEACUP_IP) {
                return;
            }
            arpRequests++;
            int at = EthernetFrame.write(out, 0, request.senderMac(), TEACUP_MAC, EthernetFrame.TYPE_ARP);
            at += new ArpPacket(ArpPacket.REPLY, TEACUP_MAC, TEACUP_IP, request.senderMac(), request.senderIp())
                    .write(out, at);
            Arrays.fill(out, at, 60, (byte) 0); // pad to Ethernet's minimum, as a wire would
            link.send(out, 0, 60);
        }

        private void answerEcho() throws IOException {
            if (!ipv4.wrap(in, ethernet.payloadOffset(), ethernet.payloadLength()).ok()
                    || ipv4.destination() != TEACUP_IP || ipv4.protocol() != Ipv4Packet.PROTOCOL_ICMP
                    || ipv4.isFragment()
                    || !icmp.wrap(in, ipv4.payloadOffset(), ipv4.payloadLength()).ok()
                    || icmp.type() != IcmpMessage.TYPE_ECHO_REQUEST) {
                return;
            }
            echoRequests++;
            int icmpAt = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
            int icmpLength = icmp.length();
            // RFC 792: the reply carries the request's identifier, sequence and data back.
            System.arraycopy(in, icmp.payloadOffset(), out, icmpAt + IcmpMessage.HEADER_LENGTH, icmp.payloadLength());
            IcmpMessage.write(out, icmpAt, IcmpMessage.TYPE_ECHO_REPLY, 0,
                    IcmpMessage.echoRest(icmp.identifier(), icmp.sequence()), icmp.payloadLength());
            Ipv4Packet.write(out, EthernetFrame.HEADER_LENGTH, icmpLength, echoRequests, 0, 64,
                    Ipv4Packet.PROTOCOL_ICMP, TEACUP_IP, ipv4.source());
            EthernetFrame.write(out, 0, ethernet.source(), TEACUP_MAC, EthernetFrame.TYPE_IPV4);
            link.send(out, 0, icmpAt + icmpLength);
        }
    }
}
