package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The path MTU per destination (RFC 1191): lowered only, never below 68, aged out, bounded. */
class PathMtuTableTest {
    private static final int LINK = 1500;
    private static final int A = 0xc6120002;
    private static final int B = 0xc6120003;
    private static final long MINUTE = 60_000_000_000L;

    @Test
    @DisplayName("RFC 1191 3: an error lowers the estimate, never raises it, and never below 68")
    void lowersOnly() {
        PathMtuTable t = new PathMtuTable(4);
        assertEquals(LINK, t.mtu(A, 0, LINK), "nothing learnt: the link's MTU");
        assertEquals(1280, t.lower(A, 1280, 0, LINK));
        assertEquals(0, t.lower(A, 1400, 0, LINK), "a larger MTU does not raise it");
        assertEquals(0, t.lower(A, 1280, 0, LINK), "the same MTU changes nothing");
        assertEquals(0, t.lower(A, 67, 0, LINK), "under RFC 791's 68");
        assertEquals(0, t.lower(B, LINK, 0, LINK), "not below the link's MTU");
        assertEquals(1280, t.mtu(A, 0, LINK));
        assertEquals(LINK, t.mtu(B, 0, LINK), "one destination's path is not another's");
        assertEquals(68, t.lower(A, 68, 0, LINK));
    }

    @Test
    @DisplayName("RFC 1191 5, 7: without a next-hop MTU the largest plateau below the quoted length; a nonsense MTU is none")
    void plateaus() {
        assertEquals(1280, PathMtuTable.reported(1280, 1500), "the next-hop MTU when the router names one");
        assertEquals(1492, PathMtuTable.reported(0, 1500));
        assertEquals(1006, PathMtuTable.reported(0, 1492));
        assertEquals(68, PathMtuTable.reported(0, 100));
        assertEquals(0, PathMtuTable.reported(0, 60), "no plateau below a 60-byte datagram");
        assertEquals(0, PathMtuTable.reported(1400, 1300), "a 1300-byte datagram was not too big for 1400");
    }

    @Test
    @DisplayName("RFC 1191 6.3: an estimate ages out after 10 minutes, and the path is the link's again")
    void agesOut() {
        PathMtuTable t = new PathMtuTable(4);
        t.lower(A, 1280, 0, LINK);
        assertEquals(1280, t.mtu(A, 10 * MINUTE - 1, LINK));
        assertEquals(LINK, t.mtu(A, 10 * MINUTE, LINK));
        assertEquals(0, t.size(), "the aged entry is gone");
        t.lower(A, 1280, 10 * MINUTE, LINK);
        t.lower(A, 1000, 15 * MINUTE, LINK);
        assertEquals(1000, t.mtu(A, 24 * MINUTE, LINK), "lowered again: its age starts afresh");
    }

    @Test
    @DisplayName("RFC 1191: the table is bounded; the oldest estimate gives way")
    void bounded() {
        PathMtuTable t = new PathMtuTable(2);
        t.lower(A, 1280, 0, LINK);
        t.lower(B, 1280, MINUTE, LINK);
        int c = 0xc6120004;
        assertEquals(1000, t.lower(c, 1000, 2 * MINUTE, LINK));
        assertEquals(2, t.size());
        assertEquals(LINK, t.mtu(A, 2 * MINUTE, LINK), "the oldest went");
        assertEquals(1280, t.mtu(B, 2 * MINUTE, LINK));
        assertEquals(1000, t.mtu(c, 2 * MINUTE, LINK));
    }
}
