package dev.panamax.examples.mnist;

/**
 * A command line that cannot work on any machine: an unknown name, a value out of range, options
 * that contradict each other. The command prints the message as its one {@code error:} line and
 * exits with 2, as picocli does for a value it cannot parse; a failure of the files or of the
 * training exits with 1.
 */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
