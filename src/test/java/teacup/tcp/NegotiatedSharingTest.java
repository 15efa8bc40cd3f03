package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/** The connections of one output that settle the same options share one {@link Negotiated}; the table stays small. */
class NegotiatedSharingTest {
    private static final long NOW = 1_000_000_000L;

    /** An output that drops every segment and gives all its connections one scratch, as a layer's does. */
    private static final class OneScratch implements SegmentOutput {
        private final Scratch scratch = new Scratch();

        @Override
        public void segment(TcpConnection connection, OutboundSegment segment) {
        }

        @Override
        public Scratch scratch() {
            return scratch;
        }
    }

    private static TcpConnection accept(SegmentOutput output, int port, int mss) {
        TcpOptions options = new TcpOptions().mss(mss).windowScale(7).sackPermitted(true).timestamps(1, 0);
        InboundSegment syn = SegmentRecorder.inbound(100, 0, TcpSegment.SYN, 65535, options, new byte[0]);
        return TcpConnection.accept(NOW, TcpSettings.defaults(), output, 2, 80, 1, port, 5000, SegmentRecorder.TS_OFFSET, syn);
    }

    @Test
    @DisplayName("two connections of one output that settle the same options hold the same instance; another value its own")
    void alikeShareOneInstance() {
        OneScratch output = new OneScratch();
        TcpConnection a = accept(output, 40000, 1460);
        TcpConnection b = accept(output, 40001, 1460);
        TcpConnection c = accept(output, 40002, 1400);
        assertEquals(1460, a.negotiated().sendMss());
        assertSame(a.negotiated(), b.negotiated());
        assertNotEquals(a.negotiated(), c.negotiated());
        assertEquals(1400, c.negotiated().sendMss());
    }

    @Test
    @DisplayName("outputs that share no scratch share no values")
    void separateOutputsKeepTheirOwn() {
        TcpConnection a = accept(new OneScratch(), 40000, 1460);
        TcpConnection b = accept(new OneScratch(), 40000, 1460);
        assertEquals(a.negotiated(), b.negotiated());
        assertNotSame(a.negotiated(), b.negotiated());
    }

    @Test
    @DisplayName("a value whose slot another took is held afresh, and equal values after it share it again")
    void aTakenSlotIsTakenOver() {
        Negotiated.Shared table = new Negotiated.Shared();
        Negotiated first = table.intern(new Negotiated(1460, 7, 7, true, true, true));
        for (int mss = 100; mss < 1100; mss++) { // a thousand other values through a table of a few slots
            Negotiated n = new Negotiated(mss, 7, 7, true, true, true);
            assertSame(n, table.intern(n));
            assertSame(n, table.intern(new Negotiated(mss, 7, 7, true, true, true)));
        }
        Negotiated again = table.intern(new Negotiated(1460, 7, 7, true, true, true));
        assertEquals(first, again);
        assertSame(again, table.intern(new Negotiated(1460, 7, 7, true, true, true)));
    }
}
