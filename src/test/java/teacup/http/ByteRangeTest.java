package teacup.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ByteRangeTest {
    private static final ByteRange WHOLE = new ByteRange.Whole();
    private static final ByteRange NONE = new ByteRange.Unsatisfiable();

    private static ByteRange.Part part(long first, long last) {
        return new ByteRange.Part(first, last);
    }

    @Test
    @DisplayName("RFC 9110 14.1.2: int-range, open range and suffix range")
    void forms() {
        assertEquals(part(0, 499), ByteRange.of("bytes=0-499", 10_000));
        assertEquals(part(9500, 9999), ByteRange.of("bytes=9500-", 10_000));
        assertEquals(part(9500, 9999), ByteRange.of("bytes=-500", 10_000));
        assertEquals(part(0, 0), ByteRange.of("bytes=0-0", 10_000));
        assertEquals(part(9999, 9999), ByteRange.of("bytes=-1", 10_000));
    }

    @Test
    @DisplayName("RFC 9110 14.1.2: the unit is case-insensitive and whitespace around the list is allowed")
    void lenientSyntax() {
        assertEquals(part(1, 2), ByteRange.of(" Bytes = 1-2 ", 10));
        assertEquals(part(1, 2), ByteRange.of("bytes=, 1-2 ,", 10));
    }

    @Test
    @DisplayName("RFC 9110 14.1.1: a last-pos at or past the end, or a suffix longer than the file, stops at the end")
    void clipped() {
        assertEquals(part(5, 9), ByteRange.of("bytes=5-100", 10));
        assertEquals(part(0, 9), ByteRange.of("bytes=-100", 10));
        assertEquals(part(5, 9), ByteRange.of("bytes=5-99999999999999999999999999", 10));
    }

    @Test
    @DisplayName("RFC 9110 14.1.1: a first-pos at or past the end, or a zero suffix, is unsatisfiable")
    void unsatisfiable() {
        assertEquals(NONE, ByteRange.of("bytes=10-", 10));
        assertEquals(NONE, ByteRange.of("bytes=10-20", 10));
        assertEquals(NONE, ByteRange.of("bytes=-0", 10));
        assertEquals(NONE, ByteRange.of("bytes=99999999999999999999-", 10));
        assertEquals(NONE, ByteRange.of("bytes=20-30,40-50", 10));
    }

    @Test
    @DisplayName("invalid headers, other units and last-pos before first-pos are ignored (the whole file)")
    void ignored() {
        assertEquals(WHOLE, ByteRange.of(null, 10));
        assertEquals(WHOLE, ByteRange.of("", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=5-2", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=a-b", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=1", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=+1-2", 10));
        assertEquals(WHOLE, ByteRange.of("items=1-2", 10));
        assertEquals(WHOLE, ByteRange.of("bytes 1-2", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=1-2", 0), "an empty file is sent whole");
    }

    @Test
    @DisplayName("several ranges get the whole file; too many ranges are ignored")
    void several() {
        assertEquals(WHOLE, ByteRange.of("bytes=0-1,5-6", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=0-1,50-60", 10));
        assertEquals(WHOLE, ByteRange.of("bytes=" + "1-2,".repeat(ByteRange.MAX_RANGES + 1) + "1-2", 10));
    }

    @Test
    @DisplayName("Content-Range of a part")
    void contentRange() {
        assertEquals("bytes 0-499/1234", part(0, 499).contentRange(1234));
        assertEquals(500, part(0, 499).length());
    }

    @Property
    @Label("any satisfiable int-range yields a part inside the file that starts where asked")
    boolean partsStayInside(@ForAll @LongRange(min = 1, max = 1L << 40) long length,
            @ForAll @LongRange(min = 0, max = 1L << 41) long first, @ForAll @LongRange(min = 0, max = 1L << 41) long extra) {
        ByteRange r = ByteRange.of("bytes=" + first + "-" + (first + extra), length);
        if (first >= length) {
            return r.equals(NONE);
        }
        return r instanceof ByteRange.Part p && p.first() == first && p.last() <= length - 1 && p.last() >= p.first()
                && p.last() == Math.min(first + extra, length - 1);
    }

    @Property
    @Label("a suffix range yields the last min(n, length) bytes")
    boolean suffixes(@ForAll @LongRange(min = 1, max = 1L << 40) long length, @ForAll @LongRange(min = 1, max = 1L << 41) long n) {
        ByteRange r = ByteRange.of("bytes=-" + n, length);
        return r instanceof ByteRange.Part p && p.last() == length - 1 && p.length() == Math.min(n, length);
    }

    @Test
    @DisplayName("garbage never throws")
    void garbage() {
        for (String h : new String[] {"bytes=-", "bytes=--1", "bytes=1--2", "=", "bytes==1-2", "bytes=1-2-3", "\u0000", "bytes=\u0661-2"}) {
            ByteRange r = ByteRange.of(h, 10);
            assertTrue(r instanceof ByteRange.Whole, h + " gave " + r);
        }
    }
}
