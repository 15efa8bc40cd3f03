package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.tcp.ConnectionStatus;

/**
 * teacup as a bulk sender to the kernel's TCP while the kernel drops 5% of the packets each way
 * (nftables on the TAP: teacup's data on the way in, the kernel's ACKs on the way out). Prints
 * the time and the sender's loss counters (timeouts, recoveries, probes, retransmissions), which
 * is what tells whether loss is repaired within a round trip or waits for timeouts.
 */
@Tag("interop")
@DisplayName("interop: teacup sending through kernel-side loss")
class SenderLossInteropTest {
    private static final int SIZE = 20 * 1024 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("RFC 6675 + RFC 8985: 20 MB through 5% loss each way reaches the kernel with few retransmission timeouts")
    void twentyMegabytesThroughFivePercentLoss() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "nft", "socat");
        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(7);
            net.dropRandomly(5);
            TapNetwork.Background sink = net.start("socat", "-u",
                    "TCP-LISTEN:8201,bind=" + TapNetwork.KERNEL + ",reuseaddr", "OPEN:/dev/null");
            net.awaitTcpListener(8201, Duration.ofSeconds(10));
            byte[] chunk = new byte[64 * 1024];
            long start = System.nanoTime();
            ConnectionStatus status;
            try (TcpSocket socket = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 8201, CONNECT_TIMEOUT)) {
                socket.setSoTimeout(READ_TIMEOUT);
                for (int left = SIZE; left > 0; left -= chunk.length) {
                    socket.getOutputStream().write(chunk, 0, Math.min(left, chunk.length));
                }
                socket.shutdownOutput();
                // socat ends once it has read everything and our FIN; its FIN means all was acknowledged.
                assertEquals(-1, socket.getInputStream().read(), "socat sent data on a one-way copy");
                List<ConnectionStatus> all = stack.connections();
                assertEquals(1, all.size(), all::toString);
                status = all.get(0);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(sink.process.waitFor(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "socat did not end");
            System.out.printf(Locale.ROOT, "teacup -> kernel, 20 MB, 5%% drop each way: %.2f s (%.1f MB/s); "
                            + "%d segments retransmitted, %d RTOs, %d recoveries, %d TLPs, %d undone; srtt %d us, %s%n",
                    seconds, SIZE / seconds / 1e6, status.segmentsRetransmitted(), status.retransmissionTimeouts(),
                    status.recoveryEpisodes(), status.tailLossProbes(), status.spuriousRecoveries(), status.srtt() / 1000,
                    net.counters());
            assertEquals(SIZE, status.bytesSent());
            // Before RACK-style repair of lost retransmissions and probing of stalled recoveries: 12 to 18 RTOs here.
            assertTrue(status.retransmissionTimeouts() <= 12, "RTOs: " + status);
        }
    }
}
