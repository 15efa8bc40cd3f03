package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static teacup.tcp.RecordedSegment.NUMS;
import static teacup.tcp.RecordedSegment.TINIEST;
import static teacup.tcp.RecordedSegment.WGET;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import teacup.tcp.SegmentRecorder.Seg;
import teacup.tcp.TcpConnection.State;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * Replays the three real Linux loopback sessions in src/test/resources/teeceepee against
 * {@link TcpConnection}, once with teacup in the client's place and once in the server's: the other
 * side's recorded segments are fed in, and what teacup sends must be what the recorded Linux endpoint
 * sent, on sequence number, acknowledgment number, flags and payload (DESIGN.md, testing layer 2).
 *
 * <p>The replay takes these liberties, and no others:
 * <ol>
 * <li><b>Time.</b> Fed segments carry their recorded times as {@code now}, plus half a second of
 *     simulated time after each one (the <i>settle</i>, in which due timers run). RFC 9293 MUST-40
 *     lets a receiver delay an ACK for anything under half a second, so after a settle every byte
 *     fed must be acknowledged, whatever teacup's delayed-ACK policy is. Teacup's own actions happen
 *     at the recorded time of the segment they produced, shifted by the same accumulated settles.</li>
 * <li><b>Pure ACKs</b> (segments that occupy no sequence space) are not matched one to one: a
 *     receiver may delay an ACK, fold it into the data or FIN it sends next, or send one more
 *     (RFC 9293 3.8.6.3, RFC 5681 4.2), and Linux acknowledges at once on a young connection
 *     (quick-ACK mode). Every pure ACK teacup sends must still be well formed (flags exactly ACK,
 *     sequence number the SND.NXT the recording implies, acknowledgment never beyond the data fed
 *     and never going back), and the cumulative acknowledgment is checked three ways: after every
 *     settle it covers everything fed; at each recorded pure ACK teacup had acknowledged at least as
 *     much; at the end teacup's last acknowledgment is the recorded last one. Every recorded segment
 *     that carries data, SYN or FIN is matched, in order, by exactly one of teacup's, and teacup
 *     sends no such segment the recording lacks.</li>
 * <li><b>PSH.</b> Teacup must set PSH wherever the recorded sender did. It may set PSH where Linux
 *     did not only on a data segment that empties its send queue, where RFC 9293 MUST-61 requires it.
 *     (This happens once: frame 6 of wget-36000-nums has no PSH, evidently because the rest of the
 *     response was already being queued behind it, frames 8 and 9 following within 72 microseconds;
 *     teacup, handed those 16,384 bytes alone, must push them.)</li>
 * <li><b>The application's writes</b> as server are the recorded server's segments, each written at
 *     the moment Linux sent it: the capture does not show the server's write calls, and Linux's
 *     interleaving of copying and sending cannot be replayed, but segment boundaries can. For the
 *     same reason Nagle is off in the server role: Linux (Minshall's variant) sent the 3,472-byte
 *     frame 9 right behind the full-sized frame 8, where the classic rule of RFC 9293 3.7.4 would
 *     hold it for an ACK; both are allowed. The client writes its one request and closes, so Nagle
 *     stays on there.</li>
 * <li><b>Options.</b> Window and options of teacup's segments are not compared. The options fed to
 *     teacup are the recorded ones adapted to what teacup offered on its SYN, as the kernel would have
 *     answered: no timestamps at all unless teacup's SYN had them, and then TSecr echoes teacup's
 *     latest TSval instead of the recorded client's clock; no SACK-permitted in a SYN-ACK unless
 *     teacup's SYN had it. The recorded windows are fed as they are, so teacup must offer window
 *     scaling (asserted).</li>
 * <li><b>Settings.</b> MSS 16,396, which both recorded endpoints announced (that kernel's loopback
 *     MTU was 16,436); buffers far larger than the recorded windows; a 60 s floor on the RTO, because
 *     the sessions lose nothing and the settles must not fire retransmissions (those are tested
 *     elsewhere).</li>
 * </ol>
 */
class CaptureReplayTest {
    static final long MS = 1_000_000L;
    /** RFC 9293 MUST-40: an ACK is delayed less than 0.5 s, so after this long everything received is acknowledged. */
    static final long SETTLE = 500 * MS;
    /** The MSS on both recorded SYNs. */
    static final int RECORDED_MSS = 16396;

    static TcpSettings settings() {
        TcpSettings d = TcpSettings.defaults();
        return d.withMss(RECORDED_MSS).withBuffers(256 * 1024, 256 * 1024).withWindowScale(7)
                .withRetransmission(60_000 * MS, 120_000 * MS, d.maxRetransmissions());
    }

    enum Role { CLIENT, SERVER }

    /** One capture played against one TcpConnection in one role. */
    static final class Replay {
        final String capture;
        final Role role;
        final List<RecordedSegment> recorded;
        final boolean noDelay;
        final SegmentRecorder output;
        final ArrayDeque<Seg> unmatched = new ArrayDeque<>();
        final List<Seg> sent = new ArrayList<>();
        TcpConnection conn;
        long now;
        long offset;
        int next;                // index of the next recorded segment to play
        RecordedSegment current; // the one being played, for messages
        int ourNext;             // SND.NXT as the recording implies it, after the last matched segment
        boolean receiving;       // the peer's ISN is known
        int ackCeiling;          // end of what has been fed in order: teacup may acknowledge up to here
        boolean acked;
        int highestAck;
        TcpOptions ourSyn;
        int lastTsVal;

        Replay(String capture, Role role, List<RecordedSegment> recorded) {
            this.capture = capture;
            this.role = role;
            this.recorded = recorded;
            this.noDelay = role == Role.SERVER;
            this.output = new SegmentRecorder(capture + "/" + role, () -> now, this::emitted);
        }

        private String where() {
            return capture + ", teacup as " + role.name().toLowerCase() + ", at " + (current == null ? "the start" : current);
        }

        private boolean ours(RecordedSegment r) {
            return r.fromClient() == (role == Role.CLIENT);
        }

        private void emitted(Seg s) {
            int ack = s.ack();
            TcpOptions options = s.options();
            assertEquals(0, s.flags() & TcpSegment.RST, () -> where() + ": teacup sent a reset: " + s);
            if (s.has(TcpSegment.ACK)) {
                assertTrue(receiving && SeqNum.le(ack, ackCeiling), () -> where() + ": teacup acknowledges "
                        + Integer.toUnsignedString(ack) + ", beyond what it received (" + Integer.toUnsignedString(ackCeiling) + ")");
                assertTrue(!acked || SeqNum.ge(ack, highestAck), () -> where() + ": teacup's acknowledgment went back: " + s);
                acked = true;
                highestAck = ack;
            }
            if (s.has(TcpSegment.SYN)) {
                ourSyn = s.options() == null ? new TcpOptions() : s.options();
            }
            if (options != null && options.hasTimestamps()) {
                lastTsVal = options.tsVal();
            }
            sent.add(s);
            unmatched.add(s);
        }

        /** Plays every recorded segment up to and including frame {@code lastFrame}. */
        void playThrough(int lastFrame) {
            while (next < recorded.size() && recorded.get(next).frame() <= lastFrame) {
                RecordedSegment r = recorded.get(next++);
                current = r;
                now = Math.max(now, r.timeNanos() + offset);
                if (ours(r)) {
                    act(r);
                    expect(r);
                } else {
                    feed(r);
                    settle();
                }
            }
        }

        /** Does, as teacup's application, what made the recorded endpoint send {@code r}. */
        private void act(RecordedSegment r) {
            if (r.has(TcpSegment.SYN)) {
                if (!r.has(TcpSegment.ACK)) {
                    conn = TcpConnection.connect(now, settings(), output,
                            r.sourceIp(), r.sourcePort(), r.destinationIp(), r.destinationPort(), r.seq(), SegmentRecorder.TS_OFFSET);
                    conn.setNoDelay(noDelay);
                }
                return; // a SYN-ACK came from accept() when the client's SYN was fed
            }
            if (r.payload().length > 0) {
                int n = conn.sendBuffer().write(r.payload(), 0, r.payload().length);
                assertEquals(r.payload().length, n, () -> where() + ": send buffer full");
                conn.flush(now);
            }
            if (r.has(TcpSegment.FIN)) {
                conn.close(now);
            }
        }

        /** Feeds a recorded segment of the other side, in order. */
        void feed(RecordedSegment r) {
            if (r.occupiesSequenceSpace()) {
                if (receiving) {
                    assertEquals(Integer.toUnsignedString(ackCeiling), Integer.toUnsignedString(r.seq()),
                            () -> where() + ": the recording is in order");
                }
                receiving = true;
                ackCeiling = r.end();
            }
            deliver(r);
        }

        /** Hands {@code r} to the connection (a listener's accept for a client's SYN), with options as the peer would have sent them. */
        void deliver(RecordedSegment r) {
            current = r;
            if (conn == null) {
                int iss = recorded.stream().filter(s -> !s.fromClient() && s.has(TcpSegment.SYN)).findFirst()
                        .orElseThrow().seq();
                conn = TcpConnection.accept(now, settings(), output, r.destinationIp(), r.destinationPort(),
                        r.sourceIp(), r.sourcePort(), iss, SegmentRecorder.TS_OFFSET,
                        SegmentRecorder.inbound(r.seq(), r.ack(), r.flags(), r.window(), r.options(), r.payload()));
                conn.setNoDelay(noDelay);
                return;
            }
            TcpOptions o = new TcpOptions().copyFrom(r.options());
            if (!ourSyn.hasTimestamps()) {
                o.noTimestamps(); // RFC 7323 3.2: only when both SYNs carried them
            } else if (o.hasTimestamps()) {
                o.timestamps(o.tsVal(), lastTsVal);
            }
            if (!ourSyn.sackPermitted()) {
                o.sackPermitted(false);
            }
            conn.process(now, SegmentRecorder.inbound(r.seq(), r.ack(), r.flags(), r.window(), o, r.payload()));
        }

        /** Lets half a second of simulated time pass, running timers as they fall due. */
        void settle() {
            long until = now + SETTLE;
            for (int i = 0; i < 1000 && conn.nextDeadline() <= until; i++) {
                now = Math.max(now, conn.nextDeadline());
                conn.poll(now);
            }
            now = until;
            offset += SETTLE;
            if (receiving) {
                assertTrue(acked && highestAck == ackCeiling, () -> where() + ": RFC 9293 MUST-40: half a second on, "
                        + "teacup has acknowledged " + (acked ? Integer.toUnsignedString(highestAck) : "nothing")
                        + ", not all it received (" + Integer.toUnsignedString(ackCeiling) + ")");
            }
        }

        /** Checks teacup sent what the recorded endpoint sent as {@code r}. */
        private void expect(RecordedSegment r) {
            String what = where();
            if (!r.occupiesSequenceSpace()) {
                assertTrue(acked && SeqNum.ge(highestAck, r.ack()), () -> what + ": teacup had not acknowledged "
                        + Integer.toUnsignedString(r.ack()) + " (highest: " + (acked ? Integer.toUnsignedString(highestAck) : "none") + ")");
                return;
            }
            Seg s;
            while ((s = unmatched.poll()) != null && s.sequenceLength() == 0) {
                checkPureAck(s);
            }
            if (s == null) {
                fail(what + ": teacup sent nothing for it; sent so far: " + sent);
            }
            Seg got = s;
            assertEquals(Integer.toUnsignedString(r.seq()), Integer.toUnsignedString(got.seq()), () -> what + ": seq of " + got);
            assertEquals(RecordedSegment.flagNames(r.flags() & ~TcpSegment.PSH), RecordedSegment.flagNames(got.flags() & ~TcpSegment.PSH),
                    () -> what + ": flags of " + got);
            if (r.has(TcpSegment.PSH)) {
                assertTrue(got.has(TcpSegment.PSH), () -> what + ": teacup left out the PSH the recording has: " + got);
            } else if (got.has(TcpSegment.PSH)) {
                assertTrue(got.data().length > 0 && got.emptiesQueue(),
                        () -> what + ": PSH on a segment that does not empty the send queue (RFC 9293 MUST-61): " + got);
            }
            if (r.has(TcpSegment.ACK)) {
                assertEquals(Integer.toUnsignedString(r.ack()), Integer.toUnsignedString(got.ack()), () -> what + ": ack of " + got);
            }
            assertArrayEquals(r.payload(), got.data(), () -> what + ": payload of " + got);
            if (r.has(TcpSegment.SYN)) {
                // The recorded windows are scaled by 7; they mean that only if teacup offered scaling too.
                assertTrue(ourSyn.hasWindowScale(), () -> what + ": teacup's SYN offered no window scaling");
                assertTrue(ourSyn.hasMss() && ourSyn.mss() >= RECORDED_MSS, () -> what + ": teacup's MSS is below the recorded one");
            }
            ourNext = r.end();
        }

        private void checkPureAck(Seg s) {
            assertEquals(RecordedSegment.flagNames(TcpSegment.ACK), RecordedSegment.flagNames(s.flags()),
                    () -> where() + ": flags of a segment without data: " + s);
            assertEquals(Integer.toUnsignedString(ourNext), Integer.toUnsignedString(s.seq()),
                    () -> where() + ": a pure ACK's seq is not SND.NXT: " + s);
        }

        /** After the whole capture: nothing left over but well-formed pure ACKs, and the recorded final acknowledgment. */
        void finish() {
            assertEquals(recorded.size(), next, "the whole capture was played");
            for (Seg s; (s = unmatched.poll()) != null; ) {
                if (s.sequenceLength() > 0) {
                    fail(capture + ", teacup as " + role + ": teacup sent a segment the recording lacks: " + s);
                }
                checkPureAck(s);
            }
            RecordedSegment lastOurs = recorded.reversed().stream().filter(this::ours).findFirst().orElseThrow();
            assertEquals(Integer.toUnsignedString(lastOurs.ack()), acked ? Integer.toUnsignedString(highestAck) : "none",
                    capture + ", teacup as " + role + ": final acknowledgment");
        }
    }

    static byte[] payloads(List<RecordedSegment> segments, boolean fromClient) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        segments.stream().filter(s -> s.fromClient() == fromClient).forEach(s -> all.writeBytes(s.payload()));
        return all.toByteArray();
    }

    static byte[] readAll(ReceiveBuffer buffer) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        for (int i = 0, n; i < 100_000 && (n = buffer.read(chunk, 0, chunk.length)) > 0; i++) {
            got.write(chunk, 0, n);
        }
        return got.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TINIEST, WGET, NUMS})
    @DisplayName("RFC 9293 3.5, 3.6, 3.10: teacup as client, fed the recorded server, sends the recorded client's seq, ack, flags and payloads")
    void teacupAsClient(String capture) {
        List<RecordedSegment> recorded = RecordedSegment.read(capture);
        Replay replay = new Replay(capture, Role.CLIENT, recorded);
        replay.playThrough(Integer.MAX_VALUE);
        replay.finish();
        TcpConnection c = replay.conn;
        assertEquals(State.TIME_WAIT, c.state(), "the client closed first, so it waits");
        assertTrue(c.peerFinished());
        assertEquals(0, c.sendBuffer().queued(), "everything the client sent was acknowledged");
        assertArrayEquals(payloads(recorded, false), readAll(c.receiveBuffer()), "the server's bytes, once, in order");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TINIEST, WGET, NUMS})
    @DisplayName("RFC 9293 3.5, 3.6, 3.10: teacup as server, fed the recorded client, sends the recorded server's seq, ack, flags and payloads")
    void teacupAsServer(String capture) {
        List<RecordedSegment> recorded = RecordedSegment.read(capture);
        Replay replay = new Replay(capture, Role.SERVER, recorded);
        replay.playThrough(Integer.MAX_VALUE);
        replay.finish();
        TcpConnection c = replay.conn;
        assertEquals(State.CLOSED, c.state(), "the server's FIN was acknowledged in LAST-ACK");
        assertEquals(TcpConnection.Ending.CLOSED_NORMALLY, c.ending());
        assertTrue(c.peerFinished());
        assertEquals(0, c.sendBuffer().queued(), "everything the server sent was acknowledged");
        assertArrayEquals(payloads(recorded, true), readAll(c.receiveBuffer()), "the client's request, once");
    }

    // ---------------------------------------------------------------- the 36,000-byte body out of order

    /**
     * The README's frame numbers are 1-based, as tshark and Wireshark number frames (frame 1 is the
     * client's SYN): frames 6, 8 and 9 are then the server's three data segments (16,384 + 16,384 +
     * 3,472 bytes), which is what GoldenCaptureTest finds there too. Counted from 0 they would name
     * frames 7, 9 and 10 in tshark's count, of which 7 and 10 are the client's pure ACKs.
     */
    static final int[] BODY_ORDER = {8, 9, 8, 6, 9, 8, 9};

    /** A client connection replayed up to and including frame 5: handshake, GET, and the server's ACK of it. */
    static Replay clientAwaitingTheBody(List<RecordedSegment> recorded) {
        Replay replay = new Replay(NUMS, Role.CLIENT, recorded);
        replay.playThrough(5);
        assertEquals(State.ESTABLISHED, replay.conn.state());
        return replay;
    }

    static RecordedSegment frame(List<RecordedSegment> recorded, int number) {
        RecordedSegment r = recorded.get(number - 1);
        assertEquals(number, r.frame());
        return r;
    }

    @Test
    @DisplayName("RFC 9293 3.10.7.4, SHLD-31: the 36,000-byte body fed as frames 8, 9, 8, 6, 9, 8, 9 is delivered whole, in order and once")
    void bodyOutOfOrderAndRepeated() {
        List<RecordedSegment> recorded = RecordedSegment.read(NUMS);
        Replay replay = clientAwaitingTheBody(recorded);
        RecordedSegment first = frame(recorded, 6);
        RecordedSegment last = frame(recorded, 9);
        for (int n : new int[] {6, 8, 9}) {
            RecordedSegment r = frame(recorded, n);
            assertTrue(!r.fromClient() && r.payload().length > 0, "frame " + n + " is server data");
        }
        byte[] response = payloads(List.of(first, frame(recorded, 8), last), false);
        assertEquals(SeqNum.diff(last.end(), first.seq()), response.length, "the three frames are contiguous");

        boolean gapFilled = false;
        for (int n : BODY_ORDER) {
            RecordedSegment r = frame(recorded, n);
            gapFilled |= n == 6;
            replay.ackCeiling = gapFilled ? last.end() : first.seq(); // teacup may acknowledge only what is in order
            replay.now += MS;
            replay.deliver(r);
            replay.settle();
            assertEquals(gapFilled ? response.length : 0, replay.conn.receiveBuffer().available(),
                    "bytes readable after frame " + n);
        }
        assertEquals(State.ESTABLISHED, replay.conn.state());
        assertTrue(replay.conn.receiveBuffer().outOfOrder().isEmpty(), "nothing left waiting for a gap");

        byte[] got = readAll(replay.conn.receiveBuffer());
        assertArrayEquals(response, got, "the response whole, in order, each byte once");
        assertEquals(0, replay.conn.receiveBuffer().available(), "no byte is delivered twice");
        String text = new String(got, StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), text.substring(0, 40));
        // The README's "ends in 1234567890 repeated 3,600 times": the body is exactly that and a newline.
        assertEquals("1234567890".repeat(3600) + "\n", text.substring(text.indexOf("\r\n\r\n") + 4));
    }

    @Test
    @DisplayName("RFC 5681 4.2, RFC 9293 3.10.7.4: out-of-order body segments get an immediate duplicate ACK, the gap filler an ACK of all, repeats an ACK")
    void bodyOutOfOrderIsAcknowledged() {
        List<RecordedSegment> recorded = RecordedSegment.read(NUMS);
        Replay replay = clientAwaitingTheBody(recorded);
        int start = frame(recorded, 6).seq();
        int end = frame(recorded, 9).end();
        boolean gapFilled = false;
        for (int n : BODY_ORDER) {
            gapFilled |= n == 6;
            int expected = gapFilled ? end : start;
            replay.ackCeiling = expected;
            replay.now += MS;
            int before = replay.sent.size();
            replay.deliver(frame(recorded, n));
            boolean outOfOrderOrFiller = !gapFilled || n == 6;
            if (outOfOrderOrFiller) {
                // RFC 5681 4.2: no delay for a segment above a gap, nor for one that fills it.
                assertTrue(replay.sent.size() > before, "an immediate ACK for frame " + n);
            } else {
                replay.settle(); // a repeat below RCV.NXT is answered with an ACK (3.10.7.4); when is not specified
                assertTrue(replay.sent.size() > before, "an ACK in reply to the repeated frame " + n);
            }
            for (Seg s : replay.sent.subList(before, replay.sent.size())) {
                assertEquals(TcpSegment.ACK, s.flags(), "a pure ACK: " + s);
                assertEquals(Integer.toUnsignedString(expected), Integer.toUnsignedString(s.ack()), "after frame " + n);
            }
            if (outOfOrderOrFiller) {
                replay.settle();
            }
        }
    }

    // ---------------------------------------------------------------- beyond the recording

    @Test
    @DisplayName("RFC 9293 3.10.7.4: the recorded server FIN repeated in TIME-WAIT (our last ACK lost) is acknowledged again and restarts 2 MSL")
    void repeatedFinInTimeWaitRestartsTheTimer() {
        List<RecordedSegment> recorded = RecordedSegment.read(TINIEST);
        Replay replay = new Replay(TINIEST, Role.CLIENT, recorded);
        replay.playThrough(Integer.MAX_VALUE);
        replay.finish();
        assertEquals(State.TIME_WAIT, replay.conn.state());
        replay.now += 10_000 * MS;
        int before = replay.sent.size();
        replay.deliver(frame(recorded, 5));
        assertEquals(1, replay.sent.size() - before, "one ACK in reply");
        Seg ack = replay.sent.getLast();
        assertEquals(TcpSegment.ACK, ack.flags());
        assertEquals(Integer.toUnsignedString(frame(recorded, 6).ack()), Integer.toUnsignedString(ack.ack()));
        assertEquals(State.TIME_WAIT, replay.conn.state());
        assertEquals(replay.now + 2 * settings().msl(), replay.conn.nextDeadline(), "2 MSL counted again from the repeated FIN");
    }

    // ---------------------------------------------------------------- the replay can fail

    @Test
    @DisplayName("the replay rejects a recording whose client FIN acknowledges one byte more than teacup does")
    void replayNoticesAChangedAcknowledgment() {
        List<RecordedSegment> recorded = new ArrayList<>(RecordedSegment.read(WGET));
        RecordedSegment fin = recorded.get(7);
        assertTrue(fin.fromClient() && fin.has(TcpSegment.FIN));
        recorded.set(7, fin.withAck(SeqNum.add(fin.ack(), 1)));
        Replay replay = new Replay(WGET, Role.CLIENT, recorded);
        AssertionError e = assertThrows(AssertionError.class, () -> replay.playThrough(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("frame 8") && e.getMessage().contains("ack of"), e.getMessage());
    }

    @Test
    @DisplayName("the replay rejects a recorded pure ACK that teacup never reached")
    void replayNoticesAMissingCumulativeAck() {
        List<RecordedSegment> recorded = new ArrayList<>(RecordedSegment.read(WGET));
        RecordedSegment ack = recorded.get(6);
        assertTrue(ack.fromClient() && !ack.occupiesSequenceSpace());
        recorded.set(6, ack.withAck(SeqNum.add(ack.ack(), 1)));
        Replay replay = new Replay(WGET, Role.CLIENT, recorded);
        AssertionError e = assertThrows(AssertionError.class, () -> replay.playThrough(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("frame 7") && e.getMessage().contains("had not acknowledged"), e.getMessage());
    }
}
