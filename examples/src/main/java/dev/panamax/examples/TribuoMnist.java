package dev.panamax.examples;

import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.tribuo.PanamaxOptimiser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.common.sgd.AbstractSGDModel;
import org.tribuo.datasource.IDXDataSource;
import org.tribuo.evaluation.TrainTestSplitter;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.optimisers.AdaGrad;

/**
 * Tribuo models trained on MNIST with Tribuo's own optimisers and with Panamax's through
 * {@link PanamaxOptimiser}, at the same settings: a logistic regression ({@code LinearSGDTrainer})
 * and a factorization machine ({@code FMClassificationTrainer}), on the 10,000 digits shipped in
 * {@code mnist-10k} read by Tribuo's {@code IDXDataSource} (which reads the gzip'd files as they
 * are), split 80/20 by Tribuo's {@code TrainTestSplitter} (seed 1). Pixels stay 0-255, and only
 * non-zero pixels are features (Tribuo's IDX reader), so gradients are sparse.
 *
 * <p>Prints, per model: the held-out accuracy, the training time, and for each pair of runs that
 * should agree, the largest difference of a weight and the share of equal predictions. The README's
 * "Tribuo" section shows its output. Run it with
 * {@code ./mvnw -q -B -pl examples -am package -DskipTests exec:exec -Dpanamax.main=dev.panamax.examples.TribuoMnist}.
 */
public final class TribuoMnist {

    /** Kept, so that the level set on it stays: Tribuo logs every training run at INFO. */
    private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");

    private TribuoMnist() {
    }

    /** A trained model's accuracy, predictions, weights (row after row) and training time. */
    record Run(String name, double accuracy, List<String> predictions, double[] weights, double seconds) {
    }

    public static void main(String[] args) throws IOException {
        TRIBUO_LOG.setLevel(Level.WARNING);
        Path dir = Files.createTempDirectory("tribuo-mnist");
        try {
            LabelFactory labels = new LabelFactory();
            IDXDataSource<Label> source = new IDXDataSource<>(copyResource(dir, "images-idx3-ubyte.gz"),
                    copyResource(dir, "labels-idx1-ubyte.gz"), labels);
            TrainTestSplitter<Label> split = new TrainTestSplitter<>(source, 0.8, 1L);
            MutableDataset<Label> train = new MutableDataset<>(split.getTrain());
            MutableDataset<Label> test = new MutableDataset<>(split.getTest());
            System.out.printf(Locale.ROOT, "MNIST: %,d training digits, %,d held out, %d pixel features%n%n", train.size(), test.size(),
                    train.getFeatureMap().size());
            new TribuoMnist.Comparison(train, test).print();
        } finally {
            for (String name : new String[] {"images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"}) {
                Files.deleteIfExists(dir.resolve(name));
            }
            Files.deleteIfExists(dir);
        }
    }

    /** The runs and their comparisons. */
    private record Comparison(MutableDataset<Label> train, MutableDataset<Label> test) {

        void print() {
            // Tribuo's AdaGrad is Keras's TF2 Adagrad with initial_accumulator_value 0 and epsilon outside
            // the square root; one product is rounded in another order (see the README). At 0.5, a learning
            // rate float32 holds exactly (Keras keeps learning rates in float32), the runs stay together.
            Function<StochasticGradientOptimiser, Trainer<Label>> linear1 = o -> linear(o, 1);
            section("Logistic regression, AdaGrad, learning rate 0.5, epsilon 1e-6, minibatch 1, 1 epoch",
                    run("Tribuo AdaGrad", linear1, new AdaGrad(0.5, 1e-6)),
                    run("Panamax Adagrad", linear1, panamaxAdagrad(0.5)));
            Function<StochasticGradientOptimiser, Trainer<Label>> linear3 = o -> linear(o, 3);
            section("Same, 3 epochs",
                    run("Tribuo AdaGrad", linear3, new AdaGrad(0.5, 1e-6)),
                    run("Panamax Adagrad", linear3, panamaxAdagrad(0.5)),
                    run("Tribuo AdaGrad, learning rate one ulp higher", linear3, new AdaGrad(Math.nextUp(0.5), 1e-6)));
            section("Logistic regression, AdaGrad, learning rate 0.1, 3 epochs (Keras: (float) 0.1)",
                    run("Tribuo AdaGrad", linear3, new AdaGrad(0.1, 1e-6)),
                    run("Panamax Adagrad", linear3, panamaxAdagrad(0.1)),
                    run("Tribuo AdaGrad, learning rate one ulp higher", linear3, new AdaGrad(Math.nextUp(0.1), 1e-6)));
            section("Logistic regression, Adam, learning rate 0.001, 3 epochs (Tribuo 4.3.2's Adam multiplies by sqrt(v) + epsilon)",
                    run("Tribuo Adam", linear3, new org.tribuo.math.optimisers.Adam(0.001, 0.9, 0.999, 1e-7)),
                    run("Panamax Adam", linear3, PanamaxOptimiser.of(Adam.builder().learningRate(0.001))));
            Function<StochasticGradientOptimiser, Trainer<Label>> fm = o -> new FMClassificationTrainer(new LogMulticlass(), o, 1, -1, 1, 1L,
                    4, 0.1);
            section("Factorization machine (4 factors), AdaGrad, learning rate 0.5, minibatch 1, 1 epoch",
                    run("Tribuo AdaGrad", fm, new AdaGrad(0.5, 1e-6)),
                    run("Panamax Adagrad", fm, panamaxAdagrad(0.5)),
                    run("Panamax Adam (learning rate 0.001)", fm, PanamaxOptimiser.of(Adam.builder().learningRate(0.001))));
        }

        private static LinearSGDTrainer linear(StochasticGradientOptimiser optimiser, int epochs) {
            return new LinearSGDTrainer(new LogMulticlass(), optimiser, epochs, -1, 1, 1L);
        }

        private static PanamaxOptimiser panamaxAdagrad(double learningRate) {
            return PanamaxOptimiser.of(Adagrad.builder().learningRate(learningRate).initialAccumulatorValue(0.0).epsilon(1e-6));
        }

        private Run run(String name, Function<StochasticGradientOptimiser, Trainer<Label>> trainer, StochasticGradientOptimiser optimiser) {
            long start = System.nanoTime();
            AbstractSGDModel<Label> model = (AbstractSGDModel<Label>) trainer.apply(optimiser).train(train);
            double seconds = (System.nanoTime() - start) / 1e9;
            double accuracy = new LabelEvaluator().evaluate(model, test).accuracy();
            List<String> predictions = new ArrayList<>();
            model.predict(test).forEach(p -> predictions.add(p.getOutput().getLabel()));
            return new Run(name, accuracy, predictions, weights(model.getModelParameters().get()), seconds);
        }

        /** Prints each run against the first. */
        private static void section(String title, Run... runs) {
            System.out.println(title);
            for (Run r : runs) {
                String against = "";
                if (r != runs[0]) {
                    double maxDifference = 0;
                    for (int i = 0; i < r.weights.length; i++) {
                        maxDifference = Math.max(maxDifference, Math.abs(r.weights[i] - runs[0].weights[i]));
                    }
                    int same = 0;
                    for (int i = 0; i < r.predictions.size(); i++) {
                        same += r.predictions.get(i).equals(runs[0].predictions.get(i)) ? 1 : 0;
                    }
                    against = String.format(Locale.ROOT, "  against %s: largest weight difference %.2g, same prediction for %.2f%%",
                            runs[0].name, maxDifference, 100.0 * same / r.predictions.size());
                }
                System.out.printf(Locale.ROOT, "  %-45s accuracy %.2f%%  %5.1f s%s%n", r.name, 100 * r.accuracy, r.seconds, against);
            }
            System.out.println();
        }
    }

    /** Every weight of a Tribuo model, tensor after tensor, row after row. */
    static double[] weights(Tensor[] tensors) {
        List<double[]> rows = new ArrayList<>();
        for (Tensor t : tensors) {
            if (t instanceof DenseMatrix m) {
                for (int r = 0; r < m.getDimension1Size(); r++) {
                    rows.add(m.getRow(r).toArray());
                }
            } else {
                rows.add(((DenseVector) t).toArray());
            }
        }
        return rows.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    /** IDXDataSource reads files: the shipped digits are copied out of the class path (still gzip'd). */
    private static Path copyResource(Path dir, String name) throws IOException {
        try (InputStream in = TribuoMnist.class.getResourceAsStream("/mnist-10k/" + name)) {
            if (in == null) {
                throw new IOException("mnist-10k/" + name + " is not on the class path (expected in examples/src/main/resources)");
            }
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        }
    }
}
