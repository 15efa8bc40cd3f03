package teacup.drill;

/**
 * What one script came to, which mode judged it, and whether it ran live (on a TAP, in real
 * time) or in-process. {@code message} is the failure or the skip reason (empty on a pass).
 */
public record DrillResult(String script, Verdict verdict, String message, Mode mode, boolean live) {
    public enum Verdict { PASSED, FAILED, SKIPPED }

    /** Strict checks windows and option lists exactly; portable only flags, numbers, lengths and which options. */
    public enum Mode { STRICT, PORTABLE }

    /** An in-process result. */
    public DrillResult(String script, Verdict verdict, String message, Mode mode) {
        this(script, verdict, message, mode, false);
    }

    /** One line for the report (a failure's message may add the packetdrill-like detail lines below it). */
    public String line() {
        String head = verdict + " " + script + " (" + mode.name().toLowerCase(java.util.Locale.ROOT) + (live ? ", live" : "") + ")";
        return message.isEmpty() ? head : head + ": " + message;
    }
}
