package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.tcp.TcpConnection.Settings;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * A bulk sender with SACK facing loss, the test as its receiver: which segments go again, and
 * when, as the receiver's ACKs and SACK blocks report holes. Time is simulated; nothing sleeps.
 * Sequence numbers below are written as offsets from the first data byte, in segments of
 * {@link #MSS} bytes ({@code seg(3)} is the start of the fourth segment).
 */
class LossRecoveryTest {
    static final long MS = 1_000_000L;
    static final int LOCAL_IP = 0xC6120002;
    static final int REMOTE_IP = 0xC6120001;
    static final int ISS = 10_000;
    static final int PEER_ISS = 50_000;
    static final int MSS = 1000;
    static final int WINDOW = 65535;

    record Sent(long at, int seq, int length) { }

    final List<Sent> sent = new ArrayList<>();
    long now;
    final TcpConnection.Output output = (c, seq, ack, flags, window, options, off, len) -> {
        if (len > 0) {
            sent.add(new Sent(now, seq, len));
        }
    };
    Settings settings = Settings.defaults().withTimestamps(false).withWindowScale(-1).withSack(true);
    TcpConnection c;

    /** Sequence number of the start of data segment {@code i} (0-based). */
    static int seg(int i) {
        return ISS + 1 + i * MSS;
    }

    void established() {
        c = TcpConnection.connect(now, settings, output, LOCAL_IP, 40000, REMOTE_IP, 80, ISS);
        now += MS; // a first RTT sample of 1 ms
        c.process(now, PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, WINDOW,
                new TcpOptions().mss(MSS).sackPermitted(true), new byte[0], 0, 0);
        sent.clear();
    }

    void write(int bytes) {
        assertEquals(bytes, c.sendBuffer().write(new byte[bytes], 0, bytes));
        c.flush(now);
    }

    /** An ACK from the receiver with SACK blocks given as pairs of segment indices [from, to). */
    void ack(int ack, int... blocks) {
        TcpOptions o = new TcpOptions();
        for (int i = 0; i < blocks.length; i += 2) {
            o.addSackBlock(seg(blocks[i]), seg(blocks[i + 1]));
        }
        c.process(now, PEER_ISS + 1, ack, TcpSegment.ACK, WINDOW, o, new byte[0], 0, 0);
    }

    /** How often the segment starting at {@code seq} was sent since the list was last cleared. */
    long times(int seq) {
        return sent.stream().filter(s -> s.seq() == seq).count();
    }

    void runUntil(long t) {
        for (int i = 0; i < 10_000 && c.nextDeadline() <= t; i++) {
            now = Math.max(now, c.nextDeadline());
            c.poll(now);
        }
        now = Math.max(now, t);
    }

    @Test
    @DisplayName("RFC 6675 5.1 / RFC 6582 3.2: once SND.UNA reaches the recovery point, the next loss starts a new recovery "
            + "at once, even when it is the very first segment after that point")
    void newRecoveryRightAtTheRecoveryPoint() {
        established();
        write(60 * MSS);
        int firstFlight = c.inFlight() / MSS; // the initial window
        ack(seg(0), 1, 4); // segment 0 lost: three segments SACKed above it
        assertTrue(c.congestion().inRecovery());
        assertEquals(1, times(seg(0)) - 1, "fast retransmit of segment 0");
        int recoveryPoint = seg(firstFlight);
        // Everything up to the recovery point arrives; the first segment after it was lost.
        now += MS;
        ack(recoveryPoint);
        assertFalse(c.congestion().inRecovery(), "a full ACK ends recovery");
        sent.clear();
        int next = firstFlight;
        ack(recoveryPoint, next + 1, next + 2);
        ack(recoveryPoint, next + 1, next + 3);
        ack(recoveryPoint, next + 1, next + 4);
        assertTrue(c.congestion().inRecovery(), "the third duplicate ACK starts a second recovery");
        assertEquals(1, times(recoveryPoint), "the lost segment goes again at once, not at the RTO: " + sent);
        assertEquals(2, c.recoveryEpisodes());
        assertEquals(0, c.retransmissionTimeouts());
    }
}
