package teacup.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PollTest {

    @Test
    void timesOutWhenNothingHappens() throws Exception {
        try (EventFd bell = EventFd.open()) {
            Poll poll = new Poll(1);
            int index = poll.add(bell.fd(), Poll.IN);
            assertEquals(0, poll.await(TimeUnit.MILLISECONDS.toNanos(20)));
            assertFalse(poll.readable(index));
        }
    }

    @Test
    void zeroTimeoutJustLooks() throws Exception {
        try (EventFd bell = EventFd.open()) {
            Poll poll = new Poll(1);
            int index = poll.add(bell.fd(), Poll.IN);
            assertEquals(0, poll.await(0));
            bell.signal();
            assertEquals(1, poll.await(0));
            assertTrue(poll.readable(index));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void signalFromAnotherThreadEndsAnUnboundedWait() throws Exception {
        try (EventFd quiet = EventFd.open(); EventFd bell = EventFd.open()) {
            Poll poll = new Poll(2);
            int quietIndex = poll.add(quiet.fd(), Poll.IN);
            int bellIndex = poll.add(bell.fd(), Poll.IN);
            CountDownLatch waiting = new CountDownLatch(1);
            Thread ringer = Thread.ofVirtual().start(() -> {
                try {
                    waiting.await();
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                bell.signal();
            });
            waiting.countDown();
            assertEquals(1, poll.await(-1));
            assertTrue(poll.readable(bellIndex));
            assertFalse(poll.readable(quietIndex));
            ringer.join();
        }
    }

    @Test
    void closedMemberIsSkippedNotReported() throws Exception {
        EventFd bell = EventFd.open();
        Poll poll = new Poll(1);
        poll.add(bell.fd(), Poll.IN);
        bell.signal();
        bell.close();
        assertEquals(0, poll.await(TimeUnit.MILLISECONDS.toNanos(5)));
    }

    @Test
    void fullPollRejectsAnotherDescriptor() throws Exception {
        try (EventFd a = EventFd.open(); EventFd b = EventFd.open()) {
            Poll poll = new Poll(1);
            poll.add(a.fd(), Poll.IN);
            assertThrows(IllegalStateException.class, () -> poll.add(b.fd(), Poll.IN));
            assertThrows(IndexOutOfBoundsException.class, () -> poll.events(1));
        }
    }

    @Test
    void timeoutRoundsUpToWholeMilliseconds() {
        assertEquals(-1, Poll.milliseconds(-5));
        assertEquals(0, Poll.milliseconds(0));
        assertEquals(1, Poll.milliseconds(1));
        assertEquals(1, Poll.milliseconds(1_000_000));
        assertEquals(2, Poll.milliseconds(1_000_001));
        assertEquals(Integer.MAX_VALUE, Poll.milliseconds(Long.MAX_VALUE));
    }
}
