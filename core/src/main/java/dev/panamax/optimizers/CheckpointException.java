package dev.panamax.optimizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A checkpoint file that cannot be loaded into an optimizer: truncated or corrupt (its checksum
 * does not match), not a Panamax optimizer checkpoint, or the state of another optimizer (class,
 * config) or model (variable names, shapes, dtypes). Thrown by {@link Optimizer#load} and
 * {@link Optimizers#load} before anything is written, so the optimizer is unchanged. The message
 * starts with the file and names the key, what was expected and what the file holds.
 */
public final class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file   the checkpoint file
     * @param reason what is wrong, naming the key, the expected and the found value
     */
    public CheckpointException(Path file, String reason) {
        super(Objects.requireNonNull(file, "file") + ": " + reason);
        this.file = file;
    }

    /**
     * @param file   the checkpoint file
     * @param reason what is wrong
     * @param cause  the error behind it (a JSON parser's, for example)
     */
    public CheckpointException(Path file, String reason, Throwable cause) {
        super(Objects.requireNonNull(file, "file") + ": " + reason, cause);
        this.file = file;
    }

    /** The checkpoint file that could not be loaded. */
    public Path file() {
        return file;
    }
}
