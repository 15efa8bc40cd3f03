package teacup.os;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class WakeablePollTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void wakeupBeforeTheWaitEndsItAndIsConsumed() throws Exception {
        try (EventFd device = EventFd.open(); WakeablePoll waiter = new WakeablePoll(device.fd())) {
            waiter.wakeup();
            assertFalse(waiter.await(-1), "woken, but the device has nothing");
            // The wake-up was consumed: the next wait runs to its timeout.
            assertFalse(waiter.await(TimeUnit.MILLISECONDS.toNanos(10)));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void readableDeviceEndsTheWait() throws Exception {
        try (EventFd device = EventFd.open(); WakeablePoll waiter = new WakeablePoll(device.fd())) {
            device.signal();
            assertTrue(waiter.await(-1));
        }
    }
}
