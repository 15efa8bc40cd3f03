package teacup.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static teacup.ip.Frames.PEER;
import static teacup.ip.Frames.PEER_MAC;
import static teacup.ip.Frames.US;
import static teacup.ip.Frames.US_MAC;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import teacup.stats.Counter;
import teacup.stats.Statistics;
import teacup.wire.ArpPacket;
import teacup.wire.BigEndian;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Address;
import teacup.wire.MacAddress;

/**
 * The neighbour table's reachability states (RFC 4861 7.3 applied to ARP, as Linux does), in
 * simulated time with hand-built ARP frames: confirmation by answers and by transport progress,
 * STALE, DELAY, PROBE and forgetting, and the defence against forged replies and announcements.
 */
class NeighbourStatesTest {
    static final long SECOND = 1_000_000_000L;
    static final long BOGUS_MAC = 0x02_66_66_66_66_66L;
    static final long NEW_MAC = 0x02_00_00_00_00_99L;
    static final int PROTOCOL = 253; // RFC 3692 experimentation: nobody above IP is involved

    final List<byte[]> sent = new ArrayList<>();
    final Statistics stats = new Statistics();
    IpLayer ip;

    @BeforeEach
    void setUp() {
        Interface iface = new Interface(new MacAddress(US_MAC), new Ipv4Address(US), 24, new Ipv4Address(PEER), 1500);
        ip = new IpLayer(iface, (b, off, len) -> sent.add(Arrays.copyOfRange(b, off, off + len)), stats, new SplittableRandom(7));
    }

    @AfterEach
    void everyFrameAccountedFor() {
        assertEquals(stats.get(Counter.FRAMES_IN),
                stats.total(Counter.Kind.ACCEPTED) + stats.total(Counter.Kind.DROPPED), "frames in = accepted + dropped");
    }

    void receive(long now, byte[] frame) {
        ip.receive(now, frame, 0, frame.length);
    }

    void send(long now) {
        ip.send(now, PEER, PROTOCOL, ip.txBuffer(), 8);
    }

    /** The peer resolved by our broadcast request and its answer: REACHABLE. */
    void resolvePeer(long now) {
        send(now);
        receive(now, Frames.arpReplyFromPeer());
        assertEquals("REACHABLE", ip.neighbourState(PEER));
        sent.clear();
    }

    static byte[] replyFrom(long mac) {
        return Frames.arp(US_MAC, ArpPacket.REPLY, mac, PEER, US_MAC, US);
    }

    static byte[] gratuitousFrom(long mac) {
        return Frames.arp(MacAddress.BROADCAST_BITS, ArpPacket.REQUEST, mac, PEER, 0, PEER);
    }

    static boolean isArp(byte[] frame) {
        return BigEndian.u16(frame, 12) == EthernetFrame.TYPE_ARP;
    }

    /** Polls from {@code from} to {@code to} in quarter seconds; returns (and clears) what was sent. */
    List<byte[]> pollUntil(long from, long to) {
        for (long t = from; t <= to; t += SECOND / 4) {
            ip.poll(t);
        }
        List<byte[]> out = new ArrayList<>(sent);
        sent.clear();
        return out;
    }

    @Test
    @DisplayName("RFC 4861 7.3.2 (for ARP): REACHABLE, STALE once the reachable time ends, DELAY when used, PROBE unicast then broadcast, forgotten when silent")
    void reachableStaleDelayProbeGone() {
        resolvePeer(0);
        assertTrue(pollUntil(0, 14 * SECOND).isEmpty(), "REACHABLE for at least half the 30 s reachable time: no ARP");
        assertEquals("REACHABLE", ip.neighbourState(PEER));
        assertTrue(pollUntil(14 * SECOND, 46 * SECOND).isEmpty(), "unused: aging is silent");
        assertEquals("STALE", ip.neighbourState(PEER), "at most 1.5 times the reachable time");
        send(46 * SECOND);
        assertEquals(PEER_MAC, BigEndian.u48(sent.removeFirst(), 0), "a STALE entry is still used");
        assertEquals("DELAY", ip.neighbourState(PEER));
        assertTrue(pollUntil(46 * SECOND, 50 * SECOND).isEmpty(), "DELAY waits 5 s for a confirmation");
        List<byte[]> probes = pollUntil(51 * SECOND, 60 * SECOND);
        assertEquals(6, probes.size(), "three unicast probes, then three broadcast");
        for (int i = 0; i < probes.size(); i++) {
            assertEquals(i < 3 ? PEER_MAC : MacAddress.BROADCAST_BITS, BigEndian.u48(probes.get(i), 0), "probe " + i);
            assertEquals(PEER, IpLayerTest.arpOf(probes.get(i)).targetIp());
        }
        assertNull(ip.neighbourState(PEER), "nobody answered: the entry is gone");
        assertEquals(1, stats.get(Counter.ARP_ENTRIES_PROBED));
        assertEquals(1, stats.get(Counter.ARP_ENTRIES_FAILED));
    }

    @Test
    @DisplayName("RFC 4861 7.3.1 (for ARP): the transport's forward progress keeps the entry REACHABLE without any ARP")
    void transportProgressConfirms() {
        resolvePeer(0);
        for (long t = SECOND; t <= 300 * SECOND; t += SECOND) {
            ip.poll(t);
            send(t);
            ip.confirm(t, PEER);
        }
        assertEquals(300, sent.size());
        assertTrue(sent.stream().noneMatch(NeighbourStatesTest::isArp), "no ARP in five minutes of confirmed traffic");
        assertTrue(sent.stream().allMatch(f -> BigEndian.u48(f, 0) == PEER_MAC));
        assertEquals("REACHABLE", ip.neighbourState(PEER));
        assertEquals(0, stats.get(Counter.ARP_ENTRIES_PROBED));
    }

    @Test
    @DisplayName("without progress a used entry is probed at its MAC within the delay, and the answer makes it REACHABLE")
    void unconfirmedUseIsProbedAndAnswerConfirms() {
        resolvePeer(0);
        pollUntil(0, 46 * SECOND);
        send(46 * SECOND);
        sent.clear();
        List<byte[]> probe = pollUntil(46 * SECOND, 51 * SECOND + SECOND / 2);
        assertEquals(1, probe.size());
        assertEquals(PEER_MAC, BigEndian.u48(probe.get(0), 0), "unicast to the cached MAC");
        receive(52 * SECOND, Frames.arpReplyFromPeer());
        assertEquals("REACHABLE", ip.neighbourState(PEER));
        assertTrue(pollUntil(52 * SECOND, 60 * SECOND).isEmpty(), "no more probes");
    }

    @Test
    @DisplayName("a forged ARP reply or announcement for a REACHABLE peer is refused: traffic stays at the real MAC, which is probed and confirmed")
    void forgedReplyDoesNotRedirect() {
        resolvePeer(0);
        receive(2 * SECOND, replyFrom(BOGUS_MAC));
        assertEquals(1, stats.get(Counter.ARP_CHANGES_REFUSED));
        assertEquals(1, stats.get(Counter.DROP_ARP_CHANGE_REFUSED));
        byte[] probe = sent.removeFirst();
        assertTrue(isArp(probe));
        assertEquals(PEER_MAC, BigEndian.u48(probe, 0), "the real owner is asked at once, unicast");
        send(2 * SECOND);
        assertEquals(PEER_MAC, BigEndian.u48(sent.removeFirst(), 0), "traffic is not redirected");
        receive(2 * SECOND + SECOND / 2, gratuitousFrom(BOGUS_MAC)); // and an announcement while probing
        receive(2 * SECOND + SECOND / 2, replyFrom(BOGUS_MAC)); // and a forged "answer" to the unicast probe
        assertEquals(3, stats.get(Counter.ARP_CHANGES_REFUSED));
        assertTrue(sent.isEmpty(), "no probe storm: one probe is out");
        receive(2 * SECOND + SECOND / 2, Frames.arpReplyFromPeer()); // the real owner answers
        assertEquals("REACHABLE", ip.neighbourState(PEER));
        for (long t = 3 * SECOND; t < 20 * SECOND; t += SECOND) {
            ip.poll(t);
            send(t);
        }
        assertTrue(sent.stream().allMatch(f -> BigEndian.u48(f, 0) == PEER_MAC), "never the bogus MAC");
        assertEquals(0, stats.get(Counter.ARP_MACS_CHANGED));
    }

    @Test
    @DisplayName("a flood of forged replies, each refused, makes at most one probe a second, however fast the real owner answers")
    void forgeryFloodIsNotAmplified() {
        resolvePeer(0);
        for (int i = 0; i < 1000; i++) {
            long t = 2 * SECOND + i * (SECOND / 1000);
            receive(t, replyFrom(BOGUS_MAC));
            receive(t, Frames.arpReplyFromPeer()); // the real owner answers every probe at once
        }
        assertEquals(1000, stats.get(Counter.ARP_CHANGES_REFUSED));
        assertEquals(1, sent.size(), "one probe in that second");
        assertEquals(PEER_MAC, BigEndian.u48(sent.getFirst(), 0));
    }

    @Test
    @DisplayName("a peer that replaced its NIC is found: its announcement starts probes, the old MAC stays silent, and the broadcast probe's answer is taken")
    void realMacChangeIsTaken() {
        resolvePeer(0);
        receive(SECOND, gratuitousFrom(NEW_MAC));
        assertEquals(1, stats.get(Counter.ARP_CHANGES_REFUSED));
        List<byte[]> probes = new ArrayList<>(sent);
        sent.clear();
        for (long t = SECOND; t <= 4 * SECOND; t += SECOND / 4) {
            ip.poll(t);
            ip.confirm(t, PEER); // data still in flight from the peer's old NIC does not stop the probes
        }
        probes.addAll(sent);
        sent.clear();
        assertEquals(4, probes.size(), "three unicast probes at the old MAC, then a broadcast");
        assertEquals(MacAddress.BROADCAST_BITS, BigEndian.u48(probes.get(3), 0));
        receive(4 * SECOND, replyFrom(NEW_MAC)); // the answer to the broadcast
        assertEquals(1, stats.get(Counter.ARP_MACS_CHANGED));
        assertEquals("REACHABLE", ip.neighbourState(PEER));
        send(4 * SECOND);
        assertEquals(NEW_MAC, BigEndian.u48(sent.removeFirst(), 0), "traffic goes to the new NIC, 3 s after it spoke");
        receive(4 * SECOND + SECOND / 2, replyFrom(BOGUS_MAC)); // a second answerer within the lock time
        assertEquals(1, stats.get(Counter.ARP_CHANGES_LOCKED));
        byte[] probe = sent.removeFirst();
        assertTrue(isArp(probe));
        assertEquals(NEW_MAC, BigEndian.u48(probe, 0), "the MAC just taken is asked again, unicast");
        send(4 * SECOND + SECOND / 2);
        assertEquals(NEW_MAC, BigEndian.u48(sent.removeFirst(), 0), "no flapping");
    }

    @Test
    @DisplayName("two answers to one request: the first is taken, a different one within the 1 s lock time is refused and the first probed")
    void competingAnswersLocked() {
        send(0);
        sent.clear();
        receive(SECOND / 10, Frames.arpReplyFromPeer());
        receive(SECOND / 5, replyFrom(BOGUS_MAC));
        assertEquals(1, stats.get(Counter.ARP_CHANGES_LOCKED));
        assertEquals(2, sent.size(), "the held frame, and a probe");
        assertTrue(sent.stream().allMatch(f -> BigEndian.u48(f, 0) == PEER_MAC), "the held frame and the probe went to the first answerer");
        send(SECOND / 2);
        assertEquals(PEER_MAC, BigEndian.u48(sent.getLast(), 0));
        assertFalse(sent.stream().anyMatch(f -> BigEndian.u48(f, 0) == BOGUS_MAC));
    }

    @Test
    @DisplayName("the neighbour table's timers come from its settings: a shorter delay probes sooner")
    void settingsApply() {
        ArpCache.Settings d = ip.neighbourSettings();
        ip.neighbourSettings(new ArpCache.Settings(d.reachableNanos(), SECOND, d.retryNanos(), d.unicastProbes(), d.attempts(),
                d.lockNanos(), d.staleNanos(), d.queuePerAddress(), d.maxEntries(), d.maxPending()));
        resolvePeer(0);
        pollUntil(0, 46 * SECOND);
        send(46 * SECOND);
        sent.clear();
        assertEquals(1, pollUntil(46 * SECOND, 47 * SECOND + SECOND / 2).size(), "probed 1 s after use");
    }
}
