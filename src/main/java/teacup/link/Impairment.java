package teacup.link;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import teacup.time.Clock;
import teacup.wire.Defect;
import teacup.wire.TcpSegmentCutter;

/**
 * A {@link Link} that misbehaves on purpose: it wraps another link and drops, duplicates,
 * reorders, delays and corrupts frames, on the way out (send), on the way in (receive), or both,
 * each direction with its own {@link Config}.
 *
 * <p>Every choice comes from a generator seeded with the one {@code seed} given at construction,
 * and every delay is measured on the injected {@link Clock}, so a failing simulation replays
 * exactly from its seed and config (both shown by {@link #toString}). The two directions draw
 * from separate streams split off that seed, so traffic in one does not change the fate of frames
 * in the other.
 *
 * <p>Each frame of a direction gets an index counting from 0, and each impairment can be chosen
 * by probability, by index, or both (either selects it). A frame passes the stages in this order:
 * <ol>
 *   <li>drop: it is gone;
 *   <li>corrupt: one random bit (or byte) at or after {@link Config#corruptFrom} changes, in a copy;
 *   <li>duplicate: it goes on twice, the copies side by side;
 *   <li>reorder: it is held back until {@link Config#reorderGap} later frames have gone past it;
 *   <li>delay: it leaves {@link Config#delayNanos} plus up to {@link Config#jitterNanos} later
 *       (measured from when it leaves the reorder stage); jitter may itself reorder frames, as on
 *       a real path.
 * </ol>
 *
 * <p>Delayed frames are released by whichever call comes next once they are due: send, receive,
 * await or {@link #flushDue}. {@link #await} never blocks past {@link #nextDueNanos}, so an event
 * loop that only awaits and receives still releases them on time. Held and delayed frames sit in
 * a bounded pool per direction ({@link Config#capacity}); a frame that finds it full is dropped and
 * counted as {@link Counters#overflowed}.
 *
 * <p>Over a link with offloads, a large segment (sent with {@link #sendSegmented}, or received
 * from a device that did not cut it) is one frame here: dropped, duplicated, held or delayed
 * whole, as a 64 KB burst on a real path would be hit by one event. A received frame keeps the
 * device's word on its checksum ({@link #receivedChecksumTrusted}) through the queues unless it
 * is corrupted here; a large segment to be sent that is chosen for corruption is dropped instead,
 * since the device would sum the damaged bytes and the peer could not tell.
 *
 * <p>With {@link Config#cutSegments} a large TCP segment meets the impairments instead as the
 * MTU-sized segments it stands for: it is cut ({@link TcpSegmentCutter}) as the device would cut
 * it, and each piece is one frame with an index of its own, dropped, duplicated, held, delayed
 * or corrupted on its own, and goes down (or up) as a plain frame with its checksum complete. A
 * large segment sent is cut into pieces of its segment size; one received, into the segments the
 * link's MTU holds (the segment size the device joined them at is not kept), and only when its
 * checksum was vouched for or checks, so that the pieces' fresh checksums hide no damage.
 *
 * <p>Like any Link this is driven by one thread; only {@link #wakeup} may come from another.
 */
public final class Impairment implements Link {

    /** How a corrupted frame is damaged. */
    public enum Corruption {
        /** One bit flipped: the smallest error a checksum must catch. */
        BIT,
        /** One byte replaced by a different value. */
        BYTE
    }

    private static final int INITIAL_SLOT = 2048;

    private static final Comparator<Slot> BY_DUE =
            Comparator.<Slot>comparingLong(s -> s.due).thenComparingLong(s -> s.order);

    private final Link inner;
    private final long seed;
    private final Clock clock;
    private final int maxFrame;
    private final Direction out;
    private final Direction in;
    private final ArrayDeque<Slot> ready = new ArrayDeque<>();
    private final TcpSegmentCutter cutter = new TcpSegmentCutter();
    /** With {@link Config#cutSegments}: where each piece of a large segment is cut to; else null. */
    private final byte[] piece;
    private boolean receivedTrusted;

    /**
     * @param inner the link to impair; closed with this one
     * @param send what happens to frames given to {@link #send}
     * @param receive what happens to frames read from {@code inner} before {@link #receive} returns them
     * @param seed the only source of randomness
     * @param clock the only source of time
     */
    public Impairment(Link inner, Config send, Config receive, long seed, Clock clock) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.seed = seed;
        this.maxFrame = inner.maxFrameLength();
        SplittableRandom root = new SplittableRandom(seed);
        this.out = new Direction(true, Objects.requireNonNull(send, "send"), root.split());
        this.in = new Direction(false, Objects.requireNonNull(receive, "receive"), root.split());
        this.piece = send.cutSegments() || receive.cutSegments() ? new byte[inner.mtu() + 14] : null;
    }

    /** Impairs only what is sent. */
    public static Impairment onSend(Link inner, Config send, long seed, Clock clock) {
        return new Impairment(inner, send, Config.none(), seed, clock);
    }

    /** Impairs only what is received. */
    public static Impairment onReceive(Link inner, Config receive, long seed, Clock clock) {
        return new Impairment(inner, Config.none(), receive, seed, clock);
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public int maxFrameLength() {
        return inner.maxFrameLength();
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        long now = clock.nanos();
        flushDue(now);
        if (out.none) {
            out.counters.frames++;
            inner.send(buf, off, len);
            return;
        }
        out.process(buf, off, len, 0, false, now);
    }

    @Override
    public int segmentationOffload() {
        return inner.segmentationOffload();
    }

    /**
     * A large segment meets the impairments whole, as one frame (the segments the device will cut
     * from it share its fate); it keeps its segment size through the queues. With {@link
     * Config#cutSegments} it is cut here and each piece meets them on its own, sent as a plain frame.
     */
    @Override
    public void sendSegmented(byte[] buf, int off, int len, int segmentSize) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        long now = clock.nanos();
        flushDue(now);
        if (out.config.cutSegments() && cutter.start(buf, off, len, segmentSize) == Defect.NONE
                && cutter.longestPiece() <= piece.length) {
            while (cutter.hasNext()) {
                int n = cutter.next(piece, 0);
                out.process(piece, 0, n, 0, false, now);
            }
            return;
        }
        if (out.none) {
            out.counters.frames++;
            inner.sendSegmented(buf, off, len, segmentSize);
            return;
        }
        out.process(buf, off, len, segmentSize, false, now);
    }

    /** Whether the device vouched for the checksum of the frame the last receive returned; never for one corrupted here. */
    @Override
    public boolean receivedChecksumTrusted() {
        return receivedTrusted;
    }

    @Override
    public int receive(byte[] buf, int off) throws IOException {
        long now = clock.nanos();
        flushDue(now);
        receivedTrusted = false;
        if (in.none) {
            int n = inner.receive(buf, off);
            if (n > 0) {
                in.counters.frames++;
                receivedTrusted = inner.receivedChecksumTrusted();
            }
            return n;
        }
        // Keep reading until a frame survives the impairments or the inner link runs dry: a dropped
        // or held frame must not make the caller think nothing is waiting while more is.
        while (true) {
            Slot s = ready.peek();
            if (s != null) {
                Objects.checkFromIndexSize(off, s.len, buf.length);
                ready.poll();
                System.arraycopy(s.data, 0, buf, off, s.len);
                int len = s.len;
                receivedTrusted = s.trusted;
                in.recycle(s);
                return len;
            }
            int n = inner.receive(buf, off);
            if (n == 0) {
                return 0;
            }
            boolean trusted = inner.receivedChecksumTrusted();
            if (in.config.cutSegments() && cutReceived(buf, off, n, trusted)) {
                while (cutter.hasNext()) {
                    int p = cutter.next(piece, 0);
                    in.process(piece, 0, p, 0, false, now);
                }
                continue;
            }
            in.process(buf, off, n, 0, trusted, now);
        }
    }

    /** Whether a received frame is a large TCP segment to cut into the segments the MTU holds, and the cutter has it. */
    private boolean cutReceived(byte[] buf, int off, int n, boolean trusted) {
        int mtu = inner.mtu();
        return n > mtu + 14 && cutter.startForMtu(buf, off, n, mtu) == Defect.NONE
                && cutter.longestPiece() <= piece.length && (trusted || cutter.checksumComplete());
    }

    /**
     * Waits on the inner link, but no longer than until the earliest delayed frame is due, and not
     * at all when a delayed inbound frame is already waiting. Releases due frames before and after.
     */
    @Override
    public void await(long timeoutNanos) throws IOException {
        long now = clock.nanos();
        flushDue(now);
        if (!ready.isEmpty()) {
            return;
        }
        long wait = timeoutNanos;
        long due = nextDueNanos();
        if (due != Long.MAX_VALUE) {
            long untilDue = Math.max(0, due - now);
            wait = timeoutNanos < 0 ? untilDue : Math.min(timeoutNanos, untilDue);
        }
        inner.await(wait);
        flushDue(clock.nanos());
    }

    /** Frames held back (delayed, reordered) stay held; what was sent on goes down now. */
    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void wakeup() {
        inner.wakeup();
    }

    /** Closes the inner link and discards every held, delayed and waiting frame. */
    @Override
    public void close() throws IOException {
        out.discard();
        in.discard();
        ready.clear();
        inner.close();
    }

    /** Sends or hands over every delayed frame whose due time has come, by the clock. */
    public void flushDue() throws IOException {
        flushDue(clock.nanos());
    }

    private void flushDue(long now) throws IOException {
        out.flushDue(now);
        in.flushDue(now);
    }

    /**
     * Lets everything go now, ignoring due times and reorder gaps: delayed frames in due order, then
     * held ones. For the end of a simulation, so that "nothing lost" can be checked.
     */
    public void flushAll() throws IOException {
        out.flushAll();
        in.flushAll();
    }

    /** The clock time at which the earliest delayed frame is due, or {@link Long#MAX_VALUE} if none is. */
    public long nextDueNanos() {
        return Math.min(out.nextDue(), in.nextDue());
    }

    /** Frames held, delayed or waiting to be received, in both directions. */
    public int pendingFrames() {
        return out.held.size() + out.delayed.size() + in.held.size() + in.delayed.size() + ready.size();
    }

    public Counters sendCounters() {
        return out.counters;
    }

    public Counters receiveCounters() {
        return in.counters;
    }

    public Config sendConfig() {
        return out.config;
    }

    public Config receiveConfig() {
        return in.config;
    }

    public long seed() {
        return seed;
    }

    public Link inner() {
        return inner;
    }

    /** Seed and both configs: enough to replay a run. */
    @Override
    public String toString() {
        return "Impairment[seed=" + seed + ", send=" + out.config + ", receive=" + in.config + "]";
    }

    /** A frame owned by this link: held, delayed, or waiting to be received. Reused. */
    private static final class Slot {
        byte[] data;
        int len;
        long due;
        long order;
        int countdown;
        long delay;
        /** Above 0: a large segment for {@link Link#sendSegmented}, cut into segments of this many bytes. */
        int segmentSize;
        /** A received frame whose checksum the device vouched for. */
        boolean trusted;
    }

    /** One direction's config, random stream, counters and queues. */
    private final class Direction {
        final boolean sending;
        final Config config;
        final boolean none;
        final SplittableRandom random;
        final Counters counters = new Counters();
        final ArrayDeque<Slot> free = new ArrayDeque<>();
        final ArrayList<Slot> held = new ArrayList<>();
        final ArrayList<Slot> releasing = new ArrayList<>();
        final PriorityQueue<Slot> delayed = new PriorityQueue<>(BY_DUE);
        int inUse;
        long nextIndex;
        long order;
        /** The segment size and checksum trust of the frame {@link #process} has in hand, stamped on each copy of it. */
        int frameSegmentSize;
        boolean frameTrusted;

        Direction(boolean sending, Config config, SplittableRandom random) {
            this.sending = sending;
            this.config = config;
            this.none = config.isNone() && !config.cutSegments();
            this.random = random;
        }

        void process(byte[] b, int off, int len, int segmentSize, boolean trusted, long now) throws IOException {
            Config c = config;
            long index = nextIndex++;
            counters.frames++;
            frameSegmentSize = segmentSize;
            frameTrusted = trusted;
            if (c.drop().hits(index, random)) {
                counters.dropped++;
                return;
            }
            Slot owned = null;
            if (c.corrupt().hits(index, random) && len > c.corruptFrom()) {
                if (segmentSize > 0) {
                    // The device sums a large segment after this point, so damage here would reach the
                    // peer as good data; a wire's damage is caught by the receiver's checksum, so it is lost.
                    counters.corrupted++;
                    return;
                }
                // The damage happens after the device checked: the stack must check for itself.
                frameTrusted = false;
                // Damage a copy: on the send side the caller's buffer is not ours to change.
                owned = copy(b, off, len);
                if (owned == null) {
                    return;
                }
                corrupt(owned.data, c.corruptFrom(), len);
                counters.corrupted++;
                b = owned.data;
                off = 0;
            }
            boolean twice = c.duplicate().hits(index, random);
            if (twice) {
                counters.duplicated++;
            }
            boolean hold = c.reorder().hits(index, random);
            long delay = 0;
            if (c.delay().hits(index, random)) {
                delay = c.delayNanos() + (c.jitterNanos() > 0 ? random.nextLong(c.jitterNanos() + 1) : 0);
                if (delay > 0) {
                    counters.delayed++;
                }
            }
            if (hold) {
                Slot first = owned != null ? owned : copy(b, off, len);
                if (first == null) {
                    return;
                }
                counters.reordered++;
                hold(first, delay);
                if (twice) {
                    Slot second = copy(first.data, 0, len);
                    if (second != null) {
                        hold(second, delay);
                    }
                }
                // A held frame does not count as one that went past the others.
                return;
            }
            if (twice) {
                // The duplicate goes first, as a copy, so the original's buffer is still intact for it.
                forward(null, b, off, len, delay, now);
            }
            forward(owned, b, off, len, delay, now);
            overtakeHeld(now);
        }

        private void hold(Slot s, long delay) {
            s.countdown = config.reorderGap();
            s.delay = delay;
            held.add(s);
        }

        /** One more frame has gone past every held frame; those whose gap is used up follow it. */
        private void overtakeHeld(long now) throws IOException {
            if (held.isEmpty()) {
                return;
            }
            int kept = 0;
            for (int i = 0; i < held.size(); i++) {
                Slot s = held.get(i);
                if (--s.countdown <= 0) {
                    releasing.add(s);
                } else {
                    held.set(kept++, s);
                }
            }
            truncate(held, kept);
            forwardReleasing(now, true);
        }

        private void forwardReleasing(long now, boolean withDelay) throws IOException {
            int i = 0;
            try {
                for (; i < releasing.size(); i++) {
                    Slot s = releasing.get(i);
                    forward(s, s.data, 0, s.len, withDelay ? s.delay : 0, now);
                }
            } finally {
                // If the inner link threw, the frames not yet forwarded are lost but their slots are not.
                for (int j = i + 1; j < releasing.size(); j++) {
                    recycle(releasing.get(j));
                }
                releasing.clear();
            }
        }

        private void forward(Slot owned, byte[] b, int off, int len, long delay, long now) throws IOException {
            if (delay > 0) {
                Slot s = owned != null ? owned : copy(b, off, len);
                if (s == null) {
                    return;
                }
                s.due = now + delay;
                s.order = order++;
                delayed.add(s);
                return;
            }
            emit(owned, b, off, len);
        }

        private void emit(Slot owned, byte[] b, int off, int len) throws IOException {
            if (sending) {
                int segmentSize = owned != null ? owned.segmentSize : frameSegmentSize;
                try {
                    if (segmentSize > 0) {
                        inner.sendSegmented(b, off, len, segmentSize);
                    } else {
                        inner.send(b, off, len);
                    }
                } finally {
                    if (owned != null) {
                        recycle(owned);
                    }
                }
            } else {
                Slot s = owned != null ? owned : copy(b, off, len);
                if (s != null) {
                    ready.add(s);
                }
            }
        }

        void flushDue(long now) throws IOException {
            Slot s;
            while ((s = delayed.peek()) != null && s.due <= now) {
                delayed.poll();
                emit(s, s.data, 0, s.len);
            }
        }

        void flushAll() throws IOException {
            Slot s;
            while ((s = delayed.poll()) != null) {
                emit(s, s.data, 0, s.len);
            }
            releasing.addAll(held);
            held.clear();
            forwardReleasing(0, false);
        }

        long nextDue() {
            Slot s = delayed.peek();
            return s == null ? Long.MAX_VALUE : s.due;
        }

        void discard() {
            held.clear();
            delayed.clear();
            free.clear();
            inUse = 0;
        }

        private void corrupt(byte[] data, int from, int len) {
            int at = from + random.nextInt(len - from);
            if (config.corruption() == Corruption.BIT) {
                data[at] ^= (byte) (1 << random.nextInt(8));
            } else {
                data[at] ^= (byte) (1 + random.nextInt(255));
            }
        }

        private Slot copy(byte[] b, int off, int len) {
            if (inUse >= config.capacity()) {
                counters.overflowed++;
                return null;
            }
            Slot s = free.poll();
            if (s == null) {
                s = new Slot();
            }
            if (s.data == null || s.data.length < len) {
                s.data = new byte[Math.max(len, Math.min(INITIAL_SLOT, maxFrame))];
            }
            System.arraycopy(b, off, s.data, 0, len);
            s.len = len;
            s.segmentSize = frameSegmentSize;
            s.trusted = frameTrusted;
            inUse++;
            return s;
        }

        void recycle(Slot s) {
            inUse--;
            free.push(s);
        }
    }

    private static void truncate(ArrayList<Slot> list, int size) {
        for (int i = list.size() - 1; i >= size; i--) {
            list.remove(i);
        }
    }

    /**
     * What one direction counts. Each impairment is counted once per original frame it chose, so
     * a frame both duplicated and delayed adds one to each. Read from the link's own thread.
     */
    public static final class Counters {
        long frames;
        long dropped;
        long duplicated;
        long reordered;
        long delayed;
        long corrupted;
        long overflowed;

        /** Frames that entered this direction. */
        public long frames() {
            return frames;
        }

        public long dropped() {
            return dropped;
        }

        public long duplicated() {
            return duplicated;
        }

        public long reordered() {
            return reordered;
        }

        /** Frames given a non-zero delay. */
        public long delayed() {
            return delayed;
        }

        public long corrupted() {
            return corrupted;
        }

        /** Frames (or copies) lost because the held/delayed pool was full. */
        public long overflowed() {
            return overflowed;
        }

        @Override
        public String toString() {
            return "frames=" + frames + ", dropped=" + dropped + ", duplicated=" + duplicated + ", reordered=" + reordered
                    + ", delayed=" + delayed + ", corrupted=" + corrupted + ", overflowed=" + overflowed;
        }
    }

    /**
     * When an impairment applies: with {@code probability} (0 to 1) to any frame, and always to the
     * frames whose index is in {@code frames} (0-based, per direction).
     */
    public record Rule(double probability, long[] frames) {
        public static final Rule NEVER = new Rule(0, new long[0]);

        public Rule {
            if (!(probability >= 0 && probability <= 1)) {
                throw new IllegalArgumentException("probability must be between 0 and 1, got " + probability);
            }
            frames = frames.clone();
            Arrays.sort(frames);
            frames = Arrays.stream(frames).distinct().toArray();
            if (frames.length > 0 && frames[0] < 0) {
                throw new IllegalArgumentException("frame indices count from 0, got " + frames[0]);
            }
        }

        @Override
        public long[] frames() {
            return frames.clone();
        }

        public boolean isNever() {
            return probability == 0 && frames.length == 0;
        }

        /**
         * Draws from {@code random} whenever the probability is above 0, even for a listed frame,
         * so that listing frames does not shift the random choices made for the others.
         */
        boolean hits(long index, SplittableRandom random) {
            boolean byChance = probability > 0 && random.nextDouble() < probability;
            return byChance || (frames.length > 0 && Arrays.binarySearch(frames, index) >= 0);
        }

        Rule withProbability(double p) {
            return new Rule(p, frames);
        }

        Rule withFrames(long... indices) {
            return new Rule(probability, indices);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rule r && Double.compare(r.probability, probability) == 0 && Arrays.equals(r.frames, frames);
        }

        @Override
        public int hashCode() {
            return Double.hashCode(probability) * 31 + Arrays.hashCode(frames);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            if (probability > 0) {
                s.append("p=").append(probability);
            }
            if (frames.length > 0) {
                s.append(s.isEmpty() ? "" : " ").append("frames=").append(Arrays.toString(frames));
            }
            return s.isEmpty() ? "never" : s.toString();
        }
    }

    /**
     * What to do to one direction's frames. Start from {@link #none()} and add impairments:
     * {@code Config.none().drop(0.1).duplicate(0.02).reorder(0.05).delay(2_000_000, 1_000_000).dropIndices(3, 7)}.
     *
     * @param reorderGap how many later frames go past a held frame before it follows them
     * @param delayNanos fixed part of the delay of a delayed frame
     * @param jitterNanos a delayed frame waits a further uniform 0 to jitterNanos, inclusive
     * @param corruptFrom first byte offset corruption may touch (14 leaves the Ethernet header alone,
     *     so the damage reaches the checksums above instead of looking like a frame for someone else);
     *     frames no longer than this are not corrupted
     * @param capacity frames this direction may hold back (reordered, delayed, or waiting to be received)
     * @param cutSegments whether a large TCP segment meets the impairments as the MTU-sized segments it
     *     stands for, each on its own, rather than whole (see {@link Impairment})
     */
    public record Config(Rule drop, Rule duplicate, Rule reorder, int reorderGap,
                         Rule delay, long delayNanos, long jitterNanos,
                         Rule corrupt, Corruption corruption, int corruptFrom, int capacity, boolean cutSegments) {

        public static final int DEFAULT_CAPACITY = 4096;

        private static final Config NONE = new Config(Rule.NEVER, Rule.NEVER, Rule.NEVER, 1,
                Rule.NEVER, 0, 0, Rule.NEVER, Corruption.BIT, 0, DEFAULT_CAPACITY, false);

        public Config {
            Objects.requireNonNull(drop, "drop");
            Objects.requireNonNull(duplicate, "duplicate");
            Objects.requireNonNull(reorder, "reorder");
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(corrupt, "corrupt");
            Objects.requireNonNull(corruption, "corruption");
            if (reorderGap < 1) {
                throw new IllegalArgumentException("reorder gap must be at least 1 frame, got " + reorderGap);
            }
            if (delayNanos < 0) {
                throw new IllegalArgumentException("delay must not be negative, got " + delayNanos + " ns");
            }
            if (jitterNanos < 0 || jitterNanos == Long.MAX_VALUE) {
                throw new IllegalArgumentException("jitter must be between 0 and Long.MAX_VALUE - 1 ns, got " + jitterNanos + " ns");
            }
            if (corruptFrom < 0) {
                throw new IllegalArgumentException("corruptFrom must not be negative, got " + corruptFrom);
            }
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be at least 1 frame, got " + capacity);
            }
        }

        /** No impairment: frames pass unchanged. */
        public static Config none() {
            return NONE;
        }

        /** True when nothing is ever dropped, duplicated, reordered, delayed or corrupted. */
        public boolean isNone() {
            return drop.isNever() && duplicate.isNever() && reorder.isNever() && corrupt.isNever()
                    && (delay.isNever() || (delayNanos == 0 && jitterNanos == 0));
        }

        public Config drop(double probability) {
            return withDrop(drop.withProbability(checkProbability("drop", probability)));
        }

        public Config dropIndices(long... frames) {
            return withDrop(drop.withFrames(checkIndices("drop", frames)));
        }

        public Config duplicate(double probability) {
            return withDuplicate(duplicate.withProbability(checkProbability("duplicate", probability)));
        }

        public Config duplicateIndices(long... frames) {
            return withDuplicate(duplicate.withFrames(checkIndices("duplicate", frames)));
        }

        public Config reorder(double probability) {
            return withReorder(reorder.withProbability(checkProbability("reorder", probability)), reorderGap);
        }

        /** Reorders with the given probability, each held frame following {@code gap} later ones. */
        public Config reorder(double probability, int gap) {
            return reorder(probability).reorderGap(gap);
        }

        public Config reorderIndices(long... frames) {
            return withReorder(reorder.withFrames(checkIndices("reorder", frames)), reorderGap);
        }

        public Config reorderGap(int gap) {
            return withReorder(reorder, gap);
        }

        /** Delays every frame by {@code fixedNanos} plus a uniform 0 to {@code jitterNanos}. */
        public Config delay(long fixedNanos, long jitterNanos) {
            return delay(fixedNanos, jitterNanos, 1.0);
        }

        /** Delays frames with the given probability by {@code fixedNanos} plus a uniform 0 to {@code jitterNanos}. */
        public Config delay(long fixedNanos, long jitterNanos, double probability) {
            Rule r = delay.withProbability(checkProbability("delay", probability));
            return new Config(drop, duplicate, reorder, reorderGap, r, fixedNanos, jitterNanos,
                    corrupt, corruption, corruptFrom, capacity, cutSegments);
        }

        /**
         * Also delays these frames, by the amount set with {@code delay(fixed, jitter, p)}; to delay
         * only them, use {@code delay(fixed, jitter, 0.0).delayIndices(...)}.
         */
        public Config delayIndices(long... frames) {
            Rule r = delay.withFrames(checkIndices("delay", frames));
            return new Config(drop, duplicate, reorder, reorderGap, r, delayNanos, jitterNanos,
                    corrupt, corruption, corruptFrom, capacity, cutSegments);
        }

        public Config corrupt(double probability) {
            return withCorrupt(corrupt.withProbability(checkProbability("corrupt", probability)), corruption, corruptFrom);
        }

        public Config corruptIndices(long... frames) {
            return withCorrupt(corrupt.withFrames(checkIndices("corrupt", frames)), corruption, corruptFrom);
        }

        public Config corruption(Corruption mode) {
            return withCorrupt(corrupt, Objects.requireNonNull(mode, "corruption"), corruptFrom);
        }

        public Config corruptFrom(int offset) {
            return withCorrupt(corrupt, corruption, offset);
        }

        public Config capacity(int frames) {
            return new Config(drop, duplicate, reorder, reorderGap, delay, delayNanos, jitterNanos,
                    corrupt, corruption, corruptFrom, frames, cutSegments);
        }

        /**
         * With {@code cut}, a large TCP segment is impaired as the MTU-sized segments it stands for,
         * each on its own; without (the default), whole, as one frame.
         */
        public Config cutSegments(boolean cut) {
            return new Config(drop, duplicate, reorder, reorderGap, delay, delayNanos, jitterNanos,
                    corrupt, corruption, corruptFrom, capacity, cut);
        }

        private Config withDrop(Rule r) {
            return new Config(r, duplicate, reorder, reorderGap, delay, delayNanos, jitterNanos,
                    corrupt, corruption, corruptFrom, capacity, cutSegments);
        }

        private Config withDuplicate(Rule r) {
            return new Config(drop, r, reorder, reorderGap, delay, delayNanos, jitterNanos,
                    corrupt, corruption, corruptFrom, capacity, cutSegments);
        }

        private Config withReorder(Rule r, int gap) {
            return new Config(drop, duplicate, r, gap, delay, delayNanos, jitterNanos,
                    corrupt, corruption, corruptFrom, capacity, cutSegments);
        }

        private Config withCorrupt(Rule r, Corruption mode, int from) {
            return new Config(drop, duplicate, reorder, reorderGap, delay, delayNanos, jitterNanos,
                    r, mode, from, capacity, cutSegments);
        }

        private static double checkProbability(String what, double p) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(what + " probability must be between 0 and 1, got " + p);
            }
            return p;
        }

        private static long[] checkIndices(String what, long[] frames) {
            for (long f : frames) {
                if (f < 0) {
                    throw new IllegalArgumentException(what + " frame indices count from 0, got " + f);
                }
            }
            return frames;
        }

        /** Only what is switched on, e.g. {@code drop p=0.1 frames=[3, 7]; delay 2000000ns+0..1000000ns p=1.0}. */
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            if (!drop.isNever()) {
                part(s, "drop " + drop);
            }
            if (!duplicate.isNever()) {
                part(s, "duplicate " + duplicate);
            }
            if (!reorder.isNever()) {
                part(s, "reorder " + reorder + " gap=" + reorderGap);
            }
            if (!delay.isNever() && (delayNanos > 0 || jitterNanos > 0)) {
                part(s, "delay " + delayNanos + "ns+0.." + jitterNanos + "ns " + delay);
            }
            if (!corrupt.isNever()) {
                part(s, "corrupt " + corrupt + " " + corruption.name().toLowerCase(java.util.Locale.ROOT)
                        + (corruptFrom > 0 ? " from byte " + corruptFrom : ""));
            }
            if (capacity != DEFAULT_CAPACITY) {
                part(s, "capacity " + capacity);
            }
            if (cutSegments) {
                part(s, "large segments cut");
            }
            return s.isEmpty() ? "none" : s.toString();
        }

        private static void part(StringBuilder s, String text) {
            s.append(s.isEmpty() ? "" : "; ").append(text);
        }
    }
}
