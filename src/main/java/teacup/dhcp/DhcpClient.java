package teacup.dhcp;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import teacup.wire.Defect;
import teacup.wire.Ipv4Address;

/**
 * A DHCP client (RFC 2131) as a state machine: events come in with the current time
 * ({@link #start}, {@link #receive}, {@link #poll}, {@link #release}), messages go out through
 * an {@link Output}, and {@link #nextDeadline} says when it next needs a poll. It reads no clock
 * and draws its transaction ids and retransmission jitter from the generator it is given.
 *
 * <p>The path is the one of RFC 2131 figure 5: INIT, then SELECTING (DISCOVER broadcast; the
 * first acceptable OFFER wins), REQUESTING (REQUEST broadcast naming that server), BOUND on the
 * ACK; RENEWING at T1 (REQUEST unicast to the leasing server), REBINDING at T2 (REQUEST
 * broadcast to any server), and back to INIT when the lease expires or a server says NAK.
 * INIT-REBOOT (asking again for a remembered address) is not done: every run starts in INIT.
 */
public final class DhcpClient {
    public static final int CLIENT_PORT = 68;
    public static final int SERVER_PORT = 67;

    public enum State { INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING, RELEASED }

    /** What a received message was to the client (for counting and tests). */
    public enum Outcome {
        /** It moved the client on (an offer taken, a lease granted or refused). */
        USED,
        /** Not a well-formed DHCP reply. */
        MALFORMED,
        /** Another transaction or another client's: wrong xid or chaddr. */
        NOT_OURS,
        /** Ours, but not wanted now (an offer while bound, an ACK without a lease time...). */
        IGNORED
    }

    /** Where the client's messages and its lease go. */
    public interface Output {
        /** Sends {@code b[off, off+len)} from port 68 to port 67 at {@code destination} (-1: broadcast). */
        void send(long now, int destination, byte[] b, int off, int len);

        /** A lease was granted or extended: configure the interface with it. */
        void bound(long now, DhcpLease lease);

        /** The lease is gone (expired, refused or released): the address must no longer be used. */
        void unbound(long now);
    }

    /**
     * @param maxInitialDelay  the first DISCOVER waits a random time up to this (nanoseconds).
     *                         RFC 2131 4.4.1 asks for one to ten seconds, so that hosts booting
     *                         together do not send at once; a command a person waits for uses 0
     * @param requestAttempts  REQUESTs sent in REQUESTING before giving up on the offer and
     *                         starting again (RFC 2131 3.1 step 5)
     */
    public record Settings(long maxInitialDelay, int requestAttempts) {
        public static final Settings DEFAULT = new Settings(0, 4);

        public Settings {
            if (maxInitialDelay < 0 || requestAttempts < 1) {
                throw new IllegalArgumentException("bad DHCP settings: " + maxInitialDelay + ", " + requestAttempts);
            }
        }
    }

    private static final long SECOND = 1_000_000_000L;
    /** RFC 2131 4.1: the first retransmission after 4 s, doubling to at most 64 s, each +-1 s. */
    private static final long FIRST_BACKOFF = 4 * SECOND;
    private static final long MAX_BACKOFF = 64 * SECOND;
    /** RFC 2131 4.4.5: retransmissions in RENEWING and REBINDING no closer than 60 s. */
    private static final long MIN_RENEW_RETRY = 60 * SECOND;
    private static final int BUFFER = 576; // RFC 2131 2: every client can take 576-byte messages
    private static final byte[] PARAMETERS = {
            DhcpMessage.OPTION_SUBNET_MASK, DhcpMessage.OPTION_ROUTER, DhcpMessage.OPTION_DNS_SERVERS,
            DhcpMessage.OPTION_LEASE_TIME, DhcpMessage.OPTION_RENEWAL_TIME, DhcpMessage.OPTION_REBINDING_TIME};

    private final long mac;
    private final Settings settings;
    private final RandomGenerator random;
    private final Output output;
    private final DhcpMessage in = new DhcpMessage();
    private final DhcpMessage.Writer writer = new DhcpMessage.Writer();
    private final byte[] tx = new byte[BUFFER];

    private State state = State.INIT;
    private int xid;
    /** When the current exchange began (for 'secs'). */
    private long exchangeStartedAt;
    /** When the first REQUEST of the current exchange went out: the lease runs from there (RFC 2131 4.4.1). */
    private long requestSentAt;
    private int attempts;
    /** When to send (first time or again) in the current state; Long.MAX_VALUE: nothing to send. */
    private long sendAt = Long.MAX_VALUE;
    private int offeredAddress;
    private int offeringServer;
    private DhcpLease lease;
    private int offersTaken;

    public DhcpClient(long mac, Settings settings, RandomGenerator random, Output output) {
        this.mac = mac;
        this.settings = settings;
        this.random = random;
        this.output = output;
    }

    public State state() {
        return state;
    }

    /** How many offers the client has taken up so far (a REQUEST went out for each). */
    public int offersTaken() {
        return offersTaken;
    }

    /** The lease held now (BOUND, RENEWING, REBINDING), or null. */
    public DhcpLease lease() {
        return lease;
    }

    /** Begins: the first DISCOVER goes out at {@code now}, or after the random initial delay. */
    public void start(long now) {
        if (state != State.INIT || sendAt != Long.MAX_VALUE) {
            throw new IllegalStateException("already started: " + state);
        }
        long max = settings.maxInitialDelay();
        restart(now + (max == 0 ? 0 : random.nextLong(max + 1)));
    }

    private void restart(long at) {
        state = State.INIT;
        attempts = 0;
        sendAt = at;
    }

    // ---------------------------------------------------------------- timers

    /** When {@link #poll} next has work: a (re)transmission, T1, T2 or expiry. */
    public long nextDeadline() {
        return switch (state) {
            case BOUND -> lease.renewAt();
            case RENEWING -> Math.min(sendAt, lease.rebindAt());
            case REBINDING -> Math.min(sendAt, lease.expiresAt());
            case RELEASED -> Long.MAX_VALUE;
            default -> sendAt;
        };
    }

    public void poll(long now) {
        // Each turn handles the most urgent thing due; a late poll still ends in the right state.
        for (int turn = 0; turn < 4 && now >= nextDeadline(); turn++) {
            switch (state) {
                case INIT -> discover(now);
                case SELECTING -> sendDiscover(now);
                case REQUESTING -> {
                    if (attempts >= settings.requestAttempts()) {
                        restart(now); // RFC 2131 3.1 step 5: no answer to the REQUEST, start over
                    } else {
                        sendRequest(now);
                    }
                }
                case BOUND -> {
                    if (now >= lease.expiresAt()) {
                        expire(now);
                    } else if (now >= lease.rebindAt()) {
                        begin(now, State.REBINDING);
                    } else {
                        begin(now, State.RENEWING);
                    }
                }
                case RENEWING -> {
                    if (now >= lease.expiresAt()) {
                        expire(now);
                    } else if (now >= lease.rebindAt()) {
                        begin(now, State.REBINDING);
                    } else {
                        sendRequest(now);
                    }
                }
                case REBINDING -> {
                    if (now >= lease.expiresAt()) {
                        expire(now);
                    } else {
                        sendRequest(now);
                    }
                }
                case RELEASED -> { }
            }
        }
    }

    private void discover(long now) {
        state = State.SELECTING;
        xid = random.nextInt();
        exchangeStartedAt = now;
        attempts = 0;
        sendDiscover(now);
    }

    /** Enters RENEWING or REBINDING: a new transaction for the new kind of REQUEST. */
    private void begin(long now, State next) {
        state = next;
        xid = random.nextInt();
        exchangeStartedAt = now;
        attempts = 0;
        sendRequest(now);
    }

    private void expire(long now) {
        // RFC 2131 4.4.5: at expiry the client stops using the address and starts again.
        lease = null;
        output.unbound(now);
        restart(now);
    }

    // ---------------------------------------------------------------- sending

    private void sendDiscover(long now) {
        writer.begin(tx, 0, DhcpMessage.OP_REQUEST, xid, mac).secs(secs(now))
                .messageType(DhcpMessage.DISCOVER)
                .bytesOption(DhcpMessage.OPTION_PARAMETER_REQUEST_LIST, PARAMETERS);
        output.send(now, -1, tx, 0, writer.finish());
        attempts++;
        sendAt = now + backoff(attempts);
    }

    private void sendRequest(long now) {
        if (attempts == 0) {
            requestSentAt = now;
        }
        writer.begin(tx, 0, DhcpMessage.OP_REQUEST, xid, mac).secs(secs(now));
        int destination = -1;
        if (state == State.REQUESTING) {
            // RFC 2131 4.3.2, SELECTING: name the chosen server and the offered address; ciaddr 0.
            writer.messageType(DhcpMessage.REQUEST)
                    .addressOption(DhcpMessage.OPTION_REQUESTED_ADDRESS, offeredAddress)
                    .addressOption(DhcpMessage.OPTION_SERVER_ID, offeringServer);
        } else {
            // RENEWING and REBINDING: our address in ciaddr, no server id, no requested address.
            writer.ciaddr(lease.address().bits()).messageType(DhcpMessage.REQUEST);
            if (state == State.RENEWING) {
                destination = lease.server().bits();
            }
        }
        writer.bytesOption(DhcpMessage.OPTION_PARAMETER_REQUEST_LIST, PARAMETERS);
        output.send(now, destination, tx, 0, writer.finish());
        attempts++;
        sendAt = switch (state) {
            // RFC 2131 4.4.5: wait half the time left to T2 (or to expiry), but at least 60 s.
            case RENEWING -> now + Math.max(MIN_RENEW_RETRY, (lease.rebindAt() - now) / 2);
            case REBINDING -> now + Math.max(MIN_RENEW_RETRY, (lease.expiresAt() - now) / 2);
            default -> now + backoff(attempts);
        };
    }

    /** RFC 2131 4.1: 4 s before the second try, then 8, 16, 32, 64, 64...; each moved by up to a second. */
    private long backoff(int sent) {
        long base = Math.min(MAX_BACKOFF, FIRST_BACKOFF << Math.min(sent - 1, 4));
        return base - SECOND + random.nextLong(2 * SECOND + 1);
    }

    private int secs(long now) {
        return (int) Math.min(0xffff, Math.max(0, (now - exchangeStartedAt) / SECOND));
    }

    /**
     * Gives up the lease (RFC 2131 4.4.6): a RELEASE unicast to the server, then nothing more.
     * Without a lease it just stops.
     */
    public void release(long now) {
        if (lease != null) {
            writer.begin(tx, 0, DhcpMessage.OP_REQUEST, random.nextInt(), mac)
                    .ciaddr(lease.address().bits())
                    .messageType(DhcpMessage.RELEASE)
                    .addressOption(DhcpMessage.OPTION_SERVER_ID, lease.server().bits());
            output.send(now, lease.server().bits(), tx, 0, writer.finish());
            lease = null;
            output.unbound(now);
        }
        state = State.RELEASED;
        sendAt = Long.MAX_VALUE;
    }

    // ---------------------------------------------------------------- receiving

    /** Handles a datagram that arrived on port 68. */
    public Outcome receive(long now, byte[] b, int off, int len) {
        if (in.wrap(b, off, len) != Defect.NONE || in.op() != DhcpMessage.OP_REPLY || in.messageType() == 0) {
            return Outcome.MALFORMED;
        }
        if (in.xid() != xid || in.htype() != DhcpMessage.HTYPE_ETHERNET || in.hlen() != 6 || in.chaddr() != mac) {
            return Outcome.NOT_OURS;
        }
        int type = in.messageType();
        switch (state) {
            case SELECTING -> {
                if (type != DhcpMessage.OFFER || !usableHost(in.yiaddr()) || !in.has(DhcpMessage.OPTION_SERVER_ID)) {
                    return Outcome.IGNORED;
                }
                // RFC 2131 4.4.1: any offer may be taken; the first is as good as the others here.
                offeredAddress = in.yiaddr();
                offeringServer = in.address(DhcpMessage.OPTION_SERVER_ID);
                state = State.REQUESTING;
                offersTaken++;
                attempts = 0;
                sendRequest(now);
                return Outcome.USED;
            }
            case REQUESTING -> {
                // Replies to a REQUEST naming one server must come from that server.
                if (in.has(DhcpMessage.OPTION_SERVER_ID) && in.address(DhcpMessage.OPTION_SERVER_ID) != offeringServer) {
                    return Outcome.IGNORED;
                }
                return answer(now, type, offeringServer);
            }
            case RENEWING, REBINDING -> {
                int server = in.has(DhcpMessage.OPTION_SERVER_ID) ? in.address(DhcpMessage.OPTION_SERVER_ID)
                        : lease.server().bits();
                return answer(now, type, server);
            }
            default -> {
                return Outcome.IGNORED; // RFC 2131 figure 5: BOUND discards offers, ACKs and NAKs
            }
        }
    }

    /** An ACK or NAK to our REQUEST. */
    private Outcome answer(long now, int type, int server) {
        if (type == DhcpMessage.NAK) {
            // RFC 2131 3.1 step 5 and 4.4.5: refused; stop using any address and start over.
            if (lease != null) {
                lease = null;
                output.unbound(now);
            }
            restart(now);
            return Outcome.USED;
        }
        if (type != DhcpMessage.ACK || !usableHost(in.yiaddr()) || !in.has(DhcpMessage.OPTION_LEASE_TIME)
                || !usableHost(server)) {
            return Outcome.IGNORED; // RFC 2131 table 3: an ACK to a REQUEST MUST carry the lease time
        }
        lease = leaseFrom(server);
        state = State.BOUND;
        sendAt = Long.MAX_VALUE;
        output.bound(now, lease);
        return Outcome.USED;
    }

    private DhcpLease leaseFrom(int server) {
        int address = in.yiaddr();
        int prefix = in.has(DhcpMessage.OPTION_SUBNET_MASK) ? prefixOf(in.address(DhcpMessage.OPTION_SUBNET_MASK)) : -1;
        if (prefix < 1 || prefix > 30) {
            prefix = classfulPrefix(address);
        }
        int mask = Ipv4Address.mask(prefix);
        int router = 0;
        for (int i = 0; i < in.addressCount(DhcpMessage.OPTION_ROUTER); i++) {
            int r = in.address(DhcpMessage.OPTION_ROUTER, i);
            // The interface can only use a router on its own subnet (RFC 2132 3.5 lists them in order of preference).
            if (usableHost(r) && r != address && (r & mask) == (address & mask)) {
                router = r;
                break;
            }
        }
        List<Ipv4Address> dns = new ArrayList<>();
        for (int i = 0; i < in.addressCount(DhcpMessage.OPTION_DNS_SERVERS); i++) {
            int d = in.address(DhcpMessage.OPTION_DNS_SERVERS, i);
            if (usableHost(d)) {
                dns.add(new Ipv4Address(d));
            }
        }
        long seconds = in.seconds(DhcpMessage.OPTION_LEASE_TIME);
        long start = requestSentAt;
        if (seconds == DhcpLease.INFINITE) {
            return new DhcpLease(new Ipv4Address(address), prefix, new Ipv4Address(router), dns, new Ipv4Address(server),
                    seconds, start, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
        }
        // RFC 2131 4.4.5: T1 defaults to half the lease, T2 to 7/8; a server's values are kept
        // only when they are in order (T1 <= T2 <= lease).
        long t2 = in.has(DhcpMessage.OPTION_REBINDING_TIME) && in.seconds(DhcpMessage.OPTION_REBINDING_TIME) <= seconds
                ? in.seconds(DhcpMessage.OPTION_REBINDING_TIME) * SECOND : seconds * SECOND / 8 * 7;
        long t1 = in.has(DhcpMessage.OPTION_RENEWAL_TIME) && in.seconds(DhcpMessage.OPTION_RENEWAL_TIME) * SECOND <= t2
                ? in.seconds(DhcpMessage.OPTION_RENEWAL_TIME) * SECOND : Math.min(t2, seconds * SECOND / 2);
        return new DhcpLease(new Ipv4Address(address), prefix, new Ipv4Address(router), dns, new Ipv4Address(server),
                seconds, start, later(start, t1), later(start, t2), later(start, seconds * SECOND));
    }

    /** {@code start + delay} (delay not negative), held at Long.MAX_VALUE instead of wrapping. */
    private static long later(long start, long delay) {
        long sum = start + delay;
        return sum < start ? Long.MAX_VALUE : sum;
    }

    /** The prefix length of a contiguous mask, or -1 for a mask with holes. */
    static int prefixOf(int mask) {
        int prefix = Integer.bitCount(mask);
        return Ipv4Address.mask(prefix) == mask ? prefix : -1;
    }

    /** RFC 2132 3.3 leaves the mask to the client when absent; the address class is the old default. */
    private static int classfulPrefix(int address) {
        int first = address >>> 24;
        return first < 128 ? 8 : first < 192 ? 16 : 24;
    }

    private static boolean usableHost(int a) {
        return a != 0 && a != -1 && !Ipv4Address.isMulticast(a) && (a >>> 24) != 127;
    }
}
