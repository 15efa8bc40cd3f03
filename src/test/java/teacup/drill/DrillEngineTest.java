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
        assertEquals("line 1: ICMP lines are not supported yet", run("0 < icmp echo_reply\n", Mode.STRICT).message());
        assertEquals("socket option TCP_CONGESTION is not supported by teacup", run(
                "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, \"bbr\", 3) = 0\n",
                Mode.STRICT).message());
        assertEquals(Verdict.SKIPPED, run("0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n", Mode.STRICT).verdict());
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
