package teacup.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import teacup.link.Link;
import teacup.wire.Ipv4Address;

/**
 * The link a command uses when it is given no link options: the TAP {@code teacup setup}
 * recorded in the host's config file; with no config, as root, a {@link HostSetup.Temporary}
 * set-up made for this run and removed when the link closes; as anyone else, a {@link NotSetUp}
 * whose one line says what to run.
 */
public final class HostSetupLink {
    private final HostConfig config;
    private final Path file;
    private final HostSetup.Temporary temporary;

    private HostSetupLink(HostConfig config, Path file, HostSetup.Temporary temporary) {
        this.config = config;
        this.file = file;
        this.temporary = temporary;
    }

    /** Opens a link inside the set-up's namespace: the command's own opener. */
    @FunctionalInterface
    public interface Opener {
        Link open() throws IOException;
    }

    /**
     * There is no set-up this process may use: a mistake in how the command was called (no link
     * options), whose one-line message says what to give or run instead.
     */
    public static final class NotSetUp extends Exception {
        NotSetUp(String message) {
            super(message);
        }
    }

    /**
     * Finds the host's set-up. Throws {@link NotSetUp} when there is none to use, and an
     * IOException, its message one clear line, when there is one that cannot be used.
     */
    public static HostSetupLink find() throws NotSetUp, IOException {
        if (HostConfig.hostSetupForbidden()) {
            throw new NotSetUp("no link: give --tap NAME or --interface IFACE (this JVM may not use the host's teacup setup)");
        }
        Path file = HostConfig.path();
        Optional<HostConfig> config;
        try {
            config = HostConfig.load(file);
        } catch (IOException e) {
            throw new IOException("cannot use " + e.getMessage() + " (fix it, or run: sudo teacup setup --undo)", e);
        }
        if (config.isPresent()) {
            return new HostSetupLink(config.get(), file, null);
        }
        if (!SystemCommand.isRoot()) {
            String user = System.getProperty("user.name", "$USER");
            throw new NotSetUp("no link options and no teacup setup on this host (" + file + "): run once"
                    + " 'sudo teacup setup --user " + user + "', or give --tap NAME or --interface IFACE with --ip A.B.C.D/N");
        }
        try {
            HostSetup.Temporary temporary = HostSetup.Temporary.plan();
            return new HostSetupLink(temporary.config(), null, temporary);
        } catch (IOException e) {
            throw new IOException("no teacup setup (" + file + "), and a temporary one cannot be made: " + e.getMessage(), e);
        }
    }

    public String tap() {
        return config.tap();
    }

    public String address() {
        return config.address().toString();
    }

    public String gateway() {
        return config.gateway().toString();
    }

    public List<Ipv4Address> dns() {
        return config.dns();
    }

    public String describe() {
        return "tap " + config.tap() + (temporary != null ? " (temporary set-up, removed on exit)" : " (from " + file + ")");
    }

    /**
     * Opens the link with {@code opener}: for a temporary set-up, makes it first and returns a
     * link whose close removes it again; for the recorded one, explains a TAP that will not open
     * (a reboot removes persistent TAPs; setup run again remakes it).
     */
    public Link open(Opener opener) throws IOException {
        if (temporary != null) {
            temporary.apply();
            try {
                Link link = temporary.removedOnClose(opener.open());
                System.err.printf("teacup: no teacup setup (%s); made a temporary one for this run: TAP %s, teacup %s,"
                        + " gateway %s (removed on exit)%n", HostConfig.path(), config.tap(), config.address(), config.gateway());
                return link;
            } catch (IOException | RuntimeException e) {
                temporary.close();
                throw e;
            }
        }
        try {
            return opener.open();
        } catch (IOException e) {
            throw new IOException("cannot open TAP " + config.tap() + " named in " + file + ": " + e.getMessage()
                    + " (only the user setup named may open it; after a reboot, run 'sudo teacup setup' again)", e);
        }
    }
}
