package teacup.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayDeque;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import teacup.tcp.SegmentRecorder.Seg;
import teacup.tcp.TcpConnection.Ending;
import teacup.tcp.TcpConnection.State;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * One connection under test with the test as its peer, in smoltcp's shape: a fixture per state,
 * {@code send} a segment at a time, {@code expect} what comes out, {@code expectNothing}. Time is
 * simulated; nothing sleeps. Each test proves one requirement, named by its label.
 */
class TcpRequirementsTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final int LOCAL_IP = 0xC6120002;
    static final int REMOTE_IP = 0xC6120001;
    static final int ISS = 10_000;
    static final int PEER_ISS = 50_000;
    static final int MSS = 1000;

    final ArrayDeque<Seg> sent = new ArrayDeque<>();
    final SegmentOutput output = new SegmentRecorder("c", () -> this.now, s -> this.sent.add(s));
    TcpSettings settings = TcpSettings.defaults().withMsl(10 * S).withTimestamps(false).withWindowScale(-1);
    TcpConnection c;
    long now;
    /** Next sequence number the peer sends. */
    int peerSeq;

    // ---------------------------------------------------------------- harness

    void at(long t) {
        now = t;
        c.poll(now);
    }

    /** Runs the connection's timers up to {@code t}. */
    void runUntil(long t) {
        for (int i = 0; i < 10_000 && c.nextDeadline() <= t; i++) {
            now = Math.max(now, c.nextDeadline());
            c.poll(now);
        }
        now = Math.max(now, t);
    }

    void send(int seq, int ack, int flags, int window, byte[] data) {
        send(seq, ack, flags, window, new TcpOptions(), data);
    }

    void send(int seq, int ack, int flags, int window, TcpOptions options, byte[] data) {
        c.process(now, SegmentRecorder.inbound(seq, ack, flags, window, options, data));
    }

    /** The peer sends {@code data} in order, acknowledging {@code ack}. */
    void peerData(byte[] data, int ack) {
        send(peerSeq, ack, TcpSegment.ACK, 65535, data);
        peerSeq += data.length;
    }

    void ack(int ack, int window) {
        send(peerSeq, ack, TcpSegment.ACK, window, new byte[0]);
    }

    Seg expect() {
        Seg s = sent.poll();
        if (s == null) {
            fail("expected a segment at " + now / MS + " ms, got nothing");
        }
        return s;
    }

    Seg expect(int seq, int ack, int flags, int length) {
        Seg s = expect();
        assertEquals(seq, s.seq(), "seq of " + s);
        assertEquals(ack, s.ack(), "ack of " + s);
        assertEquals(flags, s.flags() & ~TcpSegment.PSH, "flags of " + s);
        assertEquals(length, s.data().length, "length of " + s);
        return s;
    }

    void expectNothing() {
        assertNull(sent.peek(), () -> "expected nothing at " + now / MS + " ms, got " + sent.peek());
    }

    void write(int n) {
        byte[] data = pattern(n);
        assertEquals(n, c.sendBuffer().write(data, 0, n));
        c.flush(now);
    }

    static byte[] pattern(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 7 + 3);
        }
        return d;
    }

    byte[] readAll() {
        byte[] buf = new byte[c.receiveBuffer().available()];
        c.receiveBuffer().read(buf, 0, buf.length);
        return buf;
    }

    static TcpOptions mss(int mss) {
        return new TcpOptions().mss(mss);
    }

    // ---------------------------------------------------------------- fixtures

    void synSent() {
        c = TcpConnection.connect(now, settings, output, LOCAL_IP, 40000, REMOTE_IP, 80, ISS, SegmentRecorder.TS_OFFSET);
        expect(ISS, 0, TcpSegment.SYN, 0);
    }

    /** Active open, the peer offering MSS 1000 and a 65535-byte window, no other options. */
    void established() {
        established(mss(MSS), 65535);
    }

    void established(TcpOptions synAckOptions, int window) {
        synSent();
        send(PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, window, synAckOptions, new byte[0]);
        peerSeq = PEER_ISS + 1;
        assertEquals(State.ESTABLISHED, c.state());
        expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0);
    }

    /** Passive open: SYN from the peer, SYN-ACK out, the ACK in. */
    void acceptedEstablished() {
        c = TcpConnection.accept(now, settings, output, LOCAL_IP, 80, REMOTE_IP, 40000, ISS, SegmentRecorder.TS_OFFSET,
                SegmentRecorder.inbound(PEER_ISS, 0, TcpSegment.SYN, 65535, mss(MSS), new byte[0]));
        expect(ISS, PEER_ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 0);
        peerSeq = PEER_ISS + 1;
        ack(ISS + 1, 65535);
        assertEquals(State.ESTABLISHED, c.state());
        expectNothing();
    }

    // ---------------------------------------------------------------- tests

    @Nested
    class Opening {
        @Test
        @DisplayName("RFC 6298 3 (Karn): a SYN-ACK answering a retransmitted SYN gives no RTT sample, even one dated by its timestamp echo")
        void noRttSampleFromARetransmittedSyn() {
            settings = settings.withTimestamps(true);
            c = TcpConnection.connect(now, settings, output, LOCAL_IP, 40000, REMOTE_IP, 80, ISS, SegmentRecorder.TS_OFFSET);
            Seg first = expect(ISS, 0, TcpSegment.SYN, 0);
            runUntil(now + c.rtt().rto()); // the SYN times out and goes again
            expect(ISS, 0, TcpSegment.SYN, 0);
            // The peer's SYN-ACK, sent by its own timer, echoes the timestamp of our first SYN, a second back.
            at(now + MS);
            send(PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 65535,
                    mss(MSS).timestamps(5000, first.options().tsVal()), new byte[0]);
            assertEquals(State.ESTABLISHED, c.state());
            assertFalse(c.rtt().hasSample(), "no sample from the handshake after a retransmitted SYN");
        }

        @Test
        @DisplayName("RFC 9293 MUST-23: with the default settings an unanswered SYN is tried for at least three minutes")
        void synIsTriedForThreeMinutes() {
            settings = TcpSettings.defaults().withTimestamps(false).withWindowScale(-1);
            long start = now;
            synSent();
            int copies = 1;
            for (int i = 0; i < 100 && c.state() == State.SYN_SENT; i++) {
                runUntil(c.nextDeadline());
                copies += (int) sent.stream().filter(x -> x.has(TcpSegment.SYN)).count();
                sent.clear();
            }
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.TIMED_OUT, c.ending());
            assertTrue(now - start >= 180 * S, "gave up after " + (now - start) / S + " s and " + copies + " SYNs");
        }

        @Test
        @DisplayName("RFC 6298 5.7: after our SYN timed out, data goes with an RTO of 3 s, not the 2 s of the SYN's backoff")
        void rtoAfterALostSynIsThreeSeconds() {
            synSent();
            runUntil(now + c.rtt().rto()); // the SYN times out (1 s) and goes again; the RTO backs off to 2 s
            expect(ISS, 0, TcpSegment.SYN, 0);
            at(now + 10 * MS);
            send(PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 65535, mss(MSS), new byte[0]);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0);
            assertEquals(3 * S, c.rtt().rto());
            long sentAt = now;
            write(100); // lost: only the timer brings it back
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 100);
            runUntil(sentAt + 3 * S - MS);
            expectNothing();
            runUntil(sentAt + 3 * S);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 100);
        }

        @Test
        @DisplayName("RFC 6298 5.7: a passive open whose SYN-ACK timed out starts data with an RTO of 3 s too")
        void rtoAfterALostSynAckIsThreeSeconds() {
            c = TcpConnection.accept(now, settings, output, LOCAL_IP, 80, REMOTE_IP, 40000, ISS, SegmentRecorder.TS_OFFSET,
                    SegmentRecorder.inbound(PEER_ISS, 0, TcpSegment.SYN, 65535, mss(MSS), new byte[0]));
            expect(ISS, PEER_ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 0);
            runUntil(now + c.rtt().rto());
            expect(ISS, PEER_ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 0);
            peerSeq = PEER_ISS + 1;
            ack(ISS + 1, 65535);
            assertEquals(State.ESTABLISHED, c.state());
            assertEquals(3 * S, c.rtt().rto());
        }

        @Test
        @DisplayName("RFC 6298 5.7 applies only after a lost SYN: a clean handshake keeps the RTO its sample gives")
        void cleanHandshakeKeepsItsRto() {
            synSent();
            at(now + 10 * MS);
            send(PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 65535, mss(MSS), new byte[0]);
            assertTrue(c.rtt().hasSample());
            assertTrue(c.rtt().rto() < S, "an RTO from the 10 ms sample: " + c.rtt().rto());
        }

        @Test
        @DisplayName("RFC 7323 4.3: a retransmitted SYN in SYN-RECEIVED gets the SYN-ACK again at once, echoing its own timestamp")
        void retransmittedSynGetsSynAckWithFreshEcho() {
            settings = settings.withTimestamps(true);
            c = TcpConnection.accept(now, settings, output, LOCAL_IP, 80, REMOTE_IP, 40000, ISS, SegmentRecorder.TS_OFFSET,
                    SegmentRecorder.inbound(PEER_ISS, 0, TcpSegment.SYN, 65535, mss(MSS).timestamps(1000, 0), new byte[0]));
            Seg first = expect(ISS, PEER_ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 0);
            assertEquals(1000, first.options().tsEcr());
            // That SYN-ACK was lost; a second later the peer's SYN comes again with a later timestamp.
            at(now + 1000 * MS);
            sent.clear(); // our own SYN-ACK retransmission timer may have fired meanwhile
            send(PEER_ISS, 0, TcpSegment.SYN, 65535, mss(MSS).timestamps(2000, 0), new byte[0]);
            Seg again = expect(ISS, PEER_ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 0);
            assertEquals(2000, again.options().tsEcr(), "the echo dates the SYN just answered, not the first");
            assertEquals(State.SYN_RECEIVED, c.state());
        }

        @Test
        @DisplayName("RFC 9293 MUST-10: simultaneous open; a SYN in SYN-SENT answers SYN-ACK and both establish")
        void simultaneousOpen() {
            synSent();
            send(PEER_ISS, 0, TcpSegment.SYN, 65535, mss(MSS), new byte[0]);
            assertEquals(State.SYN_RECEIVED, c.state());
            expect(ISS, PEER_ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 0);
            send(PEER_ISS + 1, ISS + 1, TcpSegment.ACK, 65535, new byte[0]);
            assertEquals(State.ESTABLISHED, c.state());
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.3: an ACK for something never sent, in SYN-SENT, is answered by a RST at its ACK number")
        void badAckInSynSent() {
            synSent();
            send(PEER_ISS, ISS + 77, TcpSegment.SYN | TcpSegment.ACK, 65535, new byte[0]);
            expect(ISS + 77, 0, TcpSegment.RST, 0);
            assertEquals(State.SYN_SENT, c.state());
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.3: a RST without ACK in SYN-SENT is ignored")
        void bareResetInSynSentIgnored() {
            synSent();
            send(0, 0, TcpSegment.RST, 0, new byte[0]);
            assertEquals(State.SYN_SENT, c.state());
        }

        @Test
        @DisplayName("RFC 6298 2.1 and 5.5: the SYN goes again after 1 s, then after 2 s more (backoff)")
        void synRetransmission() {
            synSent();
            runUntil(999 * MS);
            expectNothing();
            runUntil(1000 * MS);
            expect(ISS, 0, TcpSegment.SYN, 0);
            runUntil(2999 * MS);
            expectNothing();
            runUntil(3000 * MS);
            expect(ISS, 0, TcpSegment.SYN, 0);
        }

        @Test
        @DisplayName("RFC 9293 MUST-12: a RST answering the SYN tells the application the connection was refused")
        void refused() {
            synSent();
            send(0, ISS + 1, TcpSegment.RST | TcpSegment.ACK, 0, new byte[0]);
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.REFUSED, c.ending());
        }

        @Test
        @DisplayName("RFC 9293 MUST-14: our SYN carries our MSS; we send at most the peer's MSS")
        void mssBothWays() {
            c = TcpConnection.connect(now, settings, output, LOCAL_IP, 40000, REMOTE_IP, 80, ISS, SegmentRecorder.TS_OFFSET);
            Seg syn = expect(ISS, 0, TcpSegment.SYN, 0);
            assertEquals(settings.mss(), syn.options().mss());
            send(PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 65535, mss(MSS), new byte[0]);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0);
            peerSeq = PEER_ISS + 1;
            assertEquals(MSS, c.negotiated().sendMss());
            write(2500);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 1000);
            expect(ISS + 1001, PEER_ISS + 1, TcpSegment.ACK, 1000);
            // The 500-byte tail: no short segment is unacknowledged, so Nagle (Minshall's form) lets it go.
            expect(ISS + 2001, PEER_ISS + 1, TcpSegment.ACK, 500);
        }

        @Test
        @DisplayName("RFC 7323 2.2: windows are scaled only when both SYNs carry the option")
        void windowScaling() {
            settings = settings.withWindowScale(7);
            established(mss(MSS).windowScale(2), 1000);
            ack(ISS + 1, 3000);
            assertEquals(12_000, ConnectionStatus.of(c).peerWindow());
            expectNothing();
            write(100);
            Seg data = expect();
            assertEquals(settings.receiveBuffer() >> 7, data.window(), "we advertise our buffer in units of 128");
        }
    }

    @Nested
    class Sending {
        @Test
        @DisplayName("RFC 9293 SHLD-7/MUST-17: Nagle holds a small segment while data is unacknowledged, unless no-delay")
        void nagle() {
            established();
            write(100);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 100);
            write(100);
            expectNothing();
            ack(ISS + 101, 65535);
            expect(ISS + 101, PEER_ISS + 1, TcpSegment.ACK, 100);
            c.setNoDelay(true);
            write(50);
            expect(ISS + 201, PEER_ISS + 1, TcpSegment.ACK, 50);
        }

        @Test
        @DisplayName("RFC 9293 SHLD-7 with Minshall's refinement: a short tail behind full segments goes at once; the next short one waits for it")
        void nagleMinshall() {
            established(mss(MSS), 20_000);
            write(2 * MSS + 100);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, MSS);
            expect(ISS + 1 + MSS, PEER_ISS + 1, TcpSegment.ACK, MSS);
            expect(ISS + 1 + 2 * MSS, PEER_ISS + 1, TcpSegment.ACK, 100);
            write(100);
            expectNothing(); // the short tail before it is not yet acknowledged
            ack(ISS + 1 + 2 * MSS, 20_000);
            expectNothing(); // still not: full segments acknowledged, the tail not
            ack(ISS + 1 + 2 * MSS + 100, 20_000);
            expect(ISS + 1 + 2 * MSS + 100, PEER_ISS + 1, TcpSegment.ACK, 100);
        }

        @Test
        @DisplayName("RFC 9293 MUST-38: sender SWS avoidance waits for a useful window, then the override timer sends")
        void senderSws() {
            established(mss(MSS), 20_000);
            ack(ISS + 1, 300); // the peer's window shrinks to 300 while its largest was 20,000
            write(5000);
            expectNothing();
            runUntil(now + 199 * MS);
            expectNothing();
            runUntil(now + 1001 * MS);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 300);
        }

        @Test
        @DisplayName("RFC 9293 3.10.4: the FIN follows the last byte written")
        void finAfterData() {
            established();
            write(1500);
            write(300); // Nagle holds this: the 500-byte segment before it is short and unacknowledged
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 1000);
            expect(ISS + 1001, PEER_ISS + 1, TcpSegment.ACK, 500);
            expectNothing();
            c.close(now); // nothing more will come, so nothing is worth waiting for: the tail goes with the FIN
            expect(ISS + 1501, PEER_ISS + 1, TcpSegment.ACK | TcpSegment.FIN, 300);
            assertEquals(State.FIN_WAIT_1, c.state());
        }

        @Test
        @DisplayName("RFC 9293 MUST-36, SHLD-29, SHLD-30: a zero window is probed after an RTO, with exponential backoff")
        void zeroWindowProbe() {
            established(mss(MSS), 0);
            write(500);
            expectNothing();
            long rto = c.rtt().rto();
            long start = now;
            runUntil(start + rto - 1);
            expectNothing();
            runUntil(start + rto);
            Seg probe = expect();
            assertEquals(ISS, probe.seq(), "the probe sits one below SND.UNA, so the peer must answer it");
            ack(ISS + 1, 0);
            runUntil(start + 3 * rto - 1);
            expectNothing();
            runUntil(start + 3 * rto);
            expect();
            ack(ISS + 1, 4000);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 500);
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.4: with our window zero the peer's text is refused, but the ACK it carries still counts")
        void ackOnDataAtAZeroWindowIsTaken() {
            settings = settings.withBuffers(1000, 64 * 1024);
            established();
            write(500);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 500);
            int capacity = c.receiveBuffer().capacity();
            peerData(new byte[capacity], ISS + 1); // fills our receive buffer; nobody reads it
            runUntil(now + 100 * MS); // the ACK for it
            Seg full = expect(ISS + 501, PEER_ISS + 1 + capacity, TcpSegment.ACK, 0);
            assertEquals(0, full.window(), "the buffer is full: " + full);
            peerData(new byte[100], ISS + 501); // more data, at RCV.NXT, acknowledging all we sent
            assertEquals(0, ConnectionStatus.of(c).inFlight(), "the ACK on the refused segment was taken");
            Seg answer = expect(ISS + 501, PEER_ISS + 1 + capacity, TcpSegment.ACK, 0);
            assertEquals(0, answer.window(), "the text was not taken: the window is still zero");
            assertEquals(capacity, c.receiveBuffer().available());
            runUntil(now + 5 * S);
            assertTrue(sent.stream().noneMatch(x -> x.length() > 0), "nothing goes again: it was acknowledged");
        }

        @Test
        @DisplayName("RFC 9293 MUST-35, SHLD-17: a window that shrinks to zero under data sent is probed; the connection lives while the peer answers")
        void windowShrunkToZeroUnderDataSent() {
            established();
            write(3000);
            sent.clear();
            ack(ISS + 1001, 0); // the peer takes the first segment and closes its window on the other two
            for (int i = 0; i < 30; i++) { // well past R2 (12): each timeout probes, and the peer answers
                runUntil(c.nextDeadline());
                assertEquals(State.ESTABLISHED, c.state(), "timeout " + i);
                Seg probe = sent.pollLast();
                assertNotNull(probe, "timeout " + i + " sent a probe");
                assertEquals(ISS + 1000, probe.seq(), "a probe one below SND.UNA, which the peer must answer");
                sent.clear();
                ack(ISS + 1001, 0);
            }
            ack(ISS + 1001, 65535); // the window opens: the data that waited goes, on the timer at the latest
            runUntil(c.nextDeadline());
            assertTrue(sent.stream().anyMatch(x -> x.seq() == ISS + 1001 && x.length() > 0), "the data goes again: " + sent);
        }

        @Test
        @DisplayName("RFC 9293 SHLD-17, MUST-20 (R2): a shrunk window whose peer falls silent still ends after R2 probes")
        void windowShrunkToZeroAndSilentGivesUp() {
            settings = settings.withRetransmission(200 * MS, 1 * S, 4);
            established();
            write(3000);
            sent.clear();
            ack(ISS + 1001, 0);
            for (int i = 0; i < 20 && c.state() == State.ESTABLISHED; i++) {
                runUntil(c.nextDeadline());
            }
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.TIMED_OUT, c.ending());
        }

        @Test
        @DisplayName("RFC 9293 MUST-37: a window that stays zero while the peer answers never ends the connection")
        void zeroWindowIndefinitely() {
            established(mss(MSS), 0);
            write(500);
            for (int i = 0; i < 40; i++) {
                runUntil(c.nextDeadline());
                assertNotNull(sent.poll(), "probe " + i);
                ack(ISS + 1, 0);
            }
            assertEquals(State.ESTABLISHED, c.state());
        }

        @Test
        @DisplayName("RFC 9293 MUST-34: a window that shrinks below data already sent does not break the stream")
        void shrinkingWindow() {
            established();
            write(3000);
            sent.clear();
            ack(ISS + 1001, 0); // shrinks: 2000 bytes are beyond the new right edge
            assertEquals(State.ESTABLISHED, c.state());
            ack(ISS + 3001, 65535);
            assertEquals(0, ConnectionStatus.of(c).inFlight());
        }
    }

    @Nested
    class Receiving {
        @Test
        @DisplayName("RFC 9293 SHLD-18/MUST-40: an ACK for one in-order segment is delayed, and by less than 500 ms")
        void delayedAck() {
            established();
            peerData(pattern(500), ISS + 1);
            expectNothing();
            runUntil(now + settings.ackDelay() - 1);
            expectNothing();
            runUntil(now + 1);
            expect(ISS + 1, PEER_ISS + 501, TcpSegment.ACK, 0);
            assertTrue(settings.ackDelay() < 500 * MS);
        }

        @Test
        @DisplayName("RFC 9293 SHLD-19: at least every second full segment is acknowledged at once (when the batch it came in is done)")
        void everySecondSegment() {
            established();
            peerData(pattern(1000), ISS + 1);
            at(now);
            expectNothing();
            peerData(pattern(1000), ISS + 1);
            assertEquals(now, c.nextDeadline(), "due at this instant");
            peerData(pattern(1000), ISS + 1); // same batch: one ACK covers it too
            at(now);
            expect(ISS + 1, PEER_ISS + 3001, TcpSegment.ACK, 0);
            expectNothing();
        }

        @Test
        @DisplayName("RFC 9293 SHLD-31 / RFC 5681 4.2: out-of-order data is queued, ACKed at once, and delivered in order")
        void outOfOrder() {
            established();
            byte[] all = pattern(3000);
            byte[] first = java.util.Arrays.copyOfRange(all, 0, 1000);
            byte[] second = java.util.Arrays.copyOfRange(all, 1000, 2000);
            byte[] third = java.util.Arrays.copyOfRange(all, 2000, 3000);
            send(PEER_ISS + 2001, ISS + 1, TcpSegment.ACK, 65535, third);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0); // the duplicate ACK, immediately
            send(PEER_ISS + 1001, ISS + 1, TcpSegment.ACK, 65535, second);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0);
            assertEquals(0, c.receiveBuffer().available());
            send(PEER_ISS + 1, ISS + 1, TcpSegment.ACK, 65535, first);
            expect(ISS + 1, PEER_ISS + 3001, TcpSegment.ACK, 0); // the gap filled: ACK at once
            assertArrayEquals(all, readAll());
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.4: duplicate and overlapping segments are trimmed and delivered once")
        void overlapsTrimmed() {
            established();
            byte[] all = pattern(2000);
            send(PEER_ISS + 1, ISS + 1, TcpSegment.ACK, 65535, java.util.Arrays.copyOfRange(all, 0, 1200));
            send(PEER_ISS + 1, ISS + 1, TcpSegment.ACK, 65535, java.util.Arrays.copyOfRange(all, 0, 1200));
            send(PEER_ISS + 801, ISS + 1, TcpSegment.ACK, 65535, java.util.Arrays.copyOfRange(all, 800, 2000));
            assertArrayEquals(all, readAll());
        }

        @Test
        @DisplayName("RFC 9293 3.8.6.2.2: the advertised window follows what the application has read")
        void windowFollowsReads() {
            settings = settings.withBuffers(8000, 8000);
            established();
            int capacity = c.receiveBuffer().capacity();
            for (int i = 1; i <= 6; i++) {
                peerData(pattern(1000), ISS + 1);
                at(now);
                if (i % 2 == 0) {
                    assertEquals(capacity - i * 1000, expect().window(), "the window shrinks as data waits unread");
                }
            }
            readAll();
            c.windowOpened(now);
            Seg update = expect();
            assertEquals(capacity, update.window());
        }

        @Test
        @DisplayName("RFC 9293 3.8.6.2.2, RFC 5681 2: without window scaling, a read from a buffer past 64 KB sends no update repeating the window (the peer would count it a duplicate ACK)")
        void noUpdateTheWindowFieldCannotShow() {
            settings = settings.withBuffers(256 * 1024, 4096);
            established();
            peerData(pattern(1000), ISS + 1);
            runUntil(now + S);
            Seg ack = expect();
            assertEquals(65535, ack.window(), "the field's largest value; the buffer holds more");
            sent.clear();
            readAll();
            c.windowOpened(now);
            expectNothing();
        }

        @Test
        @DisplayName("RFC 9293 MUST-39, SHLD-14: receiver SWS avoidance opens the window only by min(buffer/2, MSS) steps, and the right edge never moves left")
        void receiverSws() {
            settings = settings.withBuffers(4096, 8000);
            established();
            int capacity = c.receiveBuffer().capacity();
            assertEquals(4096, capacity);
            for (int i = 0; i < 4; i++) {
                peerData(pattern(1024), ISS + 1);
            }
            runUntil(now + S);
            assertEquals(0, sent.getLast().window(), "the buffer is full");
            sent.clear();
            byte[] some = new byte[1000];
            c.receiveBuffer().read(some, 0, 1000);
            c.windowOpened(now);
            expectNothing(); // 1000 bytes: less than min(buffer/2, MSS) = 1460, not worth an update
            c.receiveBuffer().read(some, 0, 500);
            c.windowOpened(now);
            Seg update = expect();
            assertEquals(1500, update.window());
            // Data arriving now is answered with the same right edge, never a smaller one.
            peerData(pattern(100), ISS + 1);
            runUntil(now + S);
            Seg next = expect();
            assertEquals(1400, next.window());
            // Reading 100 bytes more would offer only 100 more: the edge stays.
            c.receiveBuffer().read(some, 0, 100);
            c.windowOpened(now);
            expectNothing();
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.4: data beyond the window is not accepted and is answered with an ACK")
        void beyondWindow() {
            settings = settings.withBuffers(2000, 8000);
            established();
            send(PEER_ISS + 1 + 5000, ISS + 1, TcpSegment.ACK, 65535, pattern(100));
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0);
            assertEquals(0, c.receiveBuffer().available());
        }
    }

    @Nested
    class Retransmission {
        @Test
        @DisplayName("RFC 6298 5.4: unacknowledged data goes again at the RTO, not before")
        void rto() {
            established();
            long rto = c.rtt().rto();
            write(500);
            expect();
            long sentAt = now;
            runUntil(sentAt + rto - 1);
            expectNothing();
            runUntil(sentAt + rto);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 500);
        }

        @Test
        @DisplayName("RFC 5681 3.1 / RFC 6928: slow start begins with ten segments and grows with each ACK")
        void slowStart() {
            established();
            write(30_000);
            assertEquals(10, sent.size(), "initial window: ten segments");
            sent.clear();
            ack(ISS + 1 + 2000, 65535);
            // RFC 3465 with L = 1 SMSS: one ACK grows the window by at most one SMSS, so 2 freed + 1 grown.
            assertEquals(3, sent.size());
        }

        @Test
        @DisplayName("RFC 5681 3.2: three duplicate ACKs retransmit the first segment at once and halve the window")
        void fastRetransmit() {
            established();
            write(20_000);
            sent.clear();
            int cwndBefore = c.congestion().cwnd();
            ack(ISS + 1001, 65535); // first segment acknowledged
            sent.clear();
            ack(ISS + 1001, 65535);
            ack(ISS + 1001, 65535);
            // RFC 3042 limited transmit: each of the first two duplicates sends new data
            assertEquals(2, sent.size());
            sent.clear();
            ack(ISS + 1001, 65535);
            expect(ISS + 1001, PEER_ISS + 1, TcpSegment.ACK, 1000);
            assertTrue(c.congestion().inRecovery());
            assertTrue(c.congestion().ssthresh() <= cwndBefore, "ssthresh " + c.congestion().ssthresh());
        }

        @Test
        @DisplayName("RFC 6582 3.2: a partial ACK in recovery retransmits the next hole; a full ACK ends recovery")
        void newRenoPartialAck() {
            established();
            write(10_000);
            sent.clear();
            for (int i = 0; i < 4; i++) {
                ack(ISS + 1, 65535); // four identical ACKs: the first is not a duplicate of anything new... all duplicates
            }
            Seg retransmitted = sent.stream().filter(s -> s.seq() == ISS + 1).findFirst().orElseThrow();
            assertEquals(1000, retransmitted.data().length);
            assertTrue(c.congestion().inRecovery());
            sent.clear();
            ack(ISS + 2001, 65535); // partial: the second segment is missing too
            Seg hole = expect();
            assertEquals(ISS + 2001, hole.seq());
            assertTrue(c.congestion().inRecovery());
            sent.clear();
            int highest = ISS + 1 + 10_000;
            ack(highest, 65535);
            assertFalse(c.congestion().inRecovery());
        }

        @Test
        @DisplayName("RFC 9293 MUST-20 (R2), MUST-21 and MUST-12: after R2 retransmissions the connection gives up and says it timed out")
        void givesUp() {
            settings = settings.withRetransmission(200 * MS, 2 * S, 5);
            established();
            write(100);
            runUntil(now + 3600 * S);
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.TIMED_OUT, c.ending());
            long copies = sent.stream().filter(s -> s.data().length == 100).count();
            assertEquals(6, copies);
            assertTrue(sent.getLast().has(TcpSegment.RST), "the peer is told");
        }
    }

    @Nested
    class Timestamps {
        @BeforeEach
        void on() {
            settings = settings.withTimestamps(true);
        }

        @Test
        @DisplayName("RFC 7323 3.2: timestamps offered on the SYN and, when the peer agrees, on every segment, echoing TS.Recent")
        void negotiated() {
            established(mss(MSS).timestamps(777, 0), 65535);
            assertTrue(c.negotiated().timestamps());
            peerData(pattern(10), ISS + 1);
            runUntil(now + S);
            Seg ack = expect();
            assertNotNull(ack.options());
            assertTrue(ack.options().hasTimestamps());
            assertEquals(777, ack.options().tsEcr());
            assertEquals(MSS - 12, c.negotiated().segmentSize(), "RFC 6691: the options come out of the MSS");
        }

        @Test
        @DisplayName("RFC 7323 3.2: without timestamps on the peer's SYN-ACK, no segment carries them")
        void notNegotiated() {
            established();
            assertFalse(c.negotiated().timestamps());
            write(10);
            assertNull(expect().options());
        }

        @Test
        @DisplayName("RFC 7323 4.1: the RTT is measured from the echoed timestamp")
        void rttFromTimestamps() {
            established(mss(MSS).timestamps(777, 0), 65535);
            write(100);
            Seg data = expect();
            now += 250 * MS;
            send(peerSeq, ISS + 101, TcpSegment.ACK, 65535, new TcpOptions().timestamps(800, data.options().tsVal()), new byte[0]);
            // The handshake sample was 0; one 250 ms sample moves SRTT by 1/8 of it (RFC 6298 2.3).
            assertEquals(250 * MS / 8, c.rtt().srtt());
        }

        @Test
        @DisplayName("RFC 7323 5.3 (PAWS): a segment with an older timestamp is dropped and answered with an ACK")
        void paws() {
            established(mss(MSS).timestamps(1000, 0), 65535);
            send(peerSeq, ISS + 1, TcpSegment.ACK, 65535, new TcpOptions().timestamps(2000, 1), pattern(100));
            peerSeq += 100;
            runUntil(now + S);
            sent.clear();
            send(peerSeq, ISS + 1, TcpSegment.ACK, 65535, new TcpOptions().timestamps(1500, 1), pattern(100));
            Seg ack = expect();
            assertEquals(PEER_ISS + 101, ack.ack(), "the old-timestamped data was not taken");
            assertEquals(100, c.receiveBuffer().available());
        }
    }

    @Nested
    class SelectiveAcknowledgment {
        @Test
        @DisplayName("RFC 2018 2: SACK-permitted is offered on the SYN; SACK is used only when the peer's SYN allows it")
        void negotiated() {
            settings = settings.withSack(true);
            c = TcpConnection.connect(now, settings, output, LOCAL_IP, 40001, REMOTE_IP, 80, ISS, SegmentRecorder.TS_OFFSET);
            assertTrue(expect().options().sackPermitted());
            send(PEER_ISS, ISS + 1, TcpSegment.SYN | TcpSegment.ACK, 65535, mss(MSS), new byte[0]);
            assertFalse(c.negotiated().sack(), "the peer did not agree");
        }

        @Test
        @DisplayName("RFC 2018 4: out-of-order data is reported in SACK blocks, the latest segment's block first")
        void blocks() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            assertTrue(c.negotiated().sack());
            send(PEER_ISS + 1001, ISS + 1, TcpSegment.ACK, 65535, pattern(500));
            Seg first = expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0);
            assertEquals(1, first.options().sackBlockCount());
            assertEquals(PEER_ISS + 1001, first.options().sackLeft(0));
            assertEquals(PEER_ISS + 1501, first.options().sackRight(0));
            send(PEER_ISS + 3001, ISS + 1, TcpSegment.ACK, 65535, pattern(500));
            Seg second = expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 0);
            assertEquals(2, second.options().sackBlockCount());
            assertEquals(PEER_ISS + 3001, second.options().sackLeft(0), "the latest first");
            assertEquals(PEER_ISS + 1001, second.options().sackLeft(1));
            send(PEER_ISS + 1, ISS + 1, TcpSegment.ACK, 65535, pattern(1000));
            Seg third = expect(ISS + 1, PEER_ISS + 1501, TcpSegment.ACK, 0);
            assertEquals(1, third.options().sackBlockCount(), "the filled hole is no longer reported");
            assertEquals(PEER_ISS + 3001, third.options().sackLeft(0));
        }
    }

    @Nested
    class SenderSack {
        void sackAck(int ack, int... blocks) {
            TcpOptions o = new TcpOptions();
            for (int i = 0; i < blocks.length; i += 2) {
                o.addSackBlock(blocks[i], blocks[i + 1]);
            }
            send(peerSeq, ack, TcpSegment.ACK, 65535, o, new byte[0]);
        }

        @Test
        @DisplayName("RFC 6675 4: in recovery, each duplicate ACK fills the next hole the SACK blocks show, without waiting a round trip")
        void holesFilledFromScoreboard() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            write(10_000); // ten segments: 1..10; segments 2 and 5 are lost
            sent.clear();
            int una = ISS + 1001; // segment 1 arrived
            ack(una, 65535);
            sent.clear();
            sackAck(una, ISS + 2001, ISS + 3001);
            sackAck(una, ISS + 2001, ISS + 4001);
            sackAck(una, ISS + 5001, ISS + 6001, ISS + 2001, ISS + 4001);
            Seg first = sent.stream().filter(x -> x.seq() == una).findFirst().orElseThrow();
            assertEquals(1000, first.data().length, "fast retransmit of the first hole");
            assertTrue(c.congestion().inRecovery());
            sent.clear();
            sackAck(una, ISS + 5001, ISS + 7001, ISS + 2001, ISS + 4001);
            Seg second = expect();
            assertEquals(ISS + 4001, second.seq(), "the second hole, at once");
            assertEquals(1000, second.data().length);
        }

        @Test
        @DisplayName("RFC 6675 5.1: going back after a timeout, data the peer SACKed is not sent again")
        void timeoutSkipsSacked() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            write(5000);
            sent.clear();
            runUntil(c.nextDeadline());
            expect(ISS + 4001, PEER_ISS + 1, TcpSegment.ACK, 1000); // first the tail loss probe: the last segment
            runUntil(c.nextDeadline());
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 1000); // then the timeout resends the first segment
            sackAck(ISS + 1001, ISS + 2001, ISS + 5001); // it arrived; 2001..5001 had arrived before
            expect(ISS + 1001, PEER_ISS + 1, TcpSegment.ACK, 1000);
            expectNothing(); // nothing SACKed goes again
            ack(ISS + 5001, 65535);
            assertEquals(0, ConnectionStatus.of(c).inFlight());
        }

        @Test
        @DisplayName("RFC 5827: with fewer than four segments out and nothing new to send, fewer duplicate ACKs start recovery")
        void earlyRetransmit() {
            established();
            write(2000); // two segments; the first is lost
            sent.clear();
            send(peerSeq, ISS + 1, TcpSegment.ACK, 65535, new byte[0]); // one duplicate ACK (for the second)
            Seg again = expect();
            assertEquals(ISS + 1, again.seq());
            assertEquals(1000, again.data().length);
            assertTrue(c.congestion().inRecovery());
        }

        @Test
        @DisplayName("RFC 6675 IsLost: three segments SACKed above SND.UNA mark it lost even when duplicate ACKs were lost")
        void sackMarksLoss() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            write(10_000);
            sent.clear();
            sackAck(ISS + 1, ISS + 1001, ISS + 4001); // one ACK reports three segments beyond a hole
            Seg again = sent.stream().filter(x -> x.seq() == ISS + 1 && x.data().length > 0).findFirst().orElseThrow();
            assertEquals(1000, again.data().length);
            assertTrue(c.congestion().inRecovery());
        }

        @Test
        @DisplayName("RFC 3708: when D-SACKs show every retransmission arrived twice, the window reduction is undone")
        void dsackUndo() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            write(10_000);
            ack(ISS + 1001, 65535);
            sent.clear();
            int cwndBefore = c.congestion().cwnd();
            for (int i = 0; i < 3; i++) {
                sackAck(ISS + 1001, ISS + 2001, ISS + 3001 + 1000 * i); // segment 2 "missing": it was only late
            }
            assertTrue(c.congestion().inRecovery());
            assertTrue(c.congestion().cwnd() < cwndBefore + 3 * 1000);
            // The late original arrives, then our retransmission: the peer reports the second as a duplicate.
            ack(ISS + 10_001, 65535); // everything, so recovery ends with the window halved
            assertFalse(c.congestion().inRecovery());
            assertTrue(c.congestion().cwnd() < cwndBefore);
            sackAck(ISS + 10_001, ISS + 1001, ISS + 2001); // the D-SACK for the retransmission
            assertTrue(c.congestion().cwnd() >= cwndBefore, "cwnd " + c.congestion().cwnd() + " back to " + cwndBefore);
            assertEquals(6, c.recovery.reorderThreshold(), "the path reorders: wait for more evidence next time");
        }

        @Test
        @DisplayName("RFC 8985 6.2: a lost retransmission of the head is found when data sent after it is SACKed, not at the RTO")
        void lostRetransmissionOfTheHead() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            write(20_000);
            ack(ISS + 1001, 65535); // cwnd 11 segments: 1001..12001 out, then two more by limited transmit
            sent.clear();
            for (int i = 0; i < 3; i++) {
                sackAck(ISS + 1001, ISS + 2001, ISS + 3001 + 1000 * i);
            }
            Seg first = sent.stream().filter(x -> x.seq() == ISS + 1001).findFirst().orElseThrow();
            assertEquals(1000, first.data().length);
            sent.clear();
            // The retransmission is lost. More duplicates come; new data goes out beyond what was sent before.
            for (int i = 3; i < 12; i++) {
                sackAck(ISS + 1001, ISS + 2001, ISS + 3001 + 1000 * i);
            }
            assertTrue(sent.stream().noneMatch(x -> x.seq() == ISS + 1001), "too early to call the retransmission lost");
            now += 2 * MS;
            // The last data, sent after the retransmission, is SACKed while the head is still missing.
            sackAck(ISS + 1001, ISS + 2001, ISS + 20_001);
            assertTrue(sent.stream().anyMatch(x -> x.seq() == ISS + 1001 && x.data().length == 1000),
                    "the head goes a third time, long before the RTO: " + sent);
        }

        @Test
        @DisplayName("RFC 2018 3: SACK blocks outside what is outstanding are ignored")
        void bogusBlocksIgnored() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            write(3000);
            sent.clear();
            sackAck(ISS + 1, ISS + 50_000, ISS + 60_000);
            sackAck(ISS + 1, ISS - 5000, ISS - 10);
            assertEquals(State.ESTABLISHED, c.state());
            ack(ISS + 3001, 65535);
            assertEquals(0, ConnectionStatus.of(c).inFlight());
        }
    }

    @Nested
    class TailLossProbe {
        @Test
        @DisplayName("RFC 8985 7: a lost tail is probed after two round trips, and the probe's SACK starts recovery before any timeout")
        void probeFindsTailLoss() {
            settings = settings.withSack(true);
            established(mss(MSS).sackPermitted(true), 65535);
            c.setNoDelay(true);
            write(5000); // five segments; the last two are lost
            sent.clear();
            ack(ISS + 3001, 65535);
            long rtoAt = now + c.rtt().rto();
            long pto = c.nextDeadline();
            assertTrue(pto < rtoAt, "the probe comes before the timeout");
            runUntil(pto);
            Seg probe = expect();
            assertEquals(ISS + 4001, probe.seq(), "the last segment again");
            TcpOptions sack = new TcpOptions().addSackBlock(ISS + 4001, ISS + 5001);
            send(peerSeq, ISS + 3001, TcpSegment.ACK, 65535, sack, new byte[0]);
            Seg repair = expect();
            assertEquals(ISS + 3001, repair.seq(), "the hole the probe revealed goes at once");
            assertTrue(c.congestion().inRecovery());
            assertTrue(now < rtoAt);
        }
    }

    @Nested
    class KeepAlive {
        @Test
        @DisplayName("RFC 9293 MUST-24/MUST-25: keep-alives are off by default")
        void offByDefault() {
            established();
            runUntil(now + 10 * 3600 * S);
            expectNothing();
            assertEquals(State.ESTABLISHED, c.state());
        }

        @Test
        @DisplayName("RFC 9293 MUST-26: keep-alives go only on an idle connection: data outstanding defers them, the peer's traffic restarts the wait")
        void onlyWhenIdle() {
            established();
            c.setKeepAlive(now, true);
            long start = now;
            runUntil(start + 3600 * S);
            peerData(new byte[10], ISS + 1); // the peer is heard from after an hour
            runUntil(now + 100 * MS);
            sent.clear();
            long heard = now;
            runUntil(start + 7200 * S);
            expectNothing(); // two hours since the start, but only one since the peer was heard
            write(100); // data outstanding, unacknowledged: the retransmission timer has it, not keep-alive
            sent.clear();
            runUntil(heard + 7200 * S);
            assertTrue(sent.stream().allMatch(x -> x.length() > 0 || x.has(TcpSegment.RST)),
                    "no empty keep-alive probe while data is outstanding: " + sent);
        }

        @Test
        @DisplayName("RFC 9293 MUST-26/MUST-28: with keep-alive on, the first probe goes after two hours idle")
        void firstProbeAfterIdle() {
            established();
            c.setKeepAlive(now, true);
            long start = now;
            runUntil(start + 7200 * S - 1);
            expectNothing();
            runUntil(start + 7200 * S);
            Seg probe = expect();
            assertEquals(ISS, probe.seq(), "SEG.SEQ = SND.NXT - 1");
            assertEquals(0, probe.data().length);
        }

        @Test
        @DisplayName("RFC 9293 MUST-27/MUST-29: unanswered keep-alives repeat at the interval; only several in a row end the connection")
        void tolerantOfLostAcks() {
            settings = settings.withKeepAlive(60 * S, 10 * S, 3);
            established();
            c.setKeepAlive(now, true);
            long start = now;
            runUntil(start + 60 * S);
            expect();
            runUntil(start + 70 * S);
            expect();
            ack(ISS + 1, 65535); // an answer: the count starts again
            long answered = now;
            runUntil(answered + 60 * S);
            expect();
            runUntil(answered + 80 * S);
            expect();
            expect();
            assertEquals(State.ESTABLISHED, c.state(), "three probes unanswered so far, not yet dead");
            runUntil(answered + 90 * S);
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.TIMED_OUT, c.ending());
        }
    }

    @Nested
    class Closing {
        @Test
        @DisplayName("RFC 9293 3.6: half-close; after our FIN the peer's data still arrives in FIN-WAIT-2")
        void halfClose() {
            established();
            c.close(now);
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK | TcpSegment.FIN, 0);
            ack(ISS + 2, 65535);
            assertEquals(State.FIN_WAIT_2, c.state());
            peerData(pattern(700), ISS + 2);
            assertArrayEquals(pattern(700), readAll());
            send(peerSeq, ISS + 2, TcpSegment.ACK | TcpSegment.FIN, 65535, new byte[0]);
            assertEquals(State.TIME_WAIT, c.state());
            assertTrue(c.peerFinished());
        }

        @Test
        @DisplayName("RFC 9293 MUST-13: TIME-WAIT lasts 2 MSL (configurable), and a repeated FIN restarts it")
        void timeWait() {
            settings = settings.withMsl(5 * S);
            acceptedEstablished();
            send(peerSeq, ISS + 1, TcpSegment.ACK | TcpSegment.FIN, 65535, new byte[0]);
            peerSeq++;
            c.close(now);
            sent.clear();
            ack(ISS + 2, 65535);
            assertEquals(State.CLOSED, c.state(), "the passive closer is done at the ACK of its FIN");

            settings = settings.withMsl(5 * S);
            established();
            c.close(now);
            ack(ISS + 2, 65535);
            send(peerSeq, ISS + 2, TcpSegment.ACK | TcpSegment.FIN, 65535, new byte[0]);
            assertEquals(State.TIME_WAIT, c.state());
            sent.clear();
            long entered = now;
            runUntil(entered + 6 * S);
            send(peerSeq, ISS + 2, TcpSegment.ACK | TcpSegment.FIN, 65535, new byte[0]); // our ACK was lost
            expect(ISS + 2, peerSeq + 1, TcpSegment.ACK, 0);
            runUntil(entered + 10 * S);
            assertEquals(State.TIME_WAIT, c.state(), "restarted by the repeated FIN");
            runUntil(entered + 16 * S);
            assertEquals(State.CLOSED, c.state());
        }

        @Test
        @DisplayName("An orphaned connection in FIN-WAIT-2 is forgotten after 2 MSL if the peer never closes")
        void orphanedFinWait2() {
            settings = settings.withMsl(5 * S);
            established();
            c.close(now);
            c.orphan(now);
            ack(ISS + 2, 65535);
            assertEquals(State.FIN_WAIT_2, c.state());
            long entered = now;
            runUntil(entered + 10 * S - 1);
            assertEquals(State.FIN_WAIT_2, c.state());
            runUntil(entered + 10 * S);
            assertEquals(State.CLOSED, c.state());
        }

        @Test
        @DisplayName("RFC 9293 3.10.7.4: data for an orphaned connection is answered with a RST")
        void orphanedGetsData() {
            established();
            c.close(now);
            c.orphan(now);
            ack(ISS + 2, 65535);
            sent.clear();
            peerData(pattern(100), ISS + 2);
            expect(ISS + 2, 0, TcpSegment.RST, 0);
            assertEquals(State.CLOSED, c.state());
        }

        @Test
        @DisplayName("Buffers are allocated by the first byte, and an orphan in TIME-WAIT gives them back")
        void buffersComeAndGo() {
            established();
            assertFalse(c.sendBuffer().allocated(), "no data yet, no ring");
            assertFalse(c.receiveBuffer().allocated());
            write(100);
            peerData(pattern(100), ISS + 101);
            assertTrue(c.sendBuffer().allocated());
            assertTrue(c.receiveBuffer().allocated());
            readAll();
            c.close(now);
            c.orphan(now);
            ack(ISS + 102, 65535);
            send(peerSeq, ISS + 102, TcpSegment.ACK | TcpSegment.FIN, 65535, new byte[0]);
            assertEquals(State.TIME_WAIT, c.state());
            assertFalse(c.sendBuffer().allocated());
            assertFalse(c.receiveBuffer().allocated());
        }

        @Test
        @DisplayName("A half-closed connection that is not orphaned waits in FIN-WAIT-2 as long as the peer likes")
        void halfClosedWaits() {
            settings = settings.withMsl(5 * S);
            established();
            c.close(now);
            ack(ISS + 2, 65535);
            runUntil(now + 3600 * S);
            assertEquals(State.FIN_WAIT_2, c.state());
        }

        @Test
        @DisplayName("RFC 1337: a RST in TIME-WAIT is ignored; the wait runs its course")
        void timeWaitIgnoresReset() {
            established();
            c.close(now);
            ack(ISS + 2, 65535);
            send(peerSeq, ISS + 2, TcpSegment.ACK | TcpSegment.FIN, 65535, new byte[0]);
            peerSeq++;
            assertEquals(State.TIME_WAIT, c.state());
            send(peerSeq, 0, TcpSegment.RST, 0, new byte[0]);
            assertEquals(State.TIME_WAIT, c.state());
            runUntil(now + 2 * settings.msl());
            assertEquals(Ending.CLOSED_NORMALLY, c.ending());
        }

        @Test
        @DisplayName("After a timeout rewinds SND.NXT, a pure ACK still carries the highest sequence number sent")
        void ackAfterRewindUsesHighestSent() {
            established();
            write(3000);
            sent.clear();
            runUntil(now + c.rtt().rto()); // timeout: back to SND.UNA, one segment resent
            expect(ISS + 1, PEER_ISS + 1, TcpSegment.ACK, 1000);
            peerData(pattern(10), ISS + 1);
            runUntil(now + S / 10);
            Seg ack = sent.stream().filter(x -> x.data().length == 0).findFirst().orElseThrow();
            assertEquals(ISS + 3001, ack.seq());
        }

        @Test
        @DisplayName("RFC 9293 3.10.5: abort sends a RST and ends the connection")
        void abort() {
            established();
            c.abort(now);
            expect(ISS + 1, 0, TcpSegment.RST, 0);
            assertEquals(Ending.ABORTED, c.ending());
        }

        @Test
        @DisplayName("RFC 9293 3.5.3 / MUST-12: a RST at RCV.NXT resets the connection and the application is told")
        void reset() {
            established();
            send(peerSeq, 0, TcpSegment.RST, 0, new byte[0]);
            assertEquals(State.CLOSED, c.state());
            assertEquals(Ending.RESET, c.ending());
        }
    }
}
