package teacup.ip;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import teacup.stats.Counter;

/**
 * IPv4-to-Ethernet neighbour table (RFC 826) with the reachability states of RFC 4861 7.3 that
 * Linux applies to ARP as well. An entry is INCOMPLETE while a broadcast request is out, frames for
 * it held in a bounded queue; REACHABLE for a reachable time after a confirmation (an answer to our
 * request, or a transport's forward progress, {@link #confirm}); then STALE, still used; the first
 * frame sent to a STALE entry makes it DELAY, and when no confirmation comes within the delay it
 * is PROBEd: unicast requests to the cached MAC, then broadcast ones, and an entry that answers
 * none is forgotten. An ARP packet nobody asked for that claims another MAC for a known neighbour
 * is not believed: the entry keeps its MAC and is probed at once, so the real owner confirms it
 * within a second; a neighbour that really moved stops answering at its old MAC, and its new one
 * is taken from the answer to the broadcast probes. Competing answers within the lock time of a
 * change are refused, so two answerers cannot make the entry flap. Pure state: the IP layer sends
 * the requests and the released frames.
 */
public final class ArpCache {
    /** Returned by {@link #lookup} when there is no usable entry; no 48-bit MAC equals it. */
    static final long UNRESOLVED = -1L;
    private static final long RANDOMISE_EVERY = 300_000_000_000L; // a new reachable time every 5 min, as Linux

    /**
     * The table's limits and timers. {@code reachableNanos}: how long a confirmation holds (each
     * entry's time drawn 0.5 to 1.5 times it, RFC 4861 6.3.2); {@code delayNanos}: how long a STALE
     * entry in use waits for a confirmation before it is probed; {@code retryNanos}: between
     * requests; {@code unicastProbes} then {@code attempts} broadcast ones (also the requests for a new
     * address); {@code lockNanos}: after a MAC change, how long a different answer is refused;
     * {@code staleNanos}: how long an unused STALE entry is kept. {@code maxPending}: addresses being
     * resolved at once, at most. Pending entries are never evicted, and each may make room for itself
     * by evicting a resolved one; without this bound a flood of packets to addresses nobody holds
     * (SYN-ACKs to spoofed on-link sources) would push every known neighbour out of the table and
     * leave no room to resolve a real one.
     */
    public record Settings(long reachableNanos, long delayNanos, long retryNanos, int unicastProbes, int attempts,
                           long lockNanos, long staleNanos, int queuePerAddress, int maxEntries, int maxPending) {
        public static final Settings DEFAULT = new Settings(30_000_000_000L, 5_000_000_000L, 1_000_000_000L, 3, 3,
                1_000_000_000L, 60_000_000_000L, 64, 1024, 256);

        public Settings {
            if (reachableNanos <= 0 || delayNanos <= 0 || retryNanos <= 0 || unicastProbes < 0 || attempts < 1
                    || lockNanos < 0 || staleNanos <= 0 || queuePerAddress < 1 || maxEntries < 1 || maxPending < 1) {
                throw new IllegalArgumentException("ARP settings out of range: " + this);
            }
        }
    }

    /** A frame waiting for its next hop's MAC: a private copy, destination MAC still blank. */
    record Waiting(byte[] frame, int length) {}

    enum State { INCOMPLETE, REACHABLE, STALE, DELAY, PROBE }

    private static final class Entry {
        State state = State.INCOMPLETE;
        long mac = UNRESOLVED;
        int attempts;
        long nextAttemptAt;
        /** REACHABLE until then. */
        long reachableUntil;
        /** DELAY's end, PROBE's next request, STALE's end when unused. */
        long stateUntil;
        /** Requests sent in PROBE. */
        int probes;
        /** When PROBE last began. */
        long probedAt = Long.MIN_VALUE / 2;
        /** When the MAC was last taken, for the lock time. */
        long changedAt = Long.MIN_VALUE / 2;
        /** Last confirmed or created: the eviction order. */
        long touchedAt;
        ArrayDeque<Waiting> waiting;
    }

    private Settings settings;
    private final RandomGenerator random;
    private final Map<Integer, Entry> entries = new HashMap<>();
    /** Entries being resolved (no MAC, a request sent). */
    private int pending;
    // One-entry memo in front of the map: a connection sends to one next hop again and again,
    // and this avoids boxing the key on every packet and every confirmation.
    private int memoIp;
    private Entry memo;
    private long reachable;
    private long reachableDrawnAt = Long.MIN_VALUE;

    private final Listener listener;

    /** What the cache asks its owner to do while polling. */
    interface Listener {
        void sendRequest(int ip);

        /** RFC 1122 2.3.2.1: a unicast poll of the MAC {@code ip} had, the first try at re-validating it. */
        default void pollUnicast(int ip, long mac) {
            sendRequest(ip);
        }

        /** {@code ip} never answered: the frames that waited for it are dropped (the owner tells their senders). */
        void abandoned(long now, int ip, List<Waiting> frames);

        /** Something worth a counter happened to an entry (probed, a change refused or locked, given up). */
        default void count(Counter counter) {}
    }

    ArpCache(Settings settings, RandomGenerator random, Listener listener) {
        this.settings = settings;
        this.random = random;
        this.listener = listener;
    }

    Settings settings() {
        return settings;
    }

    /** New limits and timers; entries keep their states and take the new times at their next move. */
    void settings(Settings next) {
        this.settings = next;
        reachableDrawnAt = Long.MIN_VALUE;
    }

    /** The MAC for {@code ip}, or {@link #UNRESOLVED}; changes nothing. */
    long lookup(int ip, long now) {
        Entry e = entries.get(ip);
        return e == null || e.state == State.INCOMPLETE ? UNRESOLVED : e.mac;
    }

    /**
     * The MAC to send a frame for {@code ip} to, or {@link #UNRESOLVED} (then {@link #hold} it). A
     * frame to a STALE entry starts its delay: the transport has that long to confirm it.
     */
    long resolve(int ip, long now) {
        Entry e = memo;
        // The memo answers every state in which resolving changes nothing (so the boxed map key is
        // not made per packet): REACHABLE within its time, DELAY and PROBE.
        if (e != null && memoIp == ip && (e.state == State.REACHABLE ? now < e.reachableUntil
                : e.state == State.DELAY || e.state == State.PROBE)) {
            return e.mac;
        }
        e = entries.get(ip);
        if (e == null || e.state == State.INCOMPLETE) {
            return UNRESOLVED;
        }
        if (e.state == State.REACHABLE && now >= e.reachableUntil) {
            e.state = State.STALE;
        }
        if (e.state == State.STALE) {
            e.state = State.DELAY;
            e.stateUntil = now + settings.delayNanos();
        }
        memoIp = ip;
        memo = e;
        return e.mac;
    }

    /**
     * The transport made forward progress with {@code ip} (RFC 4861 7.3.1: new data acknowledged,
     * or data received in order): its entry is REACHABLE again without any ARP. Costs a few
     * field writes when {@code ip} is the memo's, as it is for a busy connection. An entry being
     * PROBEd is left to its probes, as Linux leaves it: data still in flight from a neighbour
     * that changed its MAC would otherwise stop the probes that find the new one.
     */
    void confirm(int ip, long now) {
        Entry e = memo != null && memoIp == ip ? memo : entries.get(ip);
        if (e != null && e.state != State.INCOMPLETE && e.state != State.PROBE) {
            reachable(e, now);
        }
    }

    /** What a {@link #learn} did with the MAC it was told. */
    enum Learnt { TAKEN, CONFIRMED, UNCHANGED, REFUSED, LOCKED, NOT_KNOWN }

    private Learnt learnt;

    /** What the last {@link #learn} did. */
    Learnt learnt() {
        return learnt;
    }

    /**
     * Records an ARP packet's claim that {@code ip} is at {@code mac}. With {@code create} false
     * only an existing entry is updated (RFC 826's merge rule for packets not addressed to us);
     * {@code reply}: a reply to us, which may be the answer to our own request. Returns the frames
     * that were waiting, for the caller to address and send; {@link #learnt} says what it did.
     */
    List<Waiting> learn(int ip, long mac, long now, boolean create, boolean reply) {
        Entry e = entries.get(ip);
        if (e == null) {
            if (!create || (entries.size() >= settings.maxEntries() && !evictOne(now))) {
                learnt = Learnt.NOT_KNOWN;
                return List.of();
            }
            e = new Entry();
            entries.put(ip, e);
        }
        if (e.state == State.INCOMPLETE) {
            // Nothing to protect yet: the first answer (or the neighbour's own request) is taken.
            if (e.attempts > 0) {
                pending--;
            }
            take(e, mac, now, reply && e.attempts > 0);
            return release(e);
        }
        if (mac == e.mac) {
            if (reply && e.state == State.PROBE) {
                reachable(e, now); // the answer to our probe at this MAC
                learnt = Learnt.CONFIRMED;
            } else {
                learnt = Learnt.UNCHANGED; // a repeat nobody asked for says nothing of reachability
            }
            return List.of();
        }
        boolean locked = now - e.changedAt < settings.lockNanos();
        if (!locked && reply && e.state == State.PROBE && e.probes > settings.unicastProbes()) {
            // The cached MAC went unanswered and we broadcast: this is the answer, a moved neighbour's.
            take(e, mac, now, true);
            listener.count(Counter.ARP_MACS_CHANGED);
            return List.of();
        }
        // Unasked for (maybe forged), or a second answer within the lock time: keep the MAC and ask its
        // owner now; if it does not answer, the broadcast probes find where the neighbour went.
        learnt = locked ? Learnt.LOCKED : Learnt.REFUSED;
        listener.count(locked ? Counter.ARP_CHANGES_LOCKED : Counter.ARP_CHANGES_REFUSED);
        // At most one probe a retry interval: a flood of forgeries must not become a flood of requests.
        if (e.state != State.PROBE && now - e.probedAt >= settings.retryNanos()) {
            probe(ip, e, now);
        }
        return List.of();
    }

    private void take(Entry e, long mac, long now, boolean answered) {
        e.mac = mac;
        e.attempts = 0;
        e.changedAt = now;
        e.touchedAt = now;
        if (answered) {
            reachable(e, now);
        } else {
            stale(e, now);
        }
        learnt = Learnt.TAKEN;
    }

    private static List<Waiting> release(Entry e) {
        if (e.waiting == null || e.waiting.isEmpty()) {
            return List.of();
        }
        List<Waiting> released = new ArrayList<>(e.waiting);
        e.waiting = null;
        return released;
    }

    private void reachable(Entry e, long now) {
        e.state = State.REACHABLE;
        e.reachableUntil = now + reachableTime(now);
        e.probes = 0;
        e.touchedAt = now;
    }

    private void stale(Entry e, long now) {
        e.state = State.STALE;
        e.stateUntil = now + settings.staleNanos();
        e.probes = 0;
    }

    private void probe(int ip, Entry e, long now) {
        e.state = State.PROBE;
        e.probedAt = now;
        e.probes = 1;
        e.stateUntil = now + settings.retryNanos();
        listener.count(Counter.ARP_ENTRIES_PROBED);
        if (settings.unicastProbes() > 0) {
            listener.pollUnicast(ip, e.mac);
        } else {
            listener.sendRequest(ip);
        }
    }

    /** RFC 4861 6.3.2: the base time drawn again, 0.5 to 1.5 times, so neighbours do not probe in step. */
    private long reachableTime(long now) {
        if (reachableDrawnAt == Long.MIN_VALUE || now - reachableDrawnAt >= RANDOMISE_EVERY) {
            reachableDrawnAt = now;
            long base = settings.reachableNanos();
            reachable = base / 2 + (long) (random.nextDouble() * base);
        }
        return reachable;
    }

    /**
     * Holds a frame until {@code ip} resolves. Returns false when the frame could not be held
     * (queue or table full, or {@link Settings#maxPending} addresses already being resolved).
     * Sends the first request itself when the address is new.
     */
    boolean hold(int ip, byte[] frame, int length, long now) {
        Entry e = entries.get(ip);
        if (e == null) {
            if (pending >= settings.maxPending() || entries.size() >= settings.maxEntries() && !evictOne(now)) {
                return false;
            }
            e = new Entry();
            e.touchedAt = now;
            entries.put(ip, e);
        }
        if (e.waiting == null) {
            e.waiting = new ArrayDeque<>();
        }
        if (e.waiting.size() >= settings.queuePerAddress()) {
            return false;
        }
        e.waiting.add(new Waiting(frame, length));
        if (e.attempts == 0) {
            // New: the first request goes now, the retries from poll.
            pending++;
            e.attempts = 1;
            e.nextAttemptAt = now + settings.retryNanos();
            listener.sendRequest(ip);
        }
        return true;
    }

    /**
     * RFC 1122 3.3.1.4 (negative advice, RFC 9293 MUST-20): a transport suspects the next hop
     * {@code ip}. Its entry is PROBEd now (RFC 4861 7.3.3): asked at its MAC, unicast first, then
     * broadcast, and forgotten if it answers none; frames keep going to the cached MAC meanwhile,
     * as Linux does, so one transport's doubt never holds back the others' traffic (with a
     * thousand connections behind one gateway, holding frames while the gateway was asked again
     * overflowed its queue at every timeout). Advice about an entry confirmed within the retry
     * interval, by an answer or by another transport's progress, is outweighed and ignored.
     */
    void suspect(int ip, long now) {
        Entry e = entries.get(ip);
        if (e == null || e.state == State.INCOMPLETE || e.state == State.PROBE
                || e.state == State.REACHABLE && now - e.touchedAt < settings.retryNanos()) {
            return;
        }
        probe(ip, e, now);
    }

    /** Moves entries whose time is up: retries, probes, ages and forgets; gives up on the silent. */
    void poll(long now) {
        List<Map.Entry<Integer, Entry>> abandoned = null;
        Iterator<Map.Entry<Integer, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, Entry> me = it.next();
            Entry e = me.getValue();
            boolean gone = switch (e.state) {
                case INCOMPLETE -> incompleteDue(me.getKey(), e, now);
                case REACHABLE -> {
                    if (now >= e.reachableUntil) {
                        stale(e, now);
                    }
                    yield false;
                }
                case STALE -> now >= e.stateUntil;
                case DELAY -> {
                    if (now >= e.stateUntil) {
                        probe(me.getKey(), e, now);
                    }
                    yield false;
                }
                case PROBE -> probeDue(me.getKey(), e, now);
            };
            if (gone) {
                it.remove();
                if (memo == e) {
                    memo = null;
                }
                if (e.state == State.INCOMPLETE) {
                    pending--;
                    if (abandoned == null) {
                        abandoned = new ArrayList<>();
                    }
                    abandoned.add(me);
                }
            }
        }
        // Told after the walk: what the listener does (a transport giving up) may send, and hold, again.
        for (int i = 0; abandoned != null && i < abandoned.size(); i++) {
            Entry e = abandoned.get(i).getValue();
            listener.abandoned(now, abandoned.get(i).getKey(), e.waiting == null ? List.of() : List.copyOf(e.waiting));
        }
    }

    /** An unanswered request: another, or true when the last has gone unanswered. */
    private boolean incompleteDue(int ip, Entry e, long now) {
        if (now < e.nextAttemptAt) {
            return false;
        }
        if (e.attempts >= settings.attempts()) {
            return true;
        }
        e.attempts++;
        e.nextAttemptAt = now + settings.retryNanos();
        listener.sendRequest(ip);
        return false;
    }

    /** PROBE's next request (unicast, then broadcast), or true when the neighbour answered none. */
    private boolean probeDue(int ip, Entry e, long now) {
        if (now < e.stateUntil) {
            return false;
        }
        if (e.probes >= settings.unicastProbes() + settings.attempts()) {
            listener.count(Counter.ARP_ENTRIES_FAILED);
            return true;
        }
        e.probes++;
        e.stateUntil = now + settings.retryNanos();
        if (e.probes <= settings.unicastProbes()) {
            listener.pollUnicast(ip, e.mac);
        } else {
            listener.sendRequest(ip);
        }
        return false;
    }

    long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Entry e : entries.values()) {
            next = Math.min(next, switch (e.state) {
                case INCOMPLETE -> e.nextAttemptAt;
                case REACHABLE -> e.reachableUntil;
                default -> e.stateUntil;
            });
        }
        return next;
    }

    int size() {
        return entries.size();
    }

    /** Addresses being resolved now. */
    int pending() {
        return pending;
    }

    /** The state of {@code ip}'s entry, null if none (for tests and status). */
    State state(int ip) {
        Entry e = entries.get(ip);
        return e == null ? null : e.state;
    }

    private boolean evictOne(long now) {
        // Only resolved entries may be evicted; pending ones hold frames and finish soon anyway.
        Integer victim = null;
        long oldest = Long.MAX_VALUE;
        for (Map.Entry<Integer, Entry> me : entries.entrySet()) {
            Entry e = me.getValue();
            if (e.state != State.INCOMPLETE && e.touchedAt < oldest) {
                oldest = e.touchedAt;
                victim = me.getKey();
            }
        }
        if (victim == null) {
            return false;
        }
        if (entries.remove(victim) == memo) {
            memo = null;
        }
        return true;
    }
}
