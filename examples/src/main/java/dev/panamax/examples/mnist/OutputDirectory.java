package dev.panamax.examples.mnist;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Makes sure the plot can be written before anything is trained: {@code --out} is created if
 * missing, and a file is created and deleted in it, which finds what {@link Files#isWritable}
 * misses (a read-only mount, a user that is root). Each failure is one message that names
 * {@code --out}, the path and the reason.
 */
final class OutputDirectory {

    private OutputDirectory() {
    }

    /** Creates {@code dir} if needed and checks that a file can be written in it. */
    static void prepare(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IOException("--out " + dir + " is a file, expected a directory (or a path where one can be created)");
        }
        if (!Files.exists(absolute)) {
            create(dir, absolute);
        }
        try {
            Files.delete(Files.createTempFile(absolute, ".mnist-", ".probe"));
        } catch (IOException e) {
            throw new IOException("--out " + dir + ": cannot write in it (" + reason(e) + ")", e);
        }
    }

    private static void create(Path dir, Path absolute) throws IOException {
        Path existing = absolute.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new IOException("--out " + dir + " does not exist and cannot be created: " + existing
                    + " is a file, not a directory");
        }
        try {
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new IOException("--out " + dir + " does not exist and cannot be created in " + existing
                    + " (" + reason(e) + ")", e);
        }
    }

    /** The operating system's reason, without the path that the message already names. */
    private static String reason(IOException e) {
        return switch (e) {
            case AccessDeniedException a -> "permission denied";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            // mkdir in a file system that makes no directories there (/proc) says ENOENT.
            case NoSuchFileException n -> "the file system refuses to create it";
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
