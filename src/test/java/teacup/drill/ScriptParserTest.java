package teacup.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ScriptParserTest {
    private static ScriptEvent only(String text) throws ScriptSyntaxException {
        List<ScriptEvent> events = ScriptParser.parse("t.pkt", text).events();
        assertEquals(1, events.size());
        return events.getFirst();
    }

    @Test
    @DisplayName("times: relative, absolute, any and ranges, in microseconds")
    void times() throws Exception {
        assertEquals(EventTime.relative(100_000), only("+.1 close(3) = 0").time());
        assertEquals(EventTime.absolute(100_000), only("0.100 close(3) = 0").time());
        assertEquals(EventTime.ANY, only("* > . 1:1(0) ack 1").time());
        EventTime range = only("0.1~+0.2 > . 1:1(0)").time();
        assertEquals(100_000, range.start(0));
        assertEquals(300_000, range.end(100_000));
    }

    @Test
    @DisplayName("comments of both kinds and header options")
    void commentsAndOptions() throws Exception {
        Script s = ScriptParser.parse("t.pkt", "--ip_version=ipv4\n--tolerance_usecs=10000\n// one\n/* two\nlines */ 0 close(3) = 0\n");
        assertEquals("ipv4", s.options().get("ip_version"));
        assertEquals("10000", s.options().get("tolerance_usecs"));
        assertEquals(5, s.events().getFirst().line());
    }

    @Test
    @DisplayName("system calls: structures, lists, ellipses, or-ed flags, &names, sizeof, errno with its text")
    void systemCalls() throws Exception {
        var c = assertInstanceOf(ScriptEvent.SystemCall.class,
                only("+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080)}, sizeof(struct)) = -1 EADDRINUSE (Address in use)"));
        assertEquals("bind", c.name());
        assertEquals("EADDRINUSE", c.errno());
        assertEquals(new Expression.Number(-1), c.result());
        var address = assertInstanceOf(Expression.Structure.class, c.arguments().get(1));
        assertEquals(new Expression.Call("htons", List.of(new Expression.Number(8080))), address.field("sin_port"));
        var f = assertInstanceOf(ScriptEvent.SystemCall.class, only("+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0"));
        assertInstanceOf(Expression.Or.class, f.arguments().get(2));
        var g = assertInstanceOf(ScriptEvent.SystemCall.class, only("+0 getsockopt(3, SOL_SOCKET, SO_ERROR, &optval, [4]) = 0"));
        assertEquals(new Expression.AddressOf("optval"), g.arguments().get(3));
        assertEquals(new Expression.Sequence(List.of(new Expression.Number(4))), g.arguments().get(4));
        var blocking = assertInstanceOf(ScriptEvent.SystemCall.class, only("0...0.2 accept(3, ..., ...) = 4"));
        assertEquals(EventTime.absolute(200_000), blocking.returnTime());
    }

    @Test
    @DisplayName("TCP packet lines: flag combinations, ranges, ack, win and every option")
    void packets() throws Exception {
        var p = assertInstanceOf(ScriptEvent.Packet.class,
                only("+0 < S. 0:0(0) ack 1 win 32792 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7,sack 1:2 3:4,eol>"));
        assertEquals(true, p.inbound());
        TcpPacketSpec t = p.tcp();
        assertEquals("S.", t.flags());
        assertEquals(1, t.ack());
        assertEquals(32792, t.window());
        assertEquals(List.of(TcpOptionSpec.of("mss", 1460), TcpOptionSpec.of("sackOK"), TcpOptionSpec.of("TS", 100, 0),
                TcpOptionSpec.of("nop"), TcpOptionSpec.of("wscale", 7), TcpOptionSpec.of("sack", 1, 2, 3, 4),
                TcpOptionSpec.of("eol")), t.options());
        var q = assertInstanceOf(ScriptEvent.Packet.class, only("+0 > P. 1:1001(1000) ack 1"));
        assertEquals(false, q.inbound());
        assertEquals(1000, q.tcp().length());
        assertEquals("F.", assertInstanceOf(ScriptEvent.Packet.class, only("0 > F. 5:5(0) ack 1")).tcp().flags());
        assertEquals("R", assertInstanceOf(ScriptEvent.Packet.class, only("0 < R 7 win 0")).tcp().flags());
    }

    @Test
    @DisplayName("ICMP and backtick lines")
    void icmpAndShell() throws Exception {
        var i = assertInstanceOf(ScriptEvent.Icmp.class, only("+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]"));
        assertEquals(List.of("unreachable", "frag_needed", "mtu", "1200"), i.words());
        assertEquals(1460, i.quoted().length());
        var s = assertInstanceOf(ScriptEvent.Shell.class, only("+0 `sysctl -q net.ipv4.tcp_sack=0`"));
        assertEquals("sysctl -q net.ipv4.tcp_sack=0", s.command());
    }

    @Test
    @DisplayName("errors name the file and line")
    void errors() {
        assertEquals("t.pkt:2: unknown TCP flag 'X' (flags are S . F R P U E W)",
                assertThrows(ScriptSyntaxException.class, () -> ScriptParser.parse("t.pkt", "0 close(3) = 0\n+0 < X 0:0(0)")).getMessage());
        assertEquals("t.pkt:1: sequence range 1:5 does not hold 3 bytes",
                assertThrows(ScriptSyntaxException.class, () -> ScriptParser.parse("t.pkt", "0 < . 1:5(3)")).getMessage());
        assertEquals("t.pkt:3: comment /* is never closed",
                assertThrows(ScriptSyntaxException.class, () -> ScriptParser.parse("t.pkt", "\n\n/* x")).getMessage());
    }
}
