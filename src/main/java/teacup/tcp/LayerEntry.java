package teacup.tcp;

/** What {@link TcpLayer} keeps beside each connection (its deadline kept by the layer's timer heap). */
final class LayerEntry extends DeadlineHeap.Member {
    final TcpConnection connection;
    TcpObserver observer;
    /** While the connection is half-open, in a listener's SYN queue: which, and where its SYN came from; else null. */
    HalfOpen halfOpen;

    /**
     * What a half-open connection needs beside it, apart so that an established one keeps none of it.
     *
     * @param listener  the listener whose SYN queue holds the connection
     * @param synSource the MAC the SYN came from, where a SYN-ACK goes if ARP has not resolved the peer
     */
    record HalfOpen(TcpListener listener, long synSource) { }

    LayerEntry(TcpConnection connection, TcpObserver observer) {
        this.connection = connection;
        this.observer = observer;
    }

    /** The connection's key in the layer's table, from its four-tuple: worked out, not kept beside it. */
    long key() {
        return TcpLayer.key(connection);
    }
}
