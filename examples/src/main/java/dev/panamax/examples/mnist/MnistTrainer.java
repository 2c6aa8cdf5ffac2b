package dev.panamax.examples.mnist;

import dev.panamax.distributed.Collective;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.DType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The main job: trains a small multilayer perceptron on MNIST with a Panamax optimizer, prints
 * its progress, and plots training loss and evaluation accuracy per epoch.
 *
 * <p>Every option is checked before the data is read. An error is one {@code error: <message>}
 * line on stderr that names the option, what came and what was expected; the exit code is
 * {@value #USAGE} for a command line that cannot work (as picocli does for one it cannot parse)
 * and {@value #FAILED} for a failure of the files or of the training. {@code --verbose} adds
 * the stack trace.
 */
@Command(name = "mnist", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains an MLP on MNIST with a Panamax optimizer and plots its learning curves.",
        versionProvider = MnistTrainer.Version.class,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:trained, plot written", "1:a file or the training failed",
            "2:the command line cannot work (a name, value or combination of options)"})
public final class MnistTrainer implements Callable<Integer> {

    /** The version of the build (the artifacts' version, written into a resource by Maven). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = MnistTrainer.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"panamax mnist " + p.getProperty("version", "(version unknown: not built by Maven)")};
        }
    }

    /** Exit codes. */
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--optimizer", paramLabel = "NAME|JSON", defaultValue = "adam", completionCandidates = OptimizerNames.class,
            description = "A Keras optimizer name (${COMPLETION-CANDIDATES}; any case) or a serialized optimizer such as"
                    + " '{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.001}}' (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64",
            description = "Examples per step, at most the training digits (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", description = "Learning rate, replacing the optimizer's own.")
    Double learningRate;

    @Option(names = "--schedule", paramLabel = "cosine|exponential",
            description = "Learning-rate schedule starting from the optimizer's learning rate: cosine ="
                    + " CosineDecay(lr, total steps), exponential = ExponentialDecay(lr, steps per epoch, 0.9).")
    String schedule;

    @Option(names = "--clipnorm", description = "Clips each gradient to this L2 norm.")
    Double clipnorm;

    @Option(names = "--slot-dtype", paramLabel = "bfloat16|float16|float32",
            description = "Stores the optimizer's slots in this dtype (SGD with momentum, Adam, AdamW, Lion); the weights"
                    + " stay float32 (default: float32).")
    String slotDtype;

    @Option(names = "--variable-dtype", paramLabel = "bfloat16|float16|float32",
            description = "Stores the weights in this dtype, updated directly by the optimizer (SGD, Adam, AdamW,"
                    + " Lion), which computes in float32; the slots follow unless --slot-dtype is given"
                    + " (default: float32).")
    String variableDtype;

    @Option(names = "--policy", paramLabel = "float32|mixed_bfloat16|mixed_float16",
            description = "Keras's dtype policy: mixed_* keeps the weights float32 and computes the layers in bfloat16 or"
                    + " float16; mixed_float16 also wraps the optimizer in a LossScaleOptimizer, as Keras 3 does"
                    + " (default: float32).")
    String policy;

    @Option(names = "--stochastic-rounding", paramLabel = "SEED",
            description = "Rounds 16-bit weights stochastically, with random bits from this seed (needs --variable-dtype"
                    + " bfloat16 or float16).")
    Long stochasticRounding;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the weights, the shuffling, the shifts and"
            + " the dropout masks (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--l2", defaultValue = "0", paramLabel = "L2",
            description = "L2 penalty of the kernels, as Keras's kernel_regularizer=L2(l2) (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "RATE",
            description = "Dropout rate in [0, 1) after each hidden layer, as Keras's Dropout(rate) (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--shift", defaultValue = "1", paramLabel = "PIXELS",
            description = "Data augmentation: each epoch moves every training digit by a random offset of up to this many"
                    + " pixels (0..8) across and down, filling with blank pixels (Keras's RandomTranslation with"
                    + " fill_mode=\"constant\" and whole-pixel offsets); 0 turns it off (default: ${DEFAULT-VALUE}).")
    int shift;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads of the optimizer's update loops, at most 4 per core (default: every core);"
                    + " results do not depend on it.")
    Integer threads;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "Data-parallel training on N JVMs of this machine (1.." + OptionChecks.MAX_WORKERS + "): this one"
                    + " starts the others; each computes the gradients of its share of every batch, and the workers add"
                    + " them in worker order, so the result does not depend on timing (default: ${DEFAULT-VALUE}).")
    int workers;

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

    @Option(names = "--limit", paramLabel = "N",
            description = "Uses only the first N examples (before the 80/20 split), at least 10.")
    Integer limit;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out",
            description = "Where the plot goes, created if missing (default: ${DEFAULT-VALUE}/).")
    Path out;

    @Option(names = "--name", paramLabel = "NAME",
            description = "File name of the plot (.png is added), replacing a file of that name. Default: mnist-<optimizer>"
                    + " and each option typed that changes the result, e.g. mnist-adam_lr=0.002_epochs=3.png, or"
                    + " mnist-compare-...; a default name never replaces a file but gets -2, -3, ...")
    String name;

    @Option(names = "--compare", split = ",", paramLabel = "NAME[,NAME...]", hideParamSyntax = true,
            description = "Trains each named optimizer (instead of --optimizer) with the same seed, plots all on one chart"
                    + " and ends with a table, best first; 'all' means every built-in. --lr, --schedule and --clipnorm"
                    + " apply to each.")
    List<String> compare;

    @Option(names = "--verbose", description = "Prints the stack trace of an error.")
    boolean verbose;

    /** One optimizer's results. */
    public record Run(String label, double initialEvalLoss, double[] trainLoss, double[] evalLoss, double[] evalAccuracy,
               double seconds) {
    }

    /** The valid optimizer names, for {@code --help}. */
    static final class OptimizerNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return OptimizerChoice.validNames().iterator();
        }
    }

    /** The group of {@link #trainAsWorker}, or null. */
    private Collective group;

    /** The runs of the last {@link #call()} (for tests). */
    final List<Run> runs = new ArrayList<>();
    /** The plot written by the last {@link #call()} (for tests). */
    Path plot;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command as {@link #main} does, writing to {@code out} and {@code err}; returns the exit code. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = commandLine();
        cmd.setOut(out);
        cmd.setErr(err);
        return cmd.execute(args);
    }

    /** The command line, with picocli's parse errors as one line too. */
    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new MnistTrainer());
        cmd.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage() + " (see --help)");
            ex.getCommandLine().getErr().flush();
            return USAGE;
        });
        return cmd;
    }

    /** The dtype the layers compute in under {@code --policy}. */
    private DType computeDtype() {
        return policy == null || policy.equals("float32") ? DType.FLOAT32
                : policy.equals("mixed_bfloat16") ? DType.BFLOAT16 : DType.FLOAT16;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run();
        } catch (UsageException e) {
            return report(err, e, USAGE);
        } catch (Exception | OutOfMemoryError e) {
            return report(err, e, FAILED);
        } finally {
            spec.commandLine().getOut().flush();
        }
    }

    private int report(PrintWriter err, Throwable e, int code) {
        if (verbose) {
            e.printStackTrace(err);
        }
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        Integer worker = Workers.childRank();
        err.println((worker != null ? "worker " + worker + ": " : "") + "error: " + message.lines().findFirst().orElse(message));
        err.flush();
        return code;
    }

    private int run() throws IOException {
        runs.clear();
        plot = null;
        ParseResult parsed = spec.commandLine().getParseResult();

        // Everything that can be checked is, before the data loads and long before the plot.
        OptionChecks.check(this, parsed.hasMatchedOption("--optimizer"));
        if (kernels != null) {
            // Before anything touches KernelProvider, which reads the property once per JVM.
            System.setProperty(KernelProvider.PROPERTY, kernels);
        }
        System.setProperty("java.awt.headless", "true");
        String option = compare != null ? "--compare" : "--optimizer";
        List<String> texts = OptimizerChoice.texts(optimizer, compare);
        OptimizerChoice choice = new OptimizerChoice(learningRate, clipnorm, threads, schedule, epochs, slotDtype,
                stochasticRounding, variableDtype, policy);
        choice.check(option, texts);
        // A child JVM of --workers, or a worker of a group the caller formed (trainAsWorker): no plot,
        // and only worker 0 of a caller's group prints.
        boolean child = Workers.childRank() != null || group != null;
        boolean quiet = Workers.childRank() != null || group != null && group.rank() != 0;
        if (!child) {
            OutputDirectory.prepare(out);
        }
        int count = Math.min(limit != null ? limit : Integer.MAX_VALUE, declaredCount());
        int trainCount = count * 4 / 5;
        if (count < OptionChecks.MIN_LIMIT) {
            throw new MnistFormatException(data + ": holds " + count + " digits, expected at least "
                    + OptionChecks.MIN_LIMIT + " for the 80/20 split");
        }
        OptionChecks.checkBatchSize(batchSize, trainCount);

        MnistData all = load();
        MnistData train = all.slice(0, trainCount);
        MnistData eval = all.slice(trainCount, count);
        float background = standardize(train, eval);
        int[] layers = layers(all.rows() * all.cols());
        PrintWriter out = quiet ? new PrintWriter(java.io.OutputStream.nullOutputStream()) : spec.commandLine().getOut();
        out.println(RunHeader.data(trainCount, count - trainCount, data != null ? data.toString() : "shipped",
                layers, batchSize, epochs, shift, l2, dropout)
                + (variableDtype != null && !variableDtype.equals("float32") ? ", " + variableDtype + " weights" : "")
                + (computeDtype().isHalf() ? ", policy " + policy : ""));
        out.println(RunHeader.machine(threads != null ? threads : Runtime.getRuntime().availableProcessors(), seed));
        out.flush();

        Training.Settings settings = new Training.Settings(layers, epochs, batchSize, seed, l2, dropout, shift,
                variableDtype == null ? DType.FLOAT32 : DType.fromKerasName(variableDtype), computeDtype());
        int stepsPerEpoch = (trainCount + batchSize - 1) / batchSize;
        List<String> labels = new ArrayList<>();
        try (Workers workers = this.group != null ? Workers.of(this.group) : Workers.childRank() != null ? Workers.joinAsChild()
                : this.workers > 1 ? Workers.start(this.workers, parsed.originalArgs()) : null) {
            if (workers != null) {
                out.println(RunHeader.workers(workers.collective()));
            }
            train(texts, option, choice, stepsPerEpoch, settings, train, eval, background, out, labels, workers);
        }
        if (child) {
            return OK;
        }

        if (compare != null) {
            out.println();
            SummaryTable.lines(runs).forEach(out::println);
        }
        boolean everyBuiltIn = compare != null && compare.size() == 1 && compare.get(0).trim().equalsIgnoreCase("all");
        String base = name != null ? name.replaceFirst("(?i)\\.png$", "")
                : PlotFile.defaultBase(labels, compare != null, everyBuiltIn, parsed);
        plot = PlotFile.write(this.out, base, name != null, os -> LearningCurvesPlot.write(os, runs));
        out.printf(Locale.ROOT, "plot: %s%n", plot.toAbsolutePath().normalize());
        return OK;
    }

    /** Trains each optimizer of {@code texts} in turn, on this JVM alone or as a worker of {@code group}. */
    private void train(List<String> texts, String option, OptimizerChoice choice, int stepsPerEpoch, Training.Settings settings,
                       MnistData train, MnistData eval, float background, PrintWriter out, List<String> labels, Workers group) {
        for (String text : texts) {
            try (Optimizer opt = choice.create(option, text, stepsPerEpoch)) {
                String label = uniqueLabel(opt.getClass().getSimpleName(), labels); // the Keras class name
                labels.add(label);
                if (compare != null) {
                    out.printf(Locale.ROOT, "%n%s (%d of %d)%n", label, labels.size(), texts.size());
                }
                out.println(RunHeader.optimizer(opt));
                out.println(RunHeader.schedule(opt));
                out.flush();
                MnistTrainer.Run run = Training.run(label, opt, settings, train, eval, background, out,
                        group == null ? null : group.collective());
                if (run != null) {
                    runs.add(run);
                }
            }
        }
    }

    /**
     * Trains as one worker of {@code group}, a group the caller formed (on Spark, for example:
     * {@code dev.panamax.spark.SparkTraining}), with the options of a command line ({@code --workers}
     * aside): every worker loads the data and takes its share of every batch as the workers of
     * {@code --workers} do, so a group of N ends with the bits of {@code --workers N}. Worker 0
     * prints to {@code out}; no plot is written.
     *
     * @return worker 0's run (one per optimizer), an empty list on the other workers
     * @throws picocli.CommandLine.ParameterException when picocli cannot parse {@code args}
     * @throws RuntimeException                       when the options cannot work together (the command's error message)
     * @throws IOException                             when the data cannot be read
     */
    public static List<Run> trainAsWorker(Collective group, PrintWriter out, String... args) throws IOException {
        CommandLine cmd = commandLine();
        cmd.setOut(out);
        cmd.parseArgs(args);
        MnistTrainer trainer = cmd.getCommand();
        trainer.group = java.util.Objects.requireNonNull(group, "group");
        trainer.run();
        return List.copyOf(trainer.runs);
    }

    /** The digits the data declares, from its header only. */
    private int declaredCount() throws IOException {
        try {
            return data != null ? MnistData.declaredCount(data) : MnistData.declaredShippedCount();
        } catch (MnistFormatException e) {
            throw data != null ? new MnistFormatException("--data " + e.getMessage(), e) : e;
        }
    }

    private MnistData load() throws IOException {
        try {
            return data != null ? MnistData.loadDirectory(data) : MnistData.loadShipped();
        } catch (MnistFormatException e) {
            throw data != null ? new MnistFormatException("--data " + e.getMessage(), e) : e;
        }
    }

    private int[] layers(int pixels) {
        int[] layers = new int[hidden.length + 2];
        layers[0] = pixels;
        System.arraycopy(hidden, 0, layers, 1, hidden.length);
        layers[layers.length - 1] = 10;
        return layers;
    }

    /** {@code label}, or {@code label #2}, {@code #3}, ... when an earlier run has it (the same optimizer twice). */
    private static String uniqueLabel(String label, List<String> used) {
        String unique = label;
        for (int k = 2; used.contains(unique); k++) {
            unique = label + " #" + k;
        }
        return unique;
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
