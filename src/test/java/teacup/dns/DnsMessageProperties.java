package teacup.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile input never makes DnsMessage throw: random bytes, and the golden messages with bits
 * flipped, bytes rewritten and tails cut off, are accepted or rejected with a {@link DnsDefect};
 * whatever is accepted can be read through every accessor without an exception.
 */
class DnsMessageProperties {
    private static final List<byte[]> SAMPLES = List.of(DnsMessageTest.QUERY_WWW, DnsMessageTest.REPLY_WWW,
            DnsMessageTest.REPLY_MULTI, DnsMessageTest.REPLY_REFUSED,
            new DnsReplyBuilder(9, "x.teacup.test", DnsMessage.TYPE_A).cname("x.teacup.test", "y.other.test", 30)
                    .a("y.other.test", "198.18.0.9", 30).build());

    @Property(tries = 3000)
    @Label("random bytes: wrap names a defect or accepts, and never throws")
    void randomBytes(@ForAll @Size(max = 300) byte[] b, @ForAll @IntRange(min = -2, max = 310) int off,
                     @ForAll @IntRange(min = -2, max = 310) int len) {
        readEverything(b, 0, b.length);
        readEverything(b, off, len);
    }

    @Property(tries = 5000)
    @Label("mutated real messages: flipped bits, rewritten bytes and cut tails never throw")
    void mutatedMessages(@ForAll @IntRange(min = 0, max = 100) int pick,
                         @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 2000) Integer> flips,
                         @ForAll @IntRange(min = 0, max = 200) int at, @ForAll("interesting") int value,
                         @ForAll @IntRange(min = 0, max = 100) int keepPercent) {
        byte[] m = SAMPLES.get(pick % SAMPLES.size()).clone();
        for (int bit : flips) {
            m[(bit / 8) % m.length] ^= (byte) (1 << (bit % 8));
        }
        m[at % m.length] = (byte) value;
        int len = keepPercent >= 20 ? m.length : m.length * keepPercent / 20; // a fifth cut short
        Statistics.label("outcome").collect(readEverything(m, 0, len));
    }

    /** Bytes that steer a parser: pointer starts, reserved label types, lengths at the edges. */
    @Provide
    Arbitrary<Integer> interesting() {
        return Arbitraries.oneOf(Arbitraries.of(0x00, 0x01, 0x3f, 0x40, 0x80, 0xbf, 0xc0, 0xc0 | 0x0c, 0xff, 0x0c, 0x02),
                Arbitraries.integers().between(0, 255));
    }

    @Property(tries = 1000)
    @Label("RFC 1035 3.1: any valid host name encodes, goes out in a query and comes back equal, case aside")
    void queryRoundTrip(@ForAll("hostNames") String host, @ForAll @IntRange(min = 0, max = 0xffff) int id) {
        byte[] name = DnsMessage.encodeName(host);
        byte[] q = new byte[DnsMessage.queryLength(name)];
        assertEquals(q.length, DnsMessage.writeQuery(q, 0, id, name, DnsMessage.TYPE_A, true));
        DnsMessage m = new DnsMessage();
        assertEquals(DnsDefect.NONE, m.wrap(q, 0, q.length));
        assertEquals(id, m.id());
        assertArrayEquals(name, m.name(m.questionName()));
        assertTrue(m.nameEquals(m.questionName(), DnsMessage.encodeName(host.toUpperCase(java.util.Locale.ROOT))));
        assertEquals(host.toLowerCase(java.util.Locale.ROOT).replaceAll("\\.$", ""),
                m.nameText(m.questionName()).toLowerCase(java.util.Locale.ROOT));
    }

    @Provide
    Arbitrary<String> hostNames() {
        Arbitrary<String> label = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_").ofMinLength(1).ofMaxLength(63);
        return label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l))
                .filter(s -> s.length() <= 253);
    }

    /** Wraps and, when accepted, reads every field, name and record; returns the outcome. */
    static DnsDefect readEverything(byte[] b, int off, int len) {
        DnsMessage m = new DnsMessage();
        DnsDefect d = m.wrap(b, off, len);
        if (d != DnsDefect.NONE) {
            return d;
        }
        m.id();
        m.isResponse();
        m.opcode();
        m.rcode();
        m.truncated();
        m.authoritative();
        m.answerCount();
        if (m.hasQuestion()) {
            byte[] q = m.name(m.questionName());
            assertTrue(q.length <= DnsMessage.MAX_NAME_LENGTH);
            assertTrue(m.nameEquals(m.questionName(), q));
            m.nameText(m.questionName());
            m.questionType();
            m.questionClass();
        }
        for (int i = 0; i < m.recordCount(); i++) {
            m.section(i);
            byte[] owner = m.name(m.recordName(i));
            assertTrue(m.nameEquals(m.recordName(i), owner));
            m.recordTtl(i);
            int data = m.recordDataOffset(i);
            assertTrue(data >= off && data + m.recordDataLength(i) <= off + len, "record data inside the message");
            if (m.recordType(i) == DnsMessage.TYPE_A && m.recordClass(i) == DnsMessage.CLASS_IN) {
                m.address(i);
            }
            if (m.recordType(i) == DnsMessage.TYPE_CNAME) {
                assertTrue(m.name(m.cnameTarget(i)).length <= DnsMessage.MAX_NAME_LENGTH);
            }
        }
        return d;
    }
}
