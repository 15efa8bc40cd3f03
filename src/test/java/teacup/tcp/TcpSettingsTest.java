package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TcpSettingsTest {
    @Test
    @DisplayName("toBuilder().build() gives back an equal value, every component included")
    void roundTrip() {
        TcpSettings s = TcpSettings.builder().mss(1000).receiveBuffer(1 << 20).maxReceiveBuffer(1 << 21).sendBuffer(3000).windowScale(-1)
                .msl(5).minRto(6).maxRto(7).maxRetransmissions(8).maxOutOfOrderRanges(9).ackDelay(10).timestamps(false)
                .sack(false).congestion(TcpSettings.Congestion.CUBIC).keepAliveIdle(11).keepAliveInterval(12)
                .keepAliveProbes(13).challengeAcksPerSecond(14).synAckRetries(15).synCookies(false).ttl(16).trafficClass(17)
                .adviseRetransmissions(18).minSendMss(100).sendSegmentsPerTurn(19).orphanRetries(20).orphanLifetime(21)
                .userTimeout(22).build();
        assertEquals(s, s.toBuilder().build());
        assertEquals(new TcpSettings(1000, 1 << 20, 1 << 21, 3000, -1, 5, 6, 7, 8, 9, 10, false, false,
                TcpSettings.Congestion.CUBIC, 11, 12, 13, 14, 15, false, 16, 17, 18, 100, 19, 20, 21, 22), s);
    }

    @Test
    @DisplayName("a wither changes its own components and no other")
    void withersChangeOnlyTheirComponents() {
        TcpSettings d = TcpSettings.defaults();
        assertEquals(d.toBuilder().msl(1).build(), d.withMsl(1));
        assertEquals(d.toBuilder().receiveBuffer(10).sendBuffer(20).build(), d.withBuffers(10, 20));
        assertEquals(d.toBuilder().minRto(1).maxRto(2).maxRetransmissions(3).build(), d.withRetransmission(1, 2, 3));
        assertEquals(d.toBuilder().keepAliveIdle(1).keepAliveInterval(2).keepAliveProbes(3).build(), d.withKeepAlive(1, 2, 3));
        assertEquals(1400, d.withMss(1400).mss());
        assertEquals(d.receiveBuffer(), d.withMss(1400).receiveBuffer());
    }

    @Test
    @DisplayName("RFC 9293 SHLD-18: an ACK delay of 500 ms or more is refused")
    void ackDelayBound() {
        assertThrows(IllegalArgumentException.class, () -> TcpSettings.defaults().withAckDelay(500_000_000L));
        assertThrows(IllegalArgumentException.class, () -> TcpSettings.defaults().withMss(10));
    }

    @Test
    @DisplayName("the least peer MSS leaves room for data beside any options (above 40) and is no more than 536; a turn sends one segment at least")
    void minSendMssBounds() {
        assertThrows(IllegalArgumentException.class, () -> TcpSettings.builder().minSendMss(40).build());
        assertThrows(IllegalArgumentException.class, () -> TcpSettings.builder().minSendMss(537).build());
        assertThrows(IllegalArgumentException.class, () -> TcpSettings.builder().sendSegmentsPerTurn(0).build());
        assertEquals(41, TcpSettings.builder().minSendMss(41).build().minSendMss());
        assertEquals(48, TcpSettings.defaults().minSendMss());
    }
}
