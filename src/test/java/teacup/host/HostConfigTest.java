package teacup.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import teacup.host.HostConfig.Cidr;
import teacup.wire.Ipv4Address;

/** The config file {@code teacup setup} writes: its format, round trip, and one-line errors. */
class HostConfigTest {
    @TempDir
    Path dir;

    private static HostConfig sample() {
        return new HostConfig("teacup0", Cidr.parse("198.19.123.2/24"), Ipv4Address.parse("198.19.123.1"),
                List.of(Ipv4Address.parse("198.19.123.1")), Cidr.parse("198.19.123.1/24"), Optional.of("alice"),
                "teacup_setup", Optional.of(Ipv4Address.parse("127.0.0.53")), "0", true);
    }

    @Test
    @DisplayName("format then parse gives the same config back, through a file too")
    void roundTrip() throws IOException {
        HostConfig c = sample();
        assertEquals(c, HostConfig.parse(c.format()));
        Path file = dir.resolve("config");
        c.store(file);
        assertEquals(Optional.of(c), HostConfig.load(file));
        assertFalse(Files.exists(dir.resolve("config.new")), "the temporary file was renamed into place");
    }

    @Test
    @DisplayName("optional keys may be left out; comments, blank lines and spacing are free")
    void optionalKeysAndComments() {
        HostConfig c = HostConfig.parse(String.join("\n",
                "# made by hand",
                "",
                "tap=tap7   # trailing comment",
                "  address =   10.9.0.2/30",
                "gateway = 10.9.0.1",
                "dns = 192.0.2.53, 192.0.2.54",
                "host-address = 10.9.0.1/30",
                "nft-table = t",
                "previous-ip-forward = 1"));
        assertEquals("tap7", c.tap());
        assertEquals(List.of(Ipv4Address.parse("192.0.2.53"), Ipv4Address.parse("192.0.2.54")), c.dns());
        assertEquals(Optional.empty(), c.owner());
        assertEquals(Optional.empty(), c.dnsRedirect());
        assertFalse(c.createdDirectory());
    }

    @Test
    @DisplayName("an empty dns line means no DNS server")
    void noDns() {
        HostConfig c = HostConfig.parse(sample().format().replace("dns = 198.19.123.1", "dns ="));
        assertEquals(List.of(), c.dns());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "tap = teacup0|tap = teacup0\\ntap = teacup1|line 4: 'tap' given twice",
        "tap = teacup0|colour = blue|line 3: unknown key 'colour'",
        "tap = teacup0|just words|line 3: expected KEY = VALUE",
        "address = 198.19.123.2/24|address = 198.19.123.2|not on one subnet",
        "address = 198.19.123.2/24|address = 198.19.300.2/24|not an IPv4 address",
        "previous-ip-forward = 0|previous-ip-forward = 2|previous-ip-forward must be 0 or 1",
        "nft-table = teacup_setup|nft-table = bad;table|not a usable nftables table name",
        "tap = teacup0|tap = a/b|not a usable interface name",
        "tap = teacup0|tap = teacup0-far-too-long|not a usable interface name",
        "created-directory = yes|created-directory = maybe|created-directory must be yes or no",
        "gateway = 198.19.123.1|# no gateway|missing 'gateway'",
    })
    void badFilesSayWhatIsWrong(String replace, String with, String expected) {
        String text = sample().format().replace(replace, with.replace("\\n", "\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostConfig.parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    @DisplayName("a missing file is no config; a bad one is an error naming the file")
    void loading() throws IOException {
        assertEquals(Optional.empty(), HostConfig.load(dir.resolve("absent")));
        Path bad = dir.resolve("bad");
        Files.writeString(bad, "tap = t0\n");
        IOException e = assertThrows(IOException.class, () -> HostConfig.load(bad));
        assertTrue(e.getMessage().startsWith(bad + ": missing"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} overlaps {1}: {2}")
    @CsvSource({
        "198.19.123.0/24, 198.19.123.7/32, true",
        "198.19.123.0/24, 198.19.0.0/16,   true",
        "198.19.123.0/24, 198.19.124.0/24, false",
        "198.19.123.0/24, 0.0.0.0/0,       true",
        "10.0.0.0/30,     10.0.0.4/30,     false",
    })
    void cidrOverlap(String a, String b, boolean overlap) {
        assertEquals(overlap, Cidr.parse(a).overlaps(Cidr.parse(b)));
        assertEquals(overlap, Cidr.parse(b).overlaps(Cidr.parse(a)));
    }

    @Test
    void cidrParts() {
        Cidr c = Cidr.parse("198.19.123.77/24");
        assertEquals("198.19.123.0/24", c.subnet().toString());
        assertEquals(Ipv4Address.parse("198.19.123.1"), c.host(1));
        assertEquals(Cidr.parse("192.0.2.1/32"), Cidr.parse("192.0.2.1"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("192.0.2.1/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("192.0.2.1/x"));
    }
}
