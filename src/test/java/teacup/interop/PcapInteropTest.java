package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.link.PcapRecorder;

/** What teacup records with PcapRecorder is a capture Wireshark's tshark reads without complaint. */
@Tag("interop")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup's pcap recording read by tshark")
class PcapInteropTest {

    @Test
    @DisplayName("a recorded kernel ping shows ARP, echo requests and replies in tshark, and nothing malformed")
    void tsharkReadsTheRecording() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "ping", "tshark");
        Path capture = Files.createTempFile("teacup-interop-", ".pcap");
        try {
            try (TapNetwork net = TapNetwork.create()) {
                net.startStack(PcapRecorder.open(net.openTap(), capture), 0x5eed_0004L);
                SystemCommand.Result ping = net.run(Duration.ofSeconds(15),
                        "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", TapNetwork.TEACUP);
                assertEquals(0, ping.exitCode(), ping.stdout() + ping.stderr());
            } // closing the stack closes the recorder, which flushes the file

            SystemCommand.Result read = SystemCommand.run(Duration.ofSeconds(30), "tshark", "-n", "-r", capture.toString(),
                    "-T", "fields", "-e", "frame.protocols", "-e", "icmp.type", "-e", "_ws.malformed");
            assertEquals(0, read.exitCode(), "tshark: " + read.stderr());
            List<String> lines = read.stdout().lines().toList();
            String all = read.stdout();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("eth:ethertype:arp")), "no ARP in:\n" + all);
            long requests = lines.stream().filter(l -> l.matches("eth:ethertype:ip:icmp.*\\t8\\t.*")).count();
            long replies = lines.stream().filter(l -> l.matches("eth:ethertype:ip:icmp.*\\t0\\t.*")).count();
            assertEquals(3, requests, "echo requests in:\n" + all);
            assertEquals(3, replies, "echo replies in:\n" + all);
            assertTrue(lines.stream().noneMatch(l -> l.contains("malformed")), "malformed frames in:\n" + all);

            SystemCommand.Result malformed = SystemCommand.run(Duration.ofSeconds(30), "tshark", "-n", "-r",
                    capture.toString(), "-Y", "_ws.malformed || _ws.expert.severity == error");
            assertEquals(0, malformed.exitCode(), "tshark: " + malformed.stderr());
            assertEquals("", malformed.stdout().strip(), "tshark found errors in the capture");
        } finally {
            Files.deleteIfExists(capture);
        }
    }
}
