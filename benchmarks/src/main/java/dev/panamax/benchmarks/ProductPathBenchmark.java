package dev.panamax.benchmarks;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

/**
 * The paths a user takes, against the machine's memory limit, measured in rounds: one benchmark
 * operation runs every contender once, in an order shuffled anew every round ({@link ShuffledOrder}),
 * and times each one. The per-contender times of one iteration ({@link Times}, JMH's secondary metrics) were taken
 * over the same seconds, so their ratios survive the drift of a shared machine that makes ratios
 * of separate JMH runs swing by 15-20%. {@link RooflineReport} turns them into the README's table.
 *
 * <p>The contenders: {@code probe} ({@link BandwidthProbe} on 64-byte-aligned off-heap arrays),
 * {@code java} ({@link JavaArrayPeer}, the same traffic as a plain loop over {@code float[]}),
 * {@code kernel} (the SIMD kernel called directly), {@code step} ({@code applyGradients} on
 * {@code Tensor.full} tensors, slots made by the optimizer) and {@code wrapped}
 * ({@code applyGradients} on {@code Tensor.wrap(float[])} tensors). Which of them run, by
 * {@link #memory}:
 * <ul>
 *   <li>{@code offheap}: probe, java, kernel and step;
 *   <li>{@code heap}: java and wrapped, in a JVM whose kernels never see off-heap memory;
 *   <li>{@code mixed}: probe, java, step and wrapped, a program with both kinds of tensor.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class ProductPathBenchmark {

    /** The contenders, in the order {@link Times} reports them. */
    static final List<String> CONTENDERS = List.of("probe", "java", "kernel", "step", "wrapped");

    @Param({"ADAM", "MOMENTUM", "RMSPROP", "SGD", "ADAGRAD", "ADADELTA", "ADAMAX", "NADAM", "FTRL", "ADAMW", "LION",
            "SCHEDULE_FREE"})
    public Algorithm algorithm;

    @Param({"16777216", "67108864"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    /** {@code offheap}, {@code heap} or {@code mixed}: which memory the optimizers' variables and gradients are in. */
    @Param({"offheap", "heap", "mixed"})
    public String memory;

    /**
     * Steps of a one-chunk variable each trial runs before its measured optimizer's first step
     * ({@link #warmUp}); 0 measures the start-up phase instead. Enough for the JIT's last tier,
     * which compiles a method after about 5,000 calls.
     */
    @Param({"10000"})
    public int warmUpSteps;

    private static final DType DTYPE = DType.FLOAT32;
    /** Elements of the warm-up variable: one chunk, so that its kernel calls are as long as those of the threaded steps. */
    private static final int WARM_UP_SIZE = (int) ChunkedExecutor.CHUNK;

    private Arena arena;
    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Optimizer> optimizers = new ArrayList<>();
    /** The contenders of this trial, indexed as {@link #CONTENDERS}; null where one does not run. */
    private final Runnable[] contenders = new Runnable[CONTENDERS.size()];
    private final ShuffledOrder order = new ShuffledOrder(CONTENDERS.size());

    @Setup(Level.Trial)
    public void setUp() {
        OptimizerKernels kernels = KernelProvider.kernels();
        if (!kernels.name().equals("simd")) {
            throw new IllegalStateException("SIMD kernels requested but the provider picked " + kernels.name());
        }
        ChunkedExecutor executor = ChunkedExecutor.shared(threads);
        Object[] javaArrays = JavaArrayPeer.arrays(algorithm, DTYPE, size);
        contenders[1] = () -> JavaArrayPeer.step(algorithm, DTYPE, javaArrays, size, executor);
        if (!List.of("offheap", "heap", "mixed").contains(memory)) {
            throw new IllegalArgumentException("memory is offheap, heap or mixed, not " + memory);
        }
        if (!memory.equals("heap")) {
            arena = Arena.ofShared();
            MemorySegment[] probeArrays = algorithm.allocate(arena, DTYPE, size);
            contenders[0] = () -> BandwidthProbe.step(algorithm, DTYPE, probeArrays, size, executor);
            contenders[3] = step(false);
        }
        if (memory.equals("offheap")) {
            MemorySegment[] kernelArrays = algorithm.allocate(arena, DTYPE, size);
            contenders[2] = () -> algorithm.step(kernels, DTYPE, kernelArrays, size, executor);
        } else {
            contenders[4] = step(true);
        }
    }

    /**
     * {@code applyGradients} of a new optimizer of the algorithm on one variable, off-heap or on
     * wrapped arrays, after {@link #warmUpSteps} of another optimizer on a one-chunk variable of
     * the same kind.
     */
    private Runnable step(boolean wrapped) {
        warmUp(variable(wrapped, WARM_UP_SIZE));
        GradientAndVariable pair = variable(wrapped, size);
        tensors.add(pair.variable().value());
        tensors.add((Tensor) pair.gradient());
        Optimizer optimizer = algorithm.optimizer(threads);
        optimizers.add(optimizer);
        List<GradientAndVariable> pairs = List.of(pair);
        return () -> optimizer.applyGradients(pairs);
    }

    /** A variable of {@code n} elements of 0.5 and its gradient of 1e-3, off-heap or on wrapped arrays. */
    static GradientAndVariable variable(boolean wrapped, int n) {
        Tensor value = wrapped ? Tensor.wrap(filled(n, 0.5f), n) : Tensor.full(DTYPE, 0.5, n);
        Tensor gradient = wrapped ? Tensor.wrap(filled(n, 1e-3f), n) : Tensor.full(DTYPE, 1e-3, n);
        return new GradientAndVariable(gradient, new Variable("bench/path", value));
    }

    /**
     * Runs the step's per-call Java code (checks, stages, coefficients: microseconds once compiled)
     * until the JIT has compiled it, as a training run does in its first thousands of steps. A
     * trial makes only hundreds of steps of milliseconds each, so without this that code runs
     * interpreted or at C1's first tier throughout: on a machine with cold caches after each
     * step's streams that costs about 0.1 ms a step (measured: 2-3% of a 16M momentum step on
     * two threads), a start-up cost that a long training run does not pay.
     */
    private void warmUp(GradientAndVariable pair) {
        warmUp(algorithm.optimizer(threads), pair, warmUpSteps);
    }

    /** Runs {@code steps} steps of {@code optimizer} on {@code pair}, then closes all three. */
    static void warmUp(Optimizer optimizer, GradientAndVariable pair, int steps) {
        try (optimizer) {
            List<GradientAndVariable> pairs = List.of(pair);
            for (int i = 0; i < steps; i++) {
                optimizer.applyGradients(pairs);
            }
        } finally {
            pair.variable().value().close();
            ((Tensor) pair.gradient()).close();
        }
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        Arrays.fill(a, value);
        return a;
    }

    /** Nanoseconds each contender spent in one iteration, and the rounds it ran. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Times {
        final long[] nanos = new long[CONTENDERS.size()];
        public long rounds;

        @Setup(Level.Iteration)
        public void reset() {
            Arrays.fill(nanos, 0);
            rounds = 0;
        }

        public long probeNanos() {
            return nanos[0];
        }

        public long javaNanos() {
            return nanos[1];
        }

        public long kernelNanos() {
            return nanos[2];
        }

        public long stepNanos() {
            return nanos[3];
        }

        public long wrappedNanos() {
            return nanos[4];
        }
    }

    @Benchmark
    public void round(Times times) {
        for (int c : order.next()) {
            if (contenders[c] != null) {
                long start = System.nanoTime();
                contenders[c].run();
                times.nanos[c] += System.nanoTime() - start;
            }
        }
        times.rounds++;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizers.forEach(Optimizer::close);
        optimizers.clear();
        tensors.forEach(Tensor::close);
        tensors.clear();
        if (arena != null) {
            arena.close();
        }
    }
}
