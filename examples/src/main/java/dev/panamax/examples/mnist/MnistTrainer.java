package dev.panamax.examples.mnist;

import dev.panamax.kernels.KernelProvider;
import dev.panamax.optimizers.Hyperparameter;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.Optimizers;
import dev.panamax.schedules.CosineDecay;
import dev.panamax.schedules.ExponentialDecay;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job: trains a small multilayer perceptron on MNIST with a Panamax optimizer, prints
 * its progress, and plots training loss and evaluation accuracy per epoch.
 *
 * <p>Errors end with one {@code error: <message>} line on stderr and exit code 1 (2 for a
 * command line picocli cannot parse); {@code --verbose} adds the stack trace.
 */
@Command(name = "mnist", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains an MLP on MNIST with a Panamax optimizer and plots its learning curves.",
        version = "panamax mnist 0.1.0")
public final class MnistTrainer implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--optimizer", paramLabel = "NAME|JSON", defaultValue = "adam",
            description = "A Keras optimizer name (adam, sgd, rmsprop, adagrad, adadelta, adamax, nadam, ftrl)"
                    + " or a serialized optimizer such as '{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.001}}'"
                    + " (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", description = "Learning rate, replacing the optimizer's own.")
    Double learningRate;

    @Option(names = "--schedule", paramLabel = "cosine|exponential",
            description = "Learning-rate schedule starting from the optimizer's learning rate: cosine ="
                    + " CosineDecay(lr, total steps), exponential = ExponentialDecay(lr, steps per epoch, 0.9)."
                    + " Only these two.")
    String schedule;

    @Option(names = "--clipnorm", description = "Clips each gradient to this L2 norm.")
    Double clipnorm;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the weights and the shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--l2", defaultValue = "0", paramLabel = "L2",
            description = "L2 penalty of the kernels, as Keras's kernel_regularizer=L2(l2) (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "RATE",
            description = "Dropout rate after each hidden layer, as Keras's Dropout(rate) (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--shift", defaultValue = "1", paramLabel = "PIXELS",
            description = "Data augmentation: each epoch moves every training digit by a random offset of up to this many"
                    + " pixels across and down, filling with blank pixels (Keras's RandomTranslation with fill_mode=\"constant\" and whole-pixel offsets); 0 turns it off (default: ${DEFAULT-VALUE}).")
    int shift;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads of the optimizer's update loops (default: every core); results do not depend on it.")
    Integer threads;

    @Option(names = "--kernels", paramLabel = "scalar|simd",
            description = "Forces the optimizer kernels (sets -Dpanamax.kernels); default: the fastest available.")
    String kernels;

    @Option(names = "--hidden", split = ",", paramLabel = "N[,N...]", hideParamSyntax = true, defaultValue = "128",
            description = "Hidden layer sizes, e.g. 128 or 128,64 (default: ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--data", paramLabel = "DIR",
            description = "A directory with the MNIST IDX files (default: the 10,000 digits shipped in the jar)."
                    + " The first 80%% train, the last 20%% evaluate.")
    Path data;

    @Option(names = "--limit", paramLabel = "N", description = "Uses only the first N examples (before the 80/20 split).")
    Integer limit;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out", description = "Where the plot goes (default: ${DEFAULT-VALUE}/).")
    Path out;

    @Option(names = "--compare", split = ",", paramLabel = "NAME[,NAME...]", hideParamSyntax = true,
            description = "Trains each named optimizer (instead of --optimizer) with the same seed and plots all on one chart;"
                    + " 'all' means every built-in. --lr, --schedule and --clipnorm apply to each.")
    List<String> compare;

    @Option(names = "--verbose", description = "Prints more, and the stack trace of an error.")
    boolean verbose;

    /** One optimizer's results. */
    record Run(String label, double initialEvalLoss, double[] trainLoss, double[] evalLoss, double[] evalAccuracy,
               double seconds) {
    }

    /** The runs of the last {@link #call()} (for tests). */
    final List<Run> runs = new ArrayList<>();
    /** The plot written by the last {@link #call()} (for tests). */
    Path plot;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }

    /** The command line with one-line usage errors. */
    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new MnistTrainer());
        cmd.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage() + " (see --help)");
            ex.getCommandLine().getErr().flush();
            return ex.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        return cmd;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            // Before anything touches KernelProvider, which reads the property once per JVM.
            if (kernels != null) {
                if (!kernels.equals("scalar") && !kernels.equals("simd")) {
                    throw new IllegalArgumentException("--kernels must be scalar or simd, got " + kernels);
                }
                System.setProperty(KernelProvider.PROPERTY, kernels);
            }
            System.setProperty("java.awt.headless", "true");
            return run();
        } catch (Exception | OutOfMemoryError e) {
            if (verbose) {
                e.printStackTrace(err);
            }
            String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            err.println("error: " + message.lines().findFirst().orElse(message));
            err.flush();
            return 1;
        } finally {
            spec.commandLine().getOut().flush();
        }
    }

    private int run() throws IOException {
        runs.clear();
        plot = null;
        validate();
        PrintWriter out = spec.commandLine().getOut();

        // Fail on a bad optimizer before spending time on the data.
        List<String> names = compare == null ? List.of(optimizer)
                : compare.size() == 1 && compare.get(0).equalsIgnoreCase("all") ? Optimizers.builtInNames() : compare;
        for (String name : names) {
            createOptimizer(name).close();
        }

        MnistData all = data != null ? MnistData.loadDirectory(data) : MnistData.loadShipped();
        int count = limit != null ? Math.min(limit, all.count()) : all.count();
        int trainCount = count * 4 / 5;
        if (trainCount < 1 || count - trainCount < 1) {
            throw new IllegalArgumentException("need at least 2 examples to split 80/20, got " + count);
        }
        int pixels = all.rows() * all.cols();
        MnistData train = all.slice(0, trainCount);
        MnistData eval = all.slice(trainCount, count);
        float background = standardize(train, eval);
        int[] layers = new int[hidden.length + 2];
        layers[0] = pixels;
        System.arraycopy(hidden, 0, layers, 1, hidden.length);
        layers[layers.length - 1] = 10;
        out.printf(Locale.ROOT, "MNIST: %,d training and %,d evaluation digits (%s), MLP %s, batch %d, %d epochs%n",
                trainCount, count - trainCount, data != null ? data : "shipped", layersText(layers), batchSize, epochs);
        out.flush();

        for (String name : names) {
            runs.add(train(name, layers, train, eval, background, out));
        }

        Files.createDirectories(this.out);
        String file = compare != null ? "mnist-compare.png" : "mnist-" + fileLabel(runs.get(0).label()) + ".png";
        plot = this.out.resolve(file);
        writePlot(plot, runs);
        out.printf(Locale.ROOT, "plot: %s%n", plot.toAbsolutePath().normalize());
        return 0;
    }

    private void validate() {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (learningRate != null && !(learningRate > 0)) {
            throw new IllegalArgumentException("--lr must be > 0, got " + learningRate);
        }
        if (clipnorm != null && !(clipnorm > 0)) {
            throw new IllegalArgumentException("--clipnorm must be > 0, got " + clipnorm);
        }
        if (schedule != null && !schedule.equals("cosine") && !schedule.equals("exponential")) {
            throw new IllegalArgumentException("--schedule must be cosine or exponential, got " + schedule);
        }
        if (shift < 0 || shift > 8) {
            throw new IllegalArgumentException("--shift must be in 0..8 pixels, got " + shift);
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
        }
        if (limit != null && limit < 2) {
            throw new IllegalArgumentException("--limit must be >= 2, got " + limit);
        }
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("--hidden sizes must be >= 1, got " + h);
            }
        }
        if (data != null && !Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " is not a directory");
        }
        if (compare != null && compare.isEmpty()) {
            throw new IllegalArgumentException("--compare needs at least one optimizer name");
        }
    }

    /** The optimizer named by {@code spec} (a name or JSON), with --lr and --clipnorm applied. */
    Optimizer createOptimizer(String text) {
        String trimmed = text.trim();
        Optimizer o = trimmed.startsWith("{") ? Optimizers.fromJson(trimmed) : Optimizers.get(trimmed);
        if (learningRate != null) {
            o.setLearningRate(learningRate);
        }
        if (clipnorm != null) {
            o.setClipnorm(clipnorm);
        }
        if (threads != null) {
            o.setThreads(threads);
        }
        return o;
    }

    private Run train(String name, int[] layers, MnistData train, MnistData eval, float background, PrintWriter out) {
        int n = train.count();
        int pixels = train.rows() * train.cols();
        int stepsPerEpoch = (n + batchSize - 1) / batchSize;
        try (Optimizer opt = createOptimizer(name)) {
            if (schedule != null) {
                double lr = learningRate != null ? learningRate : constantLearningRate(opt);
                if (schedule.equals("cosine")) {
                    opt.setLearningRate(new CosineDecay(lr, (double) stepsPerEpoch * epochs));
                } else {
                    opt.setLearningRate(new ExponentialDecay(lr, stepsPerEpoch, 0.9));
                }
            }
            String label = opt.getClass().getSimpleName(); // the Keras class name; Keras 3 names are snake case ("adam_w")
            if (compare != null || verbose) {
                out.printf(Locale.ROOT, "%s: %s%n", label, Optimizers.toJson(opt));
            }
            Mlp mlp = new Mlp(layers, seed);
            mlp.setL2(l2);
            mlp.setDropout(dropout, seed + 1);
            double initialEvalLoss = mlp.evaluate(eval.images(), eval.labels(), 0, eval.count()).loss();

            SplittableRandom random = new SplittableRandom(seed);
            SplittableRandom shifts = new SplittableRandom(seed + 2);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            float[] images = new float[n * pixels];
            byte[] labels = new byte[n];
            double[] trainLoss = new double[epochs];
            double[] evalLoss = new double[epochs];
            double[] evalAccuracy = new double[epochs];
            long start = System.nanoTime();
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (int i = n - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int i = 0; i < n; i++) {
                    if (shift == 0) {
                        System.arraycopy(train.images(), order[i] * pixels, images, i * pixels, pixels);
                    } else {
                        translate(train.images(), order[i] * pixels, images, i * pixels, train.rows(), train.cols(),
                                shifts.nextInt(-shift, shift + 1), shifts.nextInt(-shift, shift + 1), background);
                    }
                    labels[i] = train.labels()[order[i]];
                }
                long epochStart = System.nanoTime();
                long lastDraw = 0;
                double lossSum = 0;
                for (int from = 0; from < n; from += batchSize) {
                    int to = Math.min(n, from + batchSize);
                    double loss = mlp.trainBatch(images, labels, from, to, opt);
                    if (!Double.isFinite(loss)) {
                        throw new ArithmeticException("the training loss diverged (" + loss + ") in epoch " + (epoch + 1)
                                + "; try a smaller --lr or --clipnorm");
                    }
                    lossSum += loss * (to - from);
                    long now = System.nanoTime();
                    if (to == n || now - lastDraw > 100_000_000L) {
                        lastDraw = now;
                        drawProgress(out, epoch, to, n, lossSum / to, now - epochStart);
                    }
                }
                trainLoss[epoch] = lossSum / n;
                MnistTrainerEval ev = evaluate(mlp, eval);
                evalLoss[epoch] = ev.loss;
                evalAccuracy[epoch] = ev.accuracy;
                out.print("\r" + " ".repeat(80) + "\r");
                out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f  eval loss %.4f  eval acc %.4f  (%.1f s)%n",
                        epoch + 1, epochs, trainLoss[epoch], evalLoss[epoch], evalAccuracy[epoch],
                        (System.nanoTime() - epochStart) / 1e9);
                out.flush();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "%s: final eval accuracy %.2f%% (%,d digits), eval loss %.4f, %.1f s%n",
                    label, 100 * evalAccuracy[epochs - 1], eval.count(), evalLoss[epochs - 1], seconds);
            out.flush();
            return new Run(label, initialEvalLoss, trainLoss, evalLoss, evalAccuracy, seconds);
        }
    }

    private record MnistTrainerEval(double loss, double accuracy) {
    }

    private static MnistTrainerEval evaluate(Mlp mlp, MnistData eval) {
        var e = mlp.evaluate(eval.images(), eval.labels(), 0, eval.count());
        return new MnistTrainerEval(e.loss(), e.accuracy());
    }

    private void drawProgress(PrintWriter out, int epoch, int done, int n, double loss, long nanos) {
        int width = 20;
        int filled = (int) ((long) width * done / n);
        double perSecond = nanos > 0 ? done / (nanos / 1e9) : 0;
        out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  loss %.4f  %,d ex/s",
                epoch + 1, epochs, "#".repeat(filled), ".".repeat(width - filled), done, n, loss, Math.round(perSecond));
        out.flush();
    }

    private static double constantLearningRate(Optimizer opt) {
        if (opt.getLearningRate() instanceof Hyperparameter.Constant c) {
            return c.constant();
        }
        throw new IllegalArgumentException("--schedule needs a constant learning rate to start from; pass --lr");
    }

    private static String layersText(int[] layers) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < layers.length; i++) {
            sb.append(i == 0 ? "" : "-").append(layers[i]);
        }
        return sb.toString();
    }

    private static String fileLabel(String label) {
        return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_");
    }

    static void writePlot(Path file, List<Run> runs) throws IOException {
        XYChart loss = new XYChartBuilder().width(800).height(400).title("Training loss")
                .xAxisTitle("epoch").yAxisTitle("loss").build();
        XYChart accuracy = new XYChartBuilder().width(800).height(400).title("Evaluation accuracy")
                .xAxisTitle("epoch").yAxisTitle("accuracy").build();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (Run run : runs) {
            String name = run.label();
            for (int k = 2; !used.add(name); k++) {
                name = run.label() + " #" + k;
            }
            double[] x = new double[run.trainLoss().length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            loss.addSeries(name, x, run.trainLoss()).setMarker(SeriesMarkers.CIRCLE);
            accuracy.addSeries(name, x, run.evalAccuracy()).setMarker(SeriesMarkers.CIRCLE);
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(List.of(loss, accuracy), 2, 1, os, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /**
     * Copies the {@code rows x cols} image at {@code from} into {@code to}, moved {@code dx}
     * pixels right and {@code dy} down; pixels moved in from outside get {@code background}.
     */
    static void translate(float[] source, int from, float[] target, int to, int rows, int cols, int dx, int dy,
                          float background) {
        for (int r = 0; r < rows; r++) {
            int sr = r - dy;
            for (int c = 0; c < cols; c++) {
                int sc = c - dx;
                target[to + r * cols + c] = sr >= 0 && sr < rows && sc >= 0 && sc < cols
                        ? source[from + sr * cols + sc] : background;
            }
        }
    }

    /**
     * Centres and scales every pixel by the training split's mean and standard deviation (as
     * Keras's MNIST examples normalise their inputs); the evaluation split uses the same numbers.
     * Modified: the images of both. Returns what a blank (0) pixel became.
     */
    static float standardize(MnistData train, MnistData eval) {
        double sum = 0;
        double sumOfSquares = 0;
        for (float x : train.images()) {
            sum += x;
            sumOfSquares += (double) x * x;
        }
        int n = train.images().length;
        double mean = sum / n;
        double std = Math.sqrt(Math.max(sumOfSquares / n - mean * mean, 1e-12));
        for (float[] images : new float[][] {train.images(), eval.images()}) {
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) ((images[i] - mean) / std);
            }
        }
        return (float) ((0 - mean) / std);
    }
}
