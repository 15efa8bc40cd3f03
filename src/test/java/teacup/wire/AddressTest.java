package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressTest {
    @Test
    void ipv4ParseAndFormat() {
        assertEquals(0xc6120002, Ipv4Address.parse("198.18.0.2").bits());
        assertEquals("198.18.0.2", Ipv4Address.parse("198.18.0.2").toString());
        assertEquals("0.0.0.0", Ipv4Address.ANY.toString());
        assertEquals("255.255.255.255", Ipv4Address.BROADCAST.toString());
        assertEquals("127.0.0.1", Ipv4Address.format(0x7f000001));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "a.b.c.d", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.-4", "+1.2.3.4", "1234.1.1.1", "1.2.3.4.", "0x1.2.3.4"})
    void ipv4Rejects(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void ipv4RejectsNonAsciiDigits() {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("\u0661\u0662\u0667.0.0.1"));
    }

    @Property
    void ipv4FormatThenParseIsIdentity(@ForAll int bits) {
        assertEquals(bits, Ipv4Address.parse(Ipv4Address.format(bits)).bits());
    }

    @Test
    void masksAndMulticast() {
        assertEquals(0, Ipv4Address.mask(0));
        assertEquals(0xff000000, Ipv4Address.mask(8));
        assertEquals(0xfffe0000, Ipv4Address.mask(15));
        assertEquals(-1, Ipv4Address.mask(32));
        assertTrue(Ipv4Address.isMulticast(0xe0000001));
        assertTrue(Ipv4Address.isMulticast(0xefffffff));
        assertFalse(Ipv4Address.isMulticast(0xdfffffff));
        assertFalse(Ipv4Address.isMulticast(0xf0000000));
    }

    @Test
    void macParseAndFormat() {
        assertEquals(0x02_00_00_aa_bb_ccL, MacAddress.parse("02:00:00:aa:bb:cc").bits());
        assertEquals(0x02_00_00_aa_bb_ccL, MacAddress.parse("02-00-00-AA-BB-CC").bits());
        assertEquals(0x0a_00_00_00_00_01L, MacAddress.parse("a:0:0:0:0:1").bits());
        assertEquals("02:00:00:aa:bb:cc", new MacAddress(0x02_00_00_aa_bb_ccL).toString());
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.BROADCAST.toString());
        assertEquals("00:00:00:00:00:00", MacAddress.ZERO.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "02:00:00:aa:bb", "02:00:00:aa:bb:cc:dd", "02:00:00:aa:bb:ccc", "02:00:00:aa:bb:",
        "gg:00:00:00:00:00", "02 00 00 aa bb cc", "+2:00:00:aa:bb:cc"})
    void macRejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
    }

    @Test
    void macWiderThan48BitsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(-1));
    }

    @Property
    void macFormatThenParseIsIdentity(@ForAll long random) {
        long bits = random & MacAddress.BROADCAST_BITS;
        assertEquals(bits, MacAddress.parse(MacAddress.format(bits)).bits());
    }

    @Property
    void randomLocalIsUnicastAndLocallyAdministered(@ForAll long seed) {
        MacAddress mac = MacAddress.randomLocal(new SplittableRandom(seed));
        assertFalse(MacAddress.isMulticast(mac.bits()));
        assertTrue((mac.bits() & (1L << 41)) != 0);
    }

    @Test
    void macMulticast() {
        assertTrue(MacAddress.isMulticast(MacAddress.BROADCAST_BITS));
        assertTrue(MacAddress.isMulticast(0x01_00_5e_00_00_01L));
        assertFalse(MacAddress.isMulticast(0x02_00_00_00_00_01L));
    }
}
