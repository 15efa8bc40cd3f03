package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.ping.Pinger;
import teacup.stack.NetStack;
import teacup.stats.Counter;

/**
 * ICMP echo and ARP between teacup and the Linux kernel, each side asking the other, over a TAP
 * in a private namespace. One stack serves every test in the class.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("interop: ping and ARP with the Linux kernel")
class KernelPingInteropTest {
    private TapNetwork net;
    private NetStack stack;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ping");
        net = TapNetwork.create();
        stack = net.startStack(0x5eed_0001L);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    private String describe(SystemCommand.Result r) {
        return "exit " + r.exitCode() + "\nstdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr()
                + "\nteacup counters: " + stack.statistics() + "\nstack failure: " + stack.failure();
    }

    @Test
    @DisplayName("RFC 792/1122 3.2.2.6: the kernel's 50 quick pings (10 ms apart) are all answered")
    void kernelPingsTeacupFiftyTimes() throws Exception {
        long answeredBefore = get(net.counters(), Counter.ICMP_ECHO_ANSWERED);

        SystemCommand.Result r = net.run(Duration.ofSeconds(30),
                "ping", "-n", "-c", "50", "-i", "0.01", "-W", "2", TapNetwork.TEACUP);

        assertEquals(0, r.exitCode(), describe(r));
        assertTrue(r.stdout().contains("50 packets transmitted, 50 received"), describe(r));
        assertTrue(r.stdout().contains(" 0% packet loss"), describe(r));
        long answered = get(net.counters(), Counter.ICMP_ECHO_ANSWERED) - answeredBefore;
        assertTrue(answered >= 50, "teacup counted " + answered + " echo requests answered");
        assertNull(stack.failure());
    }

    @Test
    @DisplayName("RFC 791 3.2: 4000-byte pings arrive fragmented, are reassembled, and the replies go back fragmented")
    void kernelPingsTeacupWithFragmentedPackets() throws Exception {
        Map<Counter, Long> before = net.counters();

        SystemCommand.Result r = net.run(Duration.ofSeconds(20),
                "ping", "-n", "-c", "3", "-i", "0.2", "-s", "4000", "-W", "2", TapNetwork.TEACUP);

        assertEquals(0, r.exitCode(), describe(r));
        assertTrue(r.stdout().contains("3 packets transmitted, 3 received"), describe(r));
        // ping(8) prints the reply size: 4008 bytes of ICMP means teacup echoed all the data back.
        assertTrue(r.stdout().contains("4008 bytes from " + TapNetwork.TEACUP), describe(r));
        Map<Counter, Long> after = net.counters();
        long reassembled = get(after, Counter.DATAGRAMS_REASSEMBLED) - get(before, Counter.DATAGRAMS_REASSEMBLED);
        long fragmentsSent = get(after, Counter.FRAGMENTS_SENT) - get(before, Counter.FRAGMENTS_SENT);
        assertTrue(reassembled >= 3, "datagrams reassembled: " + reassembled);
        // A 4028-byte packet over a 1500-byte MTU takes three fragments.
        assertTrue(fragmentsSent >= 9, "fragments sent: " + fragmentsSent);
        assertEquals(0, stack.call(() -> stack.ip().reassembliesInProgress()), "reassemblies left part-way");
    }

    @Test
    @DisplayName("RFC 826: the kernel resolves teacup's address by ARP and caches teacup's MAC")
    void kernelResolvesTeacupByArp() throws Exception {
        // Forget what the kernel may have learned in earlier tests, so it has to ask again.
        net.ip("neigh", "flush", "dev", TapNetwork.TAP);
        long answeredBefore = get(net.counters(), Counter.ARP_REQUEST_ANSWERED);

        SystemCommand.Result r = net.run(Duration.ofSeconds(15),
                "ping", "-n", "-c", "1", "-W", "2", TapNetwork.TEACUP);

        assertEquals(0, r.exitCode(), describe(r));
        String neighbours = net.ip("neigh", "show", TapNetwork.TEACUP, "dev", TapNetwork.TAP);
        assertTrue(neighbours.contains("lladdr " + TapNetwork.TEACUP_MAC), "kernel's neighbour table: " + neighbours);
        assertTrue(get(net.counters(), Counter.ARP_REQUEST_ANSWERED) > answeredBefore,
                "teacup answered no ARP request; counters " + net.counters());
        assertTrue(get(net.counters(), Counter.ARP_ANNOUNCEMENTS_SENT) >= 1, "no RFC 5227 announcement sent");
    }

    @Test
    @DisplayName("teacup pings the kernel 20 times at 10 ms and gets 20 replies")
    void teacupPingsTheKernel() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

        Pinger.Summary s = new Pinger(stack, out).ping(TapNetwork.KERNEL_ADDRESS, 20, 10_000_000L, 56, 2_000_000_000L);

        String text = printed.toString(StandardCharsets.UTF_8);
        assertEquals(20, s.transmitted(), text);
        assertEquals(20, s.received(), text);
        assertEquals(0, s.lossPercent(), text);
        assertTrue(text.contains("20 packets transmitted, 20 received, 0% packet loss"), text);
        assertTrue(text.contains("64 bytes from " + TapNetwork.KERNEL + ": icmp_seq=20 ttl=64"), text);
        assertTrue(stack.call(() -> stack.ip().knows(TapNetwork.KERNEL_ADDRESS.bits(), stack.clock().nanos())),
                "teacup did not cache the kernel's MAC");
    }
}
