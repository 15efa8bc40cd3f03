package teacup.tcp;

/** What {@link TcpLayer} keeps beside each connection (its deadline kept by the layer's timer heap). */
final class LayerEntry extends DeadlineHeap.Member {
    final TcpConnection connection;
    final long key;
    TcpObserver observer;
    /** The listener whose SYN queue holds this connection while it is half-open. */
    TcpListener listener;
    /** While half-open: the MAC the SYN came from, where a SYN-ACK goes if ARP has not resolved the peer. */
    long synSource;

    LayerEntry(TcpConnection connection, long key, TcpObserver observer) {
        this.connection = connection;
        this.key = key;
        this.observer = observer;
    }
}
