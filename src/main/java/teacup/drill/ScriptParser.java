package teacup.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import teacup.drill.ScriptLexer.Kind;
import teacup.drill.ScriptLexer.Token;

/**
 * Parses google/packetdrill's {@code .pkt} language (our own reading of its grammar) into a
 * {@link Script}. Every event starts with a time; what follows the time says what it is: a
 * backtick command, {@code <}/{@code >} and a packet, or a system call. Errors say
 * {@code file:line: message}.
 */
public final class ScriptParser {
    private static final String FLAG_LETTERS = "SFRPUEW.";

    private final String file;
    private final List<Token> tokens;
    private int pos;

    private ScriptParser(String file, List<Token> tokens) {
        this.file = file;
        this.tokens = tokens;
    }

    public static Script parse(Path path) throws IOException, ScriptSyntaxException {
        return parse(path.toString(), Files.readString(path));
    }

    public static Script parse(String file, String text) throws ScriptSyntaxException {
        return new ScriptParser(file, new ScriptLexer(file, text).tokens()).script();
    }

    private Script script() throws ScriptSyntaxException {
        Map<String, String> options = new LinkedHashMap<>();
        List<ScriptEvent> events = new ArrayList<>();
        while (peek().kind() != Kind.END) {
            Token t = peek();
            if (t.kind() == Kind.OPTION) {
                pos++;
                int eq = t.text().indexOf('=');
                options.put(eq < 0 ? t.text() : t.text().substring(0, eq), eq < 0 ? "" : t.text().substring(eq + 1));
            } else {
                events.add(event());
            }
        }
        return new Script(file, options, events);
    }

    private ScriptEvent event() throws ScriptSyntaxException {
        int line = peek().line();
        if (peek().kind() == Kind.SHELL) {
            return new ScriptEvent.Shell(line, EventTime.relative(0), next().text());
        }
        EventTime time = time();
        Token t = peek();
        if (t.kind() == Kind.SHELL) {
            return new ScriptEvent.Shell(line, time, next().text());
        }
        if (t.is("<") || t.is(">")) {
            pos++;
            return packet(line, time, t.is("<"));
        }
        EventTime returnTime = null;
        if (t.is("...")) {
            pos++;
            returnTime = time();
        }
        if (peek().kind() == Kind.WORD) {
            return systemCall(line, time, returnTime);
        }
        throw error(peek(), "expected a packet, a system call or a `command` after the time, found " + peek());
    }

    private EventTime time() throws ScriptSyntaxException {
        if (peek().is("*")) {
            pos++;
            return EventTime.ANY;
        }
        boolean relative = accept("+");
        long start = micros(expect(Kind.NUMBER, "a time"));
        if (!accept("~")) {
            return relative ? EventTime.relative(start) : EventTime.absolute(start);
        }
        boolean endRelative = accept("+");
        long end = micros(expect(Kind.NUMBER, "the end of a time range"));
        return new EventTime(relative ? EventTime.Kind.RELATIVE : EventTime.Kind.ABSOLUTE, start, end, endRelative);
    }

    private long micros(Token t) throws ScriptSyntaxException {
        try {
            return new java.math.BigDecimal(t.text()).movePointRight(6).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw error(t, "bad time " + t + " (seconds, at most to the microsecond)");
        }
    }

    // ---------------------------------------------------------------- packets

    private ScriptEvent packet(int line, EventTime time, boolean inbound) throws ScriptSyntaxException {
        Token first = peek();
        TcpPacketSpec quoted = null;
        if (first.is("[") && tokens.get(pos + 1).kind() == Kind.NUMBER) {
            // packetdrill's older order: the quoted segment before the message, < [1:1461(1460)] icmp ...
            pos++;
            quoted = quotedSegment();
            if (!peek().is("icmp")) {
                throw error(peek(), "expected icmp after a quoted segment, found " + peek());
            }
            first = peek();
        }
        if (first.is("icmp")) {
            pos++;
            return icmp(line, time, inbound, quoted);
        }
        if (first.kind() == Kind.WORD && (first.is("udp") || first.is("udplite") || first.is("gre") || first.is("mpls"))) {
            return unsupported(line, time, first.text() + " packet lines (only TCP and ICMP)");
        }
        return new ScriptEvent.Packet(line, time, inbound, tcpPacket());
    }

    private TcpPacketSpec tcpPacket() throws ScriptSyntaxException {
        return tcpPacket(flags());
    }

    private TcpPacketSpec tcpPacket(String flags) throws ScriptSyntaxException {
        long startSeq = number(expect(Kind.NUMBER, "a sequence number"));
        long endSeq = startSeq;
        int length = 0;
        if (accept(":")) {
            endSeq = number(expect(Kind.NUMBER, "the end sequence number"));
            expectPunct("(");
            length = (int) number(expect(Kind.NUMBER, "the payload length"));
            expectPunct(")");
            if (endSeq - startSeq != length) {
                throw error(previous(), "sequence range " + startSeq + ":" + endSeq + " does not hold " + length + " bytes");
            }
        }
        long ack = -1;
        long window = -1;
        long urgent = -1;
        List<TcpOptionSpec> options = null;
        while (true) {
            if (accept("ack")) {
                ack = number(expect(Kind.NUMBER, "an acknowledgment number"));
            } else if (accept("win")) {
                window = number(expect(Kind.NUMBER, "a window"));
            } else if (accept("urg")) {
                urgent = number(expect(Kind.NUMBER, "an urgent pointer"));
            } else if (accept("<")) {
                if (accept("...")) { // packetdrill's "any options": none are checked
                    expectPunct(">");
                    continue;
                }
                options = options();
            } else {
                return new TcpPacketSpec(TcpPacketSpec.canonicalFlags(flags), startSeq, endSeq, length, ack, window, urgent,
                        options);
            }
        }
    }

    /** Flags are letters and dots written together: {@code S.} is SYN and ACK, {@code .} a bare ACK. */
    private String flags() throws ScriptSyntaxException {
        StringBuilder b = new StringBuilder();
        Token t = peek();
        while ((t.kind() == Kind.WORD || t.is(".")) && (b.isEmpty() || !t.spaceBefore())) {
            for (char c : t.text().toCharArray()) {
                if (FLAG_LETTERS.indexOf(c) < 0) {
                    throw error(t, "unknown TCP flag '" + c + "' (flags are S . F R P U E W)");
                }
            }
            b.append(t.text());
            pos++;
            t = peek();
        }
        if (b.isEmpty()) {
            throw error(t, "expected TCP flags (S . F R P U E W), found " + t);
        }
        return b.toString();
    }

    private List<TcpOptionSpec> options() throws ScriptSyntaxException {
        List<TcpOptionSpec> out = new ArrayList<>();
        if (accept(">")) {
            return out;
        }
        do {
            Token name = expect(Kind.WORD, "a TCP option");
            List<Long> values = new ArrayList<>();
            while (!peek().is(",") && !peek().is(">")) {
                Token v = next();
                if (v.kind() == Kind.NUMBER) {
                    values.add(number(v));
                } else if (!v.is(":") && !(name.is("TS") && (v.is("val") || v.is("ecr")))) {
                    throw error(v, "unexpected " + v + " in TCP option " + name.text());
                }
            }
            out.add(new TcpOptionSpec(name.text(), values));
            checkOption(name, values);
        } while (accept(","));
        expectPunct(">");
        return out;
    }

    private void checkOption(Token name, List<Long> values) throws ScriptSyntaxException {
        int wanted = switch (name.text()) {
            case "nop", "eol", "sackOK" -> 0;
            case "mss", "wscale" -> 1;
            case "TS" -> 2;
            default -> -1;
        };
        if (wanted >= 0 && values.size() != wanted) {
            throw error(name, "TCP option " + name.text() + " takes " + wanted + " number(s), found " + values.size());
        }
        if (name.is("sack") && (values.isEmpty() || values.size() % 2 != 0)) {
            throw error(name, "sack takes blocks start:end");
        }
    }

    /** {@code icmp TYPE [CODE] [mtu N] [[seq]]}: packetdrill's icmp_packet_spec. */
    private ScriptEvent icmp(int line, EventTime time, boolean inbound, TcpPacketSpec quotedBefore)
            throws ScriptSyntaxException {
        String type = expect(Kind.WORD, "an ICMP type after icmp").text();
        String code = null;
        if ((peek().kind() == Kind.WORD && !peek().is("mtu")) || (peek().kind() == Kind.NUMBER && peek().line() == line)) {
            code = next().text();
        }
        long mtu = -1;
        if (accept("mtu")) {
            mtu = number(expect(Kind.NUMBER, "the next-hop MTU"));
        }
        TcpPacketSpec quoted = quotedBefore;
        if (quoted == null && peek().is("[") && peek().line() == line) {
            pos++;
            if (peek().is("udp")) {
                return unsupported(line, time, "an ICMP message quoting a UDP datagram (only TCP)");
            }
            quoted = quotedSegment();
        }
        return new ScriptEvent.Icmp(line, time, inbound, type, code, mtu, quoted);
    }

    /** The rest of a line the runner cannot play, read past: the script parses and is skipped for it. */
    private ScriptEvent unsupported(int line, EventTime time, String what) {
        while (peek().kind() != Kind.END && peek().line() == line) {
            pos++;
        }
        return new ScriptEvent.Unsupported(line, time, what);
    }

    /** The segment an ICMP message quotes, after its '[': {@code 1:1461(1460)}, flags allowed but not needed. */
    private TcpPacketSpec quotedSegment() throws ScriptSyntaxException {
        TcpPacketSpec quoted = peek().kind() == Kind.NUMBER ? tcpPacket("") : tcpPacket();
        expectPunct("]");
        return quoted;
    }

    // ---------------------------------------------------------------- system calls

    private ScriptEvent systemCall(int line, EventTime time, EventTime returnTime) throws ScriptSyntaxException {
        String name = next().text();
        expectPunct("(");
        List<Expression> arguments = arguments(")");
        expectPunct("=");
        Expression result = expression();
        String errno = null;
        if (peek().kind() == Kind.WORD && peek().text().matches("E[A-Z0-9]+")) {
            errno = next().text();
            if (peek().is("(")) {
                skipDescription();
            }
        }
        return new ScriptEvent.SystemCall(line, time, returnTime, name, arguments, result, errno);
    }

    /** {@code (Connection refused)} after an errno is for people; it is read past, parentheses balanced. */
    private void skipDescription() throws ScriptSyntaxException {
        int depth = 0;
        do {
            Token t = next();
            if (t.kind() == Kind.END) {
                throw error(t, "errno description is never closed");
            }
            depth += t.is("(") ? 1 : t.is(")") ? -1 : 0;
        } while (depth > 0);
    }

    private List<Expression> arguments(String close) throws ScriptSyntaxException {
        List<Expression> out = new ArrayList<>();
        if (!accept(close)) {
            do {
                out.add(expression());
            } while (accept(","));
            expectPunct(close);
        }
        return out;
    }

    private Expression expression() throws ScriptSyntaxException {
        Expression first = term();
        if (!peek().is("|")) {
            return first;
        }
        List<Expression> terms = new ArrayList<>(List.of(first));
        while (accept("|")) {
            terms.add(term());
        }
        return new Expression.Or(terms);
    }

    private Expression term() throws ScriptSyntaxException {
        Token t = next();
        if (t.kind() == Kind.NUMBER) {
            return new Expression.Number(number(t));
        }
        if (t.is("-")) {
            return new Expression.Number(-number(expect(Kind.NUMBER, "a number after '-'")));
        }
        if (t.kind() == Kind.STRING) {
            return new Expression.Text(t.text());
        }
        if (t.is("...")) {
            return new Expression.Ellipsis();
        }
        if (t.is("[")) {
            return new Expression.Sequence(arguments("]"));
        }
        if (t.is("{")) {
            return structure();
        }
        if (t.is("&")) {
            return new Expression.AddressOf(expect(Kind.WORD, "a name after '&'").text());
        }
        if (t.kind() == Kind.WORD) {
            if (accept("(")) {
                return new Expression.Call(t.text(), arguments(")"));
            }
            return new Expression.Name(t.text());
        }
        throw error(t, "expected a value, found " + t);
    }

    private Expression structure() throws ScriptSyntaxException {
        List<Expression.Field> fields = new ArrayList<>();
        if (!accept("}")) {
            do {
                if (peek().kind() == Kind.WORD && tokens.get(pos + 1).is("=")) {
                    String name = next().text();
                    pos++;
                    fields.add(new Expression.Field(name, expression()));
                } else {
                    fields.add(new Expression.Field(null, expression()));
                }
            } while (accept(","));
            expectPunct("}");
        }
        return new Expression.Structure(fields);
    }

    // ---------------------------------------------------------------- tokens

    private long number(Token t) throws ScriptSyntaxException {
        try {
            String s = t.text();
            return s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(t, "expected a whole number, found " + t);
        }
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token previous() {
        return tokens.get(Math.max(0, pos - 1));
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.END) {
            pos++;
        }
        return t;
    }

    private boolean accept(String text) {
        if (peek().is(text)) {
            pos++;
            return true;
        }
        return false;
    }

    private Token expect(Kind kind, String what) throws ScriptSyntaxException {
        Token t = peek();
        if (t.kind() != kind) {
            throw error(t, "expected " + what + ", found " + t);
        }
        pos++;
        return t;
    }

    private void expectPunct(String text) throws ScriptSyntaxException {
        if (!accept(text)) {
            throw error(peek(), "expected '" + text + "', found " + peek());
        }
    }

    private ScriptSyntaxException error(Token at, String message) {
        return new ScriptSyntaxException(file, at.line(), message);
    }
}
