package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import teacup.dns.StubResolver;
import teacup.stack.NetStack;
import teacup.wire.Ipv4Address;

/**
 * teacup's stub resolver against dnsmasq, a real DNS server, running on the kernel side of the
 * TAP in the test's private namespace: host records, a CNAME chain, NXDOMAIN, an answer too big
 * for UDP that must come over TCP, and a dead first server.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("interop: DNS through dnsmasq")
class DnsInteropTest {
    private static final long SEED = 0x5eed_0d25L;
    /** Sixty addresses: about 1 KB of answer, twice what UDP may carry without EDNS. */
    private static final int BIG = 60;
    private static final StubResolver.Settings SETTINGS = StubResolver.Settings.defaults()
            .withTimeout(Duration.ofMillis(1500)).withCacheSize(0);

    private TapNetwork net;
    private NetStack stack;
    private TapNetwork.Background dnsmasq;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ss", "dnsmasq");
        net = TapNetwork.create();
        stack = net.startStack(SEED);
        List<String> argv = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file",
                "--user=nobody", "--group=nogroup", "--no-resolv", "--no-hosts", "--log-queries",
                "--listen-address=" + TapNetwork.KERNEL, "--bind-interfaces", "--port=53", "--local-ttl=60",
                "--local=/teacup.test/", "--address=/blocked.test/",
                "--host-record=web.teacup.test,198.18.0.80",
                "--host-record=multi.teacup.test,198.18.0.81", "--host-record=multi.teacup.test,198.18.0.82",
                "--cname=www.teacup.test,alias.teacup.test", "--cname=alias.teacup.test,web.teacup.test"));
        for (int i = 1; i <= BIG; i++) {
            argv.add("--host-record=big.teacup.test,198.18.1." + i);
        }
        dnsmasq = net.start(argv.toArray(String[]::new));
        net.awaitUdpListener(53, Duration.ofSeconds(10));
        net.awaitTcpListener(53, Duration.ofSeconds(10));
    }

    @AfterAll
    void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    private StubResolver resolver(Ipv4Address... servers) {
        return new StubResolver(stack, List.of(servers), new SplittableRandom(SEED), SETTINGS);
    }

    private String log() {
        return dnsmasq == null ? "" : " dnsmasq said:\n" + dnsmasq.stderrText();
    }

    @Test
    @DisplayName("RFC 1035 4.1.3: a host record's address comes back over teacup's UDP")
    void hostRecord() throws Exception {
        StubResolver r = resolver(TapNetwork.KERNEL_ADDRESS);
        assertEquals(List.of(Ipv4Address.parse("198.18.0.80")), r.resolve("web.teacup.test"), log());
        assertEquals(1, r.queriesSent());
        assertEquals(0, r.repliesIgnored());
    }

    @Test
    @DisplayName("RFC 1035 4.1.3: both addresses of a name with two")
    void twoAddresses() throws Exception {
        List<Ipv4Address> got = resolver(TapNetwork.KERNEL_ADDRESS).resolve("multi.teacup.test");
        assertEquals(2, got.size(), log());
        assertTrue(got.containsAll(List.of(Ipv4Address.parse("198.18.0.81"), Ipv4Address.parse("198.18.0.82"))), got.toString());
    }

    @Test
    @DisplayName("RFC 1034 3.6.2: www -> alias -> web followed through dnsmasq's compressed CNAME chain")
    void cnameChain() throws Exception {
        assertEquals(List.of(Ipv4Address.parse("198.18.0.80")), resolver(TapNetwork.KERNEL_ADDRESS).resolve("www.teacup.test"), log());
    }

    @Test
    @DisplayName("RFC 1035 4.1.1: NXDOMAIN from dnsmasq is UnknownHostException with a one-line reason")
    void nxdomain() {
        StubResolver r = resolver(TapNetwork.KERNEL_ADDRESS);
        UnknownHostException e = assertThrows(UnknownHostException.class, () -> r.resolve("nosuch.teacup.test"));
        assertEquals("nosuch.teacup.test: no such host (NXDOMAIN from " + TapNetwork.KERNEL + ")", e.getMessage(), log());
        UnknownHostException blocked = assertThrows(UnknownHostException.class, () -> r.resolve("www.blocked.test"));
        assertTrue(blocked.getMessage().contains("no such host"), blocked.getMessage());
    }

    @Test
    @DisplayName("RFC 1035 4.2.1, RFC 7766: dnsmasq truncates sixty addresses over UDP; teacup gets all of them over TCP")
    void truncatedOverTcp() throws Exception {
        StubResolver r = resolver(TapNetwork.KERNEL_ADDRESS);
        List<Ipv4Address> got = r.resolve("big.teacup.test");
        assertEquals(BIG, got.size(), got + log());
        for (int i = 1; i <= BIG; i++) {
            assertTrue(got.contains(Ipv4Address.parse("198.18.1." + i)), "198.18.1." + i + " in " + got);
        }
        assertEquals(2, r.queriesSent(), "one over UDP, one over TCP");
    }

    @Test
    @DisplayName("RFC 1035 7.2: with a dead first server, dnsmasq second in the list answers after one timeout")
    void deadFirstServer() throws Exception {
        StubResolver r = resolver(Ipv4Address.parse("198.18.0.9"), TapNetwork.KERNEL_ADDRESS);
        assertEquals(List.of(Ipv4Address.parse("198.18.0.80")), r.resolve("web.teacup.test"), log());
        assertEquals(2, r.queriesSent());
    }

    @Test
    @DisplayName("fifty names in a row, each answered (each query from a fresh port with a fresh ID)")
    void manyInARow() throws Exception {
        StubResolver r = resolver(TapNetwork.KERNEL_ADDRESS);
        for (int i = 0; i < 50; i++) {
            String name = i % 2 == 0 ? "web.teacup.test" : "www.teacup.test";
            assertEquals(List.of(Ipv4Address.parse("198.18.0.80")), r.resolve(name), "query " + i + log());
        }
        assertEquals(50, r.queriesSent());
        assertEquals(0, r.repliesIgnored());
    }
}
