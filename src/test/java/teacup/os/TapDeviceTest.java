package teacup.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class TapDeviceTest {

    @Test
    void nameLongerThanLinuxAllowsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("sixteen-chars-xx"));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("a/b"));
    }

    @Test
    @Tag("interop")
    void kernelNumbersTheNameAndCloseRemovesTheDevice() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), "needs root: creates a TAP device in a private namespace");
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            TapDevice tap = NetworkNamespace.callIn(ns.name(), () -> TapDevice.open("tcup%d"));
            try {
                assertEquals("tcup0", tap.name());
                assertTrue(ns.ip("-o", "link", "show").contains("tcup0"));
            } finally {
                tap.close();
            }
            assertFalse(ns.ip("-o", "link", "show").contains("tcup0"));
        }
    }

    @Test
    @Tag("interop")
    void persistentDeviceOutlivesItsDescriptorAndCanBeAttachedAgain() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), "needs root: creates a TAP device in a private namespace");
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            try (TapDevice tap = NetworkNamespace.callIn(ns.name(), () -> TapDevice.open("tcupp"))) {
                tap.setPersistent(true);
                tap.setOwner(12345);
            }
            assertTrue(ns.ip("-o", "link", "show").contains("tcupp"));
            try (TapDevice again = NetworkNamespace.callIn(ns.name(), () -> TapDevice.open("tcupp"))) {
                again.setPersistent(false);
            }
            assertFalse(ns.ip("-o", "link", "show").contains("tcupp"));
        }
    }

    @Test
    @Tag("interop")
    void secondAttachToABusyDeviceIsAReadableError() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), "needs root: creates TAP devices in a private namespace");
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            NetworkNamespace.callIn(ns.name(), () -> {
                try (TapDevice first = TapDevice.open("tcupb")) {
                    assertEquals("tcupb", first.name());
                    // A non-persistent device is held by its first descriptor; a second attach is refused.
                    ErrnoException e = assertThrows(ErrnoException.class, () -> TapDevice.open("tcupb"));
                    assertTrue(e.getMessage().startsWith("TUNSETIFF tcupb: "), e.getMessage());
                }
                return null;
            });
        }
    }
}
