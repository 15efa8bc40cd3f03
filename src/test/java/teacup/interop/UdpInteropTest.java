package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.io.ByteArrayOutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.udp.UdpEndpoint;
import teacup.wire.Ipv4Address;

/**
 * UDP between teacup and the kernel's own sockets (socat and python3 inside the namespace):
 * each way, an echo round trip, and port unreachable for a closed port.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("interop: UDP with the Linux kernel")
class UdpInteropTest {
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(5);
    private static final long SEED = 0x5eed_0003L;

    private TapNetwork net;
    private NetStack stack;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "socat", "python3");
        net = TapNetwork.create();
        stack = net.startStack(SEED);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    private static byte[] payload(SplittableRandom random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    @Test
    @DisplayName("RFC 768: a datagram from the kernel's socat reaches a teacup socket byte for byte, fragmented or not")
    void kernelToTeacup() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        try (UdpSocket socket = UdpSocket.bind(stack, 7000)) {
            // 1000 bytes fits one frame; 3000 arrives in fragments. Both stay under PIPE_BUF, so
            // socat reads each from its stdin in one piece and sends it as one datagram.
            for (int length : new int[] {1000, 3000}) {
                byte[] data = payload(random, length);
                SystemCommand.Result r = net.run(Duration.ofSeconds(10), data,
                        "socat", "-u", "-b", "65536", "STDIN", "UDP-SENDTO:" + TapNetwork.TEACUP + ":7000,sourceport=40000");
                assertEquals(0, r.exitCode(), "socat: " + r.stderr());

                UdpEndpoint.Datagram d = socket.receive(RECEIVE_TIMEOUT);

                assertArrayEquals(data, d.data(), "payload of " + length + " bytes");
                assertEquals(TapNetwork.KERNEL, Ipv4Address.format(d.source()));
                assertEquals(40000, d.sourcePort());
                assertEquals(TapNetwork.TEACUP, Ipv4Address.format(d.destination()));
            }
        }
    }

    @Test
    @DisplayName("RFC 768: datagrams teacup sends reach the kernel's socat byte for byte, in order")
    void teacupToKernel() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        TapNetwork.Background receiver = net.start("socat", "-u", "-b", "65536", "UDP-RECV:7001", "STDOUT");
        net.awaitUdpListener(7001, Duration.ofSeconds(10));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (UdpSocket socket = UdpSocket.bind(stack, 0)) {
            // The lengths include 0 (an empty datagram) and 1472 and 1473: the last that fits one
            // frame and the first that teacup must fragment; 4000 takes three fragments.
            int[] lengths = {1, 0, 100, 1472, 1473, 4000, 512, 7, 1400, 3333};
            for (int length : lengths) {
                byte[] data = payload(random, length);
                expected.write(data);
                socket.send(TapNetwork.KERNEL_ADDRESS, 7001, data);
            }
        }
        byte[] want = expected.toByteArray();
        boolean complete = TapNetwork.waitUntil(Duration.ofSeconds(10), () -> receiver.stdout().length >= want.length);
        byte[] got = receiver.stdout();
        assertTrue(complete, "kernel received " + got.length + " of " + want.length + " bytes; socat said: "
                + receiver.stderrText() + "; counters " + net.counters());
        assertArrayEquals(want, got);
        assertTrue(get(net.counters(), Counter.FRAGMENTS_SENT) >= 5, "counters " + net.counters());
    }

    @Test
    @DisplayName("RFC 768: 100 datagrams echoed by the kernel's socat come back to teacup unchanged")
    void echoRoundTrips() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED + 2);
        net.start("socat", "-b", "65536", "-T", "30", "UDP-LISTEN:7002,reuseaddr", "PIPE");
        net.awaitUdpListener(7002, Duration.ofSeconds(10));
        try (UdpSocket socket = UdpSocket.bind(stack, 0)) {
            for (int i = 0; i < 100; i++) {
                // Mostly small, every tenth larger than a frame so both sides fragment and reassemble.
                int length = i % 10 == 9 ? 1500 + random.nextInt(3000) : 1 + random.nextInt(1400);
                byte[] data = payload(random, length);
                socket.send(TapNetwork.KERNEL_ADDRESS, 7002, data);
                UdpEndpoint.Datagram d;
                try {
                    d = socket.receive(RECEIVE_TIMEOUT);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("no echo of datagram " + i + " (" + length + " bytes); counters "
                            + net.counters(), e);
                }
                assertArrayEquals(data, d.data(), "echo of datagram " + i);
                assertEquals(TapNetwork.KERNEL, Ipv4Address.format(d.source()));
                assertEquals(7002, d.sourcePort());
            }
        }
    }

    @Test
    @DisplayName("RFC 1122 4.1.3.1: a datagram to a closed teacup port gets ICMP port unreachable (the kernel's socket says refused)")
    void closedPortIsRefused() throws Exception {
        Map<Counter, Long> before = net.counters();
        String script = String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.settimeout(5)",
                "s.connect(('" + TapNetwork.TEACUP + "', 7999))",
                "s.send(b'anyone there?')",
                "try:",
                "    s.recv(100)",
                "    print('answered')",
                "except ConnectionRefusedError:",
                "    print('refused')",
                "except socket.timeout:",
                "    print('timeout')");

        SystemCommand.Result r = net.run(Duration.ofSeconds(20), "python3", "-c", script);

        assertEquals(0, r.exitCode(), "python3: " + r.stderr());
        assertEquals("refused", r.stdout().strip(), "the kernel's socket did not see port unreachable; counters "
                + net.counters());
        Map<Counter, Long> after = net.counters();
        assertEquals(1, get(after, Counter.DROP_UDP_NO_SOCKET) - get(before, Counter.DROP_UDP_NO_SOCKET));
        assertEquals(1, get(after, Counter.ICMP_ERRORS_SENT) - get(before, Counter.ICMP_ERRORS_SENT));
    }
}
