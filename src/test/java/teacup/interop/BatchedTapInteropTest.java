package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.link.TapLink;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;

/**
 * A whole stack on a plain TAP batched through io_uring, against the kernel's TCP: 20 MB each
 * way, byte for byte, with every frame going through BatchedFrameIo's queued reads and writes
 * and NetStack's flush at the end of each turn.
 */
@Tag("interop")
class BatchedTapInteropTest {
    private static final int SIZE = 20 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("RFC 9293 3.10: 20 MB each way between the kernel's socat and teacup on a batched TAP, SHA-256 equal")
    void transfersBothWaysThroughTheBatchedPath() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "socat");
        Path knob = Path.of("/proc/sys/kernel/io_uring_disabled");
        assumeTrue(!Files.exists(knob) || Files.readString(knob).strip().equals("0"), "io_uring is turned off here");
        Path dir = Files.createTempDirectory("teacup-batched-");
        try (TapNetwork net = TapNetwork.create()) {
            TapLink tap = net.openTap(false, true);
            assertTrue(tap.batched(), tap.path());
            NetStack stack = net.startStack(tap, 0xba7c4L);

            // kernel -> teacup
            Path out = dir.resolve("to-teacup.bin");
            byte[] sent = random(SIZE, 1);
            Files.write(out, sent);
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            long received = 0;
            try (TcpServerSocket listener = TcpServerSocket.bind(stack, 9100, 1)) {
                net.start("socat", "-u", "OPEN:" + out, "TCP:" + TapNetwork.TEACUP + ":9100");
                try (TcpSocket socket = listener.accept(TIMEOUT)) {
                    socket.setSoTimeout(TIMEOUT);
                    InputStream in = socket.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        got.update(buf, 0, n);
                        received += n;
                    }
                }
            }
            assertEquals(SIZE, received, "bytes teacup received");
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(sent), got.digest(), "SHA-256 of what teacup received");

            // teacup -> kernel
            Path file = dir.resolve("from-teacup.bin");
            TapNetwork.Background sink = net.start("socat", "-u", "TCP-LISTEN:9101,bind=" + TapNetwork.KERNEL + ",reuseaddr",
                    "CREATE:" + file);
            net.awaitTcpListener(9101, TIMEOUT);
            byte[] back = random(SIZE, 2);
            try (TcpSocket socket = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 9101, TIMEOUT)) {
                socket.setSoTimeout(TIMEOUT);
                OutputStream o = socket.getOutputStream();
                o.write(back);
                socket.shutdownOutput();
                assertEquals(-1, socket.getInputStream().read(), "socat sent data on a one-way copy");
            }
            assertTrue(sink.process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "socat did not end after teacup's FIN");
            assertEquals(SIZE, Files.size(file), "bytes the kernel received");
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(back),
                    MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)), "SHA-256 of what the kernel received");
            assertTrue(tap.batchSubmits() > 0, "no batch was ever submitted");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }
}
