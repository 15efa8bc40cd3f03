package teacup.cli;

import java.io.IOException;
import picocli.CommandLine.Option;
import teacup.stack.NetStack;

/**
 * {@code --max-orphans N}, for the commands that serve many peers (serve, daemon): the stack-wide
 * bound on connections closed by the application that still finish on their own; a close past it
 * resets the oldest (counted as TCP_ORPHANS_RESET).
 */
final class OrphanLimitOption {
    @Option(names = "--max-orphans", paramLabel = "N", defaultValue = "1024",
            description = "closed connections still finishing (orphans) held at most; past it the oldest is reset"
                    + " (default: ${DEFAULT-VALUE})")
    int maxOrphans;

    /** Checked before anything is opened. */
    void check() {
        if (maxOrphans < 1) {
            throw new UsageException("--max-orphans must be at least 1, not " + maxOrphans);
        }
    }

    void apply(NetStack stack) throws IOException {
        stack.call(() -> {
            stack.tcp().orphanLimit(maxOrphans);
            return null;
        });
    }
}
