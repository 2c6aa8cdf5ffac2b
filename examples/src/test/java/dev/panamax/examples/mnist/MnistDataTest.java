package dev.panamax.examples.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistDataTest {

    private static MnistData shipped;

    @BeforeAll
    static void load() throws IOException {
        shipped = MnistData.loadShipped();
    }

    // ---- helpers: small IDX files made in the test ----

    private static byte[] idx3(int magic, int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length).putInt(magic).putInt(count).putInt(rows).putInt(cols)
                .put(pixels).array();
    }

    private static byte[] idx1(int magic, int count, byte[] labels) {
        return ByteBuffer.allocate(8 + labels.length).putInt(magic).putInt(count).put(labels).array();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(raw);
        }
        return bytes.toByteArray();
    }

    private static byte[] gunzip(InputStream in) throws IOException {
        try (InputStream gz = new GZIPInputStream(in)) {
            return gz.readAllBytes();
        }
    }

    private static byte[] pixels(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 37);
        }
        return p;
    }

    private static MnistData read(byte[] imagesRaw, byte[] labelsRaw) throws IOException {
        return MnistData.read(new ByteArrayInputStream(gzip(imagesRaw)), new ByteArrayInputStream(gzip(labelsRaw)), "test");
    }

    private static String failure(byte[] imagesRaw, byte[] labelsRaw) {
        MnistFormatException e = assertThrows(MnistFormatException.class, () -> read(imagesRaw, labelsRaw));
        assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("test: "), "names the source: " + e.getMessage());
        return e.getMessage();
    }

    // ---- the shipped 10,000 digits ----

    @Test
    void shippedDataHasTenThousand28x28Digits() {
        assertEquals(10_000, shipped.count());
        assertEquals(28, shipped.rows());
        assertEquals(28, shipped.cols());
        assertEquals(10_000 * 28 * 28, shipped.images().length);
        assertEquals(10_000, shipped.labels().length);
    }

    @Test
    void shippedClassCountsMatchTheReadme() {
        int[] counts = new int[10];
        for (int i = 0; i < shipped.count(); i++) {
            counts[shipped.label(i)]++;
        }
        assertArrayEquals(new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, counts);
    }

    @Test
    void shippedPixelsLieInZeroToOneAndUseTheWholeRange() {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : shipped.images()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
    }

    // ---- reading small files made here ----

    @Test
    void readsAValidSmallFile() throws IOException {
        byte[] px = pixels(3 * 2 * 4);
        MnistData d = read(idx3(0x803, 3, 2, 4, px), idx1(0x801, 3, new byte[] {7, 0, 9}));
        assertEquals(3, d.count());
        assertEquals(2, d.rows());
        assertEquals(4, d.cols());
        assertEquals(7, d.label(0));
        assertEquals(9, d.label(2));
        for (int i = 0; i < px.length; i++) {
            assertEquals((px[i] & 0xFF) / 255f, d.images()[i]);
        }
    }

    @Test
    void badMagicIsReported() {
        String msg = failure(idx3(0x123, 1, 2, 2, pixels(4)), idx1(0x801, 1, new byte[] {1}));
        assertEquals("test: bad magic number 0x00000123 in the images file, expected 0x00000803", msg);
        String msg2 = failure(idx3(0x803, 1, 2, 2, pixels(4)), idx1(0x803, 1, new byte[] {1}));
        assertEquals("test: bad magic number 0x00000803 in the labels file, expected 0x00000801", msg2);
    }

    @Test
    void truncatedImagesAreReported() {
        String msg = failure(idx3(0x803, 3, 2, 2, pixels(10)), idx1(0x801, 3, new byte[] {1, 2, 3}));
        assertEquals("test: the images file ends after 10 of 12 bytes", msg);
        String header = failure(Arrays.copyOf(idx3(0x803, 3, 2, 2, pixels(0)), 9), idx1(0x801, 3, new byte[] {1, 2, 3}));
        assertTrue(header.contains("images file ends after 9 of 16 header bytes"), header);
    }

    @Test
    void truncatedLabelsAreReported() {
        String msg = failure(idx3(0x803, 3, 2, 2, pixels(12)), idx1(0x801, 3, new byte[] {1, 2}));
        assertEquals("test: the labels file ends after 2 of 3 bytes", msg);
    }

    @Test
    void truncatedGzipStreamIsReported() throws IOException {
        byte[] gz = gzip(idx3(0x803, 50, 28, 28, pixels(50 * 28 * 28)));
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        MnistFormatException e = assertThrows(MnistFormatException.class, () -> MnistData.read(
                new ByteArrayInputStream(cut), new ByteArrayInputStream(gzip(idx1(0x801, 50, new byte[50]))), "test"));
        assertTrue(e.getMessage().startsWith("test: the images file"), e.getMessage());
    }

    @Test
    void countMismatchIsReported() {
        String msg = failure(idx3(0x803, 2, 2, 2, pixels(8)), idx1(0x801, 3, new byte[] {1, 2, 3}));
        assertEquals("test: the labels file declares 3 labels, expected 2 to match the images file", msg);
    }

    @Test
    void nonPositiveDimensionsAreReported() {
        assertTrue(failure(idx3(0x803, 1, 0, 2, pixels(0)), idx1(0x801, 1, new byte[] {1})).contains("0 x 2"));
        assertTrue(failure(idx3(0x803, 1, 2, -1, pixels(0)), idx1(0x801, 1, new byte[] {1})).contains("2 x -1"));
        assertTrue(failure(idx3(0x803, 0, 2, 2, pixels(0)), idx1(0x801, 0, new byte[0])).contains("0 images"));
    }

    @Test
    void labelOutsideZeroToNineIsReported() {
        String msg = failure(idx3(0x803, 3, 2, 2, pixels(12)), idx1(0x801, 3, new byte[] {1, 12, 3}));
        assertEquals("test: the labels file has label 12 at index 1, expected 0..9", msg);
    }

    @Test
    void uncompressedInputToReadIsReportedAsNotGzip() {
        byte[] raw = idx3(0x803, 1, 2, 2, pixels(4));
        MnistFormatException e = assertThrows(MnistFormatException.class, () -> MnistData.read(
                new ByteArrayInputStream(raw), new ByteArrayInputStream(gzip(idx1(0x801, 1, new byte[] {1}))), "test"));
        assertEquals("test: the images file is not gzip-compressed, expected gzip magic 0x1f 0x8b, found 0x00 0x00",
                e.getMessage());
        MnistFormatException empty = assertThrows(MnistFormatException.class, () -> MnistData.read(
                new ByteArrayInputStream(gzip(raw)), new ByteArrayInputStream(new byte[0]), "test"));
        assertTrue(empty.getMessage().contains("labels file is not gzip-compressed"), empty.getMessage());
    }

    // ---- directories ----

    @Test
    void missingFilesInADirectoryAreReported(@TempDir Path dir) throws IOException {
        MnistFormatException e = assertThrows(MnistFormatException.class, () -> MnistData.loadDirectory(dir));
        assertEquals(dir + ": no MNIST images file (looked for images-idx3-ubyte.gz, images-idx3-ubyte, "
                + "train-images-idx3-ubyte.gz, train-images-idx3-ubyte)", e.getMessage());

        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx3(0x803, 1, 2, 2, pixels(4))));
        MnistFormatException e2 = assertThrows(MnistFormatException.class, () -> MnistData.loadDirectory(dir));
        assertTrue(e2.getMessage().startsWith(dir + ": no MNIST labels file"), e2.getMessage());

        MnistFormatException e3 = assertThrows(MnistFormatException.class,
                () -> MnistData.loadDirectory(dir.resolve("absent")));
        assertTrue(e3.getMessage().contains("no such directory"), e3.getMessage());
        Path file = Files.write(dir.resolve("a-file"), new byte[1]);
        MnistFormatException e4 = assertThrows(MnistFormatException.class, () -> MnistData.loadDirectory(file));
        assertTrue(e4.getMessage().contains("not a directory"), e4.getMessage());
    }

    @Test
    void theDeclaredCountComesFromTheHeaderAlone(@TempDir Path dir) throws IOException {
        assertEquals(10_000, MnistData.declaredShippedCount());
        // 5 digits declared, 1 present: the count is read, the rest is left to loadDirectory.
        Files.write(dir.resolve("images-idx3-ubyte"), idx3(0x803, 5, 2, 2, pixels(4)));
        Files.write(dir.resolve("labels-idx1-ubyte"), new byte[8]);
        assertEquals(5, MnistData.declaredCount(dir));
        assertThrows(MnistFormatException.class, () -> MnistData.loadDirectory(dir));
        Files.write(dir.resolve("images-idx3-ubyte"), idx3(0x801, 5, 2, 2, pixels(4)));
        MnistFormatException e = assertThrows(MnistFormatException.class, () -> MnistData.declaredCount(dir));
        assertTrue(e.getMessage().contains("bad magic number 0x00000801 in the images file"), e.getMessage());
    }

    @Test
    void uncompressedDirectoryCopyLoadsIdentically(@TempDir Path dir) throws IOException {
        try (InputStream im = MnistData.class.getResourceAsStream("/mnist-10k/images-idx3-ubyte.gz");
                InputStream lb = MnistData.class.getResourceAsStream("/mnist-10k/labels-idx1-ubyte.gz")) {
            Files.write(dir.resolve("images-idx3-ubyte"), gunzip(im));
            Files.write(dir.resolve("labels-idx1-ubyte"), gunzip(lb));
        }
        MnistData copy = MnistData.loadDirectory(dir);
        assertEquals(shipped.count(), copy.count());
        assertEquals(shipped.rows(), copy.rows());
        assertEquals(shipped.cols(), copy.cols());
        assertArrayEquals(shipped.images(), copy.images());
        assertArrayEquals(shipped.labels(), copy.labels());
    }

    @Test
    void fullMnistNamesInADirectoryLoad(@TempDir Path dir) throws IOException {
        byte[] px = pixels(4 * 3 * 3);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx3(0x803, 4, 3, 3, px)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idx1(0x801, 4, new byte[] {0, 1, 8, 9})));
        MnistData d = MnistData.loadDirectory(dir);
        assertEquals(4, d.count());
        assertEquals(8, d.label(2));
        assertEquals((px[5] & 0xFF) / 255f, d.images()[5]);
    }

    @Test
    void gzNamedFileThatIsNotGzipIsReported(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("images-idx3-ubyte.gz"), idx3(0x803, 1, 2, 2, pixels(4)));
        Files.write(dir.resolve("labels-idx1-ubyte.gz"), gzip(idx1(0x801, 1, new byte[] {1})));
        MnistFormatException e = assertThrows(MnistFormatException.class, () -> MnistData.loadDirectory(dir));
        assertTrue(e.getMessage().contains("images file is not gzip-compressed"), e.getMessage());
    }

    // ---- slice and label ----

    @Test
    void sliceCopiesAContiguousRange() {
        MnistData s = shipped.slice(8_000, 10_000);
        int pixels = 28 * 28;
        assertEquals(2_000, s.count());
        assertEquals(28, s.rows());
        assertEquals(28, s.cols());
        assertArrayEquals(Arrays.copyOfRange(shipped.images(), 8_000 * pixels, 10_000 * pixels), s.images());
        assertArrayEquals(Arrays.copyOfRange(shipped.labels(), 8_000, 10_000), s.labels());
        assertEquals(shipped.label(8_123), s.label(123));

        s.images()[0] = 42f;
        assertFalse(shipped.images()[8_000 * pixels] == 42f, "slice is a copy");

        assertEquals(0, shipped.slice(5, 5).count());
        assertThrows(IndexOutOfBoundsException.class, () -> shipped.slice(-1, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> shipped.slice(9_000, 10_001));
        assertThrows(IndexOutOfBoundsException.class, () -> shipped.slice(6, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> shipped.label(10_000));
    }
}
