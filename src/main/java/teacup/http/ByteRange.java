package teacup.http;

/**
 * What a {@code Range} header asks of a representation of a known length (RFC 9110 section 14):
 * the whole of it, one part of it, or nothing it has.
 *
 * <p>Choices, all allowed by RFC 9110 14.2 (a server may ignore Range): a header that does not
 * parse, names a unit other than {@code bytes}, or lists more than {@link #MAX_RANGES} ranges is
 * ignored; so is any Range on an empty file. A request for several ranges is answered with the
 * whole file (200) rather than a multipart body, which every client handles and which costs the
 * server no more than the ranges would; when none of them is satisfiable, the answer is 416.
 */
public sealed interface ByteRange {
    /** Beyond this many ranges the header is ignored: parsing cost stays bounded whatever a client sends. */
    int MAX_RANGES = 64;

    /** Send the whole representation (status 200). */
    record Whole() implements ByteRange {
    }

    /** Send bytes {@code first} to {@code last}, both inclusive (status 206 with Content-Range). */
    record Part(long first, long last) implements ByteRange {
        public long length() {
            return last - first + 1;
        }

        /** The Content-Range value for this part of a representation of {@code total} bytes. */
        public String contentRange(long total) {
            return "bytes " + first + "-" + last + "/" + total;
        }
    }

    /** None of the ranges overlaps the representation (status 416 with {@code Content-Range: bytes *}{@code /length}). */
    record Unsatisfiable() implements ByteRange {
    }

    /** The Range header {@code header} (null: none) applied to a representation of {@code length} bytes. */
    static ByteRange of(String header, long length) {
        if (header == null || length <= 0) {
            return new Whole();
        }
        String text = header.strip();
        int equals = text.indexOf('=');
        if (equals < 0 || !text.substring(0, equals).strip().equalsIgnoreCase("bytes")) {
            return new Whole();
        }
        String[] specs = text.substring(equals + 1).split(",", MAX_RANGES + 2);
        if (specs.length > MAX_RANGES) {
            return new Whole();
        }
        Part only = null;
        int satisfiable = 0;
        int given = 0;
        for (String raw : specs) {
            String spec = raw.strip();
            if (spec.isEmpty()) {
                continue; // the list rule (RFC 9110 5.6.1) lets empty elements be skipped
            }
            given++;
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return new Whole();
            }
            String firstText = spec.substring(0, dash);
            String lastText = spec.substring(dash + 1);
            Part part;
            if (firstText.isEmpty()) {
                // suffix-range: the final N bytes; N = 0 asks for nothing.
                long suffix = number(lastText);
                if (suffix < 0) {
                    return new Whole();
                }
                part = suffix == 0 ? null : new Part(Math.max(0, length - suffix), length - 1);
            } else {
                long first = number(firstText);
                long last = lastText.isEmpty() ? Long.MAX_VALUE : number(lastText);
                if (first < 0 || last < 0 || last < first) {
                    return new Whole(); // an invalid range-spec makes the whole header invalid
                }
                part = first >= length ? null : new Part(first, Math.min(last, length - 1));
            }
            if (part != null) {
                satisfiable++;
                only = part;
            }
        }
        if (given == 0) {
            return new Whole();
        }
        if (satisfiable == 0) {
            return new Unsatisfiable();
        }
        return given == 1 ? only : new Whole();
    }

    /** Decimal digits as a value (saturating at Long.MAX_VALUE); -1 when {@code text} is not all digits. */
    private static long number(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            int digit = c - '0';
            value = value > (Long.MAX_VALUE - digit) / 10 ? Long.MAX_VALUE : value * 10 + digit;
        }
        return value;
    }
}
