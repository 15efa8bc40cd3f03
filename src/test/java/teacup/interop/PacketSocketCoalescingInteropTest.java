package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.ip.Interface;
import teacup.link.CoalescingLink;
import teacup.link.Link;
import teacup.link.PacketSocketLink;
import teacup.os.NetworkNamespace;
import teacup.os.ScratchNamespace;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * teacup on one end of a veth pair through AF_PACKET (as with --interface), under receive
 * coalescing as the CLI puts it there: the kernel's TCP, its own offloads off so it sends
 * MTU-sized frames, streams 16 MB to a teacup socket, which must get it byte for byte with runs
 * of frames joined; one frame per system call and batched through io_uring alike.
 */
@Tag("interop")
@DisplayName("interop: a kernel TCP stream over AF_PACKET, through receive coalescing")
class PacketSocketCoalescingInteropTest {
    private static final MacAddress TEACUP_MAC = MacAddress.parse("02:00:5e:18:00:02");

    @ParameterizedTest(name = "batched through io_uring: {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void kernelStreamArrivesWholeAndJoined(boolean batch) throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), "needs root: makes a veth pair in a private network namespace");
        TapNetwork.requirePrograms("socat", "ethtool");
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            ns.ip("link", "add", "v0", "type", "veth", "peer", "name", "v1");
            // tx off: else the kernel leaves its TCP checksums for a device to finish, and the packet socket sees them unfinished.
            run(ns, "ethtool", "-K", "v0", "tx", "off", "tso", "off", "gso", "off", "gro", "off");
            run(ns, "ethtool", "-K", "v1", "tso", "off", "gso", "off", "gro", "off");
            ns.ip("link", "set", "v1", "up");
            ns.ip("link", "set", "v0", "up");
            ns.ip("addr", "add", "198.18.0.1/24", "dev", "v0");
            Link link = CoalescingLink.whereNeeded(NetworkNamespace.callIn(ns.name(), () -> PacketSocketLink.open("v1", 1500, batch)));
            assertTrue(link instanceof CoalescingLink, link.toString());
            Interface iface = new Interface(TEACUP_MAC, Ipv4Address.parse("198.18.0.2"), 24, Ipv4Address.parse("198.18.0.1"), 1500);
            try (NetStack stack = new NetStack(link, iface, Clock.SYSTEM, new SplittableRandom(5)).start()) {
                byte[] sent = new byte[16 << 20];
                new SplittableRandom(17).nextBytes(sent);
                Path file = Files.createTempFile("teacup-gro-packet", ".bin");
                byte[] received;
                try {
                    Files.write(file, sent);
                    try (TcpServerSocket listener = TcpServerSocket.bind(stack, 9001, 1)) {
                        Process socat = ns.start("socat", "-u", "FILE:" + file, "TCP:198.18.0.2:9001,connect-timeout=10");
                        try (TcpSocket socket = listener.accept(Duration.ofSeconds(15))) {
                            socket.setSoTimeout(Duration.ofSeconds(20));
                            received = socket.getInputStream().readAllBytes();
                        } finally {
                            assertTrue(socat.waitFor(20, TimeUnit.SECONDS), "socat did not finish");
                        }
                    }
                } finally {
                    Files.deleteIfExists(file);
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                assertArrayEquals(sha.digest(sent), sha.digest(received), "the stream, byte for byte");
                Map<Counter, Long> counters = stack.statistics();
                System.out.println("AF_PACKET (batched " + batch + ") under receive coalescing: " + counters);
                assertTrue(counters.getOrDefault(Counter.LINK_LARGE_FRAMES_MADE, 0L) > 0, counters.toString());
            }
        }
    }

    private static void run(ScratchNamespace ns, String... command) throws Exception {
        Process p = ns.start(command);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
