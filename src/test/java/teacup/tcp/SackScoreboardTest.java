package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;

/** The sender's scoreboard, in sequence numbers, across the wrap of the sequence space too. */
class SackScoreboardTest {
    /** SND.UNA a little below the wrap, so every test also crosses it. */
    static final int UNA = -3000;
    static final int MAX = SeqNum.add(UNA, 10_000);

    static int at(int offset) {
        return SeqNum.add(UNA, offset);
    }

    static TcpOptions blocks(int... offsets) {
        TcpOptions o = new TcpOptions();
        for (int i = 0; i < offsets.length; i += 2) {
            o.addSackBlock(at(offsets[i]), at(offsets[i + 1]));
        }
        return o;
    }

    @Test
    @DisplayName("RFC 2018 3: blocks within what is outstanding are recorded, sorted, and touching ones merge")
    void recordsAndMerges() {
        SackScoreboard s = new SackScoreboard(64);
        assertTrue(s.record(blocks(5000, 6000, 1000, 2000), UNA, MAX));
        assertEquals("[" + Integer.toUnsignedString(at(1000)) + "-" + Integer.toUnsignedString(at(2000)) + " "
                + Integer.toUnsignedString(at(5000)) + "-" + Integer.toUnsignedString(at(6000)) + "]", s.toString());
        assertTrue(s.record(blocks(2000, 5000), UNA, MAX));
        assertEquals(1, s.rangeCount());
        assertEquals(at(1000), s.left(0));
        assertEquals(at(6000), s.right(0));
        assertEquals(5000, s.sackedBytes());
        assertFalse(s.record(blocks(1500, 2500), UNA, MAX), "nothing new");
    }

    @Test
    @DisplayName("RFC 2018 / RFC 2883: blocks below SND.UNA (D-SACKs), empty, inverted or beyond SND.MAX are ignored")
    void ignoresWhatIsNotOutstanding() {
        SackScoreboard s = new SackScoreboard(64);
        assertFalse(s.record(blocks(-2000, -1000), UNA, MAX));
        assertFalse(s.record(blocks(3000, 3000), UNA, MAX));
        assertFalse(s.record(blocks(4000, 3000), UNA, MAX));
        assertFalse(s.record(blocks(9000, 10_001), UNA, MAX));
        assertTrue(s.isEmpty());
        assertTrue(s.record(blocks(-500, 500), UNA, MAX), "a block reaching above SND.UNA counts from SND.UNA");
        assertEquals(UNA, s.left(0));
        assertEquals(500, s.sackedBytes());
    }

    @Test
    @DisplayName("an acknowledgment removes what it covers and clips the range it ends in")
    void acknowledgmentTrims() {
        SackScoreboard s = new SackScoreboard(64);
        s.record(blocks(1000, 2000, 3000, 4000), UNA, MAX);
        s.acknowledged(at(1500));
        assertEquals(2, s.rangeCount());
        assertEquals(at(1500), s.left(0));
        s.acknowledged(at(3500));
        assertEquals(1, s.rangeCount());
        assertEquals(at(3500), s.left(0));
        assertEquals(at(4000), s.highest());
        s.acknowledged(at(4000));
        assertTrue(s.isEmpty());
    }

    @Test
    @DisplayName("pipe's SACKed part, the range holding a byte, the next range above, and holes above HighRxt")
    void queries() {
        SackScoreboard s = new SackScoreboard(64);
        s.record(blocks(1000, 2000, 3000, 4000), UNA, MAX);
        assertEquals(0, s.sackedBelow(at(1000)));
        assertEquals(500, s.sackedBelow(at(1500)));
        assertEquals(1500, s.sackedBelow(at(3500)));
        assertEquals(0, s.rangeHolding(at(1000)));
        assertEquals(-1, s.rangeHolding(at(2000)), "ranges are half-open");
        assertEquals(1, s.rangeHolding(at(3999)));
        assertEquals(at(3000), s.nextSackedAbove(at(2000), 7));
        assertEquals(7, s.nextSackedAbove(at(3000), 7));
        assertTrue(s.covers(at(1200), at(2000)));
        assertFalse(s.covers(at(1200), at(3000)));
        long first = s.holeAbove(UNA, UNA);
        assertEquals(UNA, SackScoreboard.holeStart(first));
        assertEquals(at(1000), SackScoreboard.holeEnd(first));
        long second = s.holeAbove(UNA, at(1000));
        assertEquals(at(2000), SackScoreboard.holeStart(second));
        assertEquals(at(3000), SackScoreboard.holeEnd(second));
        long middle = s.holeAbove(UNA, at(2500));
        assertEquals(at(2500), SackScoreboard.holeStart(middle));
        assertEquals(-1, s.holeAbove(UNA, at(3000)), "nothing SACKed above the last hole");
    }

    @Test
    @DisplayName("bounded: a new disjoint block beyond the bound is dropped, one that merges is still taken")
    void bounded() {
        SackScoreboard s = new SackScoreboard(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(s.add(at(1000 * i + 100), at(1000 * i + 200)));
        }
        assertFalse(s.add(at(5000), at(5100)));
        assertEquals(3, s.rangeCount());
        assertTrue(s.add(at(150), at(1150)), "merging two ranges needs no room");
        assertEquals(2, s.rangeCount());
        assertTrue(s.add(at(5000), at(5100)));
        s.clear();
        assertTrue(s.isEmpty());
    }
}
