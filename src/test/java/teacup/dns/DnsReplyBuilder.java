package teacup.dns;

import java.io.ByteArrayOutputStream;
import teacup.wire.Ipv4Address;

/**
 * Builds DNS responses for tests, independently of {@link DnsMessage}'s parser: the header, the
 * question echoed, and records whose owner is written as a pointer to the question's name when it
 * is that name (as real servers compress) and in full otherwise.
 */
final class DnsReplyBuilder {
    private final int id;
    private final String question;
    private final int questionType;
    private int rcode;
    private boolean truncated;
    private boolean withQuestion = true;
    private int answers;
    private final ByteArrayOutputStream records = new ByteArrayOutputStream();

    DnsReplyBuilder(int id, String question, int questionType) {
        this.id = id;
        this.question = question;
        this.questionType = questionType;
    }

    DnsReplyBuilder rcode(int r) {
        rcode = r;
        return this;
    }

    DnsReplyBuilder truncated() {
        truncated = true;
        return this;
    }

    DnsReplyBuilder withoutQuestion() {
        withQuestion = false;
        return this;
    }

    DnsReplyBuilder a(String owner, String address, long ttl) {
        int bits = Ipv4Address.parse(address).bits();
        return record(owner, DnsMessage.TYPE_A, ttl, new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits});
    }

    DnsReplyBuilder cname(String owner, String target, long ttl) {
        return record(owner, DnsMessage.TYPE_CNAME, ttl, DnsMessage.encodeName(target));
    }

    DnsReplyBuilder record(String owner, int type, long ttl, byte[] data) {
        if (withQuestion && owner.equalsIgnoreCase(question)) {
            records.write(0xc0);
            records.write(DnsMessage.HEADER_LENGTH);
        } else {
            records.writeBytes(DnsMessage.encodeName(owner));
        }
        put16(records, type);
        put16(records, DnsMessage.CLASS_IN);
        put16(records, (int) (ttl >>> 16));
        put16(records, (int) ttl);
        put16(records, data.length);
        records.writeBytes(data);
        answers++;
        return this;
    }

    byte[] build() {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        put16(m, id);
        put16(m, 0x8000 | 0x0100 | 0x0080 | (truncated ? 0x0200 : 0) | rcode);
        put16(m, withQuestion ? 1 : 0);
        put16(m, answers);
        put16(m, 0);
        put16(m, 0);
        if (withQuestion) {
            m.writeBytes(DnsMessage.encodeName(question));
            put16(m, questionType);
            put16(m, DnsMessage.CLASS_IN);
        }
        m.writeBytes(records.toByteArray());
        return m.toByteArray();
    }

    private static void put16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }
}
