package teacup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import teacup.ip.Interface;
import teacup.link.VirtualWire;
import teacup.socket.TcpServerSocket;
import teacup.stack.NetStack;
import teacup.tcp.TcpSettings;
import teacup.time.Clock;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/** The hostile-peer limits of serve, daemon and nc reach the stack and the sockets opened on it. */
class TcpLimitOptionsTest {
    @Command(name = "limits")
    static final class Holder {
        @Mixin
        TcpLimitOptions limits;
    }

    private static TcpLimitOptions parse(String... args) {
        Holder holder = new Holder();
        new CommandLine(holder).parseArgs(args);
        return holder.limits;
    }

    @Test
    @DisplayName("--orphan-retries, --orphan-lifetime, --syn-ack-retries, --min-mss, --segments-per-turn and --max-orphans set the stack's TCP defaults, and a listener opened after takes them")
    void limitsReachTheSockets() throws Exception {
        TcpLimitOptions limits = parse("--orphan-retries", "3", "--orphan-lifetime", "30", "--syn-ack-retries", "2",
                "--min-mss", "88", "--segments-per-turn", "64", "--max-orphans", "10");
        limits.check();
        VirtualWire wire = new VirtualWire(1500);
        try (NetStack stack = new NetStack(wire.a(), new Interface(MacAddress.parse("02:00:00:00:00:01"),
                Ipv4Address.parse("198.18.0.2"), 24, Ipv4Address.ANY, 1500), Clock.SYSTEM, new SplittableRandom(1)).start()) {
            limits.apply(stack);
            TcpSettings s = stack.tcpDefaults();
            assertEquals(3, s.orphanRetries());
            assertEquals(30_000_000_000L, s.orphanLifetime());
            assertEquals(2, s.synAckRetries());
            assertEquals(88, s.minSendMss());
            assertEquals(64, s.sendSegmentsPerTurn());
            assertEquals(TcpSettings.defaults().receiveBuffer(), s.receiveBuffer(), "the rest stays as it was");
            assertEquals(10, (int) stack.call(() -> stack.tcp().orphanLimit()));
            try (TcpServerSocket server = TcpServerSocket.bind(stack, 80, 8)) {
                assertEquals(88, server.settings().minSendMss());
                assertEquals(3, server.settings().orphanRetries());
            }
        }
    }

    @Test
    @DisplayName("the defaults are the library's, and a limit out of range is a usage error")
    void defaultsAndRanges() {
        TcpLimitOptions limits = parse();
        limits.check();
        TcpSettings d = TcpSettings.defaults();
        assertEquals(d.orphanRetries(), limits.orphanRetries);
        assertEquals(d.orphanLifetime(), (long) (limits.orphanLifetime * 1e9));
        assertEquals(d.synAckRetries(), limits.synAckRetries);
        assertEquals(d.minSendMss(), limits.minMss);
        assertEquals(d.sendSegmentsPerTurn(), limits.segmentsPerTurn);
        assertThrows(UsageException.class, () -> parse("--min-mss", "40").check());
        assertThrows(UsageException.class, () -> parse("--orphan-retries", "13").check());
        assertThrows(UsageException.class, () -> parse("--segments-per-turn", "0").check());
        assertThrows(UsageException.class, () -> parse("--orphan-lifetime", "-1").check());
    }
}
