package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import teacup.cli.Main;
import teacup.dhcp.DhcpClient;
import teacup.dhcp.DhcpLease;
import teacup.dhcp.DhcpService;
import teacup.host.SystemCommand;
import teacup.ip.Interface;
import teacup.stack.NetStack;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * DHCP against a real server: dnsmasq on the kernel side of the TAP in the test's namespace
 * hands teacup a lease; teacup takes the address (the kernel can then ping it) and releases it
 * when the stack stops. Also {@code teacup ping --dhcp} end to end, and the one-line error when
 * no server answers.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@DisplayName("interop: DHCP with dnsmasq")
class DhcpInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final MacAddress MAC = MacAddress.parse("02:74:63:00:00:d1");
    private static final Ipv4Address RANGE_FIRST = Ipv4Address.parse("198.18.0.50");
    private static final Ipv4Address RANGE_LAST = Ipv4Address.parse("198.18.0.99");

    private TapNetwork net;
    private TapNetwork.Background dnsmasq;
    private Path leases;

    @BeforeAll
    void setUp() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ping", "dnsmasq", "ss");
        net = TapNetwork.create();
        leases = Files.createTempFile("teacup-dhcp-", ".leases");
        // --conf-file=/dev/null and an empty --pid-file keep the host's dnsmasq set-up out of it.
        dnsmasq = net.start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file", "--port=0",
                "--dhcp-range=198.18.0.50,198.18.0.99,255.255.255.0,1h",
                "--dhcp-option=3," + TapNetwork.KERNEL, "--dhcp-option=6," + TapNetwork.KERNEL,
                "--interface=" + TapNetwork.TAP, "--bind-interfaces", "--dhcp-leasefile=" + leases, "--log-dhcp");
        net.awaitUdpListener(DhcpClient.SERVER_PORT, WAIT);
    }

    @AfterAll
    void tearDown() throws Exception {
        try {
            if (net != null) {
                net.close();
            }
        } finally {
            if (leases != null) {
                Files.deleteIfExists(leases);
            }
        }
    }

    private String describe() {
        return "\ndnsmasq said:\n" + (dnsmasq == null ? "" : dnsmasq.stderrText());
    }

    private String leaseFile() throws IOException {
        return Files.readString(leases, StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("RFC 2131 3.1: teacup gets a lease from dnsmasq, uses its address, router and DNS, is pingable there, and releases it")
    void leaseFromDnsmasq() throws Exception {
        NetStack stack = new NetStack(net.openTap(), Interface.unconfigured(MAC, TapNetwork.MTU), Clock.SYSTEM,
                new SplittableRandom(0x5eed_00d1L)).start();
        DhcpLease lease;
        try {
            DhcpService dhcp = stack.call(() -> DhcpService.start(stack, stack.clock().nanos(),
                    DhcpClient.Settings.DEFAULT, new SplittableRandom(7)));
            lease = dhcp.awaitLease(WAIT.toNanos());
            assertNotNull(lease, "no lease within " + WAIT + describe());

            int address = lease.address().bits();
            assertTrue(Integer.compareUnsigned(address, RANGE_FIRST.bits()) >= 0
                    && Integer.compareUnsigned(address, RANGE_LAST.bits()) <= 0, "address in the range: " + lease);
            assertEquals(24, lease.prefixLength());
            assertEquals(TapNetwork.KERNEL_ADDRESS, lease.router());
            assertEquals(List.of(TapNetwork.KERNEL_ADDRESS), lease.dnsServers());
            assertEquals(TapNetwork.KERNEL_ADDRESS, lease.server());
            assertEquals(3600, lease.leaseSeconds());
            assertEquals(lease.toInterface(MAC, TapNetwork.MTU), stack.iface(), "the interface took the lease");
            assertTrue(leaseFile().contains(MAC.toString()), "dnsmasq recorded the lease: " + leaseFile());

            SystemCommand.Result ping = net.run(Duration.ofSeconds(20), "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2",
                    lease.address().toString());
            assertEquals(0, ping.exitCode(), "the kernel pings teacup at its leased address:\n" + ping.stdout() + ping.stderr());
        } finally {
            stack.close(); // sends the RELEASE
        }
        // RFC 2131 4.4.6: dnsmasq frees the address on the RELEASE and drops it from its lease file.
        assertTrue(TapNetwork.waitUntil(WAIT, () -> {
            try {
                return !leaseFile().contains(MAC.toString());
            } catch (IOException e) {
                return false;
            }
        }), "the release reached dnsmasq: " + leaseFile() + describe());
        assertTrue(dnsmasq.stderrText().contains("DHCPRELEASE"), describe());
    }

    @Test
    @DisplayName("a stack stopped right after its lease (no ARP for the server yet) still releases it")
    void releaseRightAfterLease() throws Exception {
        MacAddress mac = MacAddress.parse("02:74:63:00:00:d4");
        NetStack stack = new NetStack(net.openTap(), Interface.unconfigured(mac, TapNetwork.MTU), Clock.SYSTEM,
                new SplittableRandom(0x5eed_00d4L)).start();
        try {
            DhcpService dhcp = stack.call(() -> DhcpService.start(stack, stack.clock().nanos(),
                    DhcpClient.Settings.DEFAULT, new SplittableRandom(8)));
            assertNotNull(dhcp.awaitLease(WAIT.toNanos()), "no lease within " + WAIT + describe());
            assertTrue(leaseFile().contains(mac.toString()), leaseFile());
        } finally {
            stack.close();
        }
        assertTrue(TapNetwork.waitUntil(WAIT, () -> {
            try {
                return !leaseFile().contains(mac.toString());
            } catch (IOException e) {
                return false;
            }
        }), "the broadcast release reached dnsmasq: " + leaseFile() + describe());
    }

    @Test
    @DisplayName("teacup ping --dhcp: the command obtains a lease, pings the router, and exits 0")
    void pingWithDhcp() throws Exception {
        Outcome o = run("ping", "--netns", net.namespace(), "--tap", TapNetwork.TAP, "--dhcp", "--mac", "02:74:63:00:00:d2",
                "-c", "2", "-i", "0.2", TapNetwork.KERNEL);
        assertEquals(0, o.exitCode(), o + describe());
        assertTrue(o.out().contains("2 received"), o.toString());
        assertTrue(dnsmasq.stderrText().contains("DHCPACK"), describe());
    }

    @Test
    @DisplayName("no DHCP server: one clear line, 'no DHCP offer within N s', exit 1")
    void noServer() throws Exception {
        TapNetwork quiet = TapNetwork.create();
        try {
            Outcome o = run("ping", "--netns", quiet.namespace(), "--tap", TapNetwork.TAP, "--dhcp", "--dhcp-timeout", "2",
                    "-c", "1", TapNetwork.KERNEL);
            assertEquals(1, o.exitCode(), o.toString());
            assertEquals("teacup: no DHCP offer within 2 s", o.err().strip(), o.toString());
            assertFalse(o.err().contains("Exception"), o.toString());
        } finally {
            quiet.close();
        }
    }

    record Outcome(int exitCode, String out, String err) {}

    private static synchronized Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
