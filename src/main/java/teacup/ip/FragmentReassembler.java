package teacup.ip;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import teacup.wire.BigEndian;
import teacup.wire.Checksum;
import teacup.wire.Ipv4Packet;

/**
 * Puts IPv4 fragments back together (RFC 791 section 3.2, RFC 1122 3.3.2), bounded in the
 * number of datagrams under way, the bytes they hold, and time. Exact duplicate fragments are
 * ignored; any other overlap discards the datagram, since overlapping fragments have no honest
 * use and are a known way to smuggle data past filters.
 */
final class FragmentReassembler {

    record Settings(int maxDatagrams, int maxBytes, long timeoutNanos) {
        static final Settings DEFAULT = new Settings(64, 4 << 20, 30_000_000_000L);
    }

    enum Result { HELD, COMPLETE, INVALID, NO_ROOM }

    /** Told about a datagram that timed out while its first fragment was here (for ICMP time exceeded). */
    interface Listener {
        void timedOut(long now, byte[] firstFragment, int off, int len);
    }

    private record Key(int source, int destination, int protocol, int identification) {}

    /** Room for the largest IPv4 header in front of the payload. */
    private static final int HEADROOM = 60;
    private static final int MAX_PAYLOAD = Ipv4Packet.MAX_TOTAL_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;

    private static final class Datagram {
        final long deadline;
        byte[] buf = new byte[HEADROOM + 2048];
        final long[] blocks = new long[(MAX_PAYLOAD / 8 + 64) / 64]; // one bit per 8-byte block
        int headerLength;       // of the first fragment, once it is here; 0 before
        int end = -1;           // payload length, once the last fragment is here
        int highest;            // highest payload byte seen so far
        boolean silent;         // a fragment came as a link-layer broadcast: no time-exceeded (RFC 1122 3.2.2)

        Datagram(long deadline) {
            this.deadline = deadline;
        }
    }

    private final Settings settings;
    private final Listener listener;
    private final Map<Key, Datagram> datagrams = new HashMap<>();
    private int bytesHeld;
    private int evictions;

    // The completed datagram, valid until the next call.
    private byte[] completeBuf;
    private int completeOff;
    private int completeLen;

    FragmentReassembler(Settings settings, Listener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    /**
     * Adds one fragment that {@link Ipv4Packet#wrap} accepted; {@code answerable} false when it
     * came as a link-layer broadcast, so that its datagram's time-out is never answered.
     */
    Result add(Ipv4Packet ip, long now, boolean answerable) {
        int offset = ip.fragmentOffset();
        int length = ip.payloadLength();
        boolean more = ip.moreFragments();
        if ((more && (length == 0 || length % 8 != 0)) || offset + length > MAX_PAYLOAD) {
            return Result.INVALID;
        }
        Key key = new Key(ip.source(), ip.destination(), ip.protocol(), ip.identification());
        Datagram d = datagrams.get(key);
        if (d == null) {
            d = new Datagram(now + settings.timeoutNanos());
            // When full, the oldest unfinished datagram makes way: refusing newcomers instead would
            // let a few dozen stray fragments block all reassembly until they time out.
            while (!datagrams.isEmpty()
                    && (datagrams.size() >= settings.maxDatagrams() || bytesHeld + d.buf.length > settings.maxBytes())) {
                evictOldest();
            }
            if (bytesHeld + d.buf.length > settings.maxBytes()) {
                return Result.NO_ROOM;
            }
            datagrams.put(key, d);
            bytesHeld += d.buf.length;
        }
        d.silent |= !answerable;
        int fragEnd = offset + length;
        if (!more) {
            if ((d.end >= 0 && d.end != fragEnd) || fragEnd < d.highest) {
                discard(key, d);
                return Result.INVALID;
            }
            d.end = fragEnd;
        } else if (d.end >= 0 && fragEnd > d.end) {
            discard(key, d);
            return Result.INVALID;
        }
        int firstBlock = offset / 8;
        int lastBlock = (fragEnd + 7) / 8; // exclusive
        int already = countSet(d.blocks, firstBlock, lastBlock);
        if (already == lastBlock - firstBlock && length > 0) {
            return Result.HELD; // an exact or contained duplicate; nothing new
        }
        if (already != 0) {
            discard(key, d);
            return Result.INVALID;
        }
        if (!ensureCapacity(d, HEADROOM + fragEnd)) {
            discard(key, d);
            return Result.NO_ROOM;
        }
        System.arraycopy(ip.buffer(), ip.payloadOffset(), d.buf, HEADROOM + offset, length);
        setRange(d.blocks, firstBlock, lastBlock);
        d.highest = Math.max(d.highest, fragEnd);
        if (offset == 0) {
            d.headerLength = ip.headerLength();
            System.arraycopy(ip.buffer(), ip.offset(), d.buf, HEADROOM - d.headerLength, d.headerLength);
        }
        if (d.end < 0 || d.headerLength == 0 || countSet(d.blocks, 0, (d.end + 7) / 8) != (d.end + 7) / 8) {
            return Result.HELD;
        }
        // Whole: rebuild the header as that of an unfragmented datagram.
        int h = HEADROOM - d.headerLength;
        BigEndian.put16(d.buf, h + 2, d.headerLength + d.end);
        BigEndian.put16(d.buf, h + 6, 0);
        BigEndian.put16(d.buf, h + 10, 0);
        BigEndian.put16(d.buf, h + 10, Checksum.compute(d.buf, h, d.headerLength));
        completeBuf = d.buf;
        completeOff = h;
        completeLen = d.headerLength + d.end;
        discard(key, d);
        return Result.COMPLETE;
    }

    byte[] completeBuffer() {
        return completeBuf;
    }

    int completeOffset() {
        return completeOff;
    }

    int completeLength() {
        return completeLen;
    }

    /** Forgets datagrams whose time is up (RFC 1122 3.3.2: a bounded reassembly timeout). */
    int poll(long now) {
        int expired = 0;
        Iterator<Map.Entry<Key, Datagram>> it = datagrams.entrySet().iterator();
        while (it.hasNext()) {
            Datagram d = it.next().getValue();
            if (now >= d.deadline) {
                it.remove();
                bytesHeld -= d.buf.length;
                expired++;
                if (d.headerLength != 0 && !d.silent) {
                    int h = HEADROOM - d.headerLength;
                    listener.timedOut(now, d.buf, h, d.headerLength + Math.min(8, d.highest));
                }
            }
        }
        return expired;
    }

    long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Datagram d : datagrams.values()) {
            next = Math.min(next, d.deadline);
        }
        return next;
    }

    int datagramsHeld() {
        return datagrams.size();
    }

    int bytesHeld() {
        return bytesHeld;
    }

    /** Datagrams evicted to make room since the last call. */
    int takeEvictions() {
        int n = evictions;
        evictions = 0;
        return n;
    }

    private void evictOldest() {
        Key oldest = null;
        long earliest = Long.MAX_VALUE;
        for (Map.Entry<Key, Datagram> e : datagrams.entrySet()) {
            if (e.getValue().deadline < earliest) {
                earliest = e.getValue().deadline;
                oldest = e.getKey();
            }
        }
        discard(oldest, datagrams.get(oldest));
        evictions++;
    }

    private void discard(Key key, Datagram d) {
        datagrams.remove(key);
        bytesHeld -= d.buf.length;
    }

    private boolean ensureCapacity(Datagram d, int needed) {
        if (needed <= d.buf.length) {
            return true;
        }
        int size = Math.min(Math.max(needed, d.buf.length * 2), HEADROOM + MAX_PAYLOAD);
        if (bytesHeld - d.buf.length + size > settings.maxBytes()) {
            return false;
        }
        bytesHeld += size - d.buf.length;
        d.buf = java.util.Arrays.copyOf(d.buf, size);
        return true;
    }

    private static int countSet(long[] bits, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if ((bits[i >>> 6] & (1L << (i & 63))) != 0) {
                n++;
            }
        }
        return n;
    }

    private static void setRange(long[] bits, int from, int to) {
        for (int i = from; i < to; i++) {
            bits[i >>> 6] |= 1L << (i & 63);
        }
    }
}
