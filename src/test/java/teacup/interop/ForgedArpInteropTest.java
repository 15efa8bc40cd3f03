package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.os.NetworkNamespace;
import teacup.os.PacketSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.wire.BigEndian;
import teacup.wire.MacAddress;

/**
 * Issue 12 item 6: while teacup downloads a file from the kernel's python3 http.server, a raw
 * AF_PACKET socket on the kernel's side of the TAP sends forged ARP replies and gratuitous ARPs
 * claiming the server's address is at a bogus MAC. The frames are built here byte by byte, not
 * with teacup's codecs. The same socket watches what teacup sends, and counts the frames that went
 * to the bogus MAC: before the neighbour states, the first forgery redirected every ACK there and
 * the download stalled for 25 s; now the forgery is refused and the real MAC probed. The other side
 * of the coin: when the server's NIC really changes (the TAP's MAC set anew, announced once), teacup
 * follows it after its probes of the old MAC go unanswered, and the download still completes.
 */
@Tag("interop")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("interop: forged ARP during a download")
class ForgedArpInteropTest {
    private static final int SIZE = 48 * 1024 * 1024;
    private static final long BOGUS_MAC = 0x02_66_66_66_66_66L;
    private static final long NEW_MAC = 0x02_00_5e_ed_00_99L;
    private static final int FORGERIES = 12;
    private static final long FORGERY_GAP_MILLIS = 250;
    /** The reader is paced so the transfer lasts some seconds and the forgeries land inside it. */
    private static final long READ_BYTES_PER_SECOND = 8L * 1024 * 1024;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern LINK_ADDRESS = Pattern.compile("link/ether ([0-9a-f:]{17})");

    /** What the kernel's side does once 4 MB have arrived; returns the frames it sent. */
    private interface Attack {
        int run(TapNetwork net, PacketSocket kernelSide, AtomicBoolean done) throws Exception;
    }

    @Test
    @DisplayName("forged ARP replies and announcements for the server do not redirect teacup's traffic; the 48 MB download ends with its SHA-256 equal")
    void downloadSurvivesForgedArp() throws Exception {
        Outcome o = download((net, kernelSide, done) -> forge(kernelSide, done));
        assertTrue(o.counter(Counter.ARP_CHANGES_REFUSED) > 0, "the forgeries never reached teacup, so this proves nothing: " + o.report);
        assertEquals(0, o.toBogus, "teacup sent traffic to the forged MAC: " + o.report);
        assertTrue(o.counter(Counter.ARP_ENTRIES_PROBED) > 0, "the real MAC was never probed: " + o.report);
    }

    @Test
    @DisplayName("the server's NIC changes (new MAC, one gratuitous ARP): teacup probes the old MAC, takes the new one from the broadcast probe's answer, and the download ends with its SHA-256 equal")
    void downloadFollowsARealMacChange() throws Exception {
        Outcome o = download((net, kernelSide, done) -> {
            changed.set(true);
            net.ip("link", "set", "dev", TapNetwork.TAP, "address", new MacAddress(NEW_MAC).toString());
            byte[] announcement = arp(MacAddress.BROADCAST_BITS, NEW_MAC, 1, 0, TapNetwork.KERNEL_ADDRESS.bits());
            return kernelSide.send(announcement, 0, announcement.length) == announcement.length ? 1 : 0;
        });
        assertEquals(1, o.forgeries, "the announcement was not sent: " + o.report);
        assertEquals(1, o.counter(Counter.ARP_MACS_CHANGED), "teacup did not take the new MAC: " + o.report);
    }

    /** Set when the server's MAC changes: from then on the watch counts frames to the old one. */
    private final AtomicBoolean changed = new AtomicBoolean();

    private record Outcome(int forgeries, long toBogus, Map<Counter, Long> counters, String report) {
        long counter(Counter c) {
            return get(counters, c);
        }
    }

    private Outcome download(Attack attack) throws Exception {
        TapNetwork.requireRoot("creates a network namespace, a TAP device and a raw packet socket");
        TapNetwork.requirePrograms("ip", "ss", "python3");
        long seed = Long.getLong("teacup.interop.seed", System.nanoTime());
        Path dir = Files.createTempDirectory("teacup-forged-arp-");
        Path file = dir.resolve("big.bin");
        try (TapNetwork net = TapNetwork.create()) {
            byte[] expected = writeRandomFile(file, seed);
            NetStack stack = net.startStack(seed);
            long kernelMac = kernelMac(net);
            net.start("python3", "-m", "http.server", "8000", "--bind", TapNetwork.KERNEL, "--directory", dir.toString());
            net.awaitTcpListener(8000, Duration.ofSeconds(10));
            try (PacketSocket kernelSide = NetworkNamespace.callIn(net.namespace(), () -> PacketSocket.open(TapNetwork.TAP))) {
                AtomicLong received = new AtomicLong();
                AtomicBoolean done = new AtomicBoolean();
                Watch watch = new Watch(kernelSide, done);
                watch.oldMac = kernelMac;
                Thread watcher = Thread.ofPlatform().daemon().start(watch);
                int[] sentByAttack = {0};
                Exception[] attackFailed = {null};
                Thread attacker = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        if (awaitBytes(received, done)) {
                            sentByAttack[0] = attack.run(net, kernelSide, done);
                        }
                    } catch (Exception e) {
                        attackFailed[0] = e;
                    }
                });
                long started = System.nanoTime();
                String digest;
                long length;
                try (TcpSocket socket = TcpSocket.connect(stack, TapNetwork.KERNEL_ADDRESS, 8000, Duration.ofSeconds(10))) {
                    socket.setSoTimeout(READ_TIMEOUT);
                    OutputStream out = socket.getOutputStream();
                    out.write(("GET /big.bin HTTP/1.0\r\nHost: " + TapNetwork.KERNEL + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = socket.getInputStream();
                    String head = readHead(in);
                    assertTrue(head.startsWith("HTTP/1.0 200"), "response: " + head);
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    byte[] buffer = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        sha.update(buffer, 0, n);
                        long total = received.addAndGet(n);
                        long due = started + total * 1_000_000_000L / READ_BYTES_PER_SECOND;
                        long wait = due - System.nanoTime();
                        if (wait > 1_000_000) {
                            Thread.sleep(wait / 1_000_000);
                        }
                    }
                    digest = HexFormat.of().formatHex(sha.digest());
                    length = received.get();
                } catch (java.net.SocketTimeoutException e) {
                    String state = stack.call(() -> stack.ip().neighbourState(TapNetwork.KERNEL_ADDRESS.bits()));
                    throw new AssertionError("the download stalled after " + received.get() + " bytes; the server's entry "
                            + state + ", frames to the bogus MAC " + watch.toBogus + ", to the old MAC " + watch.toOld
                            + "; counters " + net.counters(), e);
                } finally {
                    done.set(true);
                    attacker.join(5000);
                    watcher.join(5000);
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                Map<Counter, Long> counters = net.counters();
                String report = String.format("seed %d, %.1f s for %d bytes, ARP frames sent by the attack %d, frames teacup sent to"
                        + " the bogus MAC %d (for %.2f s), to the old MAC after the change %d (for %.2f s), frames watched %d;"
                        + " counters %s", seed, seconds, length, sentByAttack[0], watch.toBogus, watch.bogusSpanNanos() / 1e9,
                        watch.toOld, watch.oldSpanNanos() / 1e9, watch.seen, counters);
                System.out.println("forged ARP: " + report);
                assertNull(attackFailed[0], "the attack failed: " + attackFailed[0]);
                assertEquals(SIZE, length, "body length; " + report);
                assertEquals(HexFormat.of().formatHex(expected), digest, "body SHA-256; " + report);
                assertNull(stack.failure(), report);
                return new Outcome(sentByAttack[0], watch.toBogus, counters, report);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** Waits (bounded) until 4 MB arrived; false when the download ended first. */
    private static boolean awaitBytes(AtomicLong received, AtomicBoolean done) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!done.get() && received.get() < 4L * 1024 * 1024 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return !done.get() && received.get() >= 4L * 1024 * 1024;
    }

    /** Sends {@link #FORGERIES} forged frames, alternately a reply to teacup and a gratuitous request; returns how many went. */
    private static int forge(PacketSocket kernelSide, AtomicBoolean done) throws InterruptedException {
        int sent = 0;
        for (int i = 0; i < FORGERIES && !done.get(); i++) {
            byte[] frame = i % 2 == 0
                    ? arp(TapNetwork.TEACUP_MAC.bits(), BOGUS_MAC, 2, TapNetwork.TEACUP_MAC.bits(), TapNetwork.TEACUP_ADDRESS.bits())
                    : arp(MacAddress.BROADCAST_BITS, BOGUS_MAC, 1, 0, TapNetwork.KERNEL_ADDRESS.bits());
            if (kernelSide.send(frame, 0, frame.length) == frame.length) {
                sent++;
            }
            Thread.sleep(FORGERY_GAP_MILLIS);
        }
        return sent;
    }

    /** Watches the frames teacup sends for ones addressed to the bogus MAC, until the download is done. */
    private final class Watch implements Runnable {
        private final PacketSocket socket;
        private final AtomicBoolean done;
        volatile long seen;
        volatile long toBogus;
        volatile long firstBogusAt;
        volatile long lastBogusAt;
        volatile long toOld;
        volatile long firstOldAt;
        volatile long lastOldAt;
        /** The server's MAC before any change, and whether it changed (then frames to it are late). */
        volatile long oldMac;

        Watch(PacketSocket socket, AtomicBoolean done) {
            this.socket = socket;
            this.done = done;
        }

        long bogusSpanNanos() {
            return toBogus == 0 ? 0 : lastBogusAt - firstBogusAt;
        }

        long oldSpanNanos() {
            return toOld == 0 ? 0 : lastOldAt - firstOldAt;
        }

        @Override
        public void run() {
            byte[] b = new byte[70_000];
            long deadline = System.nanoTime() + 110_000_000_000L;
            while (!done.get() && System.nanoTime() < deadline) {
                int n = socket.receive(b, 0, b.length);
                if (n < 14) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                seen++;
                // Only frames from teacup: ours (the forgeries) are outgoing and skipped by receive.
                if (BigEndian.u48(b, 6) == TapNetwork.TEACUP_MAC.bits() && BigEndian.u48(b, 0) == BOGUS_MAC) {
                    long now = System.nanoTime();
                    if (toBogus == 0) {
                        firstBogusAt = now;
                    }
                    lastBogusAt = now;
                    toBogus++;
                }
                if (changed.get() && BigEndian.u48(b, 6) == TapNetwork.TEACUP_MAC.bits() && BigEndian.u48(b, 0) == oldMac) {
                    long now = System.nanoTime();
                    if (toOld == 0) {
                        firstOldAt = now;
                    }
                    lastOldAt = now;
                    toOld++;
                }
            }
        }
    }

    /** Byte by byte, as RFC 826 lays it out: Ethernet header, then the ARP packet; padded to 60. */
    private static byte[] arp(long ethernetDestination, long senderMac, int operation, long targetMac, int targetIp) {
        byte[] f = new byte[60];
        put48(f, 0, ethernetDestination);
        put48(f, 6, senderMac);
        f[12] = 0x08;
        f[13] = 0x06;
        f[14] = 0;
        f[15] = 1; // hardware: Ethernet
        f[16] = 0x08;
        f[17] = 0x00; // protocol: IPv4
        f[18] = 6;
        f[19] = 4;
        f[20] = 0;
        f[21] = (byte) operation;
        put48(f, 22, senderMac);
        put32(f, 28, TapNetwork.KERNEL_ADDRESS.bits());
        put48(f, 32, targetMac);
        put32(f, 38, targetIp);
        return f;
    }

    private static void put48(byte[] b, int at, long v) {
        for (int i = 0; i < 6; i++) {
            b[at + i] = (byte) (v >>> (40 - 8 * i));
        }
    }

    private static void put32(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (24 - 8 * i));
        }
    }

    private static long kernelMac(TapNetwork net) throws Exception {
        String link = net.ip("link", "show", TapNetwork.TAP);
        Matcher m = LINK_ADDRESS.matcher(link);
        assertTrue(m.find(), "no MAC in: " + link);
        return MacAddress.parse(m.group(1)).bits();
    }

    private static byte[] writeRandomFile(Path file, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int left = SIZE; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                sha.update(chunk);
                out.write(chunk);
            }
        }
        return sha.digest();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0 || head.size() >= 16 * 1024) {
                throw new IOException("bad response header: " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
