package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.cli.Main;
import teacup.host.SystemCommand;
import teacup.socket.TcpSocket;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.wire.Ipv4Address;

/**
 * ICMP errors and ARP failure with the Linux kernel on the other side of the TAP: nftables in the
 * test's namespace answers some TCP ports with ICMP unreachables, the kernel itself answers UDP to
 * a closed port with port unreachable, and 198.18.0.99 (on the link) is held by nobody.
 */
@Tag("interop")
@DisplayName("interop: ICMP errors and ARP failure with the Linux kernel")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IcmpInteropTest {
    private static final String TABLE = "teacup_icmp";
    private static final int PORT_UNREACHABLE = 7;
    private static final int HOST_UNREACHABLE = 8;
    private static final int ADMIN_PROHIBITED = 10;
    private static final Ipv4Address NOBODY = Ipv4Address.parse("198.18.0.99");
    private static final Duration CONNECT = Duration.ofSeconds(30);

    private TapNetwork net;

    @BeforeEach
    void create() throws IOException {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("nft");
        net = TapNetwork.create();
        String script = String.join("\n",
                "table inet " + TABLE + " {",
                "  chain input { type filter hook input priority 0; policy accept;",
                "    iifname \"" + TapNetwork.TAP + "\" tcp dport " + PORT_UNREACHABLE + " reject with icmp type port-unreachable",
                "    iifname \"" + TapNetwork.TAP + "\" tcp dport " + HOST_UNREACHABLE + " reject with icmp type host-unreachable",
                "    iifname \"" + TapNetwork.TAP + "\" tcp dport " + ADMIN_PROHIBITED + " reject with icmp type admin-prohibited",
                "  }",
                "}",
                "");
        SystemCommand.Result r = net.run(Duration.ofSeconds(10), script.getBytes(StandardCharsets.US_ASCII), "nft", "-f", "-");
        assertTrue(r.ok(), () -> "nft: " + r.stderr());
    }

    @AfterEach
    void close() throws IOException {
        if (net != null) {
            net.close();
        }
    }

    @Test
    @DisplayName("RFC 9293 MUST-54, RFC 5461: a connect the kernel's nftables rejects with port unreachable is refused at once")
    void portUnreachableRefuses() throws Exception {
        NetStack stack = net.startStack(11);
        long start = System.nanoTime();
        ConnectException e = assertThrows(ConnectException.class,
                () -> TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, PORT_UNREACHABLE, CONNECT));
        assertEquals("Connection refused", e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "at once, not at the connect time-out");
        assertTrue(TapNetwork.get(net.counters(), Counter.ICMP_ERROR_DELIVERED) >= 1);
    }

    @Test
    @DisplayName("RFC 5461: host unreachable and administratively prohibited end the connect with NoRouteToHostException at once")
    void hostUnreachable() throws Exception {
        NetStack stack = net.startStack(12);
        for (int port : new int[] {HOST_UNREACHABLE, ADMIN_PROHIBITED}) {
            NoRouteToHostException e = assertThrows(NoRouteToHostException.class,
                    () -> TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, port, CONNECT));
            assertEquals("No route to host", e.getMessage());
        }
        assertTrue(TapNetwork.get(net.counters(), Counter.ICMP_ERROR_DELIVERED) >= 2);
    }

    @Test
    @DisplayName("RFC 1122 4.1.3.3: the kernel's port unreachable for UDP makes the socket's next receive throw PortUnreachableException")
    void udpPortUnreachable() throws Exception {
        NetStack stack = net.startStack(13);
        try (UdpSocket s = UdpSocket.bind(stack, 0)) {
            s.send(TapNetwork.KERNEL_ADDRESS, 9, new byte[] {1, 2, 3});
            assertThrows(PortUnreachableException.class, () -> s.receive(Duration.ofSeconds(10)));
        }
    }

    @Test
    @DisplayName("RFC 1122 2.3.2.2: a connect to an on-link address nobody holds fails after the ARP retries (about 3 s), as the kernel's does")
    void silentNeighbour() throws Exception {
        NetStack stack = net.startStack(14);
        long start = System.nanoTime();
        NoRouteToHostException e = assertThrows(NoRouteToHostException.class,
                () -> TcpSocket.connect(stack, NOBODY, 80, CONNECT));
        long took = System.nanoTime() - start;
        assertEquals("No route to host", e.getMessage());
        assertTrue(took < Duration.ofSeconds(10).toNanos(), "after the ARP retries, not the connect time-out: " + took / 1_000_000 + " ms");
        // The kernel, for comparison, in the same namespace: its connect to a silent neighbour fails the same way.
        SystemCommand.Result kernel = net.run(Duration.ofSeconds(20), "python3", "-c",
                "import socket,errno\ns=socket.socket()\ns.settimeout(15)\n"
                        + "try:\n s.connect(('198.18.0.98',80))\nexcept OSError as e:\n print(errno.errorcode.get(e.errno, e))\n");
        assertTrue(kernel.stdout().contains("EHOSTUNREACH"), () -> "the kernel said: " + kernel.stdout() + kernel.stderr());
    }

    @Test
    @DisplayName("teacup curl: a connect refused by ICMP exits 7 with curl's message, and so does a silent neighbour")
    void curlExitsSeven() throws Exception {
        String[] refused = curl("http://" + TapNetwork.KERNEL + ":" + PORT_UNREACHABLE + "/");
        assertEquals("7", refused[0], refused[1]);
        assertTrue(refused[1].contains("(7) Failed to connect to " + TapNetwork.KERNEL + " port " + PORT_UNREACHABLE)
                && refused[1].contains("Connection refused"), refused[1]);
        String[] silent = curl("--max-time", "60", "http://" + NOBODY + "/");
        assertEquals("7", silent[0], silent[1]);
        assertTrue(silent[1].contains("(7) Failed to connect to " + NOBODY + " port 80") && silent[1].contains("No route to host"),
                silent[1]);
    }

    /** {@code teacup curl} in this JVM on the namespace's TAP: its exit code and stderr. */
    private String[] curl(String... args) {
        String[] argv = new String[args.length + 7];
        System.arraycopy(new String[] {"curl", "--netns", net.namespace(), "--tap", TapNetwork.TAP, "--ip",
                TapNetwork.TEACUP + "/24"}, 0, argv, 0, 7);
        System.arraycopy(args, 0, argv, 7, args.length);
        synchronized (System.class) {
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try {
                System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                int code = Main.run(argv);
                return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
    }
}
