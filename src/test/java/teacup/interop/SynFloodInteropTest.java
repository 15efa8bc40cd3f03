package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.http.AccessLog;
import teacup.http.FileServer;
import teacup.os.NetworkNamespace;
import teacup.os.PacketSocket;
import teacup.socket.TeacupServerSocketFactory;
import teacup.stack.NetStack;
import teacup.stats.Counter;
import teacup.tcp.ListenerStatus;
import teacup.tcp.TcpConnection;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.MacAddress;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * Issue 11's SYN flood, from the kernel side of a TAP in a private namespace, against the
 * {@link FileServer} on a teacup listener (as {@code teacup serve} makes it): 200,000 SYNs at
 * 20,000 a second, written as raw Ethernet frames into the kernel side of the TAP through an
 * AF_PACKET socket, from sources drawn at random in 198.18.0.0/15 only, half of them on-link (in
 * the TAP's /24, from made-up MACs, so teacup's answers wait on ARP that never comes) and half
 * off-link (beyond it, from the kernel's MAC, so teacup answers through its gateway, the kernel,
 * which drops them). Meanwhile curl in the namespace fetches a 4 KB file in a loop with
 * {@code --max-time}; afterwards it goes on fetching. Every fetch must succeed, during and after;
 * once the half-open connections have given up, none is left, and the heap after GC is back near
 * where it started. Figures are printed: fetches and their latencies, SYNs sent, cookies sent.
 */
@Tag("interop")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup serve under a spoofed SYN flood from the kernel side")
class SynFloodInteropTest {
    private static final int PORT = 8080;
    private static final String FILE = "4k.bin";
    private static final int SYNS = 200_000;
    private static final int PER_SECOND = 20_000;
    /** SYNs written per pacing step (1 ms at 20,000 a second). */
    private static final int STEP = PER_SECOND / 1000;
    /** The flood stops after this however many it sent (a slow machine sends fewer). */
    private static final Duration FLOOD_BOUND = Duration.ofSeconds(30);
    private static final int FETCHES_AFTER = 20;
    private static final int MAX_TIME_SECONDS = 10;
    /** Heap growth after GC allowed once the flood is over (the file server's caches, the JIT's data). */
    private static final long HEAP_MARGIN = 32_000_000L;
    private static final Pattern LINK_ADDRESS = Pattern.compile("link/ether ([0-9a-f:]{17})");

    record Fetch(boolean duringFlood, int exitCode, String output, double seconds) {
        boolean ok() {
            return exitCode == 0 && output.startsWith("200 ");
        }
    }

    @Test
    @DisplayName("RFC 4987: 200,000 spoofed SYNs at 20,000/s, on-link and off-link: every fetch succeeds during and after, nothing half-open is left, the heap comes back")
    void everyFetchSucceedsUnderFlood() throws Exception {
        TapNetwork.requireRoot("creates a network namespace, a TAP device and a raw packet socket");
        TapNetwork.requirePrograms("ip", "curl");
        long seed = Long.getLong("teacup.interop.seed", System.nanoTime());
        System.out.println("syn flood: seed " + seed + " (rerun with -Dteacup.interop.seed=" + seed + ")");
        Path dir = Files.createTempDirectory("teacup-synflood-");
        byte[] body = new byte[4096];
        new SplittableRandom(seed).nextBytes(body);
        Files.write(dir.resolve(FILE), body);
        try (TapNetwork net = TapNetwork.create()) {
            NetStack stack = net.startStack(seed);
            ServerSocket listener = new TeacupServerSocketFactory(stack).createServerSocket(PORT);
            FileServer server = FileServer.start(listener, FileServer.Settings.of(dir), AccessLog.discard());
            try {
                run(net, stack, seed);
            } finally {
                server.close();
            }
        } finally {
            Files.deleteIfExists(dir.resolve(FILE));
            Files.deleteIfExists(dir);
        }
    }

    private void run(TapNetwork net, NetStack stack, long seed) throws Exception {
        long kernelMac = kernelMac(net);
        for (int i = 0; i < 5; i++) {
            assertTrue(fetch(net, false).ok(), "warm-up fetch"); // also teaches each side the other's MAC
        }
        long heapBefore = LoadClients.heapAfterGc();
        int connectionsBefore = stack.call(() -> stack.tcp().connectionCount());

        List<Fetch> fetches = new ArrayList<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        Thread client = Thread.ofVirtual().start(() -> {
            while (flooding.get()) {
                try {
                    Fetch f = fetch(net, true);
                    synchronized (fetches) {
                        fetches.add(f);
                    }
                } catch (Exception e) {
                    synchronized (fetches) {
                        fetches.add(new Fetch(true, -2, e.toString(), 0));
                    }
                }
            }
        });
        long floodStart = System.nanoTime();
        int sent;
        try (PacketSocket kernelSide = NetworkNamespace.callIn(net.namespace(), () -> PacketSocket.open(TapNetwork.TAP))) {
            sent = flood(kernelSide, kernelMac, new SplittableRandom(seed ^ 0x5f5f));
        } finally {
            flooding.set(false);
            client.join(Duration.ofSeconds(MAX_TIME_SECONDS + 5));
        }
        double floodSeconds = (System.nanoTime() - floodStart) / 1e9;
        Map<Counter, Long> atEnd = net.counters();
        int halfOpenAtEnd = halfOpen(stack);

        for (int i = 0; i < FETCHES_AFTER; i++) {
            fetches.add(fetch(net, false));
        }
        // RFC 4987 3.3: the half-open connections give up (5 SYN-ACK retransmissions, about 63 s).
        boolean drained = TapNetwork.waitUntil(Duration.ofSeconds(90), () -> {
            try {
                return halfOpen(stack) == 0;
            } catch (Exception e) {
                return false;
            }
        });
        fetches.add(fetch(net, false));
        int connectionsAfter = stack.call(() -> stack.tcp().connectionCount(TcpConnection.State.SYN_RECEIVED));
        long heapAfter = LoadClients.heapAfterGc();
        Map<Counter, Long> counters = net.counters();

        List<Fetch> during = fetches.stream().filter(Fetch::duringFlood).toList();
        List<Fetch> after = fetches.stream().filter(f -> !f.duringFlood()).toList();
        String report = String.format(
                "%d SYNs in %.1f s (%.0f/s); fetches during %d (%s), after %d (%s); half-open at the flood's end %d,"
                        + " drained %b; cookies sent %d, accepted %d, rejected %d; SYNs dropped (backlog) %d;"
                        + " ARP requests %d, limited %d, unheld packets %d, ARP queue full %d; TAP receive drops %d;"
                        + " connections before %d, half-open after %d; heap %s before, %s after",
                sent, floodSeconds, sent / floodSeconds, during.size(), latencies(during), after.size(), latencies(after),
                halfOpenAtEnd, drained, get(counters, Counter.TCP_SYN_COOKIES_SENT),
                get(counters, Counter.TCP_SYN_COOKIES_ACCEPTED), get(counters, Counter.TCP_SYN_COOKIES_REJECTED),
                get(counters, Counter.DROP_TCP_BACKLOG_FULL), get(counters, Counter.ARP_REQUESTS_SENT),
                get(counters, Counter.ARP_SOLICITATIONS_LIMITED), get(counters, Counter.OUT_ARP_UNRESOLVED),
                get(counters, Counter.OUT_ARP_QUEUE_FULL), net.tap().receiveDropped(), connectionsBefore, connectionsAfter,
                LoadClients.mb(heapBefore), LoadClients.mb(heapAfter));
        System.out.println("syn flood: " + report);
        List<Fetch> failed = fetches.stream().filter(f -> !f.ok()).toList();

        assertNull(stack.failure(), report);
        assertEquals(SYNS, sent, "the flood was cut short by its time bound: " + report);
        assertTrue(during.size() >= 3, "too few fetches during the flood to prove much: " + report);
        assertEquals(List.of(), failed, "fetches that failed: " + report);
        assertTrue(get(atEnd, Counter.TCP_SYN_COOKIES_SENT) > 0, "the SYN queue never filled: " + report);
        assertTrue(drained, "half-open connections were left: " + report);
        assertEquals(0, connectionsAfter, report);
        assertTrue(heapAfter - heapBefore < HEAP_MARGIN, "the heap did not come back: " + report);
    }

    /** One fetch by curl in the namespace; its HTTP code and total time. */
    private static Fetch fetch(TapNetwork net, boolean duringFlood) throws Exception {
        long start = System.nanoTime();
        SystemCommand.Result r = net.run(Duration.ofSeconds(MAX_TIME_SECONDS + 5), "curl", "-s", "-o", "/dev/null",
                "--max-time", String.valueOf(MAX_TIME_SECONDS), "-w", "%{http_code} %{time_total}",
                "http://" + TapNetwork.TEACUP + ":" + PORT + "/" + FILE);
        return new Fetch(duringFlood, r.exitCode(), r.stdout().strip(), (System.nanoTime() - start) / 1e9);
    }

    private static int halfOpen(NetStack stack) throws Exception {
        return stack.call(() -> stack.tcp().listenerStatus().stream().mapToInt(ListenerStatus::halfOpen).sum());
    }

    private static String latencies(List<Fetch> fs) {
        if (fs.isEmpty()) {
            return "none";
        }
        double[] s = fs.stream().mapToDouble(Fetch::seconds).sorted().toArray();
        return String.format("latency min %.3f s, median %.3f s, max %.3f s", s[0], s[s.length / 2], s[s.length - 1]);
    }

    /**
     * Writes {@link #SYNS} spoofed SYNs at {@link #PER_SECOND}, paced in 1 ms steps and bounded by
     * {@link #FLOOD_BOUND}; returns how many the kernel took.
     */
    private static int flood(PacketSocket kernelSide, long kernelMac, SplittableRandom random) {
        byte[] frame = new byte[EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + 60];
        TcpOptions options = new TcpOptions();
        int onLink = TapNetwork.KERNEL_ADDRESS.bits() & 0xffffff00;
        int prefix = TapNetwork.KERNEL_ADDRESS.bits() & 0xfffe0000; // 198.18.0.0/15
        int teacup = TapNetwork.TEACUP_ADDRESS.bits();
        long start = System.nanoTime();
        long deadline = start + FLOOD_BOUND.toNanos();
        int sent = 0;
        for (int i = 0; i < SYNS && System.nanoTime() < deadline; i++) {
            int source;
            long mac;
            if ((i & 1) == 0) {
                source = onLink | (3 + random.nextInt(251)); // .3 to .253: not the kernel, not teacup, not broadcast
                mac = 0x02_5f_00_00_00_00L | random.nextInt(1 << 24);
            } else {
                source = prefix | (256 + random.nextInt((1 << 17) - 256)); // beyond the /24
                mac = kernelMac;
            }
            options.clear().mss(1460).sackPermitted(true).timestamps(random.nextInt(), 0).windowScale(7);
            int header = TcpSegment.headerLength(options);
            int tcp = TcpSegment.write(frame, EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH,
                    1024 + random.nextInt(64000), PORT, random.nextInt(), 0, TcpSegment.SYN, 64240, 0, options, 0, source, teacup);
            Ipv4Packet.write(frame, EthernetFrame.HEADER_LENGTH, tcp, random.nextInt(0x10000), Ipv4Packet.FLAG_DONT_FRAGMENT, 64,
                    Ipv4Packet.PROTOCOL_TCP, source, teacup);
            EthernetFrame.write(frame, 0, TapNetwork.TEACUP_MAC.bits(), mac, EthernetFrame.TYPE_IPV4);
            int length = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + header;
            if (kernelSide.send(frame, 0, length) == length) {
                sent++;
            }
            if ((i + 1) % STEP == 0) {
                long due = start + (long) (i + 1) * 1_000_000_000L / PER_SECOND;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
        return sent;
    }

    private static long kernelMac(TapNetwork net) throws Exception {
        String link = net.ip("link", "show", TapNetwork.TAP);
        Matcher m = LINK_ADDRESS.matcher(link);
        assertTrue(m.find(), "no MAC in: " + link);
        return MacAddress.parse(m.group(1)).bits();
    }
}
