package dev.panamax.benchmarks;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.SGD;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
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
 * Slots in bfloat16 against float32, in rounds as {@link ProductPathBenchmark} times them (every
 * contender once per round, in a shuffled order). Contenders:
 * <ul>
 *   <li>{@code probe32}: {@link BandwidthProbe} on the float32 algorithm's arrays (the float32 limit);
 *   <li>{@code probe16}: the same pass with the slots as 16-bit arrays (a float32 variable and
 *   gradient, one short add per slot element): the limit for the 16-bit form's own bytes;
 *   <li>{@code java16}: that pass as a plain Java loop over {@code float[]} and {@code short[]};
 *   <li>{@code step32}: {@code applyGradients} of the float32 optimizer on off-heap tensors;
 *   <li>{@code step16}: the same with {@code slotDtype(BFLOAT16)};
 *   <li>{@code wrapped16}: the same on {@code Tensor.wrap(float[])} variables (slots on {@code short[]}).
 * </ul>
 * {@link HalfSlotsReport} gives each 16-bit step as a share of its own limit and its speed-up over float32.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class HalfSlotsBenchmark {

    static final List<String> CONTENDERS = List.of("probe32", "probe16", "java16", "step32", "step16", "wrapped16");

    /** The algorithms with 16-bit slot kernels. */
    public enum Form {
        ADAM(Algorithm.ADAM, 2, dtype -> Adam.builder().learningRate(1e-3).slotDtype(dtype)),
        MOMENTUM(Algorithm.MOMENTUM, 1, dtype -> SGD.builder().learningRate(0.01).momentum(0.9).slotDtype(dtype)),
        LION(Algorithm.LION, 1, dtype -> Lion.builder().learningRate(1e-4).slotDtype(dtype));

        final Algorithm algorithm;
        final int slots;
        private final Function<DType, Optimizer.Builder<?>> builder;

        Form(Algorithm algorithm, int slots, Function<DType, Optimizer.Builder<?>> builder) {
            this.algorithm = algorithm;
            this.slots = slots;
            this.builder = builder;
        }

        Optimizer optimizer(DType slotDtype, int threads) {
            return builder.apply(slotDtype).threads(threads).build();
        }

        /** Bytes a 16-bit-slot step moves per element: the variable read and written, the gradient read, each slot read and written. */
        long halfBytesPerElement() {
            return 3L * Float.BYTES + 2L * slots * Short.BYTES;
        }
    }

    @Param({"ADAM", "MOMENTUM", "LION"})
    public Form form;

    @Param({"16777216", "67108864"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    @Param({"10000"})
    public int warmUpSteps;


    private Arena arena;
    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Optimizer> optimizers = new ArrayList<>();
    private final Runnable[] contenders = new Runnable[CONTENDERS.size()];
    private final ShuffledOrder order = new ShuffledOrder(CONTENDERS.size());

    @Setup(Level.Trial)
    public void setUp() {
        ChunkedExecutor executor = ChunkedExecutor.shared(threads);
        arena = Arena.ofShared();
        MemorySegment[] probe32 = form.algorithm.allocate(arena, DType.FLOAT32, size);
        contenders[0] = () -> BandwidthProbe.step(form.algorithm, DType.FLOAT32, probe32, size, executor);
        MemorySegment[] probe16 = new MemorySegment[2 + form.slots];
        probe16[0] = arena.allocate((long) size * Float.BYTES, 64);
        probe16[1] = arena.allocate((long) size * Float.BYTES, 64);
        for (int s = 0; s < form.slots; s++) {
            probe16[2 + s] = arena.allocate((long) size * Short.BYTES, 64);
        }
        contenders[1] = () -> executor.forEach(size, (from, to) -> Probe16.probe16(probe16, from, to));
        float[] javaVar = new float[size];
        float[] javaGrad = new float[size];
        short[][] javaSlots = new short[form.slots][size];
        contenders[2] = () -> executor.forEach(size, (from, to) -> java16(javaVar, javaGrad, javaSlots, (int) from, (int) to));
        contenders[3] = step(DType.FLOAT32, false);
        contenders[4] = step(DType.BFLOAT16, false);
        contenders[5] = step(DType.BFLOAT16, true);
    }

    /**
     * The probe of the 16-bit form, in a class of its own so that {@link HalfSlotsReport} can read
     * {@link #CONTENDERS} in a JVM without the vector module.
     */
    static final class Probe16 {
        private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
        private static final VectorSpecies<Short> HS = VectorSpecies.of(short.class, VectorShape.forBitSize(FS.vectorBitSize() / 2));
        private static final ByteOrder ORDER = ByteOrder.nativeOrder();
        private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

        /** One pass of the 16-bit form's traffic: var += grad, every slot element + 1, in one loop. */
        static void probe16(MemorySegment[] s, long from, long to) {
            MemorySegment var = s[0];
            MemorySegment grad = s[1];
            MemorySegment a = s[2];
            MemorySegment b = s.length > 3 ? s[3] : null;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector g = FloatVector.fromMemorySegment(FS, grad, i * Float.BYTES, ORDER);
                FloatVector.fromMemorySegment(FS, var, i * Float.BYTES, ORDER).add(g).intoMemorySegment(var, i * Float.BYTES, ORDER);
                ShortVector.fromMemorySegment(HS, a, i * Short.BYTES, ORDER).add((short) 1).intoMemorySegment(a, i * Short.BYTES, ORDER);
                if (b != null) {
                    ShortVector.fromMemorySegment(HS, b, i * Short.BYTES, ORDER).add((short) 1)
                            .intoMemorySegment(b, i * Short.BYTES, ORDER);
                }
            }
            for (; i < to; i++) {
                var.setAtIndex(F, i, var.getAtIndex(F, i) + grad.getAtIndex(F, i));
            }
        }
    }

    private static void java16(float[] var, float[] grad, short[][] slots, int from, int to) {
        if (slots.length == 1) {
            short[] a = slots[0];
            for (int i = from; i < to; i++) {
                var[i] += grad[i];
                a[i] += 1;
            }
        } else {
            short[] a = slots[0];
            short[] b = slots[1];
            for (int i = from; i < to; i++) {
                var[i] += grad[i];
                a[i] += 1;
                b[i] += 1;
            }
        }
    }

    /** {@code applyGradients} of the form's optimizer with slots in {@code slotDtype}, after its warm-up (as {@link ProductPathBenchmark}'s). */
    private Runnable step(DType slotDtype, boolean wrapped) {
        ProductPathBenchmark.warmUp(form.optimizer(slotDtype, threads),
                ProductPathBenchmark.variable(wrapped, (int) ChunkedExecutor.CHUNK), warmUpSteps);
        GradientAndVariable pair = ProductPathBenchmark.variable(wrapped, size);
        tensors.add(pair.variable().value());
        tensors.add((Tensor) pair.gradient());
        Optimizer optimizer = form.optimizer(slotDtype, threads);
        optimizers.add(optimizer);
        List<GradientAndVariable> pairs = List.of(pair);
        return () -> optimizer.applyGradients(pairs);
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

        public long probe32Nanos() {
            return nanos[0];
        }

        public long probe16Nanos() {
            return nanos[1];
        }

        public long java16Nanos() {
            return nanos[2];
        }

        public long step32Nanos() {
            return nanos[3];
        }

        public long step16Nanos() {
            return nanos[4];
        }

        public long wrapped16Nanos() {
            return nanos[5];
        }
    }

    @Benchmark
    public void round(Times times) {
        for (int c : order.next()) {
            long start = System.nanoTime();
            contenders[c].run();
            times.nanos[c] += System.nanoTime() - start;
        }
        times.rounds++;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizers.forEach(Optimizer::close);
        optimizers.clear();
        tensors.forEach(Tensor::close);
        tensors.clear();
        arena.close();
    }
}
