package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.socket.TcpSocket;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.tcp.TcpSettings;

/**
 * The TOS and TTL teacup's sockets choose, as the kernel side sees them: python3 in the private
 * namespace captures the frames on the TAP with an AF_PACKET socket while it takes a TCP
 * connection and a UDP datagram from teacup, and prints the TOS and TTL of every IPv4 datagram
 * from teacup's address, per protocol.
 */
@Tag("interop")
@DisplayName("interop: TOS and TTL of teacup's datagrams, captured in the kernel's namespace")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class IpHeaderInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** argv: tap, teacup's address, kernel's address, TCP port, UDP port. Prints "tcp tos ttl" and "udp tos ttl" lines. */
    private static final String CAPTURE = """
            import socket, struct, sys, time
            tap, teacup, kernel, tport, uport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
            cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
            cap.bind((tap, 0))
            cap.settimeout(0.2)
            srv = socket.socket()
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((kernel, tport))
            srv.listen(1)
            srv.setblocking(False)
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((kernel, uport))
            udp.setblocking(False)
            print('ready', flush=True)
            seen = set()
            conn = None
            got_tcp = got_udp = False
            deadline = time.time() + 20
            while time.time() < deadline and not (got_tcp and got_udp and len(seen) >= 2):
                try:
                    f = cap.recv(2048)
                    ip = f[14:]
                    if socket.inet_ntoa(ip[12:16]) == teacup:
                        proto = {6: 'tcp', 17: 'udp'}.get(ip[9], str(ip[9]))
                        seen.add('%s %d %d' % (proto, ip[1], ip[8]))
                except socket.timeout:
                    pass
                try:
                    if conn is None:
                        conn, _ = srv.accept()
                        conn.setblocking(False)
                    elif conn.recv(10):
                        got_tcp = True
                except (BlockingIOError, InterruptedError):
                    pass
                try:
                    if udp.recv(10):
                        got_udp = True
                except BlockingIOError:
                    pass
            for s in sorted(seen):
                print(s)
            """;

    private TapNetwork net;
    private NetStack stack;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "python3");
        net = TapNetwork.create();
        stack = net.startStack(0x7e5);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    @Test
    @DisplayName("RFC 9293 MUST-48, MUST-49; RFC 1122 3.2.1.6 (set TOS), RFC 1122 3.2.1.7 (transport TTL): the kernel sees the TOS and TTL teacup's TCP and UDP sockets set")
    void kernelSeesTosAndTtl() throws Exception {
        TapNetwork.Background capture = net.start("python3", "-c", CAPTURE, TapNetwork.TAP, TapNetwork.TEACUP,
                TapNetwork.KERNEL, "7200", "7201");
        assertTrue(TapNetwork.waitUntil(WAIT, () -> capture.stdoutText().startsWith("ready")), capture.stderrText());
        try (TcpSocket s = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 7200, WAIT,
                TcpSettings.defaults().withIpHeader(9, 0xb8));
             UdpSocket u = UdpSocket.bind(stack, 0)) {
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            u.setTrafficClass(0x28);
            u.setTtl(5);
            u.send(TapNetwork.KERNEL_ADDRESS, 7201, new byte[] {1});
            assertTrue(capture.process.waitFor(WAIT.toSeconds() + 5, TimeUnit.SECONDS), "capture did not end: " + capture.stderrText());
        }
        assertEquals(0, capture.process.exitValue(), capture.stderrText());
        String seen = capture.stdoutText().replace("ready\n", "").strip();
        assertEquals("tcp 184 9\nudp 40 5", seen, "every datagram from teacup, per protocol: TOS and TTL");
    }
}
