package teacup.os;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EventFdTest {

    @Test
    void freshEventFdHasNothingToDrain() throws Exception {
        try (EventFd bell = EventFd.open()) {
            assertFalse(bell.drain());
        }
    }

    @Test
    void signalsBeforeADrainMergeIntoOne() throws Exception {
        try (EventFd bell = EventFd.open()) {
            bell.signal();
            bell.signal();
            bell.signal();
            assertTrue(bell.drain());
            assertFalse(bell.drain());
        }
    }

    @Test
    void signalAfterCloseIsHarmless() throws Exception {
        EventFd bell = EventFd.open();
        bell.close();
        bell.close();
        assertDoesNotThrow(bell::signal);
    }
}
