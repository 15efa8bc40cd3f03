package teacup.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.tcp.TcpConnection;
import teacup.tcp.TcpListener;
import teacup.tcp.TcpSettings;

class IdleRingsSimulationTest {
    private static final long S = 1_000_000_000L;

    @Test
    @DisplayName("a connection idle for two seconds after a request and its answer holds no ring at either end; the next request takes them again")
    void idleConnectionHoldsNoRing() throws Exception {
        Simulation sim = Simulation.clean();
        TcpListener listener = sim.b.tcp().listen(80, 4, TcpSettings.defaults());
        TcpConnection client = sim.a.tcp().connect(sim.now(), Simulation.B_IP.bits(), 80, TcpSettings.defaults(), null);
        sim.runFor(S / 100);
        TcpConnection server = listener.poll();
        for (int round = 0; round < 2; round++) {
            exchange(sim, client, server, (byte) round);
            assertTrue(client.sendBuffer().allocated() && server.receiveBuffer().allocated(), "the exchange took rings");
            sim.runFor(3 * S);
            for (TcpConnection c : new TcpConnection[] {client, server}) {
                assertEquals(TcpConnection.State.ESTABLISHED, c.state());
                assertEquals(0, c.sendBuffer().allocatedBytes(), c::toString);
                assertEquals(0, c.receiveBuffer().allocatedBytes(), c::toString);
            }
        }
        assertEquals(4, sim.a.statistics().get(Counter.TCP_IDLE_RINGS_RELEASED), sim::toString);
        assertEquals(4, sim.b.statistics().get(Counter.TCP_IDLE_RINGS_RELEASED), sim::toString);
        assertEquals(Long.MAX_VALUE, sim.a.tcp().nextDeadline(), "nothing left to watch: no wake-ups");
    }

    private static void exchange(Simulation sim, TcpConnection client, TcpConnection server, byte mark) {
        byte[] request = new byte[300];
        java.util.Arrays.fill(request, mark);
        assertEquals(300, client.sendBuffer().write(request, 0, 300));
        sim.a.tcp().push(sim.now(), client);
        sim.runFor(S / 100);
        byte[] got = new byte[300];
        assertEquals(300, server.receiveBuffer().read(got, 0, 300));
        assertArrayEquals(request, got);
        sim.b.tcp().windowOpened(sim.now(), server);
        assertEquals(300, server.sendBuffer().write(request, 0, 300));
        sim.b.tcp().push(sim.now(), server);
        sim.runFor(S / 100);
        assertEquals(300, client.receiveBuffer().read(got, 0, 300));
        assertArrayEquals(request, got);
        sim.a.tcp().windowOpened(sim.now(), client);
    }
}
