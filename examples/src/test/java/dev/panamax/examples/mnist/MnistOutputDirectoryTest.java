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
            // root writes in read-only directories anyway (CI runs as root); Linux's /sys/kernel
            // refuses even root, so the refusal is tested there instead.
            Path denied = canWrite(locked) ? Path.of("/sys/kernel") : locked;
            assumeTrue(Files.isDirectory(denied) && !canWrite(denied), "no directory this user cannot write in");
            IOException e = assertThrows(IOException.class, () -> OutputDirectory.prepare(denied));
            assertEquals("--out " + denied + ": cannot write in it (permission denied)", e.getMessage());
            IOException below = assertThrows(IOException.class, () -> OutputDirectory.prepare(denied.resolve("new")));
            // The OS's reason: permission denied in a read-only directory; sysfs answers "Operation not permitted".
            String reason = denied == locked ? "permission denied" : "Operation not permitted";
            assertEquals("--out " + denied.resolve("new") + " does not exist and cannot be created in " + denied
                    + " (" + reason + ")", below.getMessage());
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
