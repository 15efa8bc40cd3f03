package teacup.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import teacup.wire.Ipv4Address;

/**
 * DnsMessage against golden bytes. The dnsmasq messages were captured from dnsmasq 2.90
 * (--host-record web.teacup.test 198.18.0.80, multi.teacup.test twice, --cname www -> alias ->
 * web) answering python3's hand-built queries in a private namespace; the rest is assembled by hand.
 */
class DnsMessageTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The query python3 sent for www.teacup.test, ID 0x1234, RD set. */
    static final byte[] QUERY_WWW = HEX.parseHex("123401000001000000000000037777770674656163757004746573740000010001");
    /** dnsmasq's answer: www CNAME alias (owner a pointer to the question), alias CNAME web (owner a pointer to the first target), web A 198.18.0.80. */
    static final byte[] REPLY_WWW = HEX.parseHex("123485800001000300000000037777770674656163757004746573740000010001"
            + "c00c0005000100000000001305616c69617306746561637570047465737400"
            + "c02d000500010000000000110377656206746561637570047465737400"
            + "c04c00010001000000000004c6120050");
    /** dnsmasq's answer for multi.teacup.test: two A records, both owners pointers to the question. */
    static final byte[] REPLY_MULTI = HEX.parseHex("beef85800001000200000000056d756c74690674656163757004746573740000010001"
            + "c00c00010001000000000004c6120051c00c00010001000000000004c6120052");
    /** dnsmasq with no upstream refusing nosuch.teacup.test: 0x8185, REFUSED. */
    static final byte[] REPLY_REFUSED = HEX.parseHex("004281850001000000000000066e6f737563680674656163757004746573740000010001");

    private static DnsMessage wrapOk(byte[] b) {
        DnsMessage m = new DnsMessage();
        assertEquals(DnsDefect.NONE, m.wrap(b, 0, b.length));
        return m;
    }

    @Nested
    class Golden {
        @Test
        @DisplayName("RFC 1035 4.1.1: writeQuery emits the bytes python3 sent to dnsmasq")
        void queryMatchesCapture() {
            byte[] b = new byte[64];
            int n = DnsMessage.writeQuery(b, 3, 0x1234, DnsMessage.encodeName("www.teacup.test"), DnsMessage.TYPE_A, true);
            assertEquals(QUERY_WWW.length, n);
            assertEquals(QUERY_WWW.length, DnsMessage.queryLength(DnsMessage.encodeName("www.teacup.test")));
            assertArrayEquals(QUERY_WWW, java.util.Arrays.copyOfRange(b, 3, 3 + n));
        }

        @Test
        @DisplayName("RFC 1035 4.1.1: a query parses back: not a response, RD, one question, no records")
        void queryParses() {
            DnsMessage m = wrapOk(QUERY_WWW);
            assertEquals(0x1234, m.id());
            assertFalse(m.isResponse());
            assertTrue(m.recursionDesired());
            assertEquals(1, m.questionCount());
            assertEquals("www.teacup.test", m.nameText(m.questionName()));
            assertEquals(DnsMessage.TYPE_A, m.questionType());
            assertEquals(DnsMessage.CLASS_IN, m.questionClass());
            assertEquals(0, m.recordCount());
        }

        @Test
        @DisplayName("RFC 1035 4.1.4: dnsmasq's CNAME chain: header flags, owners and targets through compression pointers")
        void cnameChain() {
            DnsMessage m = wrapOk(REPLY_WWW);
            assertEquals(0x1234, m.id());
            assertTrue(m.isResponse());
            assertTrue(m.authoritative());
            assertFalse(m.truncated());
            assertTrue(m.recursionDesired());
            assertTrue(m.recursionAvailable());
            assertEquals(DnsMessage.OPCODE_QUERY, m.opcode());
            assertEquals(DnsMessage.RCODE_NOERROR, m.rcode());
            assertEquals(3, m.answerCount());
            assertEquals(3, m.recordCount());

            assertEquals(DnsMessage.TYPE_CNAME, m.recordType(0));
            assertEquals("www.teacup.test", m.nameText(m.recordName(0)));
            assertEquals("alias.teacup.test", m.nameText(m.cnameTarget(0)));
            assertEquals(DnsMessage.TYPE_CNAME, m.recordType(1));
            assertEquals("alias.teacup.test", m.nameText(m.recordName(1)));
            assertEquals("web.teacup.test", m.nameText(m.cnameTarget(1)));
            assertEquals(DnsMessage.TYPE_A, m.recordType(2));
            assertEquals("web.teacup.test", m.nameText(m.recordName(2)));
            assertEquals(Ipv4Address.parse("198.18.0.80").bits(), m.address(2));
            assertEquals(0, m.recordTtl(2));
            for (int i = 0; i < 3; i++) {
                assertEquals(DnsMessage.Section.ANSWER, m.section(i));
                assertEquals(DnsMessage.CLASS_IN, m.recordClass(i));
            }
            assertEquals(4, m.recordDataLength(2));
        }

        @Test
        @DisplayName("RFC 4343: names compare without regard to ASCII case, through pointers, and only whole")
        void nameComparison() {
            DnsMessage m = wrapOk(REPLY_WWW);
            assertTrue(m.nameEquals(m.recordName(1), DnsMessage.encodeName("ALIAS.Teacup.TEST")));
            assertTrue(m.nameEquals(m.questionName(), DnsMessage.encodeName("www.teacup.test.")));
            assertFalse(m.nameEquals(m.recordName(1), DnsMessage.encodeName("alias.teacup")));
            assertFalse(m.nameEquals(m.recordName(1), DnsMessage.encodeName("alias.teacup.test.x")));
            assertFalse(m.nameEquals(m.recordName(1), DnsMessage.encodeName("alias.teacup.tesu")));
            assertArrayEquals(DnsMessage.encodeName("web.teacup.test"), m.name(m.recordName(2)));
        }

        @Test
        @DisplayName("RFC 1035 4.1.3: two A records for one name, in the order the server gave them")
        void twoAddresses() {
            DnsMessage m = wrapOk(REPLY_MULTI);
            assertEquals(2, m.recordCount());
            assertEquals(Ipv4Address.parse("198.18.0.81").bits(), m.address(0));
            assertEquals(Ipv4Address.parse("198.18.0.82").bits(), m.address(1));
        }

        @Test
        @DisplayName("RFC 1035 4.1.1: REFUSED from dnsmasq keeps the question and carries rcode 5")
        void refused() {
            DnsMessage m = wrapOk(REPLY_REFUSED);
            assertEquals(DnsMessage.RCODE_REFUSED, m.rcode());
            assertEquals("REFUSED", DnsMessage.rcodeName(m.rcode()));
            assertEquals("nosuch.teacup.test", m.nameText(m.questionName()));
        }

        @Test
        @DisplayName("RFC 2308 3: NXDOMAIN with an SOA in the authority section; sections told apart, TTL read")
        void nxdomainWithSoa() {
            byte[] soaData = HEX.parseHex("026e73c013" + "0561646d696ec013" + "0000000100000e1000000384000927c000000258");
            byte[] b = HEX.parseHex("abcd8183000100000001000006"
                    + "6e6f7375636806746561637570047465737400" + "00010001"
                    // owner: pointer to "teacup.test" inside the question (offset 19)
                    + "c013" + "0006" + "0001" + "00000258" + String.format("%04x", soaData.length) + HEX.formatHex(soaData));
            DnsMessage m = wrapOk(b);
            assertEquals(DnsMessage.RCODE_NXDOMAIN, m.rcode());
            assertEquals(1, m.recordCount());
            assertEquals(DnsMessage.Section.AUTHORITY, m.section(0));
            assertEquals(DnsMessage.TYPE_SOA, m.recordType(0));
            assertEquals("teacup.test", m.nameText(m.recordName(0)));
            assertEquals(600, m.recordTtl(0));
        }

        @Test
        @DisplayName("RFC 2181 8: a TTL with the top bit set counts as zero")
        void hugeTtlIsZero() {
            byte[] b = new DnsReplyBuilder(1, "a.test", DnsMessage.TYPE_A).a("a.test", "198.18.0.1", 0x8000_0000L).build();
            assertEquals(0, wrapOk(b).recordTtl(0));
        }
    }

    @Nested
    class Truncation {
        @Test
        @DisplayName("RFC 2181 9: with TC set, a message cut inside a record is accepted with the whole records only")
        void tcCutMidRecord() {
            byte[] full = new DnsReplyBuilder(7, "multi.teacup.test", DnsMessage.TYPE_A).truncated()
                    .a("multi.teacup.test", "198.18.0.81", 60).a("multi.teacup.test", "198.18.0.82", 60).build();
            DnsMessage m = new DnsMessage();
            assertEquals(DnsDefect.NONE, m.wrap(full, 0, full.length - 5));
            assertTrue(m.truncated());
            assertEquals(1, m.recordCount());
            assertEquals(2, m.answerCount());
        }

        @Test
        @DisplayName("RFC 1035 4.1: without TC, a count promising more records than the bytes hold is TRUNCATED")
        void countBeyondData() {
            byte[] full = new DnsReplyBuilder(7, "multi.teacup.test", DnsMessage.TYPE_A)
                    .a("multi.teacup.test", "198.18.0.81", 60).a("multi.teacup.test", "198.18.0.82", 60).build();
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(full, 0, full.length - 16));
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(full, 0, full.length - 1));
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(full, 0, 11));
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(full, 0, 20));
        }

        @Test
        @DisplayName("wrap rejects an offset or length outside the buffer")
        void outsideBuffer() {
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(REPLY_WWW, -1, 20));
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(REPLY_WWW, 10, REPLY_WWW.length));
        }

        @Test
        @DisplayName("a message wrapped at an offset: pointers count from the message's start")
        void atOffset() {
            byte[] b = new byte[REPLY_WWW.length + 9];
            System.arraycopy(REPLY_WWW, 0, b, 9, REPLY_WWW.length);
            DnsMessage m = new DnsMessage();
            assertEquals(DnsDefect.NONE, m.wrap(b, 9, REPLY_WWW.length));
            assertEquals("web.teacup.test", m.nameText(m.cnameTarget(1)));
        }
    }

    @Nested
    class HostileNames {
        /** A response header with one question whose name is {@code name}, then type A class IN. */
        private byte[] withQuestion(String nameHex) {
            return HEX.parseHex("000181800001000000000000" + nameHex + "00010001");
        }

        @Test
        @DisplayName("RFC 1035 4.1.4: a pointer to itself is BAD_NAME, not a loop")
        void selfPointer() {
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(withQuestion("c00c"), 0, 18));
        }

        @Test
        @DisplayName("RFC 1035 4.1.4: two names pointing at each other are BAD_NAME")
        void pointerCycle() {
            // Question at 12: label "a" then a pointer to 16; at 16 (the record's owner) a pointer back to 12.
            // Forward pointers are refused outright, so the cycle never gets walked.
            byte[] b = HEX.parseHex("000181800001000100000000" + "0161c010" + "00010001" + "c00c" + "0001000100000000000401020304");
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(b, 0, b.length));
        }

        @Test
        @DisplayName("RFC 1035 4.1.4: a pointer into the header or forward is BAD_NAME")
        void pointerIntoHeaderOrForward() {
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(withQuestion("c002"), 0, 18));
            byte[] forward = HEX.parseHex("000181800001000000000000" + "c012" + "00010001" + "0161" + "00");
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(forward, 0, forward.length));
        }

        /**
         * Question "a" at 12, then a TXT record at 19 whose data is a ladder of {@code rungs}
         * pointers, each to the one before and the first to the question, then an A record whose
         * owner points at the top rung: following it takes {@code rungs + 1} hops.
         */
        private byte[] pointerLadder(int rungs) {
            StringBuilder b = new StringBuilder("000181800001000200000000" + "016100" + "00010001");
            int data = 19 + 1 + 10; // owner "00" (the root), then type, class, TTL, length
            b.append("00").append("0010").append("0001").append("00000000").append(String.format("%04x", 2 * rungs));
            for (int i = 0; i < rungs; i++) {
                b.append(String.format("%04x", 0xc000 | (i == 0 ? 12 : data + 2 * (i - 1))));
            }
            b.append(String.format("%04x", 0xc000 | (data + 2 * (rungs - 1)))).append("0001000100000000000401020304");
            return HEX.parseHex(b.toString());
        }

        @Test
        @DisplayName("RFC 1035 4.1.4: a name may follow 32 pointers, not 33")
        void hopBound() {
            byte[] ok = pointerLadder(DnsMessage.MAX_POINTER_HOPS - 1);
            DnsMessage m = new DnsMessage();
            assertEquals(DnsDefect.NONE, m.wrap(ok, 0, ok.length));
            assertEquals("a", m.nameText(m.recordName(1)));
            byte[] tooMany = pointerLadder(DnsMessage.MAX_POINTER_HOPS);
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(tooMany, 0, tooMany.length));
        }

        @Test
        @DisplayName("RFC 1035 4.1.4: reserved label types 0x40 and 0x80 are BAD_NAME")
        void reservedLabelTypes() {
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(withQuestion("4161" + "00"), 0, 19));
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(withQuestion("8161" + "00"), 0, 19));
        }

        @Test
        @DisplayName("RFC 1035 3.1: a name longer than 255 bytes, even built from pointers, is BAD_NAME")
        void nameTooLong() {
            // Five 63-byte labels in the question: 5 * 64 + 1 = 321 bytes.
            StringBuilder name = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                name.append("3f").append("61".repeat(63));
            }
            name.append("00");
            byte[] b = withQuestion(name.toString());
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(b, 0, b.length));

            // 3 labels of 63 and one of 61 make 255 bytes with the final zero, the most allowed; one more is too many.
            String three = ("3f" + "61".repeat(63)).repeat(3);
            byte[] ok = withQuestion(three + "3d" + "61".repeat(61) + "00");
            assertEquals(DnsDefect.NONE, new DnsMessage().wrap(ok, 0, ok.length));
            byte[] over = withQuestion(three + "3e" + "61".repeat(62) + "00");
            assertEquals(DnsDefect.BAD_NAME, new DnsMessage().wrap(over, 0, over.length));
        }

        @Test
        @DisplayName("a name running off the end of the message is TRUNCATED")
        void nameOffTheEnd() {
            byte[] b = HEX.parseHex("000181800001000000000000" + "05616263");
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(b, 0, b.length));
        }

        @Test
        @DisplayName("RFC 1035 3.4.1: an A record whose data is not 4 bytes is BAD_RECORD")
        void shortA() {
            byte[] b = new DnsReplyBuilder(1, "a.test", DnsMessage.TYPE_A).record("a.test", DnsMessage.TYPE_A, 5, new byte[] {1, 2, 3}).build();
            assertEquals(DnsDefect.BAD_RECORD, new DnsMessage().wrap(b, 0, b.length));
        }

        @Test
        @DisplayName("RFC 1035 3.3.1: a CNAME whose name does not end exactly where its data does is BAD_RECORD")
        void cnameDataMismatch() {
            byte[] target = DnsMessage.encodeName("b.test");
            byte[] longer = java.util.Arrays.copyOf(target, target.length + 2);
            byte[] b = new DnsReplyBuilder(1, "a.test", DnsMessage.TYPE_A).record("a.test", DnsMessage.TYPE_CNAME, 5, longer).build();
            assertEquals(DnsDefect.BAD_RECORD, new DnsMessage().wrap(b, 0, b.length));
            byte[] cut = java.util.Arrays.copyOf(target, target.length - 1);
            byte[] c = new DnsReplyBuilder(1, "a.test", DnsMessage.TYPE_A).record("a.test", DnsMessage.TYPE_CNAME, 5, cut).build();
            assertEquals(DnsDefect.BAD_RECORD, new DnsMessage().wrap(c, 0, c.length));
        }

        @Test
        @DisplayName("record data longer than the rest of the message is TRUNCATED")
        void dataBeyondEnd() {
            byte[] b = new DnsReplyBuilder(1, "a.test", DnsMessage.TYPE_A).record("a.test", 16, 5, new byte[] {3, 'a', 'b', 'c'}).build();
            b[b.length - 5] = 0x10; // RDLENGTH low byte: 16 bytes promised, 4 present
            assertEquals(DnsDefect.TRUNCATED, new DnsMessage().wrap(b, 0, b.length));
        }
    }

    @Nested
    class Names {
        @Test
        @DisplayName("RFC 1035 3.1: encodeName writes length-prefixed labels and a final zero; a final dot is allowed")
        void encode() {
            assertArrayEquals(HEX.parseHex("0377777706746561637570047465737400"), DnsMessage.encodeName("www.teacup.test"));
            assertArrayEquals(DnsMessage.encodeName("www.teacup.test"), DnsMessage.encodeName("www.teacup.test."));
        }

        @Test
        @DisplayName("RFC 1035 2.3.4: empty labels, labels over 63 bytes, names over 255 bytes, spaces are refused")
        void encodeRefuses() {
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName(""));
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("."));
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("a..b"));
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName(".a"));
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("a".repeat(64) + ".test"));
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("a b.test"));
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("caf\u00e9.test"));
            String label = "a".repeat(63);
            String name253 = label + "." + label + "." + label + "." + "a".repeat(61); // 253 characters: 255 bytes in wire form
            assertEquals(255, DnsMessage.encodeName(name253).length);
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName(name253 + "a"));
        }

        @Test
        @DisplayName("nameToText escapes dots, backslashes and unprintable bytes inside labels")
        void textEscapes() {
            assertEquals("a\\.b.c\\\\d.\\000x", DnsMessage.nameToText(HEX.parseHex("03612e6203635c64020078" + "00")));
            assertEquals(".", DnsMessage.nameToText(new byte[] {0}));
        }
    }

    @Test
    @DisplayName("the view is reusable: a second wrap forgets the first message's records")
    void reusable() {
        DnsMessage m = wrapOk(REPLY_WWW);
        assertEquals(DnsDefect.NONE, m.wrap(REPLY_REFUSED, 0, REPLY_REFUSED.length));
        assertEquals(0, m.recordCount());
        assertThrows(IndexOutOfBoundsException.class, () -> m.recordType(0));
    }
}
