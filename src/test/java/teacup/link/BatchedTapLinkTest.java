package teacup.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.os.Errno;
import teacup.os.ErrnoException;
import teacup.os.NetworkNamespace;
import teacup.os.ScratchNamespace;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.MacAddress;

/**
 * A plain TAP's frames through io_uring batches, against the kernel: thousands of numbered UDP
 * datagrams each way, every one received, in order, byte for byte; and the same over the
 * one-frame-per-call path a link falls back to when the kernel refuses io_uring.
 */
@Tag("interop")
class BatchedTapLinkTest {
    private static final String NEEDS_ROOT = "needs root: creates a TAP device in a private network namespace";
    private static final String DEV = "tcupb";
    private static final int FRAMES = 4000;
    private static final int PAYLOAD = 1000;
    private static final int TO_TEACUP = 9000;
    private static final int TO_KERNEL = 9001;
    private static final long TEACUP_MAC = TapLinkTest.TEACUP_MAC;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void numberedFramesGoBothWaysInOrderThroughTheBatchedPath() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        assumeTrue(ioUringAllowed(), "io_uring is turned off here (sysctl kernel.io_uring_disabled)");
        try (ScratchNamespace ns = ScratchNamespace.create();
             TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open(DEV, 1500, false, true))) {
            assertTrue(link.batched(), link.path());
            assertEquals("batched (io_uring)", link.path());
            exchange(ns, link);
            // Each submit carried many frames: the whole point.
            assertTrue(link.batchSubmits() * 8 < 2 * FRAMES, "system calls for " + 2 * FRAMES + " frames: " + link.batchSubmits());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void numberedFramesGoBothWaysInOrderWhenTheKernelRefusesIoUring() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        TapLink.BatchOpener refused = (fd, kind, longest, droppable, name) -> {
            throw new ErrnoException("io_uring_setup", Errno.EPERM); // what kernel.io_uring_disabled=2 answers
        };
        try (ScratchNamespace ns = ScratchNamespace.create();
             TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open(DEV, 1500, false, refused))) {
            assertFalse(link.batched());
            assertTrue(link.path().startsWith("one frame per system call (io_uring refused: io_uring_setup: "), link.path());
            exchange(ns, link);
            assertEquals(0, link.batchSubmits());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void batchingTurnedOffIsOneFramePerCall() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create();
             TapLink link = NetworkNamespace.callIn(ns.name(), () -> TapLink.open(DEV, 1500, false, false))) {
            assertFalse(link.batched());
            assertEquals("one frame per system call", link.path());
        }
    }

    static boolean ioUringAllowed() throws IOException {
        Path knob = Path.of("/proc/sys/kernel/io_uring_disabled");
        return !Files.exists(knob) || Files.readString(knob).strip().equals("0");
    }

    /** kernel -> teacup, then teacup -> kernel, {@value #FRAMES} datagrams each, checked in order. */
    private static void exchange(ScratchNamespace ns, TapLink link) throws Exception {
        // Room for every frame in the TAP's queue, so one the reader has not yet taken is never lost.
        ns.ip("link", "set", DEV, "txqueuelen", "10000", "up");
        ns.ip("addr", "add", "198.18.0.1/24", "dev", DEV);
        ns.ip("neigh", "replace", "198.18.0.2", "lladdr", MacAddress.format(TEACUP_MAC), "dev", DEV, "nud", "permanent");
        long kernelMac = kernelMac(ns);

        Process sender = ns.start("python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                for i in range(%d):
                    s.sendto(i.to_bytes(4, 'big') * %d, ('198.18.0.2', %d))
                """.formatted(FRAMES, PAYLOAD / 4, TO_TEACUP));
        // All sent before the first read: the reads then find many frames waiting, as under load.
        assertTrue(sender.waitFor(20, TimeUnit.SECONDS), "python3 sender did not finish");
        assertEquals(0, sender.exitValue(), new String(sender.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        receiveInOrder(link);

        Process receiver = ns.start("python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE: the queue holds every datagram
                s.bind(('198.18.0.1', %d))
                s.settimeout(10)
                print('ready', flush=True)
                for i in range(%d):
                    d = s.recv(2048)
                    if d != i.to_bytes(4, 'big') * %d:
                        print('datagram', i, 'was', d[:8].hex(), len(d), flush=True)
                        sys.exit(1)
                print('ok', flush=True)
                """.formatted(TO_KERNEL, FRAMES, PAYLOAD / 4));
        String ready = new String(receiver.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
        assertEquals("ready\n", ready, "python3 receiver did not start");
        byte[] frame = new byte[14 + 20 + 8 + PAYLOAD];
        for (int i = 0; i < FRAMES; i++) {
            udpFrame(frame, kernelMac, i);
            link.send(frame, 0, frame.length);
        }
        link.flush();
        assertTrue(receiver.waitFor(20, TimeUnit.SECONDS), "python3 receiver did not finish");
        String said = new String(receiver.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, receiver.exitValue(), "kernel's receiver: " + said);
        assertEquals("ok\n", said);
        assertEquals(0, link.sendDropped());
    }

    private static void receiveInOrder(TapLink link) throws IOException {
        byte[] buf = new byte[link.maxFrameLength() + 1];
        int next = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (next < FRAMES && System.nanoTime() < deadline) {
            int n = link.receive(buf, 0);
            if (n == 0) {
                link.await(TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            if (n < 42 || BigEndian.u16(buf, 12) != 0x0800 || buf[23] != 17 || BigEndian.u16(buf, 36) != TO_TEACUP) {
                continue; // the kernel's own chatter (IPv6 router solicitations and the like)
            }
            assertEquals(14 + 20 + 8 + PAYLOAD, n, "length of datagram " + next);
            for (int at = 42; at < n; at += 4) {
                assertEquals(next, BigEndian.i32(buf, at), "datagram " + next + " at byte " + at + " (lost or out of order)");
            }
            next++;
        }
        assertEquals(FRAMES, next, "datagrams received in order");
        assertEquals(0, link.receiveDropped());
    }

    /** An Ethernet/IPv4/UDP frame from 198.18.0.2 to the kernel's port, its payload the number {@code i} over and over. */
    private static void udpFrame(byte[] f, long kernelMac, int i) {
        for (int b = 0; b < 6; b++) {
            f[b] = (byte) (kernelMac >>> (40 - 8 * b));
            f[6 + b] = (byte) (TEACUP_MAC >>> (40 - 8 * b));
        }
        BigEndian.put16(f, 12, 0x0800);
        int ipLength = 20 + 8 + PAYLOAD;
        f[14] = 0x45;
        f[15] = 0;
        BigEndian.put16(f, 16, ipLength);
        BigEndian.put16(f, 18, i & 0xffff);
        BigEndian.put16(f, 20, 0x4000); // DF
        f[22] = 64;
        f[23] = 17;
        BigEndian.put16(f, 24, 0);
        BigEndian.put32(f, 26, TapLinkTest.TEACUP_IP);
        BigEndian.put32(f, 30, TapLinkTest.KERNEL_IP);
        BigEndian.put16(f, 24, Checksum.finish(Checksum.add(0, f, 14, 20)));
        BigEndian.put16(f, 34, 40000);
        BigEndian.put16(f, 36, TO_KERNEL);
        BigEndian.put16(f, 38, 8 + PAYLOAD);
        BigEndian.put16(f, 40, 0); // no UDP checksum: allowed over IPv4 (RFC 768)
        for (int at = 42; at < f.length; at += 4) {
            BigEndian.put32(f, at, i);
        }
    }

    private static long kernelMac(ScratchNamespace ns) throws IOException {
        String shown = ns.ip("-o", "link", "show", "dev", DEV);
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(shown);
        assertTrue(m.find(), shown);
        return MacAddress.parse(m.group(1)).bits();
    }
}
