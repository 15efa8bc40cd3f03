package teacup.host;

import java.io.IOException;
import java.time.Duration;
import teacup.link.TapLink;
import teacup.os.NetworkNamespace;

/**
 * A private network namespace holding one TAP device whose kernel side has an address, for
 * demos and interop tests: teacup attaches to the TAP from inside the namespace, so every frame
 * stays between teacup and that namespace's kernel. {@link #close()} deletes the namespace and
 * with it the TAP.
 */
public final class PrivateNetwork implements AutoCloseable {
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);

    private final String namespace;
    private final String tap;
    private boolean closed;

    private PrivateNetwork(String namespace, String tap) {
        this.namespace = namespace;
        this.tap = tap;
    }

    /**
     * Creates namespace {@code namespace} with a persistent TAP named {@code tap}, whose kernel
     * side gets {@code kernelCidr} (e.g. 198.18.0.1/24) and is brought up. With a null
     * {@code kernelCidr} the kernel side has no IPv4 address at all, so the kernel's own TCP and ICMP
     * never answer what teacup sends (a packet socket on that side can then play the peer).
     */
    public static PrivateNetwork create(String namespace, String tap, String kernelCidr, int mtu) throws IOException {
        SystemCommand.check(IP_TIMEOUT, "ip", "netns", "add", namespace);
        PrivateNetwork net = new PrivateNetwork(namespace, tap);
        try {
            net.ip("link", "set", "lo", "up");
            net.ip("tuntap", "add", "dev", tap, "mode", "tap");
            net.ip("link", "set", tap, "mtu", Integer.toString(mtu), "txqueuelen", Integer.toString(HostSetup.TAP_QUEUE_LENGTH));
            if (kernelCidr != null) {
                net.ip("addr", "add", kernelCidr, "dev", tap);
            }
            net.ip("link", "set", tap, "up");
            return net;
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** Runs {@code ip -n NAMESPACE args...}. */
    public String ip(String... args) throws IOException {
        String[] argv = new String[args.length + 3];
        argv[0] = "ip";
        argv[1] = "-n";
        argv[2] = namespace;
        System.arraycopy(args, 0, argv, 3, args.length);
        return SystemCommand.check(IP_TIMEOUT, argv);
    }

    /** The argv prefix that runs a program inside the namespace: {@code ip netns exec NAME}. */
    public String[] exec(String... program) {
        String[] argv = new String[program.length + 4];
        argv[0] = "ip";
        argv[1] = "netns";
        argv[2] = "exec";
        argv[3] = namespace;
        System.arraycopy(program, 0, argv, 4, program.length);
        return argv;
    }

    /** Attaches a TapLink to the namespace's TAP (opened from inside the namespace). */
    public TapLink openTap(int mtu) throws IOException {
        return openTap(mtu, false);
    }

    /** As {@link #openTap(int)}; with {@code offload}, checksum and TCP segmentation offload on (see {@link TapLink}). */
    public TapLink openTap(int mtu, boolean offload) throws IOException {
        return openTap(mtu, offload, TapLink.batchByDefault());
    }

    /** As {@link #openTap(int, boolean)}; {@code batch} as in {@link TapLink#open(String, int, boolean, boolean)}. */
    public TapLink openTap(int mtu, boolean offload, boolean batch) throws IOException {
        return openTap(mtu, offload, batch, TapLink.softwareSegmentationByDefault());
    }

    /** As {@link #openTap(int, boolean, boolean)}; {@code cut} as in {@link TapLink#open(String, int, boolean, boolean, boolean)}. */
    public TapLink openTap(int mtu, boolean offload, boolean batch, boolean cut) throws IOException {
        try {
            return NetworkNamespace.callIn(namespace, () -> TapLink.open(tap, mtu, offload, batch, cut));
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot open TAP " + tap + " in " + namespace + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@link #close()} has deleted the namespace. */
    public synchronized boolean isClosed() {
        return closed;
    }

    public String namespace() {
        return namespace;
    }

    public String tap() {
        return tap;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            SystemCommand.check(IP_TIMEOUT, "ip", "netns", "del", namespace);
        }
    }
}
