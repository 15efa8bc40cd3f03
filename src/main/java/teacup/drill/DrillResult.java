package teacup.drill;

/** What one script came to, and which mode judged it. {@code message} is the failure or the skip reason (empty on a pass). */
public record DrillResult(String script, Verdict verdict, String message, Mode mode) {
    public enum Verdict { PASSED, FAILED, SKIPPED }

    /** Strict checks windows and option lists exactly; portable only flags, numbers, lengths and which options. */
    public enum Mode { STRICT, PORTABLE }

    /** One line for the report (a failure's message may add the packetdrill-like detail lines below it). */
    public String line() {
        String head = verdict + " " + script + " (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")";
        return message.isEmpty() ? head : head + ": " + message;
    }
}
