package teacup.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.host.HostConfig.Cidr;
import teacup.wire.Ipv4Address;

/** The parts of {@code teacup setup} that decide, without touching the host. */
class HostSetupTest {

    @Test
    @DisplayName("prefixes in use come from every route line, typed or not; default is passed over")
    void routedPrefixes() {
        String routes = String.join("\n",
                "default via 192.168.1.1 dev eth0 proto dhcp metric 100",
                "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.20",
                "198.19.123.0/24 dev teacup0 proto kernel scope link src 198.19.123.1",
                "local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1",
                "broadcast 192.168.1.255 dev eth0 table local proto kernel scope link src 192.168.1.20",
                "unreachable 10.66.0.0/16",
                "");
        assertEquals(List.of(Cidr.parse("192.168.1.0/24"), Cidr.parse("198.19.123.0/24"), Cidr.parse("127.0.0.1/32"),
                Cidr.parse("192.168.1.255/32"), Cidr.parse("10.66.0.0/16")), HostSetup.routedPrefixes(routes));
    }

    @Test
    @DisplayName("the first candidate subnet that overlaps nothing in use is chosen")
    void firstFreeSubnet() {
        List<Cidr> candidates = HostSetup.candidateSubnets();
        assertEquals(Cidr.parse("198.19.123.0/24"), candidates.getFirst());
        assertEquals(Optional.of(Cidr.parse("198.19.123.0/24")), HostSetup.firstFree(candidates, List.of()));
        assertEquals(Optional.of(Cidr.parse("198.19.125.0/24")), HostSetup.firstFree(candidates,
                List.of(Cidr.parse("198.19.123.0/24"), Cidr.parse("198.19.124.9/32"))));
        assertEquals(Optional.empty(), HostSetup.firstFree(candidates, List.of(Cidr.parse("198.18.0.0/15"))));
    }

    @Test
    @DisplayName("a plan puts the host at .1 (the gateway) and teacup at .2 of the subnet")
    void plan() {
        HostConfig c = HostSetup.plan("teacup0", Cidr.parse("10.7.7.5/29"), Optional.of("bob"), "teacup_setup",
                new ResolvConf.Choice(List.of(Ipv4Address.parse("192.0.2.53")), Optional.empty()), "0", false);
        assertEquals(Cidr.parse("10.7.7.2/29"), c.address());
        assertEquals(Cidr.parse("10.7.7.1/29"), c.hostAddress());
        assertEquals(Ipv4Address.parse("10.7.7.1"), c.gateway());
        assertEquals(List.of(Ipv4Address.parse("192.0.2.53")), c.dns());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostSetup.plan("teacup0",
                Cidr.parse("10.7.7.8/31"), Optional.empty(), "t", new ResolvConf.Choice(List.of(), Optional.empty()), "0", false));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
    }

    @Test
    @DisplayName("the nftables script replaces our table whole: masquerade, forward accepts, DNAT only with a redirect")
    void nftScript() {
        HostConfig plain = HostSetup.plan("teacup0", Cidr.parse("198.19.123.0/24"), Optional.empty(), "teacup_setup",
                new ResolvConf.Choice(List.of(Ipv4Address.parse("192.0.2.53")), Optional.empty()), "0", false);
        String script = HostSetup.nftScript(plain);
        assertTrue(script.startsWith("table inet teacup_setup {}\ndelete table inet teacup_setup\n"), script);
        assertTrue(script.contains("ip saddr 198.19.123.0/24 oifname != \"teacup0\" masquerade"), script);
        assertTrue(script.contains("iifname \"teacup0\" ip saddr 198.19.123.0/24 accept"), script);
        assertFalse(script.contains("dnat"), script);

        HostConfig redirected = HostSetup.plan("teacup0", Cidr.parse("198.19.123.0/24"), Optional.empty(), "teacup_setup",
                ResolvConf.choose(List.of(Ipv4Address.parse("127.0.0.53")), List.of(), Ipv4Address.parse("198.19.123.1")),
                "0", false);
        String withDns = HostSetup.nftScript(redirected);
        assertTrue(withDns.contains("iifname \"teacup0\" ip daddr 198.19.123.1 udp dport 53 dnat ip to 127.0.0.53"), withDns);
        assertTrue(withDns.contains("iifname \"teacup0\" ip daddr 198.19.123.1 tcp dport 53 dnat ip to 127.0.0.53"), withDns);
    }
}
