package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.link.Impairment;
import teacup.link.TapLink;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.socket.UdpSocket;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.udp.UdpEndpoint;

/**
 * TCP with the Linux kernel over a TAP with checksum and segmentation offload on (IFF_VNET_HDR,
 * TUN_F_CSUM, TUN_F_TSO4): the kernel hands teacup 64 KB segments with checksums it has not
 * finished, and teacup hands it 64 KB segments to cut. 50 MB each way, checked with SHA-256, over
 * a clean path and with the kernel dropping 5% of packets each way (nftables; a dropped packet is
 * then a whole large segment, so teacup's receiver sees big holes and its sender retransmits
 * after losing up to 64 KB at once). Each transfer also checks that the offload was really used.
 * The same transfers run over a plain TAP (no offloads) where teacup cuts its large segments
 * itself (software segmentation) and the kernel hands over frames no larger than the MTU.
 */
@Tag("interop")
@DisplayName("interop: TCP with the Linux kernel over a TAP with segmentation offload")
class TcpOffloadInteropTest {
    private static final int BIG = 50 * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROGRAM_START = Duration.ofSeconds(10);

    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class Transfers {
        private final int dropPercent;
        private final long seed;
        /** teacup's own impairment, both ways, on whole large segments; null for none. */
        private final Impairment.Config impaired;
        /** Whether the TAP has offloads; without, teacup cuts its large segments itself. */
        private final boolean deviceOffload;
        private Impairment impairment;
        private TapNetwork net;
        private NetStack stack;
        private TapLink tap;
        private Path dir;

        Transfers(int dropPercent, long seed) {
            this(dropPercent, seed, null);
        }

        Transfers(int dropPercent, long seed, Impairment.Config impaired) {
            this(dropPercent, seed, impaired, true);
        }

        Transfers(int dropPercent, long seed, Impairment.Config impaired, boolean deviceOffload) {
            this.deviceOffload = deviceOffload;
            this.dropPercent = dropPercent;
            this.seed = seed;
            this.impaired = impaired;
        }

        @BeforeAll
        void setUp() throws Exception {
            TapNetwork.requireRoot("creates a network namespace and a TAP device");
            TapNetwork.requirePrograms("ip", "ss", "nft", "socat", "python3");
            dir = Files.createTempDirectory("teacup-offload-interop-");
            net = TapNetwork.create();
            tap = deviceOffload ? net.openTap(true) : net.openTapCutting();
            assertEquals(!deviceOffload, tap.softwareSegmentation(), tap.toString());
            if (impaired != null) {
                impairment = new Impairment(tap, impaired, impaired, seed, Clock.SYSTEM);
                stack = net.startStack(impairment, seed);
            } else {
                stack = net.startStack(tap, seed);
            }
            if (dropPercent > 0) {
                net.dropRandomly(dropPercent);
            }
        }

        @AfterAll
        void tearDown() throws Exception {
            try {
                if (net != null) {
                    net.close();
                }
            } finally {
                if (dir != null) {
                    try (var files = Files.list(dir)) {
                        for (Path p : files.toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            }
        }

        private String context() {
            return dropPercent + "% drop, seed " + seed + (impairment != null ? ", " + impairment : "")
                    + "; counters " + net.counters();
        }

        @Test
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        @DisplayName("the kernel's socat sends 50 MB to a teacup listener in large segments, SHA-256 equal")
        void receivesLargeSegmentsFromKernel() throws Exception {
            Path file = dir.resolve("to-teacup.bin");
            byte[] expected = writeRandomFile(file, BIG, seed);
            long largeBefore = stack.call(tap::largeReceived);
            try (TcpServerSocket server = TcpServerSocket.bind(stack, 9000, 4)) {
                TapNetwork.Background source = net.start("socat", "-u", "OPEN:" + file,
                        "TCP:" + TapNetwork.TEACUP + ":9000,connect-timeout=10");
                try (TcpSocket socket = server.accept(CONNECT_TIMEOUT)) {
                    assertNotNull(socket, "socat did not connect; " + source.stderrText());
                    socket.setSoTimeout(READ_TIMEOUT);
                    byte[] got = digestToEnd(socket.getInputStream(), BIG);
                    assertArrayEquals(expected, got, "SHA-256 of what teacup received; " + context());
                }
                assertTrue(source.process.waitFor(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "socat did not end");
                assertEquals(0, source.process.exitValue(), "socat: " + source.stderrText());
            } finally {
                Files.deleteIfExists(file);
            }
            long large = stack.call(tap::largeReceived) - largeBefore;
            assertTrue(large > 0 || !deviceOffload, "no frame above the MTU came from the kernel: offload not in use; " + context());
            if (impairment != null) {
                Impairment.Counters in = stack.call(impairment::receiveCounters);
                assertTrue(stack.call(() -> in.dropped() > 0 && in.corrupted() > 0 && in.reordered() > 0),
                        "the impairment did not bite on receive: " + in);
            }
        }

        @Test
        @Timeout(value = 240, unit = TimeUnit.SECONDS)
        @DisplayName("teacup sends 50 MB to the kernel's socat in segments the kernel cuts, SHA-256 of the file equal")
        void sendsLargeSegmentsToKernel() throws Exception {
            Path file = dir.resolve("from-teacup.bin");
            TapNetwork.Background sink = net.start("socat", "-u",
                    "TCP-LISTEN:9001,bind=" + TapNetwork.KERNEL + ",reuseaddr", "CREATE:" + file);
            net.awaitTcpListener(9001, PROGRAM_START);
            long segmentedBefore = stack.call(tap::segmentedSent);
            long cutBefore = stack.call(tap::framesCut);
            byte[] sent;
            try (TcpSocket socket = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 9001, CONNECT_TIMEOUT)) {
                socket.setSoTimeout(READ_TIMEOUT);
                sent = writeRandom(socket.getOutputStream(), BIG, seed + 1);
                socket.shutdownOutput();
                assertEquals(-1, socket.getInputStream().read(), "socat sent data on a one-way copy");
            }
            assertTrue(sink.process.waitFor(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                    "socat did not end after teacup's FIN; " + context());
            try {
                assertEquals(0, sink.process.exitValue(), "socat: " + sink.stderrText());
                assertEquals(BIG, Files.size(file), "bytes the kernel received; " + context());
                assertArrayEquals(sent, sha256(file), "SHA-256 of what the kernel received; " + context());
            } finally {
                Files.deleteIfExists(file);
            }
            long segmented = stack.call(tap::segmentedSent) - segmentedBefore;
            assertTrue(segmented > 0, "teacup sent no large segment: offload not in use; " + context());
            long cut = stack.call(tap::framesCut) - cutBefore;
            assertTrue(deviceOffload ? cut == 0 : cut > 2 * segmented, cut + " frames cut from " + segmented + "; " + context());
            if (impairment != null) {
                Impairment.Counters out = stack.call(impairment::sendCounters);
                assertTrue(stack.call(() -> out.dropped() > 0 && out.corrupted() > 0 && out.duplicated() > 0),
                        "the impairment did not bite on send: " + out);
            }
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("a kernel UDP datagram, its checksum left for the device, reaches a teacup socket")
        void udpWithUnfinishedChecksumArrives() throws Exception {
            try (UdpSocket socket = UdpSocket.bind(stack, 9002)) {
                // Several tries: with drop on, any one datagram may be lost; one arriving is the point.
                UdpEndpoint.Datagram got = null;
                for (int i = 0; i < 20 && got == null; i++) {
                    net.run(Duration.ofSeconds(10), "python3", "-c",
                            "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                                    + "s.sendto(b'offloaded checksum', ('" + TapNetwork.TEACUP + "', 9002))");
                    try {
                        got = socket.receive(Duration.ofMillis(500));
                    } catch (java.net.SocketTimeoutException e) {
                        // this one was dropped: send another
                    }
                }
                assertNotNull(got, "no datagram arrived; " + context());
                assertEquals("offloaded checksum", new String(got.data(), StandardCharsets.US_ASCII));
            }
        }
    }

    @Nested
    @DisplayName("over a clean path")
    class CleanPath extends Transfers {
        CleanPath() {
            super(0, 11);
        }
    }

    @Nested
    @DisplayName("with 5% kernel-side drop each way")
    class LossyPath extends Transfers {
        LossyPath() {
            super(5, 12);
        }
    }

    @Nested
    @DisplayName("with teacup's Impairment on whole large segments each way: 1% drop, 1% duplicated, 1% reordered, 1% corrupted")
    class ImpairedLargeSegments extends Transfers {
        ImpairedLargeSegments() {
            super(0, 13, Impairment.Config.none().drop(0.01).duplicate(0.01).reorder(0.01, 3).corrupt(0.01).corruptFrom(14));
        }
    }

    @Nested
    @DisplayName("over a plain TAP, teacup cutting its large segments itself, over a clean path")
    class SoftwareSegmentationCleanPath extends Transfers {
        SoftwareSegmentationCleanPath() {
            super(0, 14, null, false);
        }
    }

    @Nested
    @DisplayName("over a plain TAP, teacup cutting its large segments itself, with 5% kernel-side drop each way")
    class SoftwareSegmentationLossyPath extends Transfers {
        SoftwareSegmentationLossyPath() {
            super(5, 15, null, false);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Reads to the end of the stream, at most {@code limit} bytes plus one, hashing as it goes. */
    private static byte[] digestToEnd(InputStream in, long limit) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[CHUNK];
        long length = 0;
        int n;
        while (length <= limit && (n = in.read(buffer)) >= 0) {
            sha.update(buffer, 0, n);
            length += n;
        }
        assertEquals(limit, length, "bytes received");
        return sha.digest();
    }

    private static byte[] writeRandom(OutputStream out, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest sha = sha256();
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            random.nextBytes(chunk);
            sha.update(chunk, 0, n);
            out.write(chunk, 0, n);
            left -= n;
        }
        return sha.digest();
    }

    private static byte[] writeRandomFile(Path file, long size, long seed) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            return writeRandom(out, size, seed);
        }
    }

    private static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = sha256();
            byte[] buffer = new byte[CHUNK];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sha.update(buffer, 0, n);
            }
            return sha.digest();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
