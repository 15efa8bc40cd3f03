package teacup.stats;

/**
 * Everything the stack counts. Each received frame ends in exactly one counter of kind
 * {@link Kind#ACCEPTED} or {@link Kind#DROPPED}, so the outcomes always add up to
 * {@link #FRAMES_IN}; that is how a test proves no frame went unaccounted.
 */
public enum Counter {
    FRAMES_IN(Kind.TRAFFIC, "frames received"),
    FRAMES_OUT(Kind.TRAFFIC, "frames sent"),
    FRAMES_OUT_FAILED(Kind.TRAFFIC, "frames the link refused"),
    ARP_REQUESTS_SENT(Kind.TRAFFIC, "ARP requests sent"),
    ARP_REPLIES_SENT(Kind.TRAFFIC, "ARP replies sent"),
    ARP_ANNOUNCEMENTS_SENT(Kind.TRAFFIC, "ARP announcements sent"),
    ICMP_ERRORS_SENT(Kind.TRAFFIC, "ICMP errors sent"),
    ICMP_ERRORS_SUPPRESSED(Kind.TRAFFIC, "ICMP errors not sent (rate limit)"),
    FRAGMENTS_SENT(Kind.TRAFFIC, "IPv4 fragments sent"),
    DATAGRAMS_REASSEMBLED(Kind.TRAFFIC, "IPv4 datagrams reassembled"),
    REASSEMBLY_TIMEOUTS(Kind.TRAFFIC, "IPv4 reassemblies timed out"),
    REASSEMBLIES_EVICTED(Kind.TRAFFIC, "IPv4 reassemblies evicted to make room"),
    OUT_NO_ROUTE(Kind.TRAFFIC, "packets not sent: no route"),
    OUT_ARP_FAILED(Kind.TRAFFIC, "packets not sent: ARP got no answer"),
    OUT_ARP_QUEUE_FULL(Kind.TRAFFIC, "packets not sent: ARP queue full"),
    OUT_TOO_BIG(Kind.TRAFFIC, "packets not sent: too big"),
    TCP_SEGMENTS_SENT(Kind.TRAFFIC, "TCP segments sent"),
    TCP_RESETS_SENT(Kind.TRAFFIC, "TCP resets sent"),
    TCP_ACTIVE_OPENS(Kind.TRAFFIC, "TCP connections opened by us"),
    TCP_PASSIVE_OPENS(Kind.TRAFFIC, "TCP connections opened by a peer's SYN"),
    TCP_CHALLENGE_ACKS_SUPPRESSED(Kind.TRAFFIC, "TCP challenge ACKs not sent (RFC 5961 7 rate limit)"),
    PMTU_LOWERED(Kind.TRAFFIC, "path MTUs lowered by ICMP fragmentation needed (RFC 1191)"),
    PMTU_NOT_LOWERED(Kind.TRAFFIC, "ICMP fragmentation needed that lowered nothing (not below the path MTU, or under 68)"),
    TCP_PMTU_BLACK_HOLES(Kind.TRAFFIC, "TCP black holes: full-size segments timed out, MSS dropped to the base (RFC 4821)"),
    TCP_PMTU_PROBES(Kind.TRAFFIC, "TCP path MTU probes sent (RFC 4821)"),
    TCP_PMTU_PROBES_SUCCEEDED(Kind.TRAFFIC, "TCP path MTU probes acknowledged: the MSS rose (RFC 4821)"),
    TCP_PMTU_PROBES_FAILED(Kind.TRAFFIC, "TCP path MTU probes lost: the search's upper bound fell (RFC 4821)"),
    TCP_SYN_COOKIES_SENT(Kind.TRAFFIC, "TCP SYN-ACKs sent with a SYN cookie (RFC 4987 3.6)"),
    TCP_SYN_COOKIES_ACCEPTED(Kind.TRAFFIC, "TCP connections opened by a SYN cookie's ACK"),
    TCP_SYN_COOKIES_REJECTED(Kind.TRAFFIC, "TCP ACKs to a listener whose cookie was wrong or too old"),
    OUT_ARP_UNRESOLVED(Kind.TRAFFIC, "packets not sent: not to be held while ARP resolves (SYN-ACKs)"),
    OUT_TO_FRAME_SENDER(Kind.TRAFFIC, "SYN-ACKs sent, unresolved by ARP, to the MAC their SYN came from"),
    ARP_SOLICITATIONS_LIMITED(Kind.TRAFFIC, "ARP requests not sent for an unheld packet (rate limit)"),
    ARP_ENTRIES_PROBED(Kind.TRAFFIC, "neighbour entries probed: unconfirmed in use, or another MAC claimed for them"),
    ARP_ENTRIES_FAILED(Kind.TRAFFIC, "neighbour entries forgotten: no answer to their probes"),
    ARP_CHANGES_REFUSED(Kind.TRAFFIC, "unasked-for ARP claiming a new MAC for a neighbour, refused while its MAC is probed"),
    ARP_CHANGES_LOCKED(Kind.TRAFFIC, "ARP claiming a new MAC within the lock time of the last change, refused while its MAC is probed"),
    ARP_MACS_CHANGED(Kind.TRAFFIC, "neighbours' MACs changed: the old one went unanswered, the new one answered"),
    IP_NEGATIVE_ADVICE(Kind.TRAFFIC, "next hops re-validated on a transport's negative advice (RFC 1122 3.3.1.4)"),
    TCP_PEER_MSS_CLAMPED(Kind.TRAFFIC, "TCP peers whose SYN announced an MSS below the floor, raised to it (TcpSettings.minSendMss)"),
    TCP_SEND_TURNS_SPENT(Kind.TRAFFIC, "TCP connections held to the next turn of the event loop: their segments per turn were spent"),
    TCP_ORPHANS_GAVE_UP(Kind.TRAFFIC, "TCP orphans reset: their peer stopped answering (orphan retries, or keep-alive)"),
    TCP_ORPHANS_EXPIRED(Kind.TRAFFIC, "TCP orphans reset: data or FIN still unacknowledged at the end of their lifetime"),
    TCP_ORPHANS_RESET(Kind.TRAFFIC, "TCP orphans reset to make room: the oldest, when a close went past the orphan limit"),
    TCP_SEND_MEMORY_LIMITED(Kind.TRAFFIC, "TCP send rings not grown: the stack's send memory budget was spent"),
    TCP_SEND_RING_WINDOW_BOUND(Kind.TRAFFIC, "TCP writes held by a send ring kept to twice the peer's largest window"),
    TCP_IDLE_RINGS_RELEASED(Kind.TRAFFIC, "TCP buffer rings given back after a second or more empty (an idle connection holds none)"),
    TCP_ZERO_WINDOWS_ADVERTISED(Kind.TRAFFIC, "TCP segments sent advertising a zero receive window (the reader is behind)"),
    TCP_SEND_WINDOW_FULL(Kind.TRAFFIC, "TCP sends stopped by the peer's receive window with data waiting (the receiver limits the sender)"),
    TCP_RECEIVE_MEMORY_LIMITED(Kind.TRAFFIC, "TCP receive spaces not grown: the stack's receive memory budget was spent"),
    TCP_RECEIVE_SPACE_GROWN(Kind.TRAFFIC, "TCP receive buffers grown to the measured bandwidth-delay product"),
    TCP_USER_TIMEOUTS(Kind.TRAFFIC, "TCP connections ended by their user timeout: no progress, data waiting (RFC 5482)"),
    /** Counted by the link, not the stack: each joined frame is one of {@link #FRAMES_IN}. */
    LINK_FRAMES_COALESCED(Kind.TRAFFIC, "frames the link joined into larger TCP segments before the stack (receive coalescing)"),
    LINK_LARGE_FRAMES_MADE(Kind.TRAFFIC, "TCP segments the link joined from several frames (receive coalescing)"),

    ARP_REQUEST_ANSWERED(Kind.ACCEPTED, "ARP requests answered"),
    ARP_LEARNED(Kind.ACCEPTED, "ARP replies and announcements learned"),
    ICMP_ECHO_ANSWERED(Kind.ACCEPTED, "ICMP echo requests answered"),
    ICMP_ECHO_REPLY_DELIVERED(Kind.ACCEPTED, "ICMP echo replies delivered"),
    ICMP_ERROR_RECEIVED(Kind.ACCEPTED, "ICMP errors received that change nothing (no transport, fragmentation needed)"),
    ICMP_ERROR_DELIVERED(Kind.ACCEPTED, "ICMP errors passed to a connection or socket"),
    FRAGMENT_HELD(Kind.ACCEPTED, "IPv4 fragments held for reassembly"),
    UDP_DELIVERED(Kind.ACCEPTED, "UDP datagrams delivered"),
    TCP_DELIVERED(Kind.ACCEPTED, "TCP segments delivered"),

    DROP_ETHERNET_TRUNCATED(Kind.DROPPED, "Ethernet frame too short"),
    DROP_NOT_OUR_MAC(Kind.DROPPED, "Ethernet frame for another station"),
    DROP_ETHER_TYPE(Kind.DROPPED, "unsupported EtherType"),
    DROP_ARP_MALFORMED(Kind.DROPPED, "ARP malformed or not Ethernet/IPv4"),
    DROP_ARP_NOT_FOR_US(Kind.DROPPED, "ARP for another address"),
    DROP_ARP_BAD_SENDER(Kind.DROPPED, "ARP from a broadcast, multicast or our own address"),
    DROP_ARP_CHANGE_REFUSED(Kind.DROPPED, "ARP reply or announcement whose new MAC was refused (probed, or locked)"),
    DROP_IPV4_TRUNCATED(Kind.DROPPED, "IPv4 truncated"),
    DROP_IPV4_BAD_VERSION(Kind.DROPPED, "IPv4 bad version"),
    DROP_IPV4_BAD_HEADER_LENGTH(Kind.DROPPED, "IPv4 bad header length"),
    DROP_IPV4_BAD_LENGTH(Kind.DROPPED, "IPv4 bad total length"),
    DROP_IPV4_BAD_CHECKSUM(Kind.DROPPED, "IPv4 bad header checksum"),
    DROP_IPV4_BAD_SOURCE(Kind.DROPPED, "IPv4 from a broadcast, multicast, loopback, reserved or own source"),
    DROP_IPV4_NOT_FOR_US(Kind.DROPPED, "IPv4 for another address"),
    DROP_IPV4_BAD_OPTIONS(Kind.DROPPED, "IPv4 with malformed options (answered with a parameter problem)"),
    DROP_IPV4_SOURCE_ROUTED(Kind.DROPPED, "IPv4 with an unfinished source route (a host does not forward it)"),
    DROP_FRAGMENT_INVALID(Kind.DROPPED, "IPv4 fragment invalid or inconsistent"),
    DROP_FRAGMENT_NO_ROOM(Kind.DROPPED, "IPv4 fragment: reassembly limits reached"),
    DROP_PROTOCOL_UNKNOWN(Kind.DROPPED, "IPv4 protocol not supported"),
    DROP_ICMP_MALFORMED(Kind.DROPPED, "ICMP malformed or bad checksum"),
    DROP_ICMP_UNHANDLED(Kind.DROPPED, "ICMP type not handled or unexpected reply"),
    DROP_ICMP_TO_BROADCAST(Kind.DROPPED, "ICMP echo to broadcast ignored"),
    DROP_ICMP_ERROR_NOT_OURS(Kind.DROPPED, "ICMP error quoting a datagram we did not send"),
    DROP_ICMP_ERROR_UNMATCHED(Kind.DROPPED, "ICMP error for no connection or socket"),
    DROP_ICMP_ERROR_STALE(Kind.DROPPED, "ICMP error quoting a sequence number not in flight (RFC 5927)"),
    DROP_UDP_MALFORMED(Kind.DROPPED, "UDP malformed or bad checksum"),
    DROP_UDP_NO_SOCKET(Kind.DROPPED, "UDP to a closed port"),
    DROP_UDP_QUEUE_FULL(Kind.DROPPED, "UDP socket queue full"),
    DROP_TCP_MALFORMED(Kind.DROPPED, "TCP malformed or bad checksum"),
    DROP_TCP_NO_SOCKET(Kind.DROPPED, "TCP to no socket"),
    DROP_TCP_NOT_UNICAST(Kind.DROPPED, "TCP to a broadcast address"),
    DROP_TCP_LISTEN_UNEXPECTED(Kind.DROPPED, "TCP to a listening port that was not a SYN (or was a SYN-FIN)"),
    DROP_TCP_BACKLOG_FULL(Kind.DROPPED, "TCP SYN dropped: listen queue full"),
    DROP_TOO_BIG(Kind.DROPPED, "frame longer than the receive buffer");

    public enum Kind { TRAFFIC, ACCEPTED, DROPPED }

    private final Kind kind;
    private final String description;

    Counter(Kind kind, String description) {
        this.kind = kind;
        this.description = description;
    }

    public Kind kind() {
        return kind;
    }

    public String description() {
        return description;
    }
}
