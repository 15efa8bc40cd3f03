package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import teacup.link.CoalescingLink;
import teacup.link.Link;
import teacup.link.TapLink;
import teacup.os.Errno;
import teacup.os.ErrnoException;
import teacup.os.ScratchNamespace;
import teacup.socket.TcpServerSocket;
import teacup.socket.TcpSocket;
import teacup.stack.NetStack;
import teacup.stats.Counter;

/**
 * A TAP that refuses offloads (IFF_VNET_HDR or TUNSETOFFLOAD failing, as on a kernel or device
 * that has none) when no one asked for them: the link falls back to plain frames under receive
 * coalescing, and carries the kernel's ping and a TCP stream byte for byte; asked for explicitly,
 * the refusal is the user's error. The refusal comes from a seam ({@link LinkOptions#tapOpener});
 * the TAP, the namespace and the kernel's programs are real.
 */
@Tag("interop")
class LinkOptionsOffloadRefusedTest {
    private static final String NEEDS_ROOT = "needs root: creates a TAP device in a private network namespace";
    private static final String DEV = "tcupr";

    @Command
    static final class Holder {
        @Mixin
        LinkOptions link;
    }

    private final List<Boolean> opened = new ArrayList<>();

    private LinkOptions options(ScratchNamespace ns, String... more) {
        List<String> args = new ArrayList<>(List.of("--tap", DEV, "--netns", ns.name(), "--ip", "198.18.0.2/24",
                "--mac", "02:00:5e:18:00:02"));
        args.addAll(List.of(more));
        Holder h = new Holder();
        new CommandLine(h).parseArgs(args.toArray(String[]::new));
        h.link.tapOpener = (name, mtu, offload, batch, cut) -> {
            opened.add(offload);
            if (offload) {
                throw new ErrnoException("TUNSETOFFLOAD " + name, Errno.EINVAL); // what a TAP without TSO4 answers
            }
            return TapLink.open(name, mtu, false, batch, cut);
        };
        return h.link;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void refusedByDefaultFallsBackToPlainFramesThatCarryPingAndTcp() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            LinkOptions options = options(ns);
            Link link = options.open();
            assertEquals(List.of(true, false), opened, "offloads first, then plain frames");
            assertInstanceOf(CoalescingLink.class, link, "plain frames go up through receive coalescing");
            assertEquals("TAP " + DEV + ": one frame per system call, receive coalescing", options.linkPath());
            try (NetStack stack = LinkOptions.startStack(link, options.iface())) {
                ns.ip("link", "set", DEV, "up");
                ns.ip("addr", "add", "198.18.0.1/24", "dev", DEV);
                Process ping = ns.start("ping", "-n", "-c", "3", "-i", "0.2", "-w", "10", "198.18.0.2");
                assertTrue(ping.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, ping.exitValue(), new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

                byte[] sent = new byte[16 << 20];
                new SplittableRandom(13).nextBytes(sent);
                Path file = Files.createTempFile("teacup-gro", ".bin");
                try {
                    Files.write(file, sent);
                    assertArrayEquals(sha256(sent), sha256(receiveFromKernel(ns, stack, file)), "the stream, byte for byte");
                } finally {
                    Files.deleteIfExists(file);
                }
                Map<Counter, Long> counters = stack.statistics();
                System.out.println("offloads refused, plain TAP under receive coalescing: " + counters);
                assertTrue(counters.getOrDefault(Counter.LINK_LARGE_FRAMES_MADE, 0L) > 0,
                        "the kernel's bursts were never joined: " + counters);
                assertTrue(counters.getOrDefault(Counter.LINK_FRAMES_COALESCED, 0L)
                        > 2 * counters.getOrDefault(Counter.LINK_LARGE_FRAMES_MADE, 0L), counters.toString());
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void refusedWhenAskedForIsTheUsersError() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            assertThrows(ErrnoException.class, () -> options(ns, "--offload").open());
            assertEquals(List.of(true), opened, "no quiet fallback from what the user asked for");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void noGroHandsThePlainTapUpUnwrapped() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), NEEDS_ROOT);
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            LinkOptions options = options(ns, "--no-gro");
            try (Link link = options.open()) {
                assertInstanceOf(TapLink.class, link);
                assertFalse(((TapLink) link).offload());
                assertEquals("TAP " + DEV + ": one frame per system call", options.linkPath());
            }
        }
    }

    /** socat in the namespace sends {@code file} to a teacup listener; returns what teacup read. */
    private static byte[] receiveFromKernel(ScratchNamespace ns, NetStack stack, Path file) throws Exception {
        try (TcpServerSocket listener = TcpServerSocket.bind(stack, 9001, 1)) {
            Process socat = ns.start("socat", "-u", "FILE:" + file, "TCP:198.18.0.2:9001");
            try (TcpSocket socket = listener.accept(Duration.ofSeconds(10))) {
                socket.setSoTimeout(Duration.ofSeconds(20));
                InputStream in = socket.getInputStream();
                return in.readAllBytes();
            } finally {
                assertTrue(socat.waitFor(20, TimeUnit.SECONDS), "socat did not finish");
            }
        }
    }

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }
}
