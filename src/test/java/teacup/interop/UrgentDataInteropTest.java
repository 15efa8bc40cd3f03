package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;

/**
 * TCP urgent data between teacup and the Linux kernel's TCP, with python3 on the kernel side in
 * a private namespace: Linux sends with {@code MSG_OOB} and teacup receives, in line or not;
 * teacup sends and Linux receives, its out-of-band byte read with {@code MSG_OOB} or in line with
 * {@code SO_OOBINLINE}. Linux takes the urgent byte as the one before the pointer (RFC 6093), so a
 * pointer one off would show here as the wrong byte out of band.
 */
@Tag("interop")
@DisplayName("interop: TCP urgent data with the Linux kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class UrgentDataInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Connects to teacup, waits for its "go", then sends hello, an urgent '!', world, and closes its side. */
    private static final String KERNEL_SENDS = """
            import socket, sys
            c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
            assert c.recv(2) == b'go'
            c.send(b'hello')
            c.send(b'!', socket.MSG_OOB)
            c.send(b'world')
            c.shutdown(socket.SHUT_WR)
            while c.recv(100):
                pass
            c.close()
            """;

    /**
     * Accepts one connection from teacup and reads it to the end; with "inline" SO_OOBINLINE is
     * on, otherwise the out-of-band byte is read with MSG_OOB after the stream. Prints the stream
     * and the out-of-band byte.
     */
    private static final String KERNEL_RECEIVES = """
            import select, socket, sys
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2])))
            s.listen(1)
            s.settimeout(20)
            c, _ = s.accept()
            c.settimeout(20)
            inline = sys.argv[3] == 'inline'
            if inline:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
            c.send(b'go')
            data = b''
            oob = b'-'
            for _ in range(10000):
                # Linux forgets the out-of-band byte once a read passes it: take it when select says it is there.
                r, _, x = select.select([c], [], [] if inline or oob != b'-' else [c], 20)
                if x:
                    c.setblocking(False)
                    try:
                        oob = c.recv(1, socket.MSG_OOB)
                    except BlockingIOError:
                        pass
                    c.settimeout(20)
                    continue
                if not r:
                    break
                d = c.recv(100)
                if not d:
                    break
                data += d
            print(data.decode(), oob.decode())
            c.close()
            """;

    private TapNetwork net;
    private NetStack stack;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "python3");
        net = TapNetwork.create();
        stack = net.startStack(0x0a11);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    /** Teacup accepts on {@code port} while python3 sends; returns what teacup's application read, and the socket. */
    private String receiveFromKernel(int port, boolean oobInline, long[] signals) throws Exception {
        try (TcpServerSocket listener = TcpServerSocket.bind(stack, port, 4)) {
            TapNetwork.Background client = net.start("python3", "-c", KERNEL_SENDS, TapNetwork.TEACUP, Integer.toString(port));
            try (TcpSocket s = listener.accept(WAIT)) {
                s.setSoTimeout(WAIT);
                s.setOobInline(oobInline);
                s.getOutputStream().write("go".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[100];
                for (int n; got.size() < 64 && (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
                signals[0] = s.urgentSignals();
                assertEquals(0, s.urgentDataPending(), "all urgent data read");
                s.shutdownOutput();
                assertTrue(client.process.waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
                        "python3 client did not finish: " + client.stderrText());
                assertEquals(0, client.process.exitValue(), client.stderrText());
                return got.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    @Test
    @DisplayName("RFC 9293 MUST-30, MUST-32: Linux's MSG_OOB byte reaches teacup; without SO_OOBINLINE it leaves the stream")
    void kernelSendsUrgentOutOfLine() throws Exception {
        long[] signals = new long[1];
        assertEquals("helloworld", receiveFromKernel(7100, false, signals));
        assertTrue(signals[0] >= 1, "the urgent pointer was signalled");
    }

    @Test
    @DisplayName("RFC 9293 MUST-30, RFC 6093: with SO_OOBINLINE Linux's urgent byte stays in teacup's stream, in its place")
    void kernelSendsUrgentInline() throws Exception {
        long[] signals = new long[1];
        assertEquals("hello!world", receiveFromKernel(7101, true, signals));
        assertTrue(signals[0] >= 1, "the urgent pointer was signalled");
    }

    /** Teacup connects to python3 on {@code port}, sends hello, an urgent '!', world; returns what python3 printed. */
    private String sendToKernel(int port, String mode) throws Exception {
        TapNetwork.Background server = net.start("python3", "-c", KERNEL_RECEIVES, TapNetwork.KERNEL, Integer.toString(port), mode);
        net.awaitTcpListener(port, WAIT);
        try (TcpSocket s = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, port, WAIT)) {
            s.setSoTimeout(WAIT);
            byte[] go = new byte[2];
            assertEquals(2, s.getInputStream().readNBytes(go, 0, 2));
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            s.sendUrgentData('!');
            s.getOutputStream().write("world".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.shutdownOutput();
            assertTrue(server.process.waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
                    "python3 server did not finish: " + server.stderrText());
            assertEquals(0, server.process.exitValue(), server.stderrText());
            return server.stdoutText().strip();
        }
    }

    @Test
    @DisplayName("RFC 9293 MUST-62: Linux reads teacup's urgent byte with MSG_OOB: the pointer names the octet after it")
    void teacupSendsUrgentOutOfLine() throws Exception {
        assertEquals("helloworld !", sendToKernel(7102, "oob"));
    }

    @Test
    @DisplayName("RFC 9293 MUST-30: with SO_OOBINLINE Linux reads teacup's urgent byte in its place in the stream")
    void teacupSendsUrgentInline() throws Exception {
        assertEquals("hello!world -", sendToKernel(7103, "inline"));
    }
}
