package teacup.cli;

/** A mistake in how teacup was invoked: printed as one line, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
