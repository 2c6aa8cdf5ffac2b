package dev.panamax.examples.mnist;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * MNIST digits read from the IDX file format (see {@code mnist-10k/README.md} on the class path).
 *
 * @param images {@code count * rows * cols} pixels scaled to [0, 1] ({@code pixel / 255f}), row-major per image
 * @param labels {@code count} labels, each 0..9
 * @param count  the number of digits
 * @param rows   pixel rows per image
 * @param cols   pixel columns per image
 */
public record MnistData(float[] images, byte[] labels, int count, int rows, int cols) {

    /** Magic number of an IDX3 file of unsigned bytes (the images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX1 file of unsigned bytes (the labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    /** The class-path folder of the 10,000 shipped digits. */
    public static final String SHIPPED_RESOURCE_DIR = "/mnist-10k/";

    private static final String[] FILE_PREFIXES = {"", "train-"};
    private static final String IMAGES_NAME = "images-idx3-ubyte";
    private static final String LABELS_NAME = "labels-idx1-ubyte";

    public MnistData {
        if (images == null || labels == null) {
            throw new IllegalArgumentException("images and labels must not be null");
        }
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(
                    "need count >= 0 and rows, cols > 0, got count " + count + ", rows " + rows + ", cols " + cols);
        }
        if ((long) count * rows * cols != images.length) {
            throw new IllegalArgumentException("images holds " + images.length + " pixels, expected "
                    + count + " x " + rows + " x " + cols + " = " + (long) count * rows * cols);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException("labels holds " + labels.length + " entries, expected " + count);
        }
    }

    /** Pixels per image, {@code rows * cols}. */
    public int pixelsPerImage() {
        return rows * cols;
    }

    /** The label (0..9) of digit {@code i}. */
    public int label(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("digit " + i + " out of range 0.." + (count - 1));
        }
        return labels[i] & 0xFF;
    }

    /** A copy of digits {@code from} (inclusive) to {@code to} (exclusive). */
    public MnistData slice(int from, int to) {
        if (from < 0 || to > count || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") out of range [0, " + count + "]");
        }
        int pixels = rows * cols;
        float[] im = new float[(to - from) * pixels];
        System.arraycopy(images, from * pixels, im, 0, im.length);
        byte[] lb = new byte[to - from];
        System.arraycopy(labels, from, lb, 0, lb.length);
        return new MnistData(im, lb, to - from, rows, cols);
    }

    /** The 10,000 digits shipped on the class path under {@code mnist-10k/}. */
    public static MnistData loadShipped() throws IOException {
        String source = "classpath:" + SHIPPED_RESOURCE_DIR;
        try (InputStream images = MnistData.class.getResourceAsStream(SHIPPED_RESOURCE_DIR + IMAGES_NAME + ".gz");
                InputStream labels = MnistData.class.getResourceAsStream(SHIPPED_RESOURCE_DIR + LABELS_NAME + ".gz")) {
            if (images == null || labels == null) {
                throw new MnistFormatException(source + ": shipped MNIST resource missing from the class path ("
                        + (images == null ? IMAGES_NAME : LABELS_NAME) + ".gz)");
            }
            return read(images, labels, source);
        }
    }

    /** {@link #loadShipped()} for callers that cannot handle checked exceptions. */
    public static MnistData shipped() {
        try {
            return loadShipped();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads MNIST from a directory: the shipped names ({@code images-idx3-ubyte.gz},
     * {@code labels-idx1-ubyte.gz}) or the full-MNIST training names ({@code train-images-idx3-ubyte.gz},
     * {@code train-labels-idx1-ubyte.gz}), each also accepted uncompressed (without {@code .gz}).
     */
    public static MnistData loadDirectory(Path dir) throws IOException {
        DataFiles files = locate(dir);
        try (InputStream im = Files.newInputStream(files.images());
                InputStream lb = Files.newInputStream(files.labels())) {
            return parse(open(im, files.imagesGzipped(), files.source(), "images"),
                    open(lb, files.labelsGzipped(), files.source(), "labels"), files.source());
        }
    }

    /**
     * The number of digits the images file of {@code dir} declares, read from its 16-byte header
     * only, so that a command can check its options against the data before reading it all.
     * {@link #loadDirectory} checks the rest.
     */
    public static int declaredCount(Path dir) throws IOException {
        DataFiles files = locate(dir);
        try (InputStream im = Files.newInputStream(files.images())) {
            return readCount(open(im, files.imagesGzipped(), files.source(), "images"), files.source());
        }
    }

    /** {@link #declaredCount} of the shipped digits. */
    public static int declaredShippedCount() throws IOException {
        String source = "classpath:" + SHIPPED_RESOURCE_DIR;
        try (InputStream images = MnistData.class.getResourceAsStream(SHIPPED_RESOURCE_DIR + IMAGES_NAME + ".gz")) {
            if (images == null) {
                throw new MnistFormatException(source + ": shipped MNIST resource missing from the class path ("
                        + IMAGES_NAME + ".gz)");
            }
            return readCount(open(images, true, source, "images"), source);
        }
    }

    /** A directory's pair of IDX files, and the name errors give them. */
    private record DataFiles(Path images, Path labels, String source) {
        boolean imagesGzipped() {
            return images.getFileName().toString().endsWith(".gz");
        }

        boolean labelsGzipped() {
            return labels.getFileName().toString().endsWith(".gz");
        }
    }

    private static DataFiles locate(Path dir) throws MnistFormatException {
        if (!Files.isDirectory(dir)) {
            throw new MnistFormatException(dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                    + ", expected a folder holding MNIST IDX files");
        }
        List<String> looked = new ArrayList<>();
        for (String prefix : FILE_PREFIXES) {
            for (String ext : new String[] {".gz", ""}) {
                String name = prefix + IMAGES_NAME + ext;
                looked.add(name);
                Path imagesFile = dir.resolve(name);
                if (!Files.isRegularFile(imagesFile)) {
                    continue;
                }
                Path labelsFile = findLabels(dir, prefix);
                if (labelsFile == null) {
                    throw new MnistFormatException(dir + ": no MNIST labels file to go with " + name + " (looked for "
                            + prefix + LABELS_NAME + ".gz, " + prefix + LABELS_NAME + ")");
                }
                return new DataFiles(imagesFile, labelsFile, imagesFile + " + " + labelsFile.getFileName());
            }
        }
        throw new MnistFormatException(dir + ": no MNIST images file (looked for " + String.join(", ", looked) + ")");
    }

    private static Path findLabels(Path dir, String prefix) {
        for (String ext : new String[] {".gz", ""}) {
            Path p = dir.resolve(prefix + LABELS_NAME + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** The count of an images header, checked as {@link #parse} checks it. */
    private static int readCount(InputStream imagesIn, String source) throws IOException {
        byte[] ih = new byte[16];
        readExactly(imagesIn, ih, source, "images", "header bytes");
        int magic = bigEndian(ih, 0);
        if (magic != IMAGES_MAGIC) {
            throw badMagic(source, "images", magic, IMAGES_MAGIC);
        }
        int count = bigEndian(ih, 4);
        if (count <= 0) {
            throw new MnistFormatException(source + ": the images file declares " + count + " images, expected a positive count");
        }
        return count;
    }

    /**
     * Reads gzip-compressed IDX3 images and IDX1 labels. Everything is validated before the result is
     * built; every problem is a {@link MnistFormatException} whose message starts with {@code source}.
     */
    public static MnistData read(InputStream images, InputStream labels, String source) throws IOException {
        return parse(open(images, true, source, "images"), open(labels, true, source, "labels"), source);
    }

    private static InputStream open(InputStream in, boolean gzip, String source, String what) throws IOException {
        if (!gzip) {
            return new BufferedInputStream(in, 1 << 16);
        }
        PushbackInputStream pb = new PushbackInputStream(in, 2);
        byte[] head = new byte[2];
        int n = readUpTo(pb, head, 0, 2);
        if (n < 2 || (head[0] & 0xFF) != 0x1f || (head[1] & 0xFF) != 0x8b) {
            String found = n == 0 ? "an empty file"
                    : n == 1 ? String.format("0x%02x", head[0] & 0xFF)
                    : String.format("0x%02x 0x%02x", head[0] & 0xFF, head[1] & 0xFF);
            throw new MnistFormatException(source + ": the " + what
                    + " file is not gzip-compressed, expected gzip magic 0x1f 0x8b, found " + found);
        }
        pb.unread(head, 0, 2);
        try {
            return new BufferedInputStream(new GZIPInputStream(pb, 1 << 16), 1 << 16);
        } catch (ZipException | EOFException e) {
            throw new MnistFormatException(source + ": the " + what + " file has a corrupt gzip header, expected a valid gzip stream ("
                    + e.getMessage() + ")", e);
        }
    }

    private static MnistData parse(InputStream imagesIn, InputStream labelsIn, String source) throws IOException {
        byte[] ih = new byte[16];
        readExactly(imagesIn, ih, source, "images", "header bytes");
        byte[] lh = new byte[8];
        readExactly(labelsIn, lh, source, "labels", "header bytes");

        int imagesMagic = bigEndian(ih, 0);
        if (imagesMagic != IMAGES_MAGIC) {
            throw badMagic(source, "images", imagesMagic, IMAGES_MAGIC);
        }
        int labelsMagic = bigEndian(lh, 0);
        if (labelsMagic != LABELS_MAGIC) {
            throw badMagic(source, "labels", labelsMagic, LABELS_MAGIC);
        }
        int count = bigEndian(ih, 4);
        int rows = bigEndian(ih, 8);
        int cols = bigEndian(ih, 12);
        int labelCount = bigEndian(lh, 4);
        if (count <= 0) {
            throw new MnistFormatException(source + ": the images file declares " + count + " images, expected a positive count");
        }
        if (rows <= 0 || cols <= 0) {
            throw new MnistFormatException(source + ": the images file declares " + rows + " x " + cols
                    + " pixels per image, expected positive rows and cols");
        }
        if (labelCount != count) {
            throw new MnistFormatException(source + ": the labels file declares " + labelCount
                    + " labels, expected " + count + " to match the images file");
        }
        long total = (long) count * rows * cols;
        if (total > Integer.MAX_VALUE - 8) {
            throw new MnistFormatException(source + ": the images file declares " + count + " x " + rows + " x " + cols
                    + " = " + total + " pixels, expected at most " + (Integer.MAX_VALUE - 8));
        }

        byte[] pixels = new byte[(int) total];
        readExactly(imagesIn, pixels, source, "images", "bytes");
        byte[] labels = new byte[count];
        readExactly(labelsIn, labels, source, "labels", "bytes");
        for (int i = 0; i < count; i++) {
            int l = labels[i] & 0xFF;
            if (l > 9) {
                throw new MnistFormatException(source + ": the labels file has label " + l + " at index " + i
                        + ", expected 0..9");
            }
        }

        float[] images = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            images[i] = (pixels[i] & 0xFF) / 255f;
        }
        return new MnistData(images, labels, count, rows, cols);
    }

    private static MnistFormatException badMagic(String source, String what, int found, int expected) {
        return new MnistFormatException(String.format("%s: bad magic number 0x%08x in the %s file, expected 0x%08x",
                source, found, what, expected));
    }

    private static int bigEndian(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    private static void readExactly(InputStream in, byte[] buf, String source, String what, String unit) throws IOException {
        int n;
        try {
            n = readUpTo(in, buf, 0, buf.length);
        } catch (EOFException e) {
            // GZIPInputStream reports a cut-off compressed stream this way
            throw new MnistFormatException(source + ": the " + what + " file is a truncated gzip stream, expected "
                    + buf.length + " " + unit + " (" + e.getMessage() + ")", e);
        } catch (ZipException e) {
            throw new MnistFormatException(source + ": the " + what + " file has corrupt gzip data, expected "
                    + buf.length + " " + unit + " (" + e.getMessage() + ")", e);
        }
        if (n < buf.length) {
            throw new MnistFormatException(source + ": the " + what + " file ends after " + n + " of " + buf.length + " " + unit);
        }
    }

    private static int readUpTo(InputStream in, byte[] buf, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(buf, off + done, len - done);
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
