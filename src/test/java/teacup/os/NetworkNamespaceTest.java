package teacup.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class NetworkNamespaceTest {

    @Test
    void missingNamespaceSaysWhichAndWhy() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> NetworkNamespace.callIn("tcup-no-such-namespace", () -> "unreached"));
        assertEquals("open /var/run/netns/tcup-no-such-namespace: No such file or directory", e.getMessage());
    }

    @Test
    void nameThatIsAPathIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> NetworkNamespace.callIn("../etc", () -> 1));
        assertThrows(IllegalArgumentException.class, () -> NetworkNamespace.callIn("", () -> 1));
    }

    @Test
    @Tag("interop")
    void workRunsInsideTheNamespaceAndTheCallerStaysOutside() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), "needs root: enters a network namespace made with ip netns add");
        Path self = Path.of("/proc/thread-self/ns/net");
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            String outside = Files.readSymbolicLink(self).toString();
            String inside = NetworkNamespace.callIn(ns.name(), () -> Files.readSymbolicLink(self).toString());
            assertNotEquals(outside, inside);
            assertEquals(outside, Files.readSymbolicLink(self).toString());
            // Only loopback exists in a new namespace.
            assertEquals(1, (int) NetworkNamespace.callIn(ns.name(), () -> PacketSocket.interfaceIndex("lo")));
        }
    }

    @Test
    @Tag("interop")
    void failureOfTheWorkReachesTheCaller() throws Exception {
        assumeTrue(ScratchNamespace.isRoot(), "needs root: enters a network namespace made with ip netns add");
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            IOException thrown = new IOException("from the work");
            assertSame(thrown, assertThrows(IOException.class, () -> NetworkNamespace.callIn(ns.name(), () -> {
                throw thrown;
            })));
            IOException wrapped = assertThrows(IOException.class, () -> NetworkNamespace.callIn(ns.name(), () -> {
                throw new InterruptedException("checked");
            }));
            assertTrue(wrapped.getCause() instanceof InterruptedException);
        }
    }
}
