package teacup.tcp;

import teacup.stats.Counter;
import teacup.wire.TcpOptions;

/**
 * Where a connection's segments go: the stack writes the headers and copies the segment's data
 * from the connection's send buffer. Tests put a recorder here instead.
 */
public interface SegmentOutput {
    /** {@link #turn} of an output that has no turns: connections send without a per-turn budget. */
    long NO_TURNS = Long.MIN_VALUE;

    /** {@code segment} is reused for the connection's next one: copy what must outlive the call. */
    void segment(TcpConnection connection, OutboundSegment segment);

    /**
     * Largest segment (TCP header and data) the layers below take whole and cut into MSS-sized
     * segments on the way out (segmentation offload); 0, the default, when every segment must fit
     * the MSS. New data then goes in segments of a multiple of the MSS up to this size;
     * retransmissions still go one MSS at a time.
     */
    default int largestSegment() {
        return 0;
    }

    /**
     * RFC 5961 7: takes one challenge ACK from the stack-wide budget for this second; false when
     * it is spent. The default, for tests of one connection, has no stack-wide bound.
     */
    default boolean takeChallengeAck(long now) {
        return true;
    }

    /** A challenge ACK was not sent: a limit (the connection's or the stack's) held it back. */
    default void challengeAckLimited() {
    }

    /** Something the stack's statistics count happened in a connection (path MTU discovery's events). */
    default void count(Counter counter) {
    }

    /**
     * The event loop's turn: a connection's {@code SendBudget} of segments renews when it changes.
     * The default, for tests of one connection, is {@link #NO_TURNS}: no budget.
     */
    default long turn() {
        return NO_TURNS;
    }

    /**
     * What the connections of an output share: the segment and its options each fills for each
     * segment it sends, and the {@link Negotiated} values they settled, one instance for all alike.
     */
    record Scratch(OutboundSegment segment, TcpOptions options, Negotiated.Shared negotiated) {
        Scratch() {
            this(new OutboundSegment(), new TcpOptions(), new Negotiated.Shared());
        }
    }

    /**
     * The scratch each connection asks for once, at its birth: a layer gives all of its connections
     * the same, which it may since segments go out one at a time; the default makes one each.
     */
    default Scratch scratch() {
        return new Scratch();
    }

    /** The stack-wide budget of send-ring bytes; the default, for tests of one connection, has none. */
    default SendMemory sendMemory() {
        return SendMemory.UNLIMITED;
    }

    /** The stack-wide budget for receive spaces grown past their first size; the default has none. */
    default ReceiveMemory receiveMemory() {
        return ReceiveMemory.UNLIMITED;
    }
}
