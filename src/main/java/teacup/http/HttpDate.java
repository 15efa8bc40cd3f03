package teacup.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110 5.6.7): always sent as IMF-fixdate; on input IMF-fixdate is accepted
 * (with the JDK's RFC 1123 reading as a fallback for single-digit days); anything else counts as no
 * date, which makes the conditional that carried it be ignored, as 13.1.3 and 13.1.4 ask.
 */
final class HttpDate {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private HttpDate() {
    }

    static String format(Instant time) {
        return IMF_FIXDATE.format(time);
    }

    /** The instant {@code text} names, or null when it is not a date we read. */
    static Instant parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip();
        try {
            return Instant.from(IMF_FIXDATE.parse(t));
        } catch (DateTimeParseException e) {
            try {
                return Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(t));
            } catch (DateTimeParseException again) {
                return null;
            }
        }
    }
}
