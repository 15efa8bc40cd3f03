package teacup.drill;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import teacup.wire.TcpSegment;

/**
 * Turns a script's relative numbers into wire numbers and back, as packetdrill defines them.
 * Inbound sequence numbers are the script's own (the remote host's ISN is what its first SYN
 * says); teacup's sequence numbers are relative to teacup's ISN, learnt from the first SYN or
 * SYN-ACK it sends, so an inbound {@code ack 1} is teacup's ISN + 1. Timestamps likewise: teacup's
 * TS val is relative to the first one it sends, so an inbound {@code ecr} is moved by the same
 * offset, while the remote's TS val (what teacup echoes) is used as written.
 */
final class SequenceSpace {
    private boolean localIsnKnown;
    private int localIsn;
    private boolean tsOffsetKnown;
    private int tsOffset;

    /** Learns teacup's ISN and TS clock from the first segment that shows them. */
    void learn(CapturedSegment actual, TcpPacketSpec expected) {
        if (!localIsnKnown && (actual.flags() & TcpSegment.SYN) != 0) {
            localIsn = actual.seq() - (int) expected.startSeq();
            localIsnKnown = true;
        }
        if (!tsOffsetKnown && expected.options() != null) {
            TcpOptionSpec want = find(expected.options(), "TS");
            TcpOptionSpec got = find(actual.options(), "TS");
            if (want != null && got != null) {
                tsOffset = (int) (got.values().get(0) - want.values().get(0));
                tsOffsetKnown = true;
            }
        }
    }

    int inboundAck(long scriptAck) {
        return (int) scriptAck + localIsn;
    }

    /** teacup's segment in the script's terms: sequence relative to its ISN, TS val relative to its first. */
    TcpPacketSpec toScript(CapturedSegment s) {
        int start = s.seq() - localIsn;
        List<TcpOptionSpec> options = new ArrayList<>();
        for (TcpOptionSpec o : s.options()) {
            options.add(o.name().equals("TS") ? TcpOptionSpec.of("TS", (o.values().get(0) - tsOffset) & 0xffffffffL,
                    o.values().get(1)) : o);
        }
        long ack = (s.flags() & TcpSegment.ACK) != 0 ? s.ack() & 0xffffffffL : -1;
        return new TcpPacketSpec(flagLetters(s.flags()), start & 0xffffffffL, (start + s.payloadLength()) & 0xffffffffL,
                s.payloadLength(), ack, s.window(), (s.flags() & TcpSegment.URG) != 0 ? s.urgentPointer() : -1,
                options.isEmpty() ? null : options);
    }

    /** The option bytes of an inbound line, in its order; an ecr is moved onto teacup's TS clock and SACK blocks onto its ISN. */
    byte[] inboundOptions(List<TcpOptionSpec> options) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (options == null) {
            return b.toByteArray();
        }
        for (TcpOptionSpec o : options) {
            List<Long> v = o.values();
            switch (o.name()) {
                case "nop" -> b.write(1);
                case "eol" -> b.write(0);
                case "mss" -> bytes(b, 2, 4, v.get(0), 2);
                case "wscale" -> bytes(b, 3, 3, v.get(0), 1);
                case "sackOK" -> bytes(b, 4, 2, 0, 0);
                case "TS" -> {
                    bytes(b, 8, 10, v.get(0), 4);
                    long ecr = v.get(1) == 0 || !tsOffsetKnown ? v.get(1) : v.get(1) + tsOffset;
                    put(b, ecr, 4);
                }
                case "sack" -> {
                    b.write(5);
                    b.write(2 + 4 * v.size());
                    v.forEach(edge -> put(b, edge + localIsn, 4));
                }
                default -> throw new ScriptSkipped("TCP option " + o.name() + " is not supported in packets");
            }
        }
        if (b.size() > 40) {
            throw new ScriptFailed("inbound options need " + b.size() + " bytes, more than TCP's 40");
        }
        return b.toByteArray();
    }

    private static void bytes(ByteArrayOutputStream b, int kind, int length, long value, int width) {
        b.write(kind);
        b.write(length);
        put(b, value, width);
    }

    private static void put(ByteArrayOutputStream b, long value, int width) {
        for (int i = width - 1; i >= 0; i--) {
            b.write((int) (value >>> (8 * i)));
        }
    }

    static TcpOptionSpec find(List<TcpOptionSpec> options, String name) {
        return options == null ? null : options.stream().filter(o -> o.name().equals(name)).findFirst().orElse(null);
    }

    static int flagBits(String letters) {
        int f = 0;
        for (char c : letters.toCharArray()) {
            f |= switch (c) {
                case 'S' -> TcpSegment.SYN;
                case 'F' -> TcpSegment.FIN;
                case 'R' -> TcpSegment.RST;
                case 'P' -> TcpSegment.PSH;
                case 'U' -> TcpSegment.URG;
                case 'E' -> TcpSegment.ECE;
                case 'W' -> TcpSegment.CWR;
                default -> TcpSegment.ACK;
            };
        }
        return f;
    }

    static String flagLetters(int flags) {
        StringBuilder b = new StringBuilder();
        String letters = "SFRPUEW";
        int[] bits = {TcpSegment.SYN, TcpSegment.FIN, TcpSegment.RST, TcpSegment.PSH, TcpSegment.URG, TcpSegment.ECE, TcpSegment.CWR};
        for (int i = 0; i < bits.length; i++) {
            if ((flags & bits[i]) != 0) {
                b.append(letters.charAt(i));
            }
        }
        if ((flags & TcpSegment.ACK) != 0) {
            b.append('.');
        }
        return b.toString();
    }
}
