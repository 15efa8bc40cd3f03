package teacup.drill;

/** teacup did not do what the script says; the message is packetdrill-like, with the script line. */
final class ScriptFailed extends RuntimeException {
    ScriptFailed(String message) {
        super(message, null, false, false);
    }
}
