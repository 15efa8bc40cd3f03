package teacup.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import teacup.wire.PcapReader;
import teacup.wire.PcapWriter;
import teacup.wire.SampleFrames;

class PcapRecorderTest {
    /** A link that is two queues: frames to receive are put in, frames sent are kept. */
    static class QueueLink implements Link {
        final ArrayDeque<byte[]> incoming = new ArrayDeque<>();
        final List<byte[]> sent = new ArrayList<>();
        int awaits;
        int wakeups;
        boolean closed;
        IOException closeFailure;

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public int receive(byte[] buf, int off) {
            byte[] f = incoming.poll();
            if (f == null) {
                return 0;
            }
            System.arraycopy(f, 0, buf, off, f.length);
            return f.length;
        }

        @Override
        public void send(byte[] buf, int off, int len) {
            sent.add(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void await(long timeoutNanos) {
            awaits++;
        }

        @Override
        public void wakeup() {
            wakeups++;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            if (closeFailure != null) {
                throw closeFailure;
            }
        }
    }

    /** Each call is one millisecond after the last, starting at a fixed instant. */
    static InstantSource steppingClock(long startMillis) {
        AtomicLong millis = new AtomicLong(startMillis);
        return () -> Instant.ofEpochMilli(millis.getAndIncrement());
    }

    static List<byte[]> capturedTcpFrames() throws IOException {
        try {
            Path p = Path.of(PcapRecorderTest.class.getResource("/teeceepee/tiniest-session.pcap").toURI());
            return PcapReader.readAll(p).stream().map(PcapReader.Record::data).toList();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Receives the captured TCP session and sends the emitted ARP/ICMP/UDP/TCP frames, interleaved. */
    static int exercise(PcapRecorder recorder, QueueLink inner, List<byte[]> received, List<byte[]> sent) throws IOException {
        inner.incoming.addAll(received);
        byte[] buf = new byte[recorder.maxFrameLength() + 10];
        int frames = 0;
        for (int i = 0; i < Math.max(received.size(), sent.size()); i++) {
            int n = recorder.receive(buf, 10);
            if (n > 0) {
                assertArrayEquals(received.get(i), Arrays.copyOfRange(buf, 10, 10 + n), "passed through unchanged");
                frames++;
            }
            if (i < sent.size()) {
                byte[] f = sent.get(i);
                byte[] padded = new byte[f.length + 3];
                System.arraycopy(f, 0, padded, 3, f.length);
                recorder.send(padded, 3, f.length);
                frames++;
            }
        }
        assertEquals(0, recorder.receive(buf, 0), "an empty link records nothing");
        return frames;
    }

    @Test
    void recordsEveryFrameBothWaysInOrder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("both.pcap");
        QueueLink inner = new QueueLink();
        List<byte[]> received = capturedTcpFrames();
        List<byte[]> sent = SampleFrames.all();
        int frames;
        try (PcapRecorder recorder = new PcapRecorder(inner, PcapWriter.open(file), steppingClock(1_700_000_000_000L))) {
            frames = exercise(recorder, inner, received, sent);
            assertTrue(recorder.isRecording());
        }
        assertTrue(inner.closed);
        assertEquals(sent.size(), inner.sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), inner.sent.get(i));
        }

        List<PcapReader.Record> records = PcapReader.readAll(file);
        assertEquals(received.size() + sent.size(), frames);
        assertEquals(frames, records.size());
        // The order is receive, send, receive, send... as exercise() did it.
        int r = 0;
        int s = 0;
        for (int i = 0; i < records.size(); i++) {
            boolean fromReceive = (i % 2 == 0 && r < received.size()) || s >= sent.size();
            byte[] expected = fromReceive ? received.get(r++) : sent.get(s++);
            assertArrayEquals(expected, records.get(i).data(), "record " + (i + 1));
            assertEquals((1_700_000_000_000L + i) * 1_000_000L, records.get(i).timestampNanos());
        }
    }

    @Test
    void delegatesEverythingElse() throws IOException {
        QueueLink inner = new QueueLink();
        PcapRecorder recorder = new PcapRecorder(inner, new PcapWriter(new ByteArrayOutputStream()));
        assertEquals(1500, recorder.mtu());
        assertEquals(1514, recorder.maxFrameLength());
        recorder.await(5);
        recorder.wakeup();
        assertEquals(1, inner.awaits);
        assertEquals(1, inner.wakeups);
        recorder.close();
        assertTrue(inner.closed);
    }

    @Test
    void systemClockByDefault() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QueueLink inner = new QueueLink();
        long before = System.currentTimeMillis() * 1_000_000L;
        try (PcapRecorder recorder = new PcapRecorder(inner, new PcapWriter(out))) {
            recorder.send(new byte[60], 0, 60);
        }
        long after = (System.currentTimeMillis() + 1) * 1_000_000L;
        long t;
        try (PcapReader reader = new PcapReader(new ByteArrayInputStream(out.toByteArray()))) {
            t = reader.next().timestampNanos();
        }
        assertTrue(t >= before - 1_000_000L && t <= after, "wall clock time " + t);
    }

    @Test
    void aFailingPcapStopsRecordingOnceAndTheLinkCarriesOn() throws IOException {
        /** Takes the file header, then fails every write. */
        final class BrokenDisk extends OutputStream {
            int writes;
            int failures;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes > 1) {
                    failures++;
                    throw new IOException("No space left on device");
                }
            }
        }
        BrokenDisk disk = new BrokenDisk();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        QueueLink inner = new QueueLink();
        PcapRecorder recorder = new PcapRecorder(inner, new PcapWriter(disk), steppingClock(0),
                new PrintStream(errors, true, StandardCharsets.UTF_8));
        List<byte[]> received = capturedTcpFrames();
        int frames = exercise(recorder, inner, received, SampleFrames.all());
        assertEquals(received.size() + SampleFrames.all().size(), frames, "every frame still went through");
        assertEquals(SampleFrames.all().size(), inner.sent.size());
        assertFalse(recorder.isRecording());
        assertEquals(1, disk.failures, "no more writes after the first failure");
        String message = errors.toString(StandardCharsets.UTF_8);
        assertEquals("teacup: pcap recording stopped: No space left on device" + System.lineSeparator(), message);
        recorder.flush();
        recorder.close();
        assertTrue(inner.closed);
        assertEquals(message, errors.toString(StandardCharsets.UTF_8), "reported once, not again on flush or close");
    }

    @Test
    void thePcapIsClosedEvenWhenTheLinkFailsToClose(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.pcap");
        QueueLink inner = new QueueLink();
        inner.closeFailure = new IOException("device gone");
        PcapRecorder recorder = PcapRecorder.open(inner, file);
        recorder.send(SampleFrames.arpRequest(), 0, 42);
        IOException e = assertThrows(IOException.class, recorder::close);
        assertEquals("device gone", e.getMessage());
        assertEquals(1, PcapReader.readAll(file).size(), "buffered frames reached the file");
    }

    @Test
    void tsharkReadsTheRecordingWithoutComplaint(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(tsharkInstalled(), "tshark is not installed (apt-get install tshark); skipping the Wireshark check");
        Path file = dir.resolve("tshark.pcap");
        QueueLink inner = new QueueLink();
        List<byte[]> received = capturedTcpFrames();
        int frames;
        try (PcapRecorder recorder = PcapRecorder.open(inner, file)) {
            frames = exercise(recorder, inner, received, SampleFrames.all());
        }

        String verbose = tshark(file, "-V", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE");
        assertFalse(verbose.contains("Malformed"), verbose);
        assertEquals(frames, count(verbose, "(?m)^Frame \\d+:"));
        assertEquals(frames, count(verbose, "(?m)^Ethernet II"));
        assertEquals(0, count(verbose, "Header checksum status: Bad"), "every IPv4 header checksum is good");
        // The captured Linux loopback segments carry only a partial checksum; ours are complete.
        assertEquals(received.size(), count(verbose, "\\[Checksum Status: Bad\\]"), verbose);
        assertTrue(verbose.contains("Address Resolution Protocol (request)"));
        assertTrue(verbose.contains("Address Resolution Protocol (reply)"));
        assertTrue(verbose.contains("Echo (ping) request"));
        assertTrue(verbose.contains("Echo (ping) reply"));
        assertTrue(verbose.contains("Domain Name System (query)"));
        assertTrue(verbose.contains("Maximum segment size: 1460 bytes"));
        assertTrue(verbose.contains("Window scale: 7"));
        assertTrue(verbose.contains("[TCP SACK Count: 3]"), "SACK blocks decoded");

        String expert = tshark(file, "-q", "-z", "expert");
        assertFalse(expert.contains("Malformed"), expert);
        assertFalse(expert.contains("Errors ("), expert);
    }

    private static boolean tsharkInstalled() {
        try {
            Process p = new ProcessBuilder("tshark", "-v").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String tshark(Path file, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(file.getParent(), "tshark", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tshark did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), "tshark exit status");
        return Files.readString(out);
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    @org.junit.jupiter.api.DisplayName("with offloads: a 30 KB segment given to sendSegmented (checksum left to the device) and a received frame the device vouched for are recorded with their TCP checksums computed; the link gets the frame as it was")
    void offloadFramesRecordedWithFinishedChecksums(@TempDir Path dir) throws IOException {
        int source = teacup.wire.Ipv4Address.parse("198.18.0.2").bits();
        int destination = teacup.wire.Ipv4Address.parse("198.18.0.1").bits();
        int payload = 30_000;
        byte[] frame = new byte[14 + 20 + 20 + payload];
        for (int i = 54; i < frame.length; i++) {
            frame[i] = (byte) (i * 7);
        }
        teacup.wire.EthernetFrame.write(frame, 0, 0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, teacup.wire.EthernetFrame.TYPE_IPV4);
        teacup.wire.Ipv4Packet.write(frame, 14, 20 + payload, 1, teacup.wire.Ipv4Packet.FLAG_DONT_FRAGMENT, 64,
                teacup.wire.Ipv4Packet.PROTOCOL_TCP, source, destination);
        teacup.wire.TcpSegment.write(frame, 34, 80, 40000, 1000, 2000, 0x18, 512, 0, null, payload, source, destination, false);
        byte[] asGiven = frame.clone();
        List<byte[]> segmented = new ArrayList<>();
        QueueLink inner = new QueueLink() {
            boolean trusted;

            @Override
            public int segmentationOffload() {
                return 65535;
            }

            @Override
            public void sendSegmented(byte[] buf, int off, int len, int segmentSize) {
                segmented.add(Arrays.copyOfRange(buf, off, off + len));
            }

            @Override
            public int receive(byte[] buf, int off) {
                trusted = !incoming.isEmpty();
                return super.receive(buf, off);
            }

            @Override
            public boolean receivedChecksumTrusted() {
                return trusted;
            }
        };
        inner.incoming.add(asGiven.clone());
        Path file = dir.resolve("offload.pcap");
        try (PcapRecorder recorder = new PcapRecorder(inner, PcapWriter.open(file))) {
            recorder.sendSegmented(frame, 0, frame.length, 1448);
            byte[] rx = new byte[70_000];
            assertEquals(frame.length, recorder.receive(rx, 0));
        }
        assertArrayEquals(asGiven, segmented.get(0), "the device gets the frame untouched");
        List<PcapReader.Record> records = PcapReader.readAll(file);
        assertEquals(2, records.size());
        for (PcapReader.Record r : records) {
            teacup.wire.TcpSegment seg = new teacup.wire.TcpSegment();
            assertEquals(teacup.wire.Defect.NONE, seg.wrap(r.data(), 34, 20 + payload, source, destination, true),
                    "the recorded checksum verifies");
            assertArrayEquals(Arrays.copyOfRange(asGiven, 54, frame.length), Arrays.copyOfRange(r.data(), 54, r.data().length));
        }
        teacup.wire.TcpSegment partial = new teacup.wire.TcpSegment();
        assertTrue(partial.wrap(asGiven, 34, 20 + payload, source, destination, true) != teacup.wire.Defect.NONE,
                "the frame as given does not verify: the test would catch a recorder that copied it");
    }
}
