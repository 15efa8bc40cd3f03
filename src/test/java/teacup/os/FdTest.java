package teacup.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FdTest {

    @Test
    void openOfMissingPathSaysWhatFailedAndWhy() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Fd.open("/nonexistent/teacup-test", Fd.O_RDONLY));
        assertEquals("open /nonexistent/teacup-test: No such file or directory", e.getMessage());
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void errnoTextComesFromTheCLibrary() {
        assertEquals("Resource temporarily unavailable", Errno.text(Errno.EAGAIN));
        assertEquals("Input/output error", Errno.text(Errno.EIO));
    }

    @Test
    void readFillsTheArrayAtTheOffsetOnly() throws Exception {
        byte[] buf = new byte[16];
        Arrays.fill(buf, (byte) 0x55);
        try (Fd zero = Fd.open("/dev/zero", Fd.O_RDONLY)) {
            assertEquals(5, zero.read(buf, 3, 5));
        }
        byte[] expected = new byte[16];
        Arrays.fill(expected, (byte) 0x55);
        Arrays.fill(expected, 3, 8, (byte) 0);
        assertArrayEquals(expected, buf);
    }

    @Test
    void readsAtAnotherOffsetOfTheSameArrayLandThere() throws Exception {
        byte[] buf = new byte[8];
        try (Fd zero = Fd.open("/dev/zero", Fd.O_RDONLY)) {
            Arrays.fill(buf, (byte) 1);
            zero.read(buf, 0, 2);
            zero.read(buf, 6, 2);
        }
        assertArrayEquals(new byte[] {0, 0, 1, 1, 1, 1, 0, 0}, buf);
    }

    @Test
    void writeReportsTheCountWritten() throws Exception {
        try (Fd sink = Fd.open("/dev/null", Fd.O_WRONLY)) {
            assertEquals(100, sink.write(new byte[200], 50, 100));
        }
    }

    @Test
    void outOfBoundsRangeIsRejectedBeforeTheKernelSeesIt() throws Exception {
        try (Fd zero = Fd.open("/dev/zero", Fd.O_RDONLY)) {
            assertThrows(IndexOutOfBoundsException.class, () -> zero.read(new byte[4], 2, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> zero.write(new byte[4], -1, 1));
        }
    }

    @Test
    void writeToReadOnlyDescriptorReportsMinusErrno() throws Exception {
        try (Fd zero = Fd.open("/dev/zero", Fd.O_RDONLY)) {
            assertEquals(-Errno.EBADF, zero.write(new byte[1], 0, 1));
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseIsBadDescriptor() throws Exception {
        Fd zero = Fd.open("/dev/zero", Fd.O_RDONLY);
        assertTrue(zero.isOpen());
        zero.close();
        zero.close();
        assertFalse(zero.isOpen());
        assertEquals(-Errno.EBADF, zero.read(new byte[1], 0, 1));
    }

    @Test
    void accessModeOtherThanReadWriteIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Fd.open("/dev/null", 0x40));
    }

    @Test
    void readAndWriteOfTheSameBuffersAllocateNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        byte[] frame = new byte[1514];
        long fewest = Long.MAX_VALUE;
        try (Fd zero = Fd.open("/dev/zero", Fd.O_RDONLY); Fd sink = Fd.open("/dev/null", Fd.O_WRONLY)) {
            // Until the JIT has compiled the path, the interpreter allocates; a round once it has
            // must allocate nothing. One object per call would cost at least 800 KB a round.
            for (int round = 0; round < 20 && fewest > 0; round++) {
                long before = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 50_000; i++) {
                    zero.read(frame, 0, frame.length);
                    sink.write(frame, 0, 60 + (i & 1023));
                }
                fewest = Math.min(fewest, threads.getThreadAllocatedBytes(thread) - before);
            }
        }
        assertTrue(fewest < 1024, "fewest bytes allocated in a round of 100000 calls: " + fewest);
    }
}
