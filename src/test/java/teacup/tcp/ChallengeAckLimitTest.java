package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.ip.IpLayer;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.BigEndian;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpSegment;

/** RFC 5961 7: challenge ACKs are limited per connection and stack-wide, in simulated time, through a TcpLayer. */
class ChallengeAckLimitTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final long US_MAC = TcpLayerFixture.US_MAC;
    static final long PEER_MAC = TcpLayerFixture.PEER_MAC;
    static final int US = TcpLayerFixture.US;
    static final int PEER = TcpLayerFixture.PEER;
    static final int PEER_ISS = 1000;

    final List<byte[]> frames = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;
    TcpLayer tcp;
    long now = S;

    void stack(TcpSettings settings) {
        TcpLayerFixture.Layers layers = TcpLayerFixture.start(1500,
                (b, off, len) -> frames.add(Arrays.copyOfRange(b, off, off + len)), stats);
        ip = layers.ip();
        tcp = layers.tcp();
        tcp.listen(80, 16, settings);
        frames.clear();
    }

    void receive(int port, int seq, int ack, int flags, byte[] payload) {
        byte[] b = new byte[14 + 20 + 20 + payload.length];
        EthernetFrame.write(b, 0, US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4);
        System.arraycopy(payload, 0, b, 54, payload.length);
        int len = TcpSegment.write(b, 34, port, 80, seq, ack, flags, 65535, 0, null, payload.length, PEER, US);
        Ipv4Packet.write(b, 14, len, 1, 0, 64, Ipv4Packet.PROTOCOL_TCP, PEER, US);
        ip.receive(now, b, 0, b.length);
    }

    /** TCP segments sent since the last call: {seq, ack, flags} each. */
    List<int[]> sent() {
        List<int[]> out = new ArrayList<>();
        TcpSegment s = new TcpSegment();
        for (byte[] f : frames) {
            if (BigEndian.u16(f, 12) == EthernetFrame.TYPE_IPV4 && (f[23] & 0xff) == Ipv4Packet.PROTOCOL_TCP) {
                assertEquals(Defect.NONE, s.wrap(f, 34, BigEndian.u16(f, 16) - 20, US, PEER));
                out.add(new int[] {s.sequence(), s.acknowledgment(), s.flags()});
            }
        }
        frames.clear();
        return out;
    }

    /** Opens a connection from the peer's {@code port}; returns our ISS. */
    int establish(int port) {
        receive(port, PEER_ISS, 0, TcpSegment.SYN, new byte[0]);
        int iss = sent().getFirst()[0];
        receive(port, PEER_ISS + 1, iss + 1, TcpSegment.ACK, new byte[0]);
        assertEquals(TcpConnection.State.ESTABLISHED, tcp.find(PEER, port, 80).state());
        sent();
        return iss;
    }

    long suppressed() {
        return stats.get(Counter.TCP_CHALLENGE_ACKS_SUPPRESSED);
    }

    @Test
    @DisplayName("RFC 5961 7: 100 in-window RSTs and 100 SYNs in one second get 2 challenge ACKs; the rest are counted")
    void perConnectionLimit() {
        stack(TcpSettings.defaults());
        int iss = establish(40000);
        for (int i = 0; i < 100; i++) {
            now += 5 * MS;
            receive(40000, PEER_ISS + 1 + 1000 + i, 0, TcpSegment.RST, new byte[0]);
            receive(40000, PEER_ISS + 5000 + i, 0, TcpSegment.SYN, new byte[0]);
        }
        List<int[]> acks = sent();
        assertEquals(2, acks.size(), "TcpSettings.DEFAULT_CHALLENGE_ACKS_PER_SECOND in the first second");
        for (int[] a : acks) {
            assertEquals(TcpSegment.ACK, a[2]);
            assertEquals(PEER_ISS + 1, a[1], "a challenge ACK acknowledges RCV.NXT");
            assertEquals(iss + 1, a[0]);
        }
        assertEquals(198, suppressed());
        // A second later the budget is back; the connection lived through the flood and still takes data.
        now += S;
        receive(40000, PEER_ISS + 1 + 10, 0, TcpSegment.RST, new byte[0]);
        assertEquals(1, sent().size(), "a new second, a new challenge ACK");
        receive(40000, PEER_ISS + 1, iss + 1, TcpSegment.ACK | TcpSegment.PSH, new byte[] {1, 2, 3});
        TcpConnection c = tcp.find(PEER, 40000, 80);
        assertEquals(TcpConnection.State.ESTABLISHED, c.state());
        assertEquals(3, c.receiveBuffer().available(), "the legitimate peer's data is taken");
        // And a real reset (exactly at RCV.NXT) still ends it (RFC 5961 3.2).
        receive(40000, PEER_ISS + 4, 0, TcpSegment.RST, new byte[0]);
        assertEquals(TcpConnection.State.CLOSED, c.state());
    }

    @Test
    @DisplayName("RFC 5961 5.2: ACKs for data never sent get challenge ACKs within the same per-connection limit")
    void unacceptableAcksLimited() {
        stack(TcpSettings.defaults().toBuilder().challengeAcksPerSecond(3).build());
        int iss = establish(40000);
        for (int i = 0; i < 50; i++) {
            now += 10 * MS;
            receive(40000, PEER_ISS + 1, iss + 100_000, TcpSegment.ACK, new byte[0]);
        }
        assertEquals(3, sent().size(), "the configured 3 in the first second");
        assertEquals(47, suppressed());
    }

    @Test
    @DisplayName("RFC 5961 7: stack-wide, a flood spread over connections gets at most the layer's limit each second")
    void stackWideLimit() {
        stack(TcpSettings.defaults().toBuilder().challengeAcksPerSecond(1000).build());
        tcp.challengeAckLimit(20);
        for (int port = 40000; port < 40010; port++) {
            establish(port);
        }
        long start = now;
        for (int second = 0; second < 3; second++) {
            for (int i = 0; i < 50; i++) {
                for (int port = 40000; port < 40010; port++) {
                    receive(port, PEER_ISS + 1 + 100 + i, 0, TcpSegment.RST, new byte[0]);
                }
                now += 10 * MS;
            }
            int challenged = sent().size();
            assertTrue(challenged <= 20 && challenged >= 10,
                    "between half the limit and the limit (randomized, CVE-2016-5696): " + challenged);
            now = start + (second + 1) * S;
        }
        assertTrue(suppressed() >= 3 * (500 - 20), "counted: " + suppressed());
        for (int port = 40000; port < 40010; port++) {
            assertEquals(TcpConnection.State.ESTABLISHED, tcp.find(PEER, port, 80).state(), "no forged RST ended a connection");
        }
        assertNotNull(tcp.find(PEER, 40000, 80));
    }
}
