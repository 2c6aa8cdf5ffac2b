package dev.panamax.distributed;

/**
 * A collective operation could not complete: a rank did not arrive in time, left the group, or
 * was interrupted. The group is broken after it; the message says which rank and operation.
 */
public final class CollectiveException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with its message. */
    public CollectiveException(String message) {
        super(message);
    }

    /** An exception with its message and cause. */
    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
