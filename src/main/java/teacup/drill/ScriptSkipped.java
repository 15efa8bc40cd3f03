package teacup.drill;

/** The engine met something it cannot map onto teacup; the script is skipped with this reason, never passed. */
final class ScriptSkipped extends RuntimeException {
    ScriptSkipped(String reason) {
        super(reason, null, false, false);
    }
}
