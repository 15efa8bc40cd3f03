package teacup.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The io_uring binding against the running kernel, on an eventfd: no root, no devices. */
class IoUringTest {
    private static final int COUNTER = 8;

    @Test
    void noOperationCompletesWithItsUserData() throws Exception {
        try (IoUring ring = IoUring.open(4)) {
            ring.nop(41);
            ring.nop(42);
            assertEquals(2, ring.queued());
            assertEquals(2, ring.submitAndWait(2));
            assertEquals(0, ring.queued());
            assertEquals(2, ring.completions());
            assertEquals(41, ring.completionData(0));
            assertEquals(42, ring.completionData(1));
            assertEquals(0, ring.completionResult(0));
            ring.consume(2);
            assertEquals(0, ring.completions());
        }
    }

    @Test
    void writeThenReadThroughTheRingMoveTheEventFdCounter() throws Exception {
        try (IoUring ring = IoUring.open(8); EventFd bell = EventFd.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(COUNTER, 8);
            MemorySegment in = arena.allocate(COUNTER, 8);
            out.set(ValueLayout.JAVA_LONG, 0, 5L);
            ring.write(bell.fd(), out, 0, COUNTER, 0, 1);
            ring.write(bell.fd(), out, 0, COUNTER, 0, 2);
            ring.read(bell.fd(), in, 0, COUNTER, IoUring.RWF_NOWAIT, 3);
            assertEquals(3, ring.submitAndWait(3));
            // Entries run in order: both writes land before the read, which sees their sum.
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, ring.completionData(i));
                assertEquals(COUNTER, ring.completionResult(i), "completion " + i);
            }
            ring.consume(3);
            assertEquals(10L, in.get(ValueLayout.JAVA_LONG, 0));
            assertFalse(bell.drain(), "the ring's read left the counter at zero");
        }
    }

    @Test
    void nonBlockingReadOfNothingFailsAtOnceWithEagain() throws Exception {
        try (IoUring ring = IoUring.open(2); EventFd bell = EventFd.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(COUNTER, 8);
            ring.read(bell.fd(), in, 0, COUNTER, IoUring.RWF_NOWAIT, 7);
            ring.submit();
            assertEquals(1, ring.completions(), "completed inside the submitting call");
            assertEquals(-Errno.EAGAIN, ring.completionResult(0));
            ring.consume(1);
        }
    }

    @Test
    void readThatWaitsCompletesWhenDataComesAndMakesTheRingReadable() throws Exception {
        try (IoUring ring = IoUring.open(2); EventFd bell = EventFd.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(COUNTER, 8);
            ring.read(bell.fd(), in, 0, COUNTER, 0, 9);
            ring.submit();
            assertEquals(0, ring.completions(), "a blocking read of an empty eventfd waits in the kernel");
            Poll poll = new Poll(1);
            int index = poll.add(ring.fd(), Poll.IN);
            assertEquals(0, poll.await(0), "the ring polls readable only once a completion waits");
            bell.signal();
            assertEquals(1, poll.await(5_000_000_000L));
            assertTrue(poll.readable(index));
            assertEquals(1, ring.completions());
            assertEquals(9, ring.completionData(0));
            assertEquals(COUNTER, ring.completionResult(0));
            assertEquals(1L, in.get(ValueLayout.JAVA_LONG, 0));
            ring.consume(1);
        }
    }

    @Test
    void failureOfAnOperationIsItsResultNotAnException() throws Exception {
        try (IoUring ring = IoUring.open(2); Arena arena = Arena.ofConfined()) {
            EventFd closed = EventFd.open();
            Fd stale = closed.fd();
            int number = stale.number();
            closed.close();
            Fd notOpen = new Fd(number, "closed eventfd");
            MemorySegment in = arena.allocate(COUNTER, 8);
            ring.read(notOpen, in, 0, COUNTER, IoUring.RWF_NOWAIT, 1);
            ring.submitAndWait(1);
            assertEquals(-Errno.EBADF, ring.completionResult(0));
            ring.consume(1);
        }
    }

    @Test
    void fullSubmissionRingAndBadArgumentsAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> IoUring.open(3));
        assertThrows(IllegalArgumentException.class, () -> IoUring.open(0));
        assertThrows(IllegalArgumentException.class, () -> IoUring.open(IoUring.MAX_ENTRIES * 2));
        try (IoUring ring = IoUring.open(2); EventFd bell = EventFd.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(COUNTER, 8);
            assertThrows(IllegalArgumentException.class,
                    () -> ring.read(bell.fd(), MemorySegment.ofArray(new byte[8]), 0, COUNTER, 0, 1), "heap buffer");
            assertThrows(IndexOutOfBoundsException.class, () -> ring.read(bell.fd(), in, 4, COUNTER, 0, 1));
            ring.nop(1);
            ring.nop(2);
            assertEquals(0, ring.free());
            assertThrows(IllegalStateException.class, () -> ring.nop(3));
            ring.submitAndWait(2);
            assertEquals(2, ring.free());
        }
    }

    @Test
    void ringUsedAfterCloseThrowsInsteadOfTouchingUnmappedMemory() throws IOException {
        IoUring ring = IoUring.open(2);
        ring.close();
        ring.close();
        assertFalse(ring.fd().isOpen());
        assertThrows(IllegalStateException.class, ring::completions);
        assertThrows(IllegalStateException.class, () -> ring.nop(1));
    }

    @Test
    void kernelSaysWhichOperationsItKnows() throws Exception {
        try (IoUring ring = IoUring.open(2)) {
            assertTrue(ring.supports(IoUring.IORING_OP_READ));
            assertTrue(ring.supports(IoUring.IORING_OP_WRITE));
            assertTrue(ring.supports(IoUring.IORING_OP_RECV));
            assertFalse(ring.supports(250), "no such operation");
        }
    }
}
