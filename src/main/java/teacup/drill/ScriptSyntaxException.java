package teacup.drill;

/** A script that does not parse; the message is {@code file:line: what is wrong}, like a compiler's. */
public final class ScriptSyntaxException extends Exception {
    public ScriptSyntaxException(String file, int line, String message) {
        super(file + ":" + line + ": " + message);
    }
}
