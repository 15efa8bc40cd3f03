package teacup.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.SampleFrames;

/** {@code --trace-packets}: a line per frame in tcpdump's words, and a line per TCP state change, over an in-memory link. */
class PacketTracerTest {
    /** A link that hands out queued frames and remembers what was sent. */
    private static final class QueueLink implements Link {
        final List<byte[]> incoming = new ArrayList<>();
        final List<byte[]> sent = new ArrayList<>();
        final List<Integer> segmentSizes = new ArrayList<>();

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public int maxFrameLength() {
            return 14 + 65535;
        }

        @Override
        public int segmentationOffload() {
            return 65535;
        }

        @Override
        public void sendSegmented(byte[] buf, int off, int len, int segmentSize) {
            sent.add(java.util.Arrays.copyOfRange(buf, off, off + len));
            segmentSizes.add(segmentSize);
        }

        @Override
        public int receive(byte[] buf, int off) {
            if (incoming.isEmpty()) {
                return 0;
            }
            byte[] f = incoming.removeFirst();
            System.arraycopy(f, 0, buf, off, f.length);
            return f.length;
        }

        @Override
        public void send(byte[] buf, int off, int len) {
            sent.add(java.util.Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void await(long timeoutNanos) {
        }

        @Override
        public void wakeup() {
        }

        @Override
        public void close() {
        }
    }

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final QueueLink inner = new QueueLink();
    private final PacketTracer tracer = new PacketTracer(inner, new PrintStream(bytes, true, StandardCharsets.UTF_8),
            InstantSource.fixed(Instant.parse("2026-01-02T03:04:05.678901Z")), ZoneOffset.UTC);

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    @DisplayName("one tcpdump-like line per frame, both ways; frames pass unchanged")
    void framesAreDescribed() throws IOException {
        byte[] syn = SampleFrames.tcp(true);
        tracer.send(syn, 0, syn.length);
        byte[] arp = SampleFrames.arpRequest();
        inner.incoming.add(arp);
        byte[] buf = new byte[2000];
        int n = tracer.receive(buf, 0);
        assertEquals(arp.length, n);
        assertArrayEquals(syn, inner.sent.getFirst());
        byte[] dns = SampleFrames.udpDns();
        tracer.send(dns, 0, dns.length);
        byte[] ping = SampleFrames.icmpEcho(8, 3);
        tracer.send(ping, 0, ping.length);
        byte[] junk = {1, 2, 3};
        tracer.send(junk, 0, junk.length);
        List<String> l = lines();
        assertEquals(5, l.size(), String.join("\n", l));
        assertEquals("03:04:05.678901 Out IP 198.18.0.1.40001 > 198.18.0.2.80: Flags [S], seq 268435456, win 64240,"
                + " options [mss 1460,sackOK,TS val 1000 ecr 0,wscale 7], length 0", l.get(0));
        assertTrue(l.get(1).startsWith("03:04:05.678901 In  ARP, Request who-has "), l.get(1));
        assertTrue(l.get(2).matches(".* Out IP [\\d.]+ > [\\d.]+\\.53: UDP, length \\d+"), l.get(2));
        assertTrue(l.get(3).contains("ICMP echo request"), l.get(3));
        assertTrue(l.get(4).endsWith("truncated frame, length 3"), l.get(4));
    }

    @Test
    @DisplayName("data: seq range, ack, SACK blocks")
    void dataSegment() throws IOException {
        byte[] data = SampleFrames.tcp(false);
        tracer.send(data, 0, data.length);
        assertEquals("03:04:05.678901 Out IP 198.18.0.1.40001 > 198.18.0.2.80: Flags [P.], seq 268435456:268435460,"
                + " ack 536870912, win 64240, options [TS val 2000 ecr 1000,sack 3 {536875008:536879104}"
                + "{536883200:536887296}{536891392:536892672}], length 4", lines().getFirst());
    }

    @Test
    @DisplayName("a large segment sent is one line that says how many segments of what size it stands for")
    void largeSegmentSent() throws IOException {
        byte[] large = SoftwareSegmentationTest.largeFrame(7, 1000, 30 * 1448, 1);
        tracer.sendSegmented(large, 0, large.length, 1448);
        byte[] tail = SoftwareSegmentationTest.largeFrame(8, 1000 + 30 * 1448, 2 * 1448 + 60, 2);
        tracer.sendSegmented(tail, 0, tail.length, 1448);
        List<String> l = lines();
        assertEquals(2, l.size(), String.join("\n", l));
        assertEquals("03:04:05.678901 Out IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [P.], seq 1000:44440, ack 1,"
                + " win 500, options [TS val 5 ecr 6], length 43440 (tso 30×1448)", l.get(0));
        assertTrue(l.get(1).endsWith(", length 2956 (tso 2×1448+60)"), l.get(1));
        assertArrayEquals(large, inner.sent.getFirst(), "passed on unchanged");
        assertEquals(List.of(1448, 1448), inner.segmentSizes, "and still as a large segment");
    }

    @Test
    @DisplayName("a large frame received is one line counted in the segments the MTU holds; a plain one says nothing more")
    void largeFrameReceived() throws IOException {
        byte[] large = SoftwareSegmentationTest.largeFrame(7, 5000, 20 * 1448, 3);
        inner.incoming.add(large);
        byte[] plain = SoftwareSegmentationTest.largeFrame(8, 5000 + 20 * 1448, 1448, 4);
        inner.incoming.add(plain);
        byte[] buf = new byte[70_000];
        assertEquals(large.length, tracer.receive(buf, 0));
        assertEquals(plain.length, tracer.receive(buf, 0));
        List<String> l = lines();
        assertTrue(l.get(0).startsWith("03:04:05.678901 In  IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [P.], seq 5000:33960,"),
                l.get(0));
        assertTrue(l.get(0).endsWith(", length 28960 (gro 20×1448)"), l.get(0));
        assertTrue(l.get(1).endsWith(", length 1448"), l.get(1));
    }

    @Test
    @DisplayName("flags in tcpdump's letters and order")
    void flags() {
        assertEquals("S", PacketTracer.flags(0x02));
        assertEquals("S.", PacketTracer.flags(0x12));
        assertEquals("FP.", PacketTracer.flags(0x19));
        assertEquals("R.", PacketTracer.flags(0x14));
        assertEquals("none", PacketTracer.flags(0));
    }

    @Test
    @DisplayName("a state change of a connection seen in a frame is printed once, and CLOSED when it leaves the table")
    void stateChanges() throws IOException {
        Map<Long, String> table = new HashMap<>();
        tracer.watch((remoteIp, remotePort, localPort) -> table.get(((long) remotePort << 16) | localPort));
        byte[] syn = SampleFrames.tcp(true);
        tracer.send(syn, 0, syn.length); // not yet in the table, as when TcpLayer sends the SYN
        teacup.wire.TcpSegment seg = new teacup.wire.TcpSegment();
        seg.wrap(syn, 34, syn.length - 34, SampleFrames.IP_A, SampleFrames.IP_B, false);
        long key = ((long) seg.destinationPort() << 16) | seg.sourcePort();
        table.put(key, "SYN-SENT");
        tracer.await(0);
        tracer.await(0);
        table.put(key, "ESTABLISHED");
        tracer.await(0);
        table.remove(key);
        tracer.await(0);
        tracer.await(0);
        List<String> states = lines().stream().filter(s -> s.contains(" TCP ")).toList();
        assertEquals(3, states.size(), String.join("\n", lines()));
        assertTrue(states.get(0).endsWith(": CLOSED -> SYN-SENT"), states.get(0));
        assertTrue(states.get(1).endsWith(": SYN-SENT -> ESTABLISHED"), states.get(1));
        assertTrue(states.get(2).endsWith(": ESTABLISHED -> CLOSED"), states.get(2));
    }
}
