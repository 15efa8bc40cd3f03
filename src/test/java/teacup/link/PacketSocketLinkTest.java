package teacup.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import teacup.os.Errno;
import teacup.os.ErrnoException;
import teacup.os.NetworkNamespace;
import teacup.os.ScratchNamespace;
import teacup.wire.MacAddress;

/**
 * PacketSocketLink against the real kernel: a veth pair in a private namespace, the kernel's
 * address on v0 and teacup's responder on a packet socket on v1.
 */
class PacketSocketLinkTest {
    private static final String V1_MAC = "02:00:5e:18:01:01";
    private static final String NEEDS_ROOT = "needs root: makes a veth pair in a private network namespace";

    @Test
    void missingInterfaceSaysWhichAndWhy() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> PacketSocketLink.open("tcup-none0"));
        assertEquals("interface tcup-none0: No such device", e.getMessage());
        assertEquals(Errno.ENODEV, e.errno());
    }

    @ParameterizedTest(name = "batched through io_uring: {0}")
    @ValueSource(booleans = {true, false})
    @Tag("interop")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void kernelPingOfTeacupsAddressIsAnsweredThroughThePacketSocket(boolean batch) throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            ns.ip("link", "add", "v0", "type", "veth", "peer", "name", "v1", "address", V1_MAC);
            ns.ip("link", "set", "v1", "up");
            ns.ip("link", "set", "v0", "up");
            ns.ip("addr", "add", "198.18.0.1/24", "dev", "v0");
            try (PacketSocketLink link = NetworkNamespace.callIn(ns.name(), () -> PacketSocketLink.open("v1", 1500, batch))) {
                assertEquals("v1", link.interfaceName());
                if (BatchedTapLinkTest.ioUringAllowed()) {
                    assertEquals(batch, link.batched());
                }
                Process ping = ns.start("ping", "-n", "-c", "3", "-i", "0.2", "-w", "10", "198.18.0.2");
                TapLinkTest.Responder responder = new TapLinkTest.Responder(link);
                responder.serveUntil(() -> !ping.isAlive(), TimeUnit.SECONDS.toNanos(15));
                String output = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

                assertTrue(responder.arpRequests >= 1, "kernel's ARP request for 198.18.0.2 never arrived");
                assertTrue(responder.echoRequests >= 3, "echo requests received: " + responder.echoRequests);
                assertEquals(0, ping.waitFor(), "ping did not get its replies:\n" + output);
                String neighbours = ns.ip("neigh", "show", "198.18.0.2", "dev", "v0");
                assertTrue(neighbours.contains(MacAddress.format(TapLinkTest.TEACUP_MAC)),
                        "kernel's neighbour table: " + neighbours);

                // Now the host itself sends out of v1 (ARP for an address on a v1 subnet): a packet
                // socket sees such outgoing frames too unless told not to, and the link must not.
                ns.ip("addr", "add", "198.18.1.1/24", "dev", "v1");
                Process outgoing = ns.start("ping", "-n", "-c", "2", "-i", "0.2", "-w", "2", "198.18.1.2");
                responder.serveUntil(() -> !outgoing.isAlive(), TimeUnit.SECONDS.toNanos(10));
                long v1 = MacAddress.parse(V1_MAC).bits();
                assertTrue(!responder.sources.contains(v1), "the link handed over a frame v1 itself sent");
                assertTrue(!responder.sources.contains(TapLinkTest.TEACUP_MAC), "the link handed back its own frame");
            }
        }
    }

    @Test
    @Tag("interop")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void frameLongerThanTheMtuIsDroppedAndCounted() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            ns.ip("link", "add", "v0", "mtu", "2000", "type", "veth", "peer", "name", "v1", "mtu", "2000");
            ns.ip("link", "set", "v1", "up");
            ns.ip("link", "set", "v0", "up");
            ns.ip("addr", "add", "198.18.0.1/24", "dev", "v0");
            try (PacketSocketLink link = NetworkNamespace.callIn(ns.name(), () -> PacketSocketLink.open("v1", 1500))) {
                // 1900 bytes of data make a 1942-byte frame, more than the 1514 the link takes.
                Process ping = ns.start("ping", "-n", "-c", "1", "-s", "1900", "-w", "3", "198.18.0.2");
                TapLinkTest.Responder responder = new TapLinkTest.Responder(link);
                responder.serveUntil(() -> !ping.isAlive(), TimeUnit.SECONDS.toNanos(10));

                assertTrue(responder.arpRequests >= 1, "kernel's ARP request never arrived");
                assertEquals(0, responder.echoRequests, "an oversized echo request got through whole");
                assertTrue(link.receiveDropped() >= 1, "no oversized frame was counted");
            }
        }
    }

    @Test
    @Tag("interop")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void wakeupFromAnotherThreadEndsAnUnboundedAwait() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            PacketSocketLink link = NetworkNamespace.callIn(ns.name(), () -> PacketSocketLink.open("lo", 1500));
            try {
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
            } finally {
                link.close();
                link.close();
            }
        }
    }
}
