package dev.panamax.examples.mnist;

import static dev.panamax.examples.mnist.MnistTrainerTest.assertOneErrorLine;
import static dev.panamax.examples.mnist.MnistTrainerTest.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --out} is checked, and created, before the data loads; each failure says why. */
class MnistOutputDirectoryTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingDirectoryIsCreated() throws IOException {
        Path dir = tmp.resolve("a/b/c");
        OutputDirectory.prepare(dir);
        assertTrue(Files.isDirectory(dir));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the probe file is gone");
        }
    }

    @Test
    void aFileIsNotADirectory() throws IOException {
        Path file = Files.writeString(tmp.resolve("plot.png"), "x");
        IOException e = assertThrows(IOException.class, () -> OutputDirectory.prepare(file));
        assertEquals("--out " + file + " is a file, expected a directory (or a path where one can be created)",
                e.getMessage());
    }

    @Test
    void aDirectoryUnderAFileCannotBeCreated() throws IOException {
        Path file = Files.writeString(tmp.resolve("plot.png"), "x");
        IOException e = assertThrows(IOException.class, () -> OutputDirectory.prepare(file.resolve("sub/dir")));
        assertEquals("--out " + file.resolve("sub/dir") + " does not exist and cannot be created: " + file
                + " is a file, not a directory", e.getMessage());
    }

    @Test
    void aDirectoryWithoutWritePermissionIsRefused() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path locked = Files.createDirectories(tmp.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // root writes anyway: then there is nothing to refuse.
            assumeTrue(!canWrite(locked), "this user writes in read-only directories (root)");
            IOException e = assertThrows(IOException.class, () -> OutputDirectory.prepare(locked));
            assertEquals("--out " + locked + ": cannot write in it (permission denied)", e.getMessage());
            IOException below = assertThrows(IOException.class, () -> OutputDirectory.prepare(locked.resolve("new")));
            assertEquals("--out " + locked.resolve("new") + " does not exist and cannot be created in " + locked
                    + " (permission denied)", below.getMessage());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void theCommandChecksOutBeforeTheData() throws IOException {
        // --data names no directory at all: had the data been read first, that would be the error.
        Path file = Files.writeString(tmp.resolve("plot.png"), "x");
        assertOneErrorLine(execute("--out", file.toString(), "--data", tmp.resolve("no-data").toString()),
                MnistTrainer.FAILED, "--out " + file + " is a file");
    }

    private static boolean canWrite(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ""));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
