package dev.panamax.optimizers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file so that a crash at any moment leaves either the old file or the new one, never
 * a torn one: the new content goes to a temporary file in the same directory, is forced to the
 * disk ({@link FileChannel#force}), and is renamed over the target in one atomic step
 * ({@link StandardCopyOption#ATOMIC_MOVE}); the directory is then forced too, so that the rename
 * itself survives a power loss, where the platform allows it (Linux and macOS; Windows cannot open
 * a directory, and there the rename is atomic but may be lost with the power).
 *
 * <p>Temporary files are named {@code .<target name>.<process id>.<random>.tmp}: unique, so
 * concurrent writers never share one. A process killed while writing leaves its temporary file
 * behind; the next replacement of the same target removes those whose process is no longer alive.
 * Writers of one target on several machines or containers that share the directory are not
 * supported (a live writer elsewhere may look dead here).
 *
 * <p>Optimizer checkpoints, the ZeRO manifest and the file rendezvous all write through here.
 */
public final class AtomicFiles {

    private static final String SUFFIX = ".tmp";

    private AtomicFiles() {
    }

    /** What writes the new content. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content into {@code channel}, an empty file open for writing. */
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Replaces (or creates) {@code target} with what {@code content} writes. If anything fails
     * before the rename, the temporary file is removed and {@code target} is unchanged.
     *
     * @throws AtomicMoveNotSupportedException when the file system cannot rename atomically (the
     *                                         target is unchanged; no unsafe fallback is tried)
     */
    public static void replace(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        String prefix = "." + absolute.getFileName() + ".";
        removeStaleTemporaries(directory, prefix);
        Path temporary = directory.resolve(prefix + ProcessHandle.current().pid() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + SUFFIX);
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                deleteQuietly(temporary);
            }
        }
        forceDirectory(directory);
    }

    /**
     * Replaces (or creates) {@code target} with {@code bytes}, as {@link #replace(Path, Content)} does.
     *
     * @throws AtomicMoveNotSupportedException when the file system cannot rename atomically
     */
    public static void replace(Path target, byte[] bytes) throws IOException {
        replace(target, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    /**
     * The temporary files of {@code target} in its directory that a dead process left: named with
     * {@code target}'s prefix, a process id that is not alive, and {@value #SUFFIX}.
     */
    static void removeStaleTemporaries(Path directory, String prefix) {
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, entry -> {
            String name = entry.getFileName().toString();
            return name.startsWith(prefix) && name.endsWith(SUFFIX);
        })) {
            for (Path file : files) {
                String middle = file.getFileName().toString();
                middle = middle.substring(prefix.length(), middle.length() - SUFFIX.length());
                int dot = middle.indexOf('.');
                long pid;
                try {
                    pid = Long.parseLong(dot < 0 ? "" : middle.substring(0, dot));
                } catch (NumberFormatException e) {
                    continue; // not one of ours
                }
                if (pid != self && ProcessHandle.of(pid).isEmpty()) {
                    deleteQuietly(file);
                }
            }
        } catch (IOException e) {
            // Clean-up is best effort: a leftover never breaks a save (names are unique).
        }
    }

    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory, and some file systems refuse to sync one; the file is
            // in place and complete either way, so this is not a failure of the save.
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // best effort: a leftover temporary file never breaks a later save
        }
    }
}
