package dev.panamax.examples.mnist;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The checks of {@link MnistTrainer}'s options that need no file: each failure is a
 * {@link UsageException} whose message names the option, what was expected and what came.
 * They all run before the data is read, so a typo costs no time.
 */
final class OptionChecks {

    /** More epochs than anyone trains this model for; the run keeps three numbers per epoch. */
    static final int MAX_EPOCHS = 100_000;
    /** The 80/20 split of this many digits leaves 8 to train and 2 to evaluate. */
    static final int MIN_LIMIT = 10;
    /** A third of an MNIST digit's 28 pixels: further, most of the digit leaves the image. */
    static final int MAX_SHIFT = 8;
    /** A 784 x 65,536 kernel and its optimizer slots already take about a gigabyte. */
    static final int MAX_HIDDEN = 65_536;
    /** JVMs of one machine that train together; each holds the data and the model. */
    static final int MAX_WORKERS = 16;
    /** Threads beyond a few per core only wait for each other; more is surely a typo. */
    static final int THREADS_PER_CORE = 4;

    static final List<String> SCHEDULES = List.of("cosine", "exponential");
    static final List<String> KERNELS = List.of("scalar", "simd");
    static final List<String> SLOT_DTYPES = List.of("bfloat16", "float16", "float32");

    /** Keras's dtype policies the MLP follows. */
    static final List<String> POLICIES = List.of("float32", "mixed_bfloat16", "mixed_float16");

    /** A file name without a directory, safe in every shell and file system. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+=-]{0,119}");

    private OptionChecks() {
    }

    /** Every check that needs neither the data nor an optimizer. */
    static void check(MnistTrainer o, boolean optimizerGiven) {
        range("--epochs", o.epochs, 1, MAX_EPOCHS, "");
        range("--batch-size", o.batchSize, 1, Integer.MAX_VALUE, "");
        if (o.learningRate != null) {
            positive("--lr", o.learningRate);
        }
        if (o.clipnorm != null) {
            positive("--clipnorm", o.clipnorm);
        }
        if (!(o.l2 >= 0 && o.l2 < Double.POSITIVE_INFINITY)) {
            throw new UsageException("--l2 must be a finite number >= 0 (0 turns the penalty off), got " + number(o.l2));
        }
        if (!(o.dropout >= 0 && o.dropout < 1)) {
            throw new UsageException("--dropout must be in [0, 1) (the fraction of hidden units dropped), got "
                    + number(o.dropout));
        }
        range("--shift", o.shift, 0, MAX_SHIFT, " pixels");
        range("--workers", o.workers, 1, MAX_WORKERS, " JVMs");
        if (o.threads != null) {
            range("--threads", o.threads, 1, maxThreads(),
                    " (" + THREADS_PER_CORE + " x the " + cores() + " cores this JVM sees)");
        }
        for (int size : o.hidden) {
            if (size < 1 || size > MAX_HIDDEN) {
                throw new UsageException("--hidden sizes must be in 1.." + MAX_HIDDEN + ", got " + size
                        + (o.hidden.length > 1 ? " in " + joined(o.hidden) : ""));
            }
        }
        if (o.limit != null && o.limit < MIN_LIMIT) {
            throw new UsageException("--limit must be >= " + MIN_LIMIT + " (the 80/20 split needs at least 8 training"
                    + " and 2 evaluation digits), got " + o.limit);
        }
        oneOf("--schedule", o.schedule, SCHEDULES);
        oneOf("--kernels", o.kernels, KERNELS);
        oneOf("--slot-dtype", o.slotDtype, SLOT_DTYPES);
        oneOf("--variable-dtype", o.variableDtype, SLOT_DTYPES);
        oneOf("--policy", o.policy, POLICIES);
        if (o.policy != null && o.policy.startsWith("mixed") && o.variableDtype != null && !o.variableDtype.equals("float32")) {
            throw new UsageException("--policy " + o.policy + " keeps the weights float32 (the layers compute in 16 bits);"
                    + " leave --variable-dtype out, or the policy");
        }
        if (o.stochasticRounding != null && (o.variableDtype == null || o.variableDtype.equals("float32"))) {
            throw new UsageException("--stochastic-rounding rounds 16-bit weights: give --variable-dtype bfloat16 or float16 too");
        }
        if (o.name != null && !FILE_NAME.matcher(o.name).matches()) {
            throw new UsageException("--name must be a file name of at most 120 letters, digits and . _ + = -"
                    + " (no directory; --out says where), got '" + o.name + "'");
        }
        if (o.compare != null) {
            checkCompare(o.compare, optimizerGiven);
        }
    }

    private static void checkCompare(List<String> names, boolean optimizerGiven) {
        if (optimizerGiven) {
            throw new UsageException("--compare and --optimizer exclude each other: --compare trains the optimizers it"
                    + " names, --optimizer trains one");
        }
        if (names.isEmpty() || names.stream().anyMatch(String::isBlank)) {
            throw new UsageException("--compare must list optimizer names separated by commas, or 'all', got '"
                    + String.join(",", names) + "'");
        }
        if (names.size() > 1 && names.stream().anyMatch(n -> n.trim().equalsIgnoreCase("all"))) {
            throw new UsageException("--compare all stands alone (it means every built-in optimizer), got '"
                    + String.join(",", names) + "'");
        }
    }

    /** The batch size against the training split, which the data's header tells. */
    static void checkBatchSize(int batchSize, int trainCount) {
        if (batchSize > trainCount) {
            throw new UsageException("--batch-size must be in 1.." + trainCount + " (the training digits), got " + batchSize);
        }
    }

    static int maxThreads() {
        return THREADS_PER_CORE * cores();
    }

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    private static void range(String option, long value, long min, long max, String unit) {
        if (value < min || value > max) {
            String expected = max == Integer.MAX_VALUE ? ">= " + min : "in " + min + ".." + max;
            throw new UsageException(option + " must be " + expected + unit + ", got " + value);
        }
    }

    private static void positive(String option, double value) {
        if (!(value > 0 && value < Double.POSITIVE_INFINITY)) {
            throw new UsageException(option + " must be a finite number > 0, got " + number(value));
        }
    }

    private static void oneOf(String option, String value, List<String> valid) {
        if (value != null && !valid.contains(value)) {
            throw new UsageException(option + " must be one of " + String.join(", ", valid) + ", got '" + value + "'");
        }
    }

    /** {@code -1} and {@code 0.001} rather than {@code -1.0} and {@code 1.0E-3}, as a user types them. */
    static String number(double value) {
        double magnitude = Math.abs(value);
        return value == 0 || magnitude >= 1e-6 && magnitude < 1e9
                ? BigDecimal.valueOf(value).stripTrailingZeros().toPlainString() : String.valueOf(value);
    }

    private static String joined(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int v : values) {
            sb.append(sb.isEmpty() ? "" : ",").append(v);
        }
        return sb.toString();
    }
}
