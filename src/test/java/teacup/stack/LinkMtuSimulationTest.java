package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayName;
import teacup.stats.Counter;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/** Two stacks on a 1280-byte MTU (RFC 9293 SHLD-6, MUST-16): both announce MSS 1240 and no segment of theirs needs fragmenting. */
class LinkMtuSimulationTest {
    private static final long MS = 1_000_000L;
    private static final int MTU = 1280;
    private static final int PORT = 5000;
    private static final int SIZE = 200_000;

    /** The MSS options of the SYNs among {@code frames}. */
    private static List<Integer> synMss(List<Simulation.Frame> frames) {
        List<Integer> mss = new ArrayList<>();
        TcpSegment s = new TcpSegment();
        TcpOptions o = new TcpOptions();
        for (Simulation.Frame f : frames) {
            byte[] b = f.bytes();
            if (BigEndian.u16(b, 12) != EthernetFrame.TYPE_IPV4 || (b[23] & 0xff) != Ipv4Packet.PROTOCOL_TCP) {
                continue;
            }
            s.wrap(b, 34, BigEndian.u16(b, 16) - 20, BigEndian.i32(b, 26), BigEndian.i32(b, 30), false);
            if (s.has(TcpSegment.SYN) && s.options(o) == teacup.wire.Defect.NONE) {
                mss.add(o.mss());
            }
        }
        return mss;
    }

    @ParameterizedTest(name = "offload {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("RFC 9293 SHLD-6, MUST-16: on a 1280-byte MTU both SYNs announce MSS 1240 and 200 KB crosses unfragmented")
    void bothEndsFollowTheMtu(boolean offload) {
        Simulation sim = new Simulation(7, null, null, offload, MTU);
        TcpSettings settings = TcpSettings.defaults();
        TcpListener listener = sim.b.tcp().listen(PORT, 4, settings);
        TcpConnection client;
        try {
            client = sim.a.tcp().connect(sim.now(), Simulation.B_IP.bits(), PORT, settings, null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        sim.runFor(10 * MS);
        TcpConnection server = listener.poll();
        assertNotNull(server, sim::toString);
        assertEquals(List.of(1240), synMss(sim.tapA.sent()), "A's SYN");
        assertEquals(List.of(1240), synMss(sim.tapB.sent()), "B's SYN-ACK");
        assertEquals(1240, client.negotiated().sendMss());
        assertEquals(1240, server.negotiated().sendMss());
        assertTrue(client.negotiated().segmentSize() <= 1240);

        byte[] data = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            data[i] = (byte) (i * 31);
        }
        byte[] got = new byte[SIZE];
        int written = 0;
        int read = 0;
        for (int turn = 0; read < SIZE && turn < 10_000; turn++) {
            if (written < SIZE) {
                written += client.sendBuffer().write(data, written, SIZE - written);
                sim.a.tcp().flush(sim.now(), client);
            }
            int n;
            while ((n = server.receiveBuffer().read(got, read, SIZE - read)) > 0) {
                read += n;
                sim.b.tcp().windowOpened(sim.now(), server);
            }
            sim.runFor(MS);
        }
        assertEquals(SIZE, read, sim::toString);
        assertTrue(java.util.Arrays.equals(data, got), "byte-exact");
        if (!offload) {
            for (Simulation.Frame f : sim.tapA.sent()) {
                assertTrue(f.bytes().length <= EthernetFrame.HEADER_LENGTH + MTU, () -> "a frame within the MTU: " + f);
            }
        }
        assertEquals(0L, sim.a.statistics().getOrDefault(Counter.FRAGMENTS_SENT, 0L), "nothing fragmented");
        assertEquals(0L, sim.b.statistics().getOrDefault(Counter.FRAGMENTS_SENT, 0L), "nothing fragmented");
    }
}
