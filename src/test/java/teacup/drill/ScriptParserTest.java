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
        assertEquals("unreachable", i.type());
        assertEquals("frag_needed", i.code());
        assertEquals(1200, i.mtu());
        assertEquals(1460, i.quoted().length());
        assertEquals(1, i.quoted().startSeq());
        var s = assertInstanceOf(ScriptEvent.Shell.class, only("+0 `sysctl -q net.ipv4.tcp_sack=0`"));
        assertEquals("sysctl -q net.ipv4.tcp_sack=0", s.command());
    }

    @Test
    @DisplayName("ICMP lines in both of packetdrill's orders: the quoted segment before or after the message")
    void icmpForms() throws Exception {
        var before = assertInstanceOf(ScriptEvent.Icmp.class, only("+0 < [1:1461(1460)] icmp unreachable frag_needed mtu 1200"));
        assertEquals("frag_needed", before.code());
        assertEquals(1200, before.mtu());
        assertEquals(1461, before.quoted().endSeq());
        var port = assertInstanceOf(ScriptEvent.Icmp.class, only("+0 < icmp unreachable port_unreachable [0:0(0)]"));
        assertEquals("port_unreachable", port.code());
        assertEquals(-1, port.mtu());
        assertEquals(0, port.quoted().length());
        var bare = assertInstanceOf(ScriptEvent.Icmp.class,
                ScriptParser.parse("t.pkt", "0 < icmp time_exceeded\n+0 close(3) = 0").events().getFirst());
        assertEquals("time_exceeded", bare.type());
        assertEquals(null, bare.code());
        assertEquals(null, bare.quoted());
        var out = assertInstanceOf(ScriptEvent.Icmp.class, only("* > icmp unreachable 3"));
        assertEquals("3", out.code());
        var udp = assertInstanceOf(ScriptEvent.Unsupported.class, only("0 < icmp unreachable port_unreachable [udp (10)]"));
        assertEquals("an ICMP message quoting a UDP datagram (only TCP)", udp.what());
        assertInstanceOf(ScriptEvent.Unsupported.class, only("0 < udp (10)"));
    }

    @Test
    @DisplayName("the URG flag and the urgent pointer: < U. 1:2(1) ack 1 urg 1")
    void urgent() throws Exception {
        var p = assertInstanceOf(ScriptEvent.Packet.class, only("0 < PU. 1:11(10) ack 1 urg 10 win 100"));
        assertEquals("PU.", p.tcp().flags());
        assertEquals(10, p.tcp().urgent());
        assertEquals(100, p.tcp().window());
        assertEquals("PU. 1:11(10) ack 1 win 100 urg 10", p.tcp().toString());
        var none = assertInstanceOf(ScriptEvent.Packet.class, only("0 > . 1:1(0) ack 1"));
        assertEquals(-1, none.tcp().urgent());
    }

    @Test
    @DisplayName("poll's pollfd list, writev's and readv's iovec lists, sendto and recvfrom")
    void pollAndVectors() throws Exception {
        var poll = assertInstanceOf(ScriptEvent.SystemCall.class,
                only("+0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1"));
        List<PollEvents.Entry> entries = PollEvents.entries(poll.arguments().getFirst());
        assertEquals(List.of(new PollEvents.Entry(4, PollEvents.POLLIN | PollEvents.POLLOUT, PollEvents.POLLOUT)), entries);
        var blocking = assertInstanceOf(ScriptEvent.SystemCall.class, only("0...0.1 poll([{fd=3, events=POLLIN}], 1, 100) = 0"));
        assertEquals(null, PollEvents.entries(blocking.arguments().getFirst()).getFirst().revents());
        assertEquals(EventTime.absolute(100_000), blocking.returnTime());
        var writev = assertInstanceOf(ScriptEvent.SystemCall.class, only("+0 writev(4, [{..., 10}, {..., 20}], 2) = 30"));
        var vectors = assertInstanceOf(Expression.Sequence.class, writev.arguments().get(1));
        assertEquals("[{..., 10}, {..., 20}]", vectors.toString());
        var sendto = assertInstanceOf(ScriptEvent.SystemCall.class, only("+0 sendto(4, ..., 1000, 0, ..., ...) = 1000"));
        assertEquals(6, sendto.arguments().size());
        var recvfrom = assertInstanceOf(ScriptEvent.SystemCall.class, only("+0 recvfrom(4, ..., 1000, 0, ..., ...) = 500"));
        assertEquals(500, ((Expression.Number) recvfrom.result()).value());
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
