package teacup.proxy;

/** {@code --forward PORT=HOST:PORT}: teacup's port {@code listenPort} relayed to the kernel side's {@code target}. */
public record ForwardRule(int listenPort, HostPort target) {

    /** Parses {@code PORT=HOST:PORT}; throws IllegalArgumentException saying what is wrong. */
    public static ForwardRule parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("give PORT=HOST:PORT, not '" + text + "'");
        }
        return new ForwardRule(HostPort.port(text.substring(0, eq), false), HostPort.parse(text.substring(eq + 1), false));
    }

    @Override
    public String toString() {
        return listenPort + "=" + target;
    }
}
