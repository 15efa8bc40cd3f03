package teacup.dhcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.random.RandomGenerator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.Defect;
import teacup.wire.Ipv4Address;

/**
 * The codec against a real exchange: teacup and dnsmasq 2.90 on a TAP (DhcpInteropTest's set-up,
 * recorded with --pcap and decoded by tshark), then defects and hostile bytes.
 */
class DhcpMessageTest {
    static final long MAC = 0x02_74_63_00_00_d3L;
    static final int XID = 0xdef33ed1;
    static final int SERVER = Ipv4Address.parse("198.18.0.1").bits();
    static final int LEASED = Ipv4Address.parse("198.18.0.90").bits();

    /** The 300-byte messages of the capture: the first 44 bytes (op to chaddr), zeros, then cookie and options. */
    static byte[] golden(String header, String cookieAndOptions) {
        byte[] b = new byte[300];
        byte[] h = HexFormat.of().parseHex(header);
        byte[] o = HexFormat.of().parseHex(cookieAndOptions);
        System.arraycopy(h, 0, b, 0, h.length);
        System.arraycopy(o, 0, b, 236, o.length);
        return b;
    }

    static final byte[] DISCOVER = golden("01010600def33ed100000000000000000000000000000000000000000274630000d3",
            "638253633501013706010306333a3bff");
    static final byte[] OFFER = golden("02010600def33ed10000000000000000c612005ac6120001000000000274630000d3",
            "638253633501023604c6120001330400000e103a04000007083b0400000c4e0104ffffff001c04c61200ff0604c61200010304c6120001ff");
    static final byte[] REQUEST = golden("01010600def33ed100030000000000000000000000000000000000000274630000d3",
            "638253633501033204c612005a3604c61200013706010306333a3bff");
    static final byte[] ACK = golden("02010600def33ed10003000000000000c612005ac6120001000000000274630000d3",
            "638253633501053604c6120001330400000e103a04000007083b0400000c4e0104ffffff001c04c61200ff0604c61200010304c6120001ff");
    static final byte[] RELEASE = golden("01010600362bd9a600000000c612005a0000000000000000000000000274630000d3",
            "638253633501073604c6120001ff");

    private final DhcpMessage m = new DhcpMessage();

    @Test
    @DisplayName("RFC 2131 2, RFC 2132: dnsmasq's OFFER: header fields, message type, server id, lease, T1, T2, mask, router, DNS")
    void parsesDnsmasqOffer() {
        assertEquals(Defect.NONE, m.wrap(OFFER, 0, OFFER.length));
        assertEquals(DhcpMessage.OP_REPLY, m.op());
        assertEquals(DhcpMessage.HTYPE_ETHERNET, m.htype());
        assertEquals(6, m.hlen());
        assertEquals(0, m.hops());
        assertEquals(XID, m.xid());
        assertEquals(0, m.secs());
        assertEquals(0, m.flags());
        assertEquals(0, m.ciaddr());
        assertEquals(LEASED, m.yiaddr());
        assertEquals(SERVER, m.siaddr());
        assertEquals(0, m.giaddr());
        assertEquals(MAC, m.chaddr());
        assertEquals(DhcpMessage.OFFER, m.messageType());
        assertEquals(SERVER, m.address(DhcpMessage.OPTION_SERVER_ID));
        assertEquals(3600, m.seconds(DhcpMessage.OPTION_LEASE_TIME));
        assertEquals(1800, m.seconds(DhcpMessage.OPTION_RENEWAL_TIME));
        assertEquals(3150, m.seconds(DhcpMessage.OPTION_REBINDING_TIME));
        assertEquals(0xffffff00, m.address(DhcpMessage.OPTION_SUBNET_MASK));
        assertEquals(1, m.addressCount(DhcpMessage.OPTION_ROUTER));
        assertEquals(SERVER, m.address(DhcpMessage.OPTION_ROUTER, 0));
        assertEquals(SERVER, m.address(DhcpMessage.OPTION_DNS_SERVERS, 0));
        assertTrue(m.has(28), "broadcast address option, unknown to us but indexed");
        assertEquals(4, m.optionLength(28));
        assertFalse(m.has(DhcpMessage.OPTION_OVERLOAD));
        assertFalse(m.has(DhcpMessage.OPTION_HOST_NAME));
        assertEquals(0, m.optionLength(DhcpMessage.OPTION_HOST_NAME));
        assertThrows(IndexOutOfBoundsException.class, () -> m.address(DhcpMessage.OPTION_ROUTER, 1));
    }

    @Test
    @DisplayName("dnsmasq's ACK carries the same lease with its own type and our secs")
    void parsesDnsmasqAck() {
        assertEquals(Defect.NONE, m.wrap(ACK, 0, ACK.length));
        assertEquals(DhcpMessage.ACK, m.messageType());
        assertEquals(3, m.secs());
        assertEquals(LEASED, m.yiaddr());
    }

    @Test
    @DisplayName("the writer emits, byte for byte, the messages dnsmasq accepted: DISCOVER, REQUEST, RELEASE")
    void clientEmitsWhatDnsmasqAccepted() {
        Deque<Integer> xids = new ArrayDeque<>(List.of(XID, 0x362bd9a6));
        RandomGenerator random = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0; // retransmission jitter: none
            }

            @Override
            public int nextInt() {
                return xids.poll();
            }
        };
        List<byte[]> sent = new ArrayList<>();
        List<DhcpLease> leases = new ArrayList<>();
        DhcpClient client = new DhcpClient(MAC, DhcpClient.Settings.DEFAULT, random, new DhcpClient.Output() {
            @Override
            public void send(long now, int destination, byte[] b, int off, int len) {
                sent.add(Arrays.copyOfRange(b, off, off + len));
            }

            @Override
            public void bound(long now, DhcpLease lease) {
                leases.add(lease);
            }

            @Override
            public void unbound(long now) {
            }
        });
        long s = 1_000_000_000L;
        client.start(0);
        client.poll(0);
        assertArrayEquals(DISCOVER, sent.get(0));
        assertEquals(DhcpClient.Outcome.USED, client.receive(3 * s, OFFER, 0, OFFER.length));
        assertArrayEquals(REQUEST, sent.get(1));
        assertEquals(DhcpClient.Outcome.USED, client.receive(3 * s, ACK, 0, ACK.length));
        DhcpLease lease = leases.getFirst();
        assertEquals("198.18.0.90/24 router 198.18.0.1 dns [198.18.0.1] from 198.18.0.1 for 3600 s", lease.toString());
        assertEquals(3 * s + 1800 * s, lease.renewAt());
        assertEquals(3 * s + 3150 * s, lease.rebindAt());
        client.release(4 * s);
        assertArrayEquals(RELEASE, sent.get(2));
    }

    @Test
    void writerPadsToMinimumAndRejectsOverlongOptions() {
        byte[] b = new byte[DhcpMessage.MIN_LENGTH];
        Arrays.fill(b, (byte) 0x55);
        DhcpMessage.Writer w = new DhcpMessage.Writer().begin(b, 0, DhcpMessage.OP_REQUEST, 1, MAC).messageType(DhcpMessage.INFORM);
        assertEquals(DhcpMessage.MIN_LENGTH, w.finish());
        for (int i = DhcpMessage.OPTIONS_OFFSET + 4; i < b.length; i++) {
            assertEquals(0, b[i], "padding at " + i);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new DhcpMessage.Writer().begin(new byte[600], 0, 1, 1, MAC).bytesOption(12, new byte[256]));
        assertThrows(IllegalStateException.class,
                () -> new DhcpMessage.Writer().begin(new byte[300], 0, 1, 1, MAC).bytesOption(12, new byte[100]));
    }

    // ---------------------------------------------------------------- defects

    @Test
    @DisplayName("shorter than the fixed part: TRUNCATED; plain BOOTP (no cookie): UNSUPPORTED")
    void truncatedAndBootp() {
        assertEquals(Defect.TRUNCATED, m.wrap(OFFER, 0, 239));
        assertEquals(Defect.TRUNCATED, m.wrap(OFFER, 70, 240 + 1));
        assertEquals(Defect.TRUNCATED, m.wrap(OFFER, -1, 240));
        assertEquals(Defect.TRUNCATED, m.wrap(null, 0, 240));
        byte[] bootp = OFFER.clone();
        bootp[236] = 0;
        assertEquals(Defect.UNSUPPORTED, m.wrap(bootp, 0, bootp.length));
        assertEquals(Defect.NONE, m.wrap(OFFER, 0, 240), "no options at all is allowed");
        assertEquals(0, m.messageType());
    }

    @Test
    @DisplayName("RFC 2132 2: an option whose length runs past the message, or a known option of the wrong size, is BAD_OPTION")
    void badOptions() {
        byte[] b = options(53, 1, 2, 51, 9, 0, 0);
        assertEquals(Defect.BAD_OPTION, m.wrap(b, 0, b.length), "length beyond the end");
        b = options(53, 1, 2, 51);
        assertEquals(Defect.BAD_OPTION, m.wrap(b, 0, b.length), "no room for the length byte");
        b = options(53, 2, 2, 2, 255);
        assertEquals(Defect.BAD_OPTION, m.wrap(b, 0, b.length), "message type of two bytes");
        b = options(53, 1, 2, 3, 6, 1, 2, 3, 4, 5, 6, 255);
        assertEquals(Defect.BAD_OPTION, m.wrap(b, 0, b.length), "router list of 6 bytes");
        b = options(53, 1, 2, 6, 0, 255);
        assertEquals(Defect.BAD_OPTION, m.wrap(b, 0, b.length), "empty DNS list");
        b = options(53, 1, 2, 54, 3, 1, 2, 3, 255);
        assertEquals(Defect.BAD_OPTION, m.wrap(b, 0, b.length), "short server id");
    }

    @Test
    @DisplayName("pads skipped, a missing END tolerated, the first of two instances wins, bytes after END ignored")
    void optionLayout() {
        byte[] b = options(0, 0, 53, 1, 2, 0, 53, 1, 5, 12, 2, 'h', 'i');
        assertEquals(Defect.NONE, m.wrap(b, 0, b.length));
        assertEquals(DhcpMessage.OFFER, m.messageType());
        assertEquals(2, m.optionLength(12));
        assertEquals('h', b[m.optionOffset(12)]);
        b = options(53, 1, 2, 255, 51, 9);
        assertEquals(Defect.NONE, m.wrap(b, 0, b.length), "garbage after END is padding");
        assertFalse(m.has(51));
    }

    @Test
    @DisplayName("RFC 2132 9.3: with option overload, options in 'file' then 'sname' are read too")
    void overload() {
        byte[] b = options(52, 1, 3, 53, 1, 5, 255);
        int file = 108;
        int sname = 44;
        byte[] inFile = {51, 4, 0, 0, 0, 60, (byte) 255};
        byte[] inSname = {54, 4, (byte) 198, 18, 0, 1, 51, 4, 0, 0, 0, 1, (byte) 255};
        System.arraycopy(inFile, 0, b, file, inFile.length);
        System.arraycopy(inSname, 0, b, sname, inSname.length);
        assertEquals(Defect.NONE, m.wrap(b, 0, b.length));
        assertEquals(DhcpMessage.ACK, m.messageType());
        assertEquals(60, m.seconds(DhcpMessage.OPTION_LEASE_TIME), "'file' before 'sname'");
        assertEquals(SERVER, m.address(DhcpMessage.OPTION_SERVER_ID));
        b[file + 1] = 30; // runs past the 128-byte field
        assertEquals(Defect.BAD_OPTION, m.wrap(b, 0, b.length));
        b[file + 1] = 4;
        b[240 + 2] = 0; // overload 0: the fields are not read
        assertEquals(Defect.NONE, m.wrap(b, 0, b.length));
        assertFalse(m.has(DhcpMessage.OPTION_LEASE_TIME));
    }

    @Test
    @DisplayName("a second wrap forgets the first message's options")
    void rewrapClears() {
        assertEquals(Defect.NONE, m.wrap(OFFER, 0, OFFER.length));
        assertEquals(Defect.NONE, m.wrap(RELEASE, 0, RELEASE.length));
        assertFalse(m.has(DhcpMessage.OPTION_LEASE_TIME));
        assertEquals(DhcpMessage.RELEASE, m.messageType());
        assertEquals(Defect.TRUNCATED, m.wrap(OFFER, 0, 10));
        assertFalse(m.has(DhcpMessage.OPTION_MESSAGE_TYPE), "a failed wrap leaves nothing indexed");
    }

    /** A message with an empty fixed part, the cookie, and then {@code options} (as unsigned bytes). */
    static byte[] options(int... options) {
        byte[] b = new byte[240 + options.length];
        b[236] = 0x63;
        b[237] = (byte) 0x82;
        b[238] = 0x53;
        b[239] = 0x63;
        for (int i = 0; i < options.length; i++) {
            b[240 + i] = (byte) options[i];
        }
        return b;
    }

    // ---------------------------------------------------------------- hostile input

    /** Every accessor, every option code: none may throw once wrap said NONE. */
    static void readEverything(DhcpMessage m) {
        long sum = m.op() + m.htype() + m.hlen() + m.hops() + m.xid() + m.secs() + m.flags() + m.ciaddr() + m.yiaddr()
                + m.siaddr() + m.giaddr() + m.chaddr() + m.messageType() + m.length();
        for (int code = 0; code < 256; code++) {
            if (m.has(code)) {
                int at = m.optionOffset(code);
                int len = m.optionLength(code);
                assertTrue(at >= 0 && at + len <= m.buffer().length, "option " + code + " inside the buffer");
                for (int i = 0; i < m.addressCount(code); i++) {
                    sum += m.address(code, i);
                }
                if (len >= 4) {
                    sum += m.seconds(code);
                }
            }
        }
        assertTrue(sum != 0.5);
    }

    @Property(tries = 3000)
    @Label("random bytes: wrap accepts or names a defect, never throws")
    void randomBytes(@ForAll @Size(max = 700) byte[] b, @ForAll @IntRange(min = -2, max = 710) int off,
                     @ForAll @IntRange(min = -2, max = 710) int len) {
        DhcpMessage view = new DhcpMessage();
        if (view.wrap(b, off, len) == Defect.NONE) {
            readEverything(view);
        }
        // With a valid cookie, the random tail goes through the option parser.
        if (b.length >= 240) {
            b[236] = 0x63;
            b[237] = (byte) 0x82;
            b[238] = 0x53;
            b[239] = 0x63;
            if (view.wrap(b, 0, b.length) == Defect.NONE) {
                readEverything(view);
            }
        }
    }

    @Property(tries = 3000)
    @Label("mutated dnsmasq replies: flipped bytes and truncation never throw, in the view or in the client")
    void mutatedReplies(@ForAll boolean ack, @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 299) Integer> at,
                        @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 255) Integer> value,
                        @ForAll @IntRange(min = 200, max = 300) int len) {
        byte[] b = (ack ? ACK : OFFER).clone();
        for (int i = 0; i < Math.min(at.size(), value.size()); i++) {
            // Most mutations land in the options, where the parsing is.
            b[at.get(i) % 2 == 0 ? 240 + at.get(i) % 60 : at.get(i)] = (byte) (int) value.get(i);
        }
        DhcpMessage view = new DhcpMessage();
        if (view.wrap(b, 0, len) == Defect.NONE) {
            readEverything(view);
        }
        RandomGenerator sameXid = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public int nextInt() {
                return XID; // so the mutated reply gets past the xid check
            }
        };
        DhcpClient client = new DhcpClient(MAC, DhcpClient.Settings.DEFAULT, sameXid,
                new DhcpClient.Output() {
                    @Override
                    public void send(long now, int destination, byte[] bytes, int off, int length) {
                    }

                    @Override
                    public void bound(long now, DhcpLease lease) {
                        lease.toInterface(new teacup.wire.MacAddress(MAC), 1500); // a lease always makes a valid interface
                    }

                    @Override
                    public void unbound(long now) {
                    }
                });
        client.start(0);
        client.poll(0);
        client.receive(1, b, 0, len); // a mutated offer while selecting
        client.receive(2, OFFER, 0, OFFER.length);
        client.receive(3, b, 0, len); // a mutated ACK (or offer) while requesting
        client.poll(10_000_000_000_000L);
        client.release(10_000_000_000_001L);
    }
}
