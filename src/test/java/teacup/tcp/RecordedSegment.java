package teacup.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import teacup.wire.Defect;
import teacup.wire.EthernetFrame;
import teacup.wire.Ipv4Packet;
import teacup.wire.PcapReader;
import teacup.wire.SeqNum;
import teacup.wire.TcpOptions;
import teacup.wire.TcpSegment;

/**
 * One TCP segment of a recorded session (src/test/resources/teeceepee), taken out of its frame.
 * {@code frame} is the 1-based frame number, as tshark and Wireshark count.
 *
 * <p>The captures were taken on the sending host with checksum offload, so their TCP checksum
 * fields hold only the pseudo-header sum; they are parsed with the checksum check off (see
 * GoldenCaptureTest, which proves that about them).
 */
record RecordedSegment(int frame, long timeNanos, boolean fromClient, int sourceIp, int sourcePort,
                       int destinationIp, int destinationPort, int seq, int ack, int flags, int window,
                       TcpOptions options, byte[] payload) {

    static final String TINIEST = "tiniest-session.pcap";
    static final String WGET = "localhost-wget.pcap";
    static final String NUMS = "wget-36000-nums.pcap";

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Sequence space the segment occupies: data, plus one each for SYN and FIN. */
    int sequenceLength() {
        return payload.length + (has(TcpSegment.SYN) ? 1 : 0) + (has(TcpSegment.FIN) ? 1 : 0);
    }

    /** Sequence number just past this segment. */
    int end() {
        return SeqNum.add(seq, sequenceLength());
    }

    /** True for a segment that occupies sequence space (data, SYN or FIN); false for a pure ACK. */
    boolean occupiesSequenceSpace() {
        return sequenceLength() > 0;
    }

    /** The same segment with another acknowledgment number (to prove a replay notices a changed recording). */
    RecordedSegment withAck(int newAck) {
        return new RecordedSegment(frame, timeNanos, fromClient, sourceIp, sourcePort, destinationIp, destinationPort,
                seq, newAck, flags, window, options, payload);
    }

    @Override
    public String toString() {
        return "frame " + frame + " (" + (fromClient ? "client" : "server") + " seq=" + Integer.toUnsignedString(seq)
                + " ack=" + Integer.toUnsignedString(ack) + " flags=" + flagNames(flags) + " len=" + payload.length + ")";
    }

    static String flagNames(int flags) {
        StringBuilder s = new StringBuilder();
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & 1 << i) != 0) {
                s.append(s.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return s.isEmpty() ? "none" : s.toString();
    }

    /** Every segment of {@code capture}, in capture order; the first must be the client's SYN. */
    static List<RecordedSegment> read(String capture) {
        List<PcapReader.Record> records;
        try (InputStream in = RecordedSegment.class.getResourceAsStream("/teeceepee/" + capture)) {
            if (in == null) {
                throw new IllegalStateException("test capture missing from the classpath: " + capture);
            }
            PcapReader reader = new PcapReader(in);
            records = new ArrayList<>();
            for (PcapReader.Record r; records.size() < 10_000 && (r = reader.next()) != null; ) {
                records.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EthernetFrame eth = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        TcpSegment tcp = new TcpSegment();
        List<RecordedSegment> segments = new ArrayList<>();
        int clientPort = -1;
        for (int i = 0; i < records.size(); i++) {
            byte[] f = records.get(i).data();
            String where = capture + " frame " + (i + 1);
            require(eth.wrap(f, 0, f.length), where);
            require(ip.wrap(f, eth.payloadOffset(), eth.payloadLength()), where);
            if (ip.protocol() != Ipv4Packet.PROTOCOL_TCP) {
                throw new IllegalStateException(where + ": not TCP");
            }
            require(tcp.wrap(f, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination(), false), where);
            TcpOptions options = new TcpOptions();
            require(tcp.options(options), where);
            if (i == 0) {
                if (tcp.flags() != TcpSegment.SYN) {
                    throw new IllegalStateException(where + ": a session must start with the client's SYN");
                }
                clientPort = tcp.sourcePort();
            }
            segments.add(new RecordedSegment(i + 1, records.get(i).timestampNanos(), tcp.sourcePort() == clientPort,
                    ip.source(), tcp.sourcePort(), ip.destination(), tcp.destinationPort(),
                    tcp.sequence(), tcp.acknowledgment(), tcp.flags(), tcp.window(), options,
                    Arrays.copyOfRange(f, tcp.payloadOffset(), tcp.payloadOffset() + tcp.payloadLength())));
        }
        return List.copyOf(segments);
    }

    private static void require(Defect d, String where) {
        if (d != Defect.NONE) {
            throw new IllegalStateException(where + ": " + d);
        }
    }
}
