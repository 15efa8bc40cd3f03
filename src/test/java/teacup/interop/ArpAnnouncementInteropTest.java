package teacup.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.interop.TapNetwork.get;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import teacup.host.SystemCommand;
import teacup.stats.Counter;

/**
 * teacup's RFC 5227 announcement, seen by the kernel: with {@code arp_accept} on, Linux adds a
 * neighbour entry from a gratuitous ARP alone, so an entry for teacup that appears before the
 * kernel ever sent teacup a packet can only have come from the announcement.
 */
@Tag("interop")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("interop: teacup's ARP announcement")
class ArpAnnouncementInteropTest {

    @Test
    @DisplayName("RFC 5227 2.3: the kernel learns teacup's MAC from its announcement, before any traffic")
    void kernelLearnsTeacupFromTheAnnouncement() throws Exception {
        TapNetwork.requireRoot("creates a network namespace and a TAP device");
        TapNetwork.requirePrograms("ip", "sh");
        try (TapNetwork net = TapNetwork.create()) {
            SystemCommand.Result set = net.run(Duration.ofSeconds(10), "sh", "-c",
                    "echo 1 > /proc/sys/net/ipv4/conf/" + TapNetwork.TAP + "/arp_accept");
            assertEquals(0, set.exitCode(), "cannot set arp_accept: " + set.stderr());
            assertEquals("", neighbourEntry(net), "the kernel knew teacup before teacup started");

            net.startStack(0x5eed_0002L);

            String[] seen = {""};
            boolean learned = TapNetwork.waitUntil(Duration.ofSeconds(5), () -> {
                seen[0] = neighbourEntry(net);
                return seen[0].contains("lladdr " + TapNetwork.TEACUP_MAC);
            });
            assertTrue(learned, "kernel's neighbour entry for teacup after 5 s: '" + seen[0] + "'; counters "
                    + net.counters());
            assertTrue(get(net.counters(), Counter.ARP_ANNOUNCEMENTS_SENT) >= 1, "counters " + net.counters());
            // Nothing asked teacup anything: the entry came from the announcement.
            assertEquals(0, get(net.counters(), Counter.ARP_REQUEST_ANSWERED), "counters " + net.counters());
        }
    }

    private static String neighbourEntry(TapNetwork net) {
        try {
            return net.ip("neigh", "show", TapNetwork.TEACUP, "dev", TapNetwork.TAP).strip();
        } catch (IOException e) {
            return "(ip neigh failed: " + e.getMessage() + ")";
        }
    }
}
