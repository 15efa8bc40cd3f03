package teacup.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a script into tokens. The language is free-form across lines (a structure may span
 * several), so line breaks are not tokens; each token keeps its line for messages and whether
 * space came before it, which tells the flags {@code S.} (one word) from {@code S .}.
 */
final class ScriptLexer {
    enum Kind { NUMBER, WORD, STRING, SHELL, OPTION, PUNCT, END }

    record Token(Kind kind, String text, int line, boolean spaceBefore) {
        boolean is(String punct) {
            return (kind == Kind.PUNCT || kind == Kind.WORD) && text.equals(punct);
        }

        @Override
        public String toString() {
            return kind == Kind.END ? "end of file" : "'" + text + "'";
        }
    }

    private final String file;
    private final String text;
    private int pos;
    private int line = 1;
    private boolean lineStart = true;

    ScriptLexer(String file, String text) {
        this.file = file;
        this.text = text;
    }

    List<Token> tokens() throws ScriptSyntaxException {
        List<Token> out = new ArrayList<>();
        while (true) {
            boolean space = skipSpaceAndComments();
            if (pos >= text.length()) {
                out.add(new Token(Kind.END, "", line, true));
                return out;
            }
            boolean atLineStart = lineStart;
            lineStart = false;
            out.add(next(space, atLineStart));
        }
    }

    private boolean skipSpaceAndComments() throws ScriptSyntaxException {
        boolean skipped = false;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                lineStart = true;
                pos++;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (text.startsWith("//", pos)) {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (text.startsWith("/*", pos)) {
                int start = line;
                int close = text.indexOf("*/", pos + 2);
                if (close < 0) {
                    throw new ScriptSyntaxException(file, start, "comment /* is never closed");
                }
                countLines(pos, close + 2);
                pos = close + 2;
            } else {
                return skipped;
            }
            skipped = true;
        }
        return skipped;
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
    }

    private Token next(boolean space, boolean atLineStart) throws ScriptSyntaxException {
        char c = text.charAt(pos);
        int start = pos;
        if (atLineStart && text.startsWith("--", pos)) {
            while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.OPTION, text.substring(start + 2, pos), line, space);
        }
        boolean fraction = c == '.' && pos + 1 < text.length() && Character.isDigit(text.charAt(pos + 1));
        if (Character.isDigit(c) || fraction) {
            return number(space);
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            return new Token(Kind.WORD, text.substring(start, pos), line, space);
        }
        if (c == '"') {
            return quoted('"', Kind.STRING, space);
        }
        if (c == '`') {
            return quoted('`', Kind.SHELL, space);
        }
        if (text.startsWith("...", pos)) {
            pos += 3;
            return new Token(Kind.PUNCT, "...", line, space);
        }
        if ("()[]{},=<>:.&|-+*~;".indexOf(c) >= 0) {
            pos++;
            return new Token(Kind.PUNCT, String.valueOf(c), line, space);
        }
        throw new ScriptSyntaxException(file, line, "unexpected character '" + c + "'");
    }

    private Token number(boolean space) {
        int start = pos;
        if (text.startsWith("0x", pos) || text.startsWith("0X", pos)) {
            pos += 2;
            while (pos < text.length() && Character.digit(text.charAt(pos), 16) >= 0) {
                pos++;
            }
            return new Token(Kind.NUMBER, text.substring(start, pos), line, space);
        }
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        // ".1" is a time too, as in "+.1"; a fraction only when a digit follows the dot: "0...0.2" is 0, an ellipsis, then 0.2.
        if (pos + 1 < text.length() && text.charAt(pos) == '.' && Character.isDigit(text.charAt(pos + 1))) {
            pos++;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
        }
        return new Token(Kind.NUMBER, text.substring(start, pos), line, space);
    }

    private Token quoted(char quote, Kind kind, boolean space) throws ScriptSyntaxException {
        int startLine = line;
        int close = text.indexOf(quote, pos + 1);
        if (close < 0) {
            throw new ScriptSyntaxException(file, startLine, (quote == '`' ? "shell command" : "string") + " is never closed");
        }
        String body = text.substring(pos + 1, close);
        countLines(pos, close);
        pos = close + 1;
        return new Token(kind, body, startLine, space);
    }
}
