package teacup.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import teacup.drill.DrillResult.Mode;
import teacup.drill.DrillResult.Verdict;

class DrillEngineTest {
    private static final String LISTEN = """
            0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0  bind(3, ..., ...) = 0
            +0  listen(3, 1) = 0
            +0  < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
            """;

    private static final String CONNECT = """
            0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0  fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
            +0  connect(3, ..., ...) = -1 EINPROGRESS
            +0  > S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7>
            """;
    private static final String ESTABLISHED = LISTEN + """
            +0  > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 7>
            +.1 < . 1:1(0) ack 1 win 1000 <nop,nop,TS val 200 ecr 0>
            +0  accept(3, ..., ...) = 4
            """;

    private static DrillResult run(String text, Mode mode) throws ScriptSyntaxException {
        return new DrillEngine(mode).run(ScriptParser.parse("t.pkt", text));
    }

    @Test
    @DisplayName("a wrong expectation fails with the line, the field, both segments and the time")
    void mismatchMessage() throws Exception {
        DrillResult r = run(LISTEN + "+0  > S. 0:0(0) ack 2 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 7>\n", Mode.STRICT);
        assertEquals(Verdict.FAILED, r.verdict());
        assertEquals("""
                t.pkt:5: error handling packet: tcp_ack_seq: expected 2 vs actual 1
                  script packet: 0.000000 S. 0:0(0) ack 2 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 7>
                  actual packet: 0.000000 S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 7>""", r.message());
    }

    @Test
    @DisplayName("strict checks window and option values; portable only which options are present")
    void modes() throws Exception {
        String wrong = LISTEN + "+0  > S. 0:0(0) ack 1 win 1000 <mss 1000,sackOK,TS val 0 ecr 100,wscale 7>\n";
        assertEquals(Verdict.FAILED, run(wrong, Mode.STRICT).verdict());
        assertEquals(Verdict.PASSED, run(wrong, Mode.PORTABLE).verdict());
        String missing = LISTEN + "+0  > S. 0:0(0) ack 1 <mss 1460,TS val 0 ecr 100,nop,wscale 7>\n";
        assertEquals(Verdict.FAILED, run(missing, Mode.PORTABLE).verdict());
    }

    @Test
    @DisplayName("a segment outside the tolerance is a timing error; one never sent times out")
    void timing() throws Exception {
        DrillResult late = run(LISTEN + "+.1 > S. 0:0(0) ack 1\n", Mode.STRICT);
        assertTrue(late.message().contains("timing error: expected outbound packet at 0.100000 sec but happened at 0.000000 sec"),
                late.message());
        DrillResult none = run(LISTEN + "+0 > S. 0:0(0) ack 1\n+0 > . 1:1(0) ack 1\n", Mode.STRICT);
        assertTrue(none.message().startsWith("t.pkt:6: expected outbound packet at 0.000000 sec but teacup sent nothing"),
                none.message());
    }

    @Test
    @DisplayName("SO_RCVBUF before listen sizes the window teacup offers; on an open socket it is skipped")
    void receiveBuffer() throws Exception {
        String script = """
                0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0  setsockopt(3, SOL_SOCKET, SO_RCVBUF, [4000], 4) = 0
                +0  setsockopt(3, SOL_SOCKET, SO_SNDBUF, [8000], 4) = 0
                +0  bind(3, ..., ...) = 0
                +0  listen(3, 1) = 0
                +0  < S 0:0(0) win 65535 <mss 1460>
                +0  > S. 0:0(0) ack 1 win 4096 <mss 1460>
                """;
        assertEquals(Verdict.PASSED, run(script, Mode.STRICT).verdict(), run(script, Mode.STRICT).message());
        assertEquals(Verdict.FAILED, run(script.replace("win 4096", "win 4000"), Mode.STRICT).verdict());
        assertEquals("socket option SO_RCVBUF on an open connection is not supported by teacup", run(
                "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
                        + "+0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [4096], 4) = 0\n", Mode.STRICT).message());
    }

    @Test
    @DisplayName("a wrong system call result fails; what cannot be mapped is skipped with the reason")
    void systemCallsAndSkips() throws Exception {
        assertEquals("t.pkt:1: close: expected result 0 but got -1 EBADF at 0.000000",
                run("0 close(9) = 0\n", Mode.STRICT).message());
        assertEquals("line 1: shell command `sysctl -q net.ipv4.tcp_sack=0` (host commands never run in-process)",
                run("0 `sysctl -q net.ipv4.tcp_sack=0`\n", Mode.STRICT).message());
        assertEquals(Verdict.PASSED, run("0 `sysctl net.ipv4.tcp_sack`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
                Mode.STRICT).verdict());
        assertEquals("line 1: system call epoll_create is not mapped onto teacup",
                run("0 epoll_create(1) = 3\n", Mode.STRICT).message());
        assertEquals("--ip_version=ipv6 (only ipv4 in-process)", run("--ip_version=ipv6\n0 close(3) = 0\n", Mode.STRICT).message());
        assertEquals("ICMP type wormhole is not known", run(CONNECT + "+0 < icmp wormhole [0:0(0)]\n", Mode.STRICT).message());
        assertEquals("socket option TCP_CONGESTION is not supported by teacup", run(
                "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, \"bbr\", 3) = 0\n",
                Mode.STRICT).message());
        assertEquals(Verdict.SKIPPED, run("0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n", Mode.STRICT).verdict());
        assertEquals("line 2: udp packet lines (only TCP and ICMP) are not supported",
                run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < udp (10)\n", Mode.STRICT).message());
    }

    @Test
    @DisplayName("an ICMP port unreachable quoting the SYN in flight refuses the connect (RFC 5461); its SO_ERROR says so")
    void icmpRefusesConnect() throws Exception {
        DrillResult r = run(CONNECT + """
                +.01 < icmp unreachable port_unreachable [0:0(0)]
                +0  getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
                """, Mode.STRICT);
        assertEquals(Verdict.PASSED, r.verdict(), r.message());
        DrillResult before = run(CONNECT + """
                +.01 < [0:0(0)] icmp unreachable protocol_unreachable
                +0  getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
                """, Mode.STRICT);
        assertEquals(Verdict.PASSED, before.verdict(), before.message());
    }

    @Test
    @DisplayName("an ICMP quoting a sequence number not in flight is dropped (RFC 5927): a script expecting the abort fails")
    void icmpOutsideFlightFails() throws Exception {
        DrillResult r = run(CONNECT + """
                +.01 < icmp unreachable port_unreachable [5000:5000(0)]
                +0  getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
                """, Mode.STRICT);
        assertEquals(Verdict.FAILED, r.verdict());
        assertEquals("t.pkt:6: getsockopt SO_ERROR: expected [ECONNREFUSED] but got [0]", r.message());
    }

    @Test
    @DisplayName("a frag_needed ICMP with its mtu reaches teacup without ending the connection; teacup's outbound ICMP is checked")
    void icmpFragNeededAndOutbound() throws Exception {
        DrillResult r = run(ESTABLISHED + """
                +0  write(4, ..., 100) = 100
                +0  > P. 1:101(100) ack 1 <nop,nop,TS val 100 ecr 200>
                +0  < icmp unreachable frag_needed mtu 1200 [1:101(100)]
                +.1 < . 1:1(0) ack 101 win 1000 <nop,nop,TS val 300 ecr 100>
                +0  write(4, ..., 10) = 10
                +0  > P. 101:111(10) ack 1 <nop,nop,TS val 200 ecr 300>
                """, Mode.STRICT);
        assertEquals(Verdict.PASSED, r.verdict(), r.message());
        DrillResult none = run(ESTABLISHED + "+0 > icmp unreachable port_unreachable\n", Mode.STRICT);
        assertTrue(none.message().startsWith("t.pkt:8: expected outbound ICMP unreachable at 0.100000 sec but teacup sent none"),
                none.message());
    }

    @Test
    @DisplayName("poll: readiness per Linux's tcp_poll, revents checked, a timeout returns 0 at its time")
    void poll() throws Exception {
        DrillResult r = run(LISTEN.replace("+0  < S", "+0  poll([{fd=3, events=POLLIN, revents=0}], 1, 0) = 0\n+0  < S")
                + """
                +0  > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 7>
                +.1 < . 1:1(0) ack 1 win 1000 <nop,nop,TS val 200 ecr 0>
                +0  poll([{fd=3, events=POLLIN, revents=POLLIN}], 1, 0) = 1
                +0  accept(3, ..., ...) = 4
                +0  poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
                +0...0.300 poll([{fd=4, events=POLLIN, revents=0}], 1, 200) = 0
                +.3 < P. 1:11(10) ack 1 win 1000 <nop,nop,TS val 300 ecr 0>
                +0  poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, -1) = 1
                +0  < F. 11:11(0) ack 1 win 1000 <nop,nop,TS val 400 ecr 0>
                +0  poll([{fd=4, events=POLLIN|POLLRDHUP, revents=POLLIN|POLLRDHUP}], 1, 0) = 1
                """, Mode.PORTABLE);
        assertEquals(Verdict.PASSED, r.verdict(), r.message());
        DrillResult wrong = run(ESTABLISHED + "+0 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 0) = 1\n", Mode.STRICT);
        assertEquals("t.pkt:8: poll: fd 4: expected revents POLLIN but got 0", wrong.message());
    }

    @Test
    @DisplayName("writev and readv move the sum of their iovecs; sendto and recvfrom map like send and recv")
    void vectors() throws Exception {
        DrillResult r = run(ESTABLISHED + """
                +0  writev(4, [{..., 10}, {..., 20}], 2) = 30
                +0  > P. 1:31(30) ack 1 <nop,nop,TS val 100 ecr 200>
                +0  sendto(4, ..., 5, 0, ..., ...) = 5
                +0  < P. 1:41(40) ack 31 win 1000 <nop,nop,TS val 300 ecr 100>
                +0  > P. 31:36(5) ack 41 <nop,nop,TS val 100 ecr 300>
                +0  readv(4, [{..., 10}, {..., 20}], 2) = 30
                +0  recvfrom(4, ..., 100, 0, ..., ...) = 10
                """, Mode.STRICT);
        assertEquals(Verdict.PASSED, r.verdict(), r.message());
        assertEquals("t.pkt:8: writev: the count 3 is not the 2 iovecs given",
                run(ESTABLISHED + "+0 writev(4, [{..., 10}, {..., 20}], 3) = 30\n", Mode.STRICT).message());
    }

    @Test
    @DisplayName("getsockopt reads back what teacup holds: keep-alive timers, buffers, the MSS in use, SO_TYPE")
    void getsockopt() throws Exception {
        DrillResult r = run("""
                0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0  setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [30], 4) = 0
                +0  setsockopt(3, SOL_SOCKET, SO_RCVBUF, [8192], 4) = 0
                +0  getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [30], [4]) = 0
                +0  getsockopt(3, SOL_SOCKET, SO_TYPE, [SOCK_STREAM], [4]) = 0
                +0  bind(3, ..., ...) = 0
                +0  listen(3, 1) = 0
                +0  < S 0:0(0) win 65535 <mss 1000>
                +0  > S. 0:0(0) ack 1 <mss 1460>
                +.1 < . 1:1(0) ack 1 win 65535
                +0  accept(3, ..., ...) = 4
                +0  getsockopt(4, IPPROTO_TCP, TCP_MAXSEG, [1000], [4]) = 0
                +0  getsockopt(4, SOL_SOCKET, SO_RCVBUF, [8192], [4]) = 0
                +0  getsockopt(4, IPPROTO_TCP, TCP_KEEPIDLE, [30], [4]) = 0
                """, Mode.PORTABLE);
        assertEquals(Verdict.PASSED, r.verdict(), r.message());
    }

    @Test
    @DisplayName("a segment teacup sent that no outbound line took fails the script at the next inbound packet")
    void unexpectedSegment() throws Exception {
        DrillResult r = run(ESTABLISHED + """
                +0  < P. 1:11(10) ack 1 win 1000 <nop,nop,TS val 300 ecr 0>
                +.1 < P. 11:21(10) ack 1 win 1000 <nop,nop,TS val 400 ecr 0>
                """, Mode.STRICT);
        assertEquals("t.pkt:9: unexpected outbound packet: 0.140000 . 1:1(0) ack 11 win 2047 <nop,nop,TS val 140 ecr 300>",
                r.message());
    }

    @Test
    @DisplayName("the urgent pointer of an outbound line is checked when the line gives one (read as 0 without URG)")
    void urgentPointer() {
        TcpPacketSpec want = new TcpPacketSpec("PU.", 1, 11, 10, 1, -1, 5, null);
        assertEquals("tcp_urg_ptr: expected 5 vs actual 10",
                OutboundCheck.mismatch(want, new TcpPacketSpec("PU.", 1, 11, 10, 1, 100, 10, null), true));
        assertEquals(null, OutboundCheck.mismatch(want, new TcpPacketSpec("PU.", 1, 11, 10, 1, 100, 5, null), true));
        TcpPacketSpec none = new TcpPacketSpec("P.", 1, 11, 10, 1, -1, 0, null);
        assertEquals(null, OutboundCheck.mismatch(none, new TcpPacketSpec("P.", 1, 11, 10, 1, 100, -1, null), true));
    }

    @Test
    @DisplayName("exit codes: 0 when something passed and nothing failed, 1 on any failure, 77 when all were skipped")
    void exitCodes(@TempDir Path dir) throws IOException {
        Path pass = Files.writeString(dir.resolve("a.pkt"), "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
        Path skip = Files.writeString(dir.resolve("b.pkt"), "0 `ip link`\n");
        Path failing = Files.writeString(dir.resolve("c.pkt"), "0 close(3) = 0\n");
        Path broken = Files.writeString(dir.resolve("d.pkt"), "0 < Q 1\n");
        assertEquals(DrillSuite.EXIT_PASSED, DrillSuite.runAll(List.of(pass, skip), Mode.STRICT, quiet()));
        assertEquals(DrillSuite.EXIT_FAILED, DrillSuite.runAll(List.of(pass, failing), Mode.STRICT, quiet()));
        assertEquals(DrillSuite.EXIT_ALL_SKIPPED, DrillSuite.runAll(List.of(skip), Mode.STRICT, quiet()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(DrillSuite.EXIT_FAILED, DrillSuite.runAll(DrillSuite.scripts(List.of(dir)), Mode.PORTABLE,
                new PrintStream(out, true)));
        String text = out.toString();
        assertTrue(text.contains("FAILED " + broken + " (portable): " + broken + ":1: unknown TCP flag 'Q'"), text);
        assertTrue(text.endsWith("1 passed, 2 failed, 1 skipped\n"), text);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    @DisplayName("a run is deterministic: the same script gives the same result twice")
    void deterministic() throws Exception {
        String s = LISTEN + "+0  > S. 0:0(0) ack 1 win 1 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 7>\n";
        assertEquals(run(s, Mode.STRICT), run(s, Mode.STRICT));
    }
}
