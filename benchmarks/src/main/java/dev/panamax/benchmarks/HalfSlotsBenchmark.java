package dev.panamax.benchmarks;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.SGD;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
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
import jdk.incubator.vector.VectorOperators;
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
 * The 16-bit forms against float32, in rounds as {@link ProductPathBenchmark} times them (every
 * contender once per round, in a shuffled order). A form is either 16-bit slots of a float32
 * variable, or a 16-bit variable (with its slots in its dtype and stochastic rounding) and a
 * float32 gradient; the 16-bit type, {@link #halfType}, is bfloat16 or float16. Contenders:
 * <ul>
 *   <li>{@code probe32}: {@link BandwidthProbe} on the float32 algorithm's arrays (the float32 limit);
 *   <li>{@code probe16}: the same pass over the 16-bit form's arrays (one add per element of each
 *   16-bit array): the limit for the 16-bit form's own bytes;
 *   <li>{@code java16}: that pass as a plain Java loop over {@code float[]} and {@code short[]};
 *   <li>{@code step32}: {@code applyGradients} of the float32 optimizer on off-heap tensors;
 *   <li>{@code step16}: the same in the 16-bit form;
 *   <li>{@code wrapped16}: the same on a variable that wraps a {@code float[]} (a {@code short[]}
 *   for a 16-bit variable) and a wrapped gradient; 16-bit slots are off-heap.
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

    /** The algorithms with 16-bit kernels, with 16-bit slots, or with a 16-bit variable and slots. */
    public enum Form {
        ADAM(Algorithm.ADAM, 2, false, dtype -> Adam.builder().learningRate(1e-3).slotDtype(dtype)),
        MOMENTUM(Algorithm.MOMENTUM, 1, false, dtype -> SGD.builder().learningRate(0.01).momentum(0.9).slotDtype(dtype)),
        LION(Algorithm.LION, 1, false, dtype -> Lion.builder().learningRate(1e-4).slotDtype(dtype)),
        ADAM_VARIABLE(Algorithm.ADAM, 2, true, dtype -> Adam.builder().learningRate(1e-3).stochasticRounding(1)),
        MOMENTUM_VARIABLE(Algorithm.MOMENTUM, 1, true, dtype -> SGD.builder().learningRate(0.01).momentum(0.9).stochasticRounding(1)),
        LION_VARIABLE(Algorithm.LION, 1, true, dtype -> Lion.builder().learningRate(1e-4).stochasticRounding(1));

        final Algorithm algorithm;
        final int slots;
        /** Whether the 16-bit form has a 16-bit variable (its slots follow it), not only 16-bit slots. */
        final boolean halfVariable;
        private final Function<DType, Optimizer.Builder<?>> builder;

        Form(Algorithm algorithm, int slots, boolean halfVariable, Function<DType, Optimizer.Builder<?>> builder) {
            this.algorithm = algorithm;
            this.slots = slots;
            this.halfVariable = halfVariable;
            this.builder = builder;
        }

        Optimizer optimizer(DType slotDtype, int threads) {
            return builder.apply(slotDtype).threads(threads).build();
        }

        /**
         * Bytes a step of the 16-bit form moves per element: the variable read and written, the
         * (float32) gradient read, each slot read and written.
         */
        long halfBytesPerElement() {
            return (halfVariable ? 2L * Short.BYTES : 2L * Float.BYTES) + Float.BYTES + 2L * slots * Short.BYTES;
        }

        /** The form in {@code halfType} (Keras's name: bfloat16 or float16) as the report names it. */
        String label(String halfType) {
            return RooflineReport.name(algorithm) + (halfVariable ? ", " + halfType + " variable and slots, stochastic rounding"
                    : ", " + halfType + " slots");
        }
    }

    @Param({"ADAM", "MOMENTUM", "LION", "ADAM_VARIABLE", "MOMENTUM_VARIABLE", "LION_VARIABLE"})
    public Form form;

    /** The 16-bit type of the form's slots (and variable): bfloat16 moves at memory speed, float16 costs compute. */
    @Param({"BFLOAT16", "FLOAT16"})
    public DType halfType;

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
        if (halfType != DType.BFLOAT16 && halfType != DType.FLOAT16) {
            throw new IllegalArgumentException("halfType is BFLOAT16 or FLOAT16, got " + halfType);
        }
        ChunkedExecutor executor = ChunkedExecutor.shared(threads);
        arena = Arena.ofShared();
        MemorySegment[] probe32 = form.algorithm.allocate(arena, DType.FLOAT32, size);
        contenders[0] = () -> BandwidthProbe.step(form.algorithm, DType.FLOAT32, probe32, size, executor);
        MemorySegment[] probe16 = new MemorySegment[2 + form.slots];
        probe16[0] = arena.allocate((long) size * (form.halfVariable ? Short.BYTES : Float.BYTES), 64);
        probe16[1] = arena.allocate((long) size * Float.BYTES, 64);
        for (int s = 0; s < form.slots; s++) {
            probe16[2 + s] = arena.allocate((long) size * Short.BYTES, 64);
        }
        boolean halfVariable = form.halfVariable;
        contenders[1] = () -> executor.forEach(size, (from, to) -> Probe16.probe16(probe16, halfVariable, from, to));
        float[] javaVar = halfVariable ? null : new float[size];
        short[] javaHalfVar = halfVariable ? new short[size] : null;
        float[] javaGrad = new float[size];
        short[][] javaSlots = new short[form.slots][size];
        contenders[2] = halfVariable
                ? () -> executor.forEach(size, (from, to) -> java16(javaHalfVar, javaGrad, javaSlots, (int) from, (int) to))
                : () -> executor.forEach(size, (from, to) -> java16(javaVar, javaGrad, javaSlots, (int) from, (int) to));
        contenders[3] = step(DType.FLOAT32, false);
        contenders[4] = step(halfType, false);
        contenders[5] = step(halfType, true);
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

        /**
         * One pass of the 16-bit form's traffic in one loop: var += grad (a 16-bit variable adds
         * the gradient's top 16 bits), every slot element + 1.
         */
        static void probe16(MemorySegment[] s, boolean halfVariable, long from, long to) {
            MemorySegment var = s[0];
            MemorySegment grad = s[1];
            MemorySegment a = s[2];
            MemorySegment b = s.length > 3 ? s[3] : null;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector g = FloatVector.fromMemorySegment(FS, grad, i * Float.BYTES, ORDER);
                if (halfVariable) {
                    ShortVector top = (ShortVector) g.reinterpretAsInts().lanewise(VectorOperators.LSHR, 16)
                            .convertShape(VectorOperators.I2S, HS, 0);
                    ShortVector.fromMemorySegment(HS, var, i * Short.BYTES, ORDER).add(top).intoMemorySegment(var, i * Short.BYTES, ORDER);
                } else {
                    FloatVector.fromMemorySegment(FS, var, i * Float.BYTES, ORDER).add(g).intoMemorySegment(var, i * Float.BYTES, ORDER);
                }
                ShortVector.fromMemorySegment(HS, a, i * Short.BYTES, ORDER).add((short) 1).intoMemorySegment(a, i * Short.BYTES, ORDER);
                if (b != null) {
                    ShortVector.fromMemorySegment(HS, b, i * Short.BYTES, ORDER).add((short) 1)
                            .intoMemorySegment(b, i * Short.BYTES, ORDER);
                }
            }
            for (; i < to; i++) {
                if (halfVariable) {
                    var.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (var.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)
                            + (Float.floatToRawIntBits(grad.getAtIndex(F, i)) >>> 16)));
                } else {
                    var.setAtIndex(F, i, var.getAtIndex(F, i) + grad.getAtIndex(F, i));
                }
            }
        }
    }

    /** The plain Java pass of a 16-bit variable's form: var += the gradient's top 16 bits, every slot element + 1. */
    private static void java16(short[] var, float[] grad, short[][] slots, int from, int to) {
        short[] a = slots[0];
        short[] b = slots.length > 1 ? slots[1] : null;
        for (int i = from; i < to; i++) {
            var[i] += (short) (Float.floatToRawIntBits(grad[i]) >>> 16);
            a[i] += 1;
            if (b != null) {
                b[i] += 1;
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

    /**
     * {@code applyGradients} of the form's optimizer with slots in {@code slotDtype} (a 16-bit
     * form with a 16-bit variable: on a variable of that dtype), after its warm-up (as
     * {@link ProductPathBenchmark}'s).
     */
    private Runnable step(DType slotDtype, boolean wrapped) {
        boolean half = form.halfVariable && slotDtype != DType.FLOAT32;
        ProductPathBenchmark.warmUp(form.optimizer(slotDtype, threads), half
                ? halfVariable(slotDtype, wrapped, (int) ChunkedExecutor.CHUNK)
                : ProductPathBenchmark.variable(wrapped, (int) ChunkedExecutor.CHUNK), warmUpSteps);
        GradientAndVariable pair = half ? halfVariable(slotDtype, wrapped, size) : ProductPathBenchmark.variable(wrapped, size);
        tensors.add(pair.variable().value());
        tensors.add((Tensor) pair.gradient());
        Optimizer optimizer = form.optimizer(slotDtype, threads);
        optimizers.add(optimizer);
        List<GradientAndVariable> pairs = List.of(pair);
        return () -> optimizer.applyGradients(pairs);
    }

    /** A 16-bit variable of {@code n} elements (off-heap, or on a {@code short[]}) and its float32 gradient. */
    private static GradientAndVariable halfVariable(DType dtype, boolean wrapped, int n) {
        Tensor value;
        Tensor gradient;
        if (wrapped) {
            short[] bits = new short[n];
            Arrays.fill(bits, dtype == DType.BFLOAT16 ? HalfFloats.toBfloat16(0.5f) : HalfFloats.toFloat16(0.5f));
            value = Tensor.wrap(bits, dtype, n);
            float[] g = new float[n];
            Arrays.fill(g, 1e-3f);
            gradient = Tensor.wrap(g, n);
        } else {
            value = Tensor.full(dtype, 0.5, n);
            gradient = Tensor.full(DType.FLOAT32, 1e-3, n);
        }
        return new GradientAndVariable(gradient, new Variable("bench/half", value));
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
