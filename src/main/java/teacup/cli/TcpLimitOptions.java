package teacup.cli;

import java.io.IOException;
import picocli.CommandLine.Option;
import teacup.stack.NetStack;
import teacup.tcp.TcpSettings;

/**
 * The bounds on what a hostile or vanished peer can make the stack hold (README, "Limits"), for the
 * commands that serve peers (serve, daemon, nc): orphans (connections closed by the application
 * that still finish on their own), half-open connections, the least MSS taken from a peer and the
 * segments a connection sends per turn of the event loop. Each has a counter in the statistics.
 */
final class TcpLimitOptions {
    private static final TcpSettings DEFAULTS = TcpSettings.defaults();

    @Option(names = "--max-orphans", paramLabel = "N", defaultValue = "1024",
            description = "closed connections still finishing (orphans) held at most; past it the oldest is reset"
                    + " (default: ${DEFAULT-VALUE})")
    int maxOrphans;

    @Option(names = "--orphan-retries", paramLabel = "N", defaultValue = "6",
            description = "timeouts in a row, or unanswered zero-window probes, before an orphan is reset (default: ${DEFAULT-VALUE})")
    int orphanRetries;

    @Option(names = "--orphan-lifetime", paramLabel = "SECS", defaultValue = "120",
            description = "the longest an orphan goes on with data or FIN unacknowledged, answered or not (0: no bound;"
                    + " default: ${DEFAULT-VALUE})")
    double orphanLifetime;

    @Option(names = "--syn-ack-retries", paramLabel = "N", defaultValue = "5",
            description = "SYN-ACKs a half-open connection sends before it is forgotten (default: ${DEFAULT-VALUE})")
    int synAckRetries;

    @Option(names = "--min-mss", paramLabel = "BYTES", defaultValue = "48",
            description = "the least MSS taken from a peer; a smaller one is raised to it (41 to 536; default: ${DEFAULT-VALUE})")
    int minMss;

    @Option(names = "--segments-per-turn", paramLabel = "N", defaultValue = "256",
            description = "segments one connection sends at most per turn of the event loop (default: ${DEFAULT-VALUE})")
    int segmentsPerTurn;

    private TcpSettings settings;

    /** Checked before anything is opened; throws UsageException with one clear line. */
    void check() {
        if (maxOrphans < 1) {
            throw new UsageException("--max-orphans must be at least 1, not " + maxOrphans);
        }
        if (orphanRetries < 0 || orphanRetries > DEFAULTS.maxRetransmissions()) {
            throw new UsageException("--orphan-retries must be 0 to " + DEFAULTS.maxRetransmissions() + ", not " + orphanRetries);
        }
        if (!(orphanLifetime >= 0) || orphanLifetime > 86_400) {
            throw new UsageException("--orphan-lifetime must be 0 to 86400 seconds");
        }
        if (synAckRetries < 0 || synAckRetries > 20) {
            throw new UsageException("--syn-ack-retries must be 0 to 20, not " + synAckRetries);
        }
        if (segmentsPerTurn < 1) {
            throw new UsageException("--segments-per-turn must be at least 1, not " + segmentsPerTurn);
        }
        try {
            settings = DEFAULTS.toBuilder().orphanRetries(orphanRetries).orphanLifetime((long) (orphanLifetime * 1e9))
                    .synAckRetries(synAckRetries).minSendMss(minMss).sendSegmentsPerTurn(segmentsPerTurn).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--min-mss must be 41 to " + TcpSettings.DEFAULT_SEND_MSS + ", not " + minMss);
        }
    }

    /** Applies the limits to the stack: its orphan bound, and the settings its sockets start from. */
    void apply(NetStack stack) throws IOException {
        if (settings == null) {
            check();
        }
        stack.tcpDefaults(settings);
        stack.call(() -> {
            stack.tcp().orphanLimit(maxOrphans);
            return null;
        });
    }
}
