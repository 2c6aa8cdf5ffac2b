package dev.panamax.tribuo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.datasource.IDXDataSource;
import org.tribuo.evaluation.TrainTestSplitter;

/**
 * The repository's 10,000 MNIST digits read by Tribuo's own {@link IDXDataSource} (which reads the
 * gzip'd IDX files as they are), split 80/20 by Tribuo's {@link TrainTestSplitter} with a fixed
 * seed. Pixels stay 0..255 and only non-zero pixels are features, so examples are sparse.
 */
final class MnistData {

    final MutableDataset<Label> train;
    final MutableDataset<Label> test;

    private MnistData(MutableDataset<Label> train, MutableDataset<Label> test) {
        this.train = train;
        this.test = test;
    }

    private static MnistData loaded;

    /** Loaded once per JVM (about a second). */
    static synchronized MnistData get() {
        if (loaded == null) {
            Path dir = Path.of(System.getProperty("panamax.mnist", "../examples/src/main/resources/mnist-10k"));
            Path images = dir.resolve("images-idx3-ubyte.gz");
            Path labels = dir.resolve("labels-idx1-ubyte.gz");
            if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
                throw new IllegalStateException("MNIST sample not found in " + dir.toAbsolutePath()
                        + " (expected images-idx3-ubyte.gz and labels-idx1-ubyte.gz; set -Dpanamax.mnist=DIR)");
            }
            try {
                IDXDataSource<Label> source = new IDXDataSource<>(images, labels, new LabelFactory());
                TrainTestSplitter<Label> split = new TrainTestSplitter<>(source, 0.8, 1L);
                loaded = new MnistData(new MutableDataset<>(split.getTrain()), new MutableDataset<>(split.getTest()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return loaded;
    }
}
