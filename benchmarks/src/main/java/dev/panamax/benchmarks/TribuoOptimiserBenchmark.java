package dev.panamax.benchmarks;

import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.tribuo.PanamaxOptimiser;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseSparseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.SparseVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.optimisers.AdaGrad;

/**
 * One optimiser step of a Tribuo linear model as {@code AbstractSGDTrainer} takes it,
 * {@code parameters.update(optimiser.step(gradients, 1.0))}, with Tribuo 4.3.2's {@code Adam} and
 * {@code AdaGrad} and with Panamax's Keras Adam and Adagrad through {@link PanamaxOptimiser} (one
 * thread, as Tribuo's). The parameters are a {@code LinearParameters} weight matrix, labels x
 * (features + bias): MNIST's logistic regression (10 x 785, 7,850 parameters) and a 10-class model
 * over 100,000 features (1M parameters).
 *
 * <p>One JVM per algorithm ({@link #algorithm}): Tribuo's optimisers pass their formulas to
 * {@code DenseMatrix} methods as lambdas, and in a JVM that runs both Adam's and AdaGrad's those
 * call sites see more lambdas and compile worse (as a real program's model code may also make them).
 *
 * <p>Measured in rounds, as {@link ProductPathBenchmark}: one operation gives both contenders a
 * turn, in an order shuffled anew each round, and times each ({@link Times}); each contender has its
 * own parameters and gradient. A turn is {@link #stepsPerTurn} steps (about a million parameters
 * stepped), so that a small model stays in the caches as it does in training, where one model is
 * stepped over and over. The per-contender times of an iteration come from the same seconds, so
 * their ratios survive the load of a shared machine. {@link TribuoReport} makes the README's table.
 *
 * <p>Before each step, untimed, the contender's gradient gets its values back with
 * {@code System.arraycopy}, as the trainer makes a new gradient per example (an outer product) and
 * both Tribuo's optimisers and this adapter overwrite theirs. {@code dense} is a
 * {@code DenseMatrix}; {@code sparse} a {@code DenseSparseMatrix} whose rows hold the same 20% of
 * the columns, as the outer product of a sparse example gives (MNIST digits have about 19% non-zero
 * pixels). Tribuo's optimisers touch only those; Panamax steps the whole matrix (Keras's dense
 * step, see {@code GradientReader}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TribuoOptimiserBenchmark {

    static final List<String> CONTENDERS = List.of("tribuo", "panamax");

    /** The arrays behind a dense row view and a sparse row (no public accessor; benchmark code only). */
    private static final VarHandle DENSE_ELEMENTS;
    private static final VarHandle SPARSE_VALUES;

    static {
        try {
            DENSE_ELEMENTS = MethodHandles.privateLookupIn(DenseVector.class, MethodHandles.lookup())
                    .findVarHandle(DenseVector.class, "elements", double[].class);
            SPARSE_VALUES = MethodHandles.privateLookupIn(SparseVector.class, MethodHandles.lookup())
                    .findVarHandle(SparseVector.class, "values", double[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Labels x columns of the weight matrix. */
    @Param({"10x785", "10x100000"})
    public String shape;

    @Param({"dense", "sparse"})
    public String gradient;

    @Param({"adam", "adagrad"})
    public String algorithm;

    private final Contender[] contenders = new Contender[CONTENDERS.size()];
    /** Steps per contender per round: 1 for the 1M-parameter model, 127 for MNIST's. */
    private int stepsPerTurn;
    private final ShuffledOrder order = new ShuffledOrder(CONTENDERS.size());

    /** One optimiser with its own parameters and gradient, and the gradient's values to restore. */
    private static final class Contender {
        final LinearParameters parameters;
        final StochasticGradientOptimiser optimiser;
        final Tensor[] gradients;
        final double[][] arrays;
        final double[][] values;

        Contender(StochasticGradientOptimiser optimiser, int rows, int cols, boolean dense) {
            this.parameters = new LinearParameters(cols, rows);
            this.optimiser = optimiser;
            Tensor g = dense ? denseGradient(rows, cols) : sparseGradient(rows, cols);
            this.gradients = new Tensor[] {g};
            this.arrays = new double[rows][];
            this.values = new double[rows][];
            for (int r = 0; r < rows; r++) {
                arrays[r] = g instanceof DenseMatrix m ? (double[]) DENSE_ELEMENTS.get(m.getRow(r))
                        : (double[]) SPARSE_VALUES.get(((DenseSparseMatrix) g).getRow(r));
                values[r] = arrays[r].clone();
            }
            optimiser.initialise(parameters);
        }

        void restoreGradient() {
            for (int r = 0; r < arrays.length; r++) {
                System.arraycopy(values[r], 0, arrays[r], 0, values[r].length);
            }
        }

        void step() {
            parameters.update(optimiser.step(gradients, 1.0));
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        stepsPerTurn = Math.max(1, 1_000_000 / (rows * cols));
        boolean dense = switch (gradient) {
            case "dense" -> true;
            case "sparse" -> false;
            default -> throw new IllegalArgumentException("gradient is dense or sparse, not " + gradient);
        };
        switch (algorithm) {
            case "adam" -> {
                contenders[0] = new Contender(new org.tribuo.math.optimisers.Adam(0.001, 0.9, 0.999, 1e-7), rows, cols, dense);
                contenders[1] = new Contender(PanamaxOptimiser.of(Adam.builder().learningRate(0.001).threads(1)), rows, cols, dense);
            }
            case "adagrad" -> {
                contenders[0] = new Contender(new AdaGrad(0.1, 1e-6), rows, cols, dense);
                contenders[1] = new Contender(PanamaxOptimiser.of(Adagrad.builder().learningRate(0.1).initialAccumulatorValue(0.0)
                        .epsilon(1e-6).threads(1)), rows, cols, dense);
            }
            default -> throw new IllegalArgumentException("algorithm is adam or adagrad, not " + algorithm);
        }
    }

    /** Nanoseconds each contender spent stepping in one iteration, and the steps each took. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Times {
        final long[] nanos = new long[CONTENDERS.size()];
        public long steps;

        @Setup(Level.Iteration)
        public void reset() {
            Arrays.fill(nanos, 0);
            steps = 0;
        }

        public long tribuoNanos() {
            return nanos[0];
        }

        public long panamaxNanos() {
            return nanos[1];
        }
    }

    @Benchmark
    public void round(Times times) {
        for (int c : order.next()) {
            Contender contender = contenders[c];
            long nanos = 0;
            for (int s = 0; s < stepsPerTurn; s++) {
                contender.restoreGradient();
                long start = System.nanoTime();
                contender.step();
                nanos += System.nanoTime() - start;
            }
            times.nanos[c] += nanos;
        }
        times.steps += stepsPerTurn;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Contender c : contenders) {
            c.optimiser.finalise();
            c.optimiser.reset();
        }
    }

    private static DenseMatrix denseGradient(int rows, int cols) {
        SplittableRandom random = new SplittableRandom(42);
        DenseMatrix g = new DenseMatrix(rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                g.set(r, c, random.nextDouble(-1, 1));
            }
        }
        return g;
    }

    private static DenseSparseMatrix sparseGradient(int rows, int cols) {
        SplittableRandom random = new SplittableRandom(42);
        int[] columns = random.ints(0, cols).distinct().limit(cols / 5).sorted().toArray();
        SparseVector[] vectors = new SparseVector[rows];
        for (int r = 0; r < rows; r++) {
            double[] values = random.doubles(columns.length, -1, 1).toArray();
            vectors[r] = SparseVector.createSparseVector(cols, columns, values);
        }
        return DenseSparseMatrix.createFromSparseVectors(vectors);
    }
}
