package teacup.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HeaderElements;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.HttpServerRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Answers GET and HEAD with files under one root directory: ranges, validators and conditional
 * requests, index.html or (when enabled) a listing for directories. Every other method is 405.
 *
 * <p>The path is the request target's path, percent-decoded as UTF-8 segment by segment. A
 * segment that decodes to {@code ..}, or holds a slash, backslash or NUL, ends the request with
 * 400, before the file system is asked anything. The remaining segments are resolved under the
 * root and the result's real path (symbolic links followed) must still lie under the root's real
 * path, or the answer is 404: a link inside the root that leads out of it serves nothing.
 */
final class FileRequestHandler implements HttpServerRequestHandler {
    /** A listing stops after this many entries, so one huge directory cannot take the server's memory. */
    static final int MAX_LISTED = 10_000;
    /** A request body up to this size is read and dropped, keeping the connection; a larger one closes it. */
    static final long MAX_DISCARDED_BODY = 64 * 1024;

    private static final ContentType TEXT = ContentType.parse(ContentTypes.forFileName("x.txt"));
    private static final ContentType HTML = ContentType.parse(ContentTypes.forFileName("x.html"));

    private final Path root;
    private final boolean listDirectories;
    private final BooleanSupplier stopping;

    /** {@code root} must be a real path (see {@link Path#toRealPath}); {@code stopping} true makes every answer close its connection. */
    FileRequestHandler(Path root, boolean listDirectories, BooleanSupplier stopping) {
        this.root = root;
        this.listDirectories = listDirectories;
        this.stopping = stopping;
    }

    @Override
    public void handle(ClassicHttpRequest request, ResponseTrigger trigger, HttpContext context)
            throws HttpException, IOException {
        ClassicHttpResponse response;
        try {
            response = respond(request);
        } catch (AccessDeniedException e) {
            response = error(HttpStatus.SC_FORBIDDEN, "Forbidden");
        } catch (NoSuchFileException e) {
            // gone between the look-up and the read
            response = error(HttpStatus.SC_NOT_FOUND, "Not Found");
        } catch (IOException | RuntimeException e) {
            // A file system failure (or a fault of ours) is the server's error, said as such, not a dropped connection.
            response = error(HttpStatus.SC_INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        HttpEntity body = request.getEntity();
        if (body != null && (body.getContentLength() < 0 || body.getContentLength() > MAX_DISCARDED_BODY)) {
            // Nothing here uses a request body, and HttpService would read all of it before the next
            // request: a small one is read and dropped, a large or chunked one ends the connection instead.
            request.setEntity(null);
            response.setHeader(HttpHeaders.CONNECTION, HeaderElements.CLOSE);
        }
        if (stopping.getAsBoolean()) {
            // The server is shutting down: finish this exchange, then let the connection go.
            response.setHeader(HttpHeaders.CONNECTION, HeaderElements.CLOSE);
        }
        trigger.submitResponse(response);
    }

    ClassicHttpResponse respond(ClassicHttpRequest request) throws IOException {
        String method = request.getMethod();
        // Method names are case-sensitive (RFC 9110 9.1): "get" is not GET.
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            ClassicHttpResponse r = error(HttpStatus.SC_METHOD_NOT_ALLOWED, "Method Not Allowed");
            r.setHeader(HttpHeaders.ALLOW, "GET, HEAD");
            return r;
        }
        List<String> segments = segments(request.getPath());
        if (segments == null) {
            return error(HttpStatus.SC_BAD_REQUEST, "Bad Request");
        }
        Path target = root;
        for (String s : segments) {
            target = target.resolve(s);
        }
        String path = pathOf(request.getPath());
        boolean slash = path.endsWith("/");
        Path real = inside(target);
        if (real == null) {
            return error(HttpStatus.SC_NOT_FOUND, "Not Found");
        }
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        if (attributes.isDirectory()) {
            if (!slash) {
                // Relative links in the directory's page resolve against its URL, so it must end in '/'.
                ClassicHttpResponse r = error(HttpStatus.SC_MOVED_PERMANENTLY, "Moved Permanently");
                // Built from the checked segments, never from the raw target, so "//host" cannot become an off-site redirect.
                r.setHeader(HttpHeaders.LOCATION, segments.isEmpty() ? "/" : encodedPath(segments) + "/");
                return r;
            }
            Path index = inside(real.resolve("index.html"));
            if (index != null && Files.isRegularFile(index)) {
                return file(request, index, head);
            }
            if (listDirectories) {
                return listing(real, segments);
            }
            return error(HttpStatus.SC_NOT_FOUND, "Not Found");
        }
        if (!attributes.isRegularFile() || slash) {
            // Devices, FIFOs and sockets are not files to send (a FIFO would block the reader forever).
            return error(HttpStatus.SC_NOT_FOUND, "Not Found");
        }
        return file(request, real, head);
    }

    // ---------------------------------------------------------------- paths

    /** The path part of a request target: origin-form as it is, absolute-form without scheme and authority. */
    private static String pathOf(String target) {
        String t = target == null ? "" : target;
        int query = t.indexOf('?');
        if (query >= 0) {
            t = t.substring(0, query);
        }
        int fragment = t.indexOf('#');
        if (fragment >= 0) {
            t = t.substring(0, fragment);
        }
        if (!t.startsWith("/")) {
            int scheme = t.indexOf("://");
            if (scheme > 0) {
                int slash = t.indexOf('/', scheme + 3);
                t = slash < 0 ? "/" : t.substring(slash);
            }
        }
        return t;
    }

    /**
     * The decoded segments of the target's path, empty and "." segments left out; null when the
     * target is not a path or any segment is not allowed (see the class comment).
     */
    static List<String> segments(String target) {
        String path = pathOf(target);
        if (!path.startsWith("/")) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String raw : path.substring(1).split("/", -1)) {
            String s = decode(raw);
            if (s == null || s.equals("..") || s.indexOf('/') >= 0 || s.indexOf('\\') >= 0 || s.indexOf('\0') >= 0) {
                return null;
            }
            if (!s.isEmpty() && !s.equals(".")) {
                out.add(s);
            }
        }
        return out;
    }

    /** Percent-decodes one segment as UTF-8; null on a broken escape or bytes that are not UTF-8. */
    private static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 3);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else {
                bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        bytes.flip();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The real path of {@code p} when it exists and lies under the root; null otherwise. */
    private Path inside(Path p) {
        try {
            Path real = p.toRealPath();
            return real.startsWith(root) ? real : null;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** "/a%20b/c" for segments ["a b", "c"]: every byte outside RFC 3986's unreserved set escaped. */
    static String encodedPath(List<String> segments) {
        StringBuilder b = new StringBuilder();
        for (String s : segments) {
            b.append('/');
            encode(b, s);
        }
        return b.isEmpty() ? "/" : b.toString();
    }

    private static void encode(StringBuilder b, String segment) {
        for (byte x : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
    }

    // ---------------------------------------------------------------- files

    private ClassicHttpResponse file(ClassicHttpRequest request, Path real, boolean head) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (AccessDeniedException e) {
            return error(HttpStatus.SC_FORBIDDEN, "Forbidden");
        } catch (IOException e) {
            return error(HttpStatus.SC_NOT_FOUND, "Not Found");
        }
        boolean handedOver = false;
        try {
            long length = channel.size();
            // Second resolution: HTTP dates carry no fraction, and comparisons must agree with what we send.
            Instant modified = Files.getLastModifiedTime(real).toInstant().truncatedTo(ChronoUnit.SECONDS);
            String etag = "\"" + Long.toHexString(length) + "-" + Long.toHexString(modified.getEpochSecond()) + "\"";
            String lastModified = HttpDate.format(modified);

            if (notModified(request, etag, modified)) {
                ClassicHttpResponse r = new BasicClassicHttpResponse(HttpStatus.SC_NOT_MODIFIED);
                validators(r, etag, lastModified);
                return r;
            }
            String contentType = ContentTypes.forFileName(real.getFileName().toString());
            // Range applies to GET only (RFC 9110 14.2); If-Range turns it off when the file has changed.
            ByteRange range = head || !ifRangeHolds(request, etag, lastModified)
                    ? new ByteRange.Whole() : ByteRange.of(rangeHeader(request), length);
            ClassicHttpResponse r;
            switch (range) {
                case ByteRange.Whole whole -> {
                    r = new BasicClassicHttpResponse(HttpStatus.SC_OK);
                    r.setEntity(new FileBody(channel, 0, length, contentType));
                    handedOver = true;
                }
                case ByteRange.Part part -> {
                    r = new BasicClassicHttpResponse(HttpStatus.SC_PARTIAL_CONTENT);
                    r.setHeader(HttpHeaders.CONTENT_RANGE, part.contentRange(length));
                    r.setEntity(new FileBody(channel, part.first(), part.length(), contentType));
                    handedOver = true;
                }
                case ByteRange.Unsatisfiable none -> {
                    r = error(HttpStatus.SC_REQUESTED_RANGE_NOT_SATISFIABLE, "Range Not Satisfiable");
                    r.setHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + length);
                }
            }
            r.setHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
            validators(r, etag, lastModified);
            return r;
        } finally {
            if (!handedOver) {
                channel.close();
            }
        }
    }

    private static void validators(ClassicHttpResponse r, String etag, String lastModified) {
        r.setHeader(HttpHeaders.ETAG, etag);
        r.setHeader(HttpHeaders.LAST_MODIFIED, lastModified);
    }

    /** Several Range fields are one list (RFC 9110 5.3); none is null. */
    private static String rangeHeader(ClassicHttpRequest request) {
        Header[] fields = request.getHeaders(HttpHeaders.RANGE);
        if (fields.length == 0) {
            return null;
        }
        StringBuilder b = new StringBuilder(fields[0].getValue());
        for (int i = 1; i < fields.length; i++) {
            b.append(',').append(fields[i].getValue().replaceFirst("(?i)^\\s*bytes\\s*=", ""));
        }
        return b.toString();
    }

    /**
     * RFC 9110 13.1.2 and 13.1.3 for GET and HEAD: If-None-Match (weak comparison) decides when
     * present; only without it does If-Modified-Since count.
     */
    private static boolean notModified(ClassicHttpRequest request, String etag, Instant modified) {
        Header noneMatch = request.getFirstHeader(HttpHeaders.IF_NONE_MATCH);
        if (noneMatch != null) {
            for (Header h : request.getHeaders(HttpHeaders.IF_NONE_MATCH)) {
                for (String tag : h.getValue().split(",")) {
                    String t = tag.strip();
                    if (t.equals("*") || opaque(t).equals(opaque(etag))) {
                        return true;
                    }
                }
            }
            return false;
        }
        Header since = request.getFirstHeader(HttpHeaders.IF_MODIFIED_SINCE);
        Instant date = since == null ? null : HttpDate.parse(since.getValue());
        return date != null && !modified.isAfter(date);
    }

    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    /**
     * RFC 9110 13.1.5: a Range counts only if If-Range, when present, still matches: our strong
     * ETag exactly, or a date exactly equal to Last-Modified.
     */
    private static boolean ifRangeHolds(ClassicHttpRequest request, String etag, String lastModified) {
        Header ifRange = request.getFirstHeader(HttpHeaders.IF_RANGE);
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.getValue().strip();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return v.equals(etag);
        }
        Instant date = HttpDate.parse(v);
        return date != null && date.equals(HttpDate.parse(lastModified));
    }

    // ---------------------------------------------------------------- listings and errors

    private static ClassicHttpResponse listing(Path dir, List<String> segments) throws IOException {
        List<Path> entries = new ArrayList<>();
        int more = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (entries.size() < MAX_LISTED) {
                    entries.add(p);
                } else {
                    more++;
                }
            }
        }
        entries.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        String title = html(segments.isEmpty() ? "/" : String.join("/", segments.stream().map(s -> "/" + s).toList()) + "/");
        StringBuilder page = new StringBuilder(256 + entries.size() * 80);
        page.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ").append(title)
                .append("</title></head>\n<body><h1>Index of ").append(title).append("</h1>\n<ul>\n");
        if (!segments.isEmpty()) {
            page.append("<li><a href=\"../\">../</a></li>\n");
        }
        for (Path p : entries) {
            String name = p.getFileName().toString();
            boolean directory = Files.isDirectory(p);
            StringBuilder href = new StringBuilder();
            // Every ':' is escaped, so a name such as "javascript:x" cannot turn into a scheme.
            encode(href, name);
            page.append("<li><a href=\"").append(href).append(directory ? "/" : "").append("\">").append(html(name))
                    .append(directory ? "/" : "").append("</a></li>\n");
        }
        if (more > 0) {
            page.append("<li>(").append(more).append(" more not listed)</li>\n");
        }
        page.append("</ul>\n</body></html>\n");
        ClassicHttpResponse r = new BasicClassicHttpResponse(HttpStatus.SC_OK);
        r.setEntity(new StringEntity(page.toString(), HTML));
        return r;
    }

    static String html(String text) {
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A short text/plain answer such as "404 Not Found". */
    static ClassicHttpResponse error(int status, String reason) {
        ClassicHttpResponse r = new BasicClassicHttpResponse(status, reason);
        r.setEntity(new StringEntity(status + " " + reason + "\n", TEXT));
        return r;
    }
}
