package teacup.proxy;

/** {@code HOST:PORT} from a command line: a name or IPv4 address, a colon, a port. */
public record HostPort(String host, int port) {

    /**
     * Parses {@code text}; {@code allowZero} lets port 0 stand for "any free port" (for a
     * listening address). Throws IllegalArgumentException saying what is wrong.
     */
    public static HostPort parse(String text, boolean allowZero) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("give HOST:PORT, not '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("IPv6 addresses are not supported: '" + text + "'");
        }
        return new HostPort(host, port(text.substring(colon + 1), allowZero));
    }

    /** A port number 1 to 65535 (or 0 when {@code allowZero}). */
    static int port(String text, boolean allowZero) {
        int min = allowZero ? 0 : 1;
        try {
            int port = Integer.parseInt(text);
            if (port >= min && port <= 65535 && text.chars().allMatch(Character::isDigit)) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("port must be a number from " + min + " to 65535, not '" + text + "'");
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
