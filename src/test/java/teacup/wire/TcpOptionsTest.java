package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TcpOptionsTest {
    /** The option list of a Linux SYN (tiniest-session frame 1): MSS, SACK-permitted, timestamps, NOP, window scale. */
    private static final String LINUX_SYN = "0204400c" + "0402" + "080a02dbfca100000000" + "01" + "030307";

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static Defect parse(TcpOptions o, String s) {
        byte[] b = hex(s);
        return o.parse(b, 0, b.length);
    }

    private static String encode(TcpOptions o) {
        byte[] b = new byte[64];
        int n = o.write(b, 0);
        assertEquals(o.encodedLength(), n);
        return HexFormat.of().formatHex(b, 0, n);
    }

    @Nested
    class Parsing {
        @Test
        void linuxSyn() {
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, parse(o, LINUX_SYN));
            assertTrue(o.hasMss());
            assertEquals(16396, o.mss());
            assertTrue(o.sackPermitted());
            assertTrue(o.hasTimestamps());
            assertEquals(47971489, o.tsVal());
            assertEquals(0, o.tsEcr());
            assertTrue(o.hasWindowScale());
            assertEquals(7, o.windowScale());
            assertEquals(0, o.sackBlockCount());
        }

        @Test
        void emptyListHasNoOptions() {
            TcpOptions o = new TcpOptions().mss(1);
            assertEquals(Defect.NONE, o.parse(new byte[0], 0, 0));
            assertTrue(o.isEmpty(), "parse clears what was there before");
        }

        @Test
        void parseForgetsThePreviousSegment() {
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, parse(o, LINUX_SYN));
            assertEquals(Defect.NONE, parse(o, "0101080a 00000001 00000002"));
            assertEquals(new TcpOptions().timestamps(1, 2), o);
        }

        @Test
        @DisplayName("RFC 9293 3.2, MUST-4, MUST-64: EOL, NOP and MSS are understood at any alignment (MSS at offset 3); nothing after end-of-list is read")
        void nopAndEndOfList() {
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, parse(o, "01 01 01 02 04 05 b4 00 02 04 ff ff"));
            assertEquals(1460, o.mss(), "the MSS before EOL counts");
            assertEquals(Defect.NONE, parse(o, "00 02 04 05 b4"));
            assertFalse(o.hasMss(), "the MSS after EOL is padding");
            assertEquals(Defect.NONE, parse(o, "00 ff"), "garbage after EOL is not parsed at all");
        }

        @Test
        @DisplayName("RFC 9293 MUST-6: unknown options are skipped by their length")
        void unknownKindsAreSkipped() {
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, parse(o, "fe 06 f9 89 aa bb  02 04 05 b4  1e 02  13 12" + "00".repeat(16)));
            assertEquals(1460, o.mss());
            assertTrue(o.isEmpty() == false);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
            "02 00 05 b4",         // length zero
            "02 01 05 b4",         // length one
            "fe 00",               // unknown kind, length zero: would loop forever if accepted
            "fe 01 00 00",         // unknown kind, length one
            "01 01 01 02",         // kind in the last byte, no room for its length
            "08 0a 00 00 00 01",   // runs past the end
            "fe 05 00 00",         // unknown kind running past the end
        })
        @DisplayName("RFC 9293 MUST-7: an illegal option length is rejected, not trusted")
        void illegalLengths(String list) {
            assertEquals(Defect.BAD_OPTION, parse(new TcpOptions(), list));
            byte[] b = hex(list);
            assertEquals(Defect.BAD_OPTION, TcpOptions.check(b, 0, b.length));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
            "02 03 05 01",          // MSS is 4 bytes
            "02 05 05 b4 00 01 01 01",
            "03 02 01 01",          // window scale is 3 bytes
            "03 04 07 00",
            "04 03 00 01",          // SACK-permitted is 2 bytes
            "08 08 00 00 00 01 00 00", // timestamps are 10 bytes
            "08 0b 00 00 00 01 00 00 00 02 00 01",
            "05 02 01 01",          // SACK with no block
            "05 09 00 00 00 01 00 00 00 02 01 01", // SACK with a partial block
            "05 0b 00 00 00 01 00 00 00 02 00 01",
        })
        @DisplayName("RFC 9293 MUST-7: a known option of the wrong size is rejected")
        void wrongFixedSizes(String list) {
            assertEquals(Defect.BAD_OPTION, parse(new TcpOptions(), list));
        }

        @Test
        void fiveSackBlocksDoNotFit() {
            String five = "05 2a" + "00000001 00000002".repeat(5);
            assertEquals(Defect.BAD_OPTION, parse(new TcpOptions(), five));
        }

        @Test
        @DisplayName("RFC 2018 3: up to four SACK blocks, left and right edges")
        void sackBlocks() {
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, parse(o, "01 01 05 22 00000064 000000c8 0000012c 00000190 ffffff00 00000010 7fffffff 80000001"));
            assertEquals(4, o.sackBlockCount());
            assertEquals(100, o.sackLeft(0));
            assertEquals(200, o.sackRight(0));
            assertEquals(300, o.sackLeft(1));
            assertEquals(400, o.sackRight(1));
            assertEquals(0xffffff00, o.sackLeft(2));
            assertEquals(0x10, o.sackRight(2));
            assertEquals(0x80000001, o.sackRight(3));
            assertThrows(IndexOutOfBoundsException.class, () -> o.sackLeft(4));
            assertThrows(IndexOutOfBoundsException.class, () -> o.sackRight(-1));
            assertEquals("[sack=100-200,300-400,4294967040-16,2147483647-2147483649]", o.toString());
        }

        @Test
        @DisplayName("RFC 7323 2.3: a window scale above 14 is used as 14, and the clamp is remembered")
        void windowScaleIsClamped() {
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, parse(o, "01 03 03 0e"));
            assertEquals(14, o.windowScale());
            assertFalse(o.windowScaleClamped());
            assertEquals(Defect.NONE, parse(o, "01 03 03 0f"));
            assertEquals(14, o.windowScale());
            assertTrue(o.windowScaleClamped());
            assertEquals(Defect.NONE, parse(o, "01 03 03 ff"));
            assertEquals(14, o.windowScale());
            assertTrue(o.windowScaleClamped());
            assertEquals("[wscale=14(clamped)]", o.toString());
            assertEquals(Defect.NONE, parse(o, "01 03 03 00"));
            assertEquals(0, o.windowScale());
            assertFalse(o.windowScaleClamped(), "parse resets the clamp flag");
        }

        @Test
        void offsetAndLengthBoundTheList() {
            byte[] b = hex("ff ff 02 04 05 b4 02 04 ff ff");
            TcpOptions o = new TcpOptions();
            assertEquals(Defect.NONE, o.parse(b, 2, 4));
            assertEquals(1460, o.mss());
            assertEquals(Defect.BAD_OPTION, o.parse(b, 2, 6), "the second MSS is cut by len");
            assertEquals(Defect.TRUNCATED, o.parse(b, 8, 3));
            assertEquals(Defect.TRUNCATED, o.parse(b, -1, 2));
            assertEquals(Defect.TRUNCATED, o.parse(b, 0, -1));
        }
    }

    @Nested
    class Emitting {
        @Test
        @DisplayName("RFC 9293 MUST-68: a SYN's options come out in Linux's layout, 20 bytes, every option but NOP with its length")
        void synLayout() {
            TcpOptions o = new TcpOptions().mss(16396).sackPermitted(true).timestamps(47971489, 0).windowScale(7);
            assertEquals(20, o.encodedLength());
            assertEquals(LINUX_SYN, encode(o));
        }

        @Test
        void eachOptionAloneIsPaddedWithNops() {
            assertEquals("", encode(new TcpOptions()));
            assertEquals("020405b4", encode(new TcpOptions().mss(1460)));
            assertEquals("01010402", encode(new TcpOptions().sackPermitted(true)));
            assertEquals("01030305", encode(new TcpOptions().windowScale(5)));
            assertEquals("0101080a0000000100000002", encode(new TcpOptions().timestamps(1, 2)));
            assertEquals("0101050a0000000a00000014", encode(new TcpOptions().addSackBlock(10, 20)));
            assertEquals("0101080a000000010000000201010512000000010000000200000003ffffffff",
                    encode(new TcpOptions().timestamps(1, 2).addSackBlock(1, 2).addSackBlock(3, -1)));
        }

        @Test
        void fullOptionsOverflowTheHeader() {
            TcpOptions o = new TcpOptions().mss(1460).sackPermitted(true).timestamps(1, 2).windowScale(7);
            for (int i = 0; i < 4; i++) {
                o.addSackBlock(i, i + 1);
            }
            assertEquals(56, o.encodedLength());
            assertTrue(o.encodedLength() > TcpOptions.MAX_LENGTH);
            assertThrows(IllegalArgumentException.class, () -> TcpSegment.write(new byte[100], 0, 1, 2, 3, 4,
                    TcpSegment.ACK, 5, 0, o, 0, 1, 2));
            o.noTimestamps();
            assertEquals(48, o.encodedLength(), "SACK-permitted alone takes its own 4-byte slot");
            o.sackPermitted(false).windowScale(0);
            o.clearSackBlocks().addSackBlock(1, 2).addSackBlock(3, 4).addSackBlock(5, 6);
            assertTrue(o.encodedLength() <= TcpOptions.MAX_LENGTH);
        }

        @Test
        void settersRejectWhatCannotBeSent() {
            TcpOptions o = new TcpOptions();
            assertThrows(IllegalArgumentException.class, () -> o.mss(-1));
            assertThrows(IllegalArgumentException.class, () -> o.mss(65536));
            assertThrows(IllegalArgumentException.class, () -> o.windowScale(15), "RFC 7323 2.3: never send above 14");
            assertThrows(IllegalArgumentException.class, () -> o.windowScale(-1));
            for (int i = 0; i < 4; i++) {
                o.addSackBlock(i, i);
            }
            assertThrows(IllegalStateException.class, () -> o.addSackBlock(9, 9));
            assertTrue(new TcpOptions().mss(0).hasMss());
        }

        @Test
        void writesAtAnOffset() {
            byte[] b = new byte[12];
            assertEquals(4, new TcpOptions().mss(1460).write(b, 8));
            assertEquals("0000000000000000020405b4", HexFormat.of().formatHex(b));
        }
    }

    @Nested
    class Values {
        @Test
        void equalityIgnoresWhatIsAbsent() {
            TcpOptions a = new TcpOptions().timestamps(5, 6).noTimestamps();
            assertEquals(new TcpOptions(), a);
            assertEquals(new TcpOptions().hashCode(), a.hashCode());
            assertNotEquals(new TcpOptions().mss(1), new TcpOptions().mss(2));
            assertNotEquals(new TcpOptions().addSackBlock(1, 2), new TcpOptions().addSackBlock(1, 3));
            assertNotEquals(new TcpOptions().sackPermitted(true), new TcpOptions());
            assertNotEquals(new TcpOptions(), "[]");
        }

        @Test
        void copyFromMakesAnEqualIndependentCopy() {
            TcpOptions a = new TcpOptions().mss(1).windowScale(2).sackPermitted(true).timestamps(3, 4).addSackBlock(5, 6);
            TcpOptions b = new TcpOptions().copyFrom(a);
            assertEquals(a, b);
            assertEquals(a.hashCode(), b.hashCode());
            b.addSackBlock(7, 8);
            assertNotEquals(a, b);
            assertEquals(1, a.sackBlockCount());
        }

        @Test
        void toStringIsReadable() {
            assertEquals("[]", new TcpOptions().toString());
            assertEquals("[mss=1460 wscale=7 sackOK ts=4294967295/1 sack=1-2]",
                    new TcpOptions().mss(1460).windowScale(7).sackPermitted(true).timestamps(-1, 1).addSackBlock(1, 2).toString());
        }
    }
}
