package teacup.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapTest {
    private static final String LE_HEADER = "d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "00000400" + "01000000";

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static List<PcapReader.Record> readAll(byte[] file) throws IOException {
        List<PcapReader.Record> records = new ArrayList<>();
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file))) {
            for (PcapReader.Record rec = r.next(); rec != null; rec = r.next()) {
                records.add(rec);
            }
        }
        return records;
    }

    private static IOException failure(String file) {
        return assertThrows(IOException.class, () -> readAll(hex(file)));
    }

    @Test
    void writerHeaderIsLittleEndianMicrosecondEthernet() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PcapWriter(out).close();
        assertEquals(LE_HEADER, HexFormat.of().formatHex(out.toByteArray()));
    }

    @Test
    void writeThenRead() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] frame = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        try (PcapWriter w = new PcapWriter(out)) {
            w.write(1_383_847_785_942_022_123L, frame, 2, 5);
            w.write(0, frame, 0, 0);
        }
        byte[] file = out.toByteArray();
        assertEquals(LE_HEADER + "69d77b52" + "c65f0e00" + "05000000" + "05000000" + "0304050607",
                HexFormat.of().formatHex(file, 0, 24 + 16 + 5), "same record bytes as tiniest-session frame 1's header");
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file))) {
            assertEquals(PcapReader.LINKTYPE_ETHERNET, r.linkType());
            assertEquals(262_144, r.snapLength());
            assertFalse(r.nanosecondTimestamps());
            assertFalse(r.bigEndian());
            assertEquals(2, r.versionMajor());
            assertEquals(4, r.versionMinor());
            PcapReader.Record first = r.next();
            assertEquals(1_383_847_785_942_022_000L, first.timestampNanos(), "microsecond resolution");
            assertEquals(5, first.capturedLength());
            assertEquals(5, first.originalLength());
            assertEquals(5, first.length());
            assertArrayEquals(new byte[] {3, 4, 5, 6, 7}, first.data());
            PcapReader.Record empty = r.next();
            assertEquals(0, empty.timestampNanos());
            assertEquals(0, empty.data().length);
            assertNull(r.next());
            assertNull(r.next(), "end of file stays the end");
        }
    }

    @Test
    void framesLongerThanTheSnapLengthAreCut() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] jumbo = new byte[300_000];
        jumbo[262_143] = 42;
        try (PcapWriter w = new PcapWriter(out)) {
            w.write(5_000, jumbo, 0, jumbo.length);
        }
        PcapReader.Record r = readAll(out.toByteArray()).getFirst();
        assertEquals(262_144, r.capturedLength());
        assertEquals(300_000, r.originalLength());
        assertEquals(42, r.data()[262_143]);
        assertEquals(5_000 / 1000 * 1000, r.timestampNanos());
    }

    @Test
    void readsBothByteOrdersAndResolutions() throws IOException {
        String record = "00000001" + "00000002" + "00000002" + "0000003c" + "abcd";
        List<PcapReader.Record> micro = readAll(hex("a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000001" + record));
        assertEquals(1_000_002_000L, micro.getFirst().timestampNanos());
        assertEquals(60, micro.getFirst().originalLength());
        assertArrayEquals(new byte[] {(byte) 0xab, (byte) 0xcd}, micro.getFirst().data());

        List<PcapReader.Record> nano = readAll(hex("a1b23c4d 0002 0004 00000000 00000000 0000ffff 00000001" + record));
        assertEquals(1_000_000_002L, nano.getFirst().timestampNanos());

        String leRecord = "01000000" + "02000000" + "02000000" + "3c000000" + "abcd";
        List<PcapReader.Record> leNano = readAll(hex("4d3cb2a1 0200 0400 00000000 00000000 ffff0000 01000000" + leRecord));
        assertEquals(1_000_000_002L, leNano.getFirst().timestampNanos());
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(hex("4d3cb2a1 0200 0400 00000000 00000000 ffff0000 01000000")))) {
            assertTrue(r.nanosecondTimestamps());
            assertFalse(r.bigEndian());
            assertNull(r.next());
        }
    }

    @Test
    void theTestCapturesHaveTheExpectedHeaders() throws IOException {
        for (String name : Captures.ALL) {
            try (PcapReader r = PcapReader.open(Captures.path(name))) {
                assertEquals(PcapReader.LINKTYPE_ETHERNET, r.linkType());
                assertEquals(65535, r.snapLength());
                assertFalse(r.nanosecondTimestamps());
                int n = 0;
                while (r.next() != null) {
                    n++;
                }
                assertEquals(PcapReader.readAll(Captures.path(name)).size(), n, "streaming and readAll agree");
            }
        }
    }

    @Test
    void damagedFilesSayWhatIsWrong() {
        assertTrue(failure("").getMessage().contains("empty"));
        assertTrue(failure("d4c3").getMessage().contains("only 2 bytes"));
        assertTrue(failure("0a0d0d0a 1c000000 4d3c2b1a").getMessage().contains("bad magic 0x0a0d0d0a"), "pcapng");
        assertTrue(failure("d4c3b2a1 0200 0400 0000").getMessage().contains("truncated pcap file header"));
        assertTrue(failure("d4c3b2a1 0300 0000 00000000 00000000 ffff0000 01000000").getMessage().contains("version 3.0"));
        assertTrue(failure(LE_HEADER + "01000000 02000000").getMessage().contains("record 1: truncated record header"));
        assertTrue(failure(LE_HEADER + "01000000 02000000 04000000 04000000 aabb")
                .getMessage().contains("record 1: truncated frame: 2 of 4 bytes"));
        assertTrue(failure(LE_HEADER + "01000000 02000000 00000000 00000000" + "01000000 02000000 ffffffff ffffffff")
                .getMessage().contains("record 2: captured length 4294967295"), "no 4 GB allocation");
        assertTrue(failure(LE_HEADER + "01000000 02000000 00000500 00000500")
                .getMessage().contains("beyond"), "larger than any snap length");
    }

    @Test
    void readAllNamesTheFile(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.pcap");
        Files.write(bad, hex("00112233"));
        IOException e = assertThrows(IOException.class, () -> PcapReader.readAll(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        Path cut = dir.resolve("cut.pcap");
        byte[] real = Files.readAllBytes(Captures.path(Captures.TINIEST));
        Files.write(cut, Arrays.copyOf(real, real.length - 1));
        e = assertThrows(IOException.class, () -> PcapReader.readAll(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("record 6"), e.getMessage());
    }

    @Test
    void openWritesAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out.pcap");
        try (PcapWriter w = PcapWriter.open(file)) {
            for (byte[] f : SampleFrames.all()) {
                w.write(1_700_000_000_000_000_000L, f, 0, f.length);
            }
        }
        List<PcapReader.Record> records = PcapReader.readAll(file);
        assertEquals(SampleFrames.all().size(), records.size());
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(SampleFrames.all().get(i), records.get(i).data());
        }
    }

    @Test
    void closedWriterRefusesAndCloseIsIdempotent() throws IOException {
        PcapWriter w = new PcapWriter(new ByteArrayOutputStream());
        w.close();
        w.close();
        w.flush();
        assertThrows(IOException.class, () -> w.write(0, new byte[1], 0, 1));
        PcapWriter open = new PcapWriter(new ByteArrayOutputStream());
        assertThrows(IndexOutOfBoundsException.class, () -> open.write(0, new byte[4], 2, 3));
    }

    @Test
    void concurrentWritersNeverInterleaveRecords() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int threads = 8;
        int perThread = 300;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        try (PcapWriter w = new PcapWriter(out)) {
            for (int t = 0; t < threads; t++) {
                int id = t;
                started.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perThread; i++) {
                            byte[] frame = new byte[60 + (i % 40)];
                            Arrays.fill(frame, (byte) id);
                            w.write(id * 1_000_000_000L + i * 1_000L, frame, 0, frame.length);
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            start.countDown();
            for (Thread t : started) {
                t.join();
            }
        }
        List<PcapReader.Record> records = readAll(out.toByteArray());
        assertEquals(threads * perThread, records.size());
        int[] next = new int[threads];
        for (PcapReader.Record r : records) {
            int id = r.data()[0];
            for (byte b : r.data()) {
                assertEquals(id, b, "a record holds one thread's frame only");
            }
            int i = next[id]++;
            assertEquals(60 + (i % 40), r.capturedLength());
            assertEquals(id * 1_000_000_000L + i * 1_000L, r.timestampNanos(), "each thread's records in its order");
        }
    }

    @Property(tries = 1000)
    @Label("random bytes after a valid header: records or an IOException, nothing else")
    void randomRecords(@ForAll @Size(max = 200) byte[] tail, @ForAll boolean nanos, @ForAll boolean bigEndian) {
        String magic = nanos ? (bigEndian ? "a1b23c4d" : "4d3cb2a1") : (bigEndian ? "a1b2c3d4" : "d4c3b2a1");
        String rest = bigEndian ? "0002 0004 00000000 00000000 0000ffff 00000001" : "0200 0400 00000000 00000000 ffff0000 01000000";
        byte[] header = hex(magic + rest);
        byte[] file = new byte[header.length + tail.length];
        System.arraycopy(header, 0, file, 0, header.length);
        System.arraycopy(tail, 0, file, header.length, tail.length);
        readOrFailCleanly(file);
    }

    @Property(tries = 1000)
    @Label("a real capture with flipped bits or cut short: records or an IOException, nothing else")
    void mutatedCapture(@ForAll @Size(max = 8) List<@IntRange(min = 0, max = 4000) Integer> flips,
                        @ForAll @IntRange(min = 0, max = 1200) int cut) throws IOException {
        byte[] file = Files.readAllBytes(Captures.path(Captures.TINIEST));
        for (int bit : flips) {
            file[(bit / 8) % file.length] ^= (byte) (1 << (bit % 8));
        }
        readOrFailCleanly(Arrays.copyOf(file, Math.min(file.length, cut)));
    }

    @Property(tries = 500)
    void randomFiles(@ForAll @Size(max = 100) byte[] file) {
        readOrFailCleanly(file);
    }

    private static void readOrFailCleanly(byte[] file) {
        try {
            for (PcapReader.Record r : readAll(file)) {
                assertEquals(r.capturedLength(), r.data().length);
            }
        } catch (IOException e) {
            assertFalse(e.getMessage().isBlank());
        }
    }
}
