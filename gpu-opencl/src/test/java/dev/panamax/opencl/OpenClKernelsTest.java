package dev.panamax.opencl;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel on the OpenCL device against {@link dev.panamax.kernels.ScalarKernels} on host
 * copies of the same data: bit for bit (any NaN equals any NaN) on every element, including the
 * guard elements outside {@code [from, to)}, which must stay as they were, and the sums the
 * reductions return, which add in {@link OptimizerKernels#sumOfSquares}' order on the device too.
 */
class OpenClKernelsTest {

    /** The run's seed; {@code -Dpanamax.test.seed=...} replays a failure. */
    static final long SEED = Long.getLong("panamax.test.seed", System.nanoTime());

    static final long[] SIZES = {0, 1, 7, 1021, 1_000_003};
    /** The nonzero start of the range in the offset runs. */
    static final long OFFSET = 5;
    /** Guard elements after the range. */
    static final long TAIL = 3;

    private static OpenClKernels kernels;
    /** kernels.cl plus a kernel that runs its negative_power, per dtype; see {@link #powDiffers}. */
    private static final Map<DType, OpenClProgram> powPrograms = new EnumMap<>(DType.class);

    @BeforeAll
    static void createKernels() {
        if (OpenClTestSupport.openClOrFailIfRequired()) {
            kernels = OpenClKernels.create(OpenCl.defaultDevice());
            System.out.println("OpenClKernelsTest on " + kernels.device().describe() + ", seed " + SEED);
        }
    }

    @BeforeEach
    void needsOpenCl() {
        OpenClTestSupport.assumeOpenCl();
    }

    @AfterAll
    static void closeKernels() {
        powPrograms.values().forEach(OpenClProgram::close);
        powPrograms.clear();
        if (kernels != null) {
            kernels.close();
        }
    }

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (KernelCase c : KernelCase.values()) {
            for (DType dtype : c.dtypes()) {
                for (long size : SIZES) {
                    // The million-element runs only with an offset: they are there for many work-groups, not for from = 0.
                    if (size < 1_000_000 || c.fromZeroOnly()) {
                        runs.add(Arguments.of(c, dtype, size, 0L));
                    }
                    if (!c.fromZeroOnly()) {
                        runs.add(Arguments.of(c, dtype, size, OFFSET));
                    }
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} {1} n={2} from={3}")
    @MethodSource("runs")
    void equalsTheScalarReference(KernelCase c, DType dtype, long n, long from) {
        Assumptions.assumeTrue(kernels.supports(KernelCase.scalarType(dtype)), () -> kernels.device().name() + " has no cl_khr_fp64");
        runCase(kernels, c, dtype, n, from);
    }

    /** Runs case c on {@code kernels} and on the reference over {@code [from, from + n)} of the same data; compares everything. */
    static void runCase(OpenClKernels kernels, KernelCase c, DType dtype, long n, long from) {
        long seed = SEED ^ (c.ordinal() * 1_000_003L) ^ (n * 31) ^ (from * 7) ^ dtype.ordinal();
        long total = from + n + TAIL;
        double[] p = c.scalars(new SplittableRandom(seed), KernelCase.scalarType(dtype));
        String what = c + " " + dtype.kerasName() + " n=" + n + " from=" + from + " scalars=" + Arrays.toString(p)
                + " seed=" + SEED + " (-Dpanamax.test.seed=" + SEED + " replays)";
        OpenClBuffer[] buffers = new OpenClBuffer[c.arrays()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] original = new MemorySegment[c.arrays()];
            MemorySegment[] reference = new MemorySegment[c.arrays()];
            for (int a = 0; a < c.arrays(); a++) {
                long bytes = total * c.arrayType(dtype, a).byteSize();
                original[a] = arena.allocate(bytes, 64);
                fill(original[a], c.arrayType(dtype, a), c.kind(a), from, total, seed + 101 * a, a);
                reference[a] = arena.allocate(bytes, 64).copyFrom(original[a]);
                buffers[a] = kernels.queue().context().createBuffer(bytes);
                kernels.queue().write(buffers[a], 0, original[a]);
            }

            // pow is not correctly rounded, on the device nor in Math.pow: where they disagree, FTRL may too.
            boolean[] exempt = c.usesPow() ? powDiffers(dtype, original, from, from + n, p[4]) : null;
            double expected = c.reference(dtype, reference, from, from + n, p);
            double actual = c.openCl(kernels, dtype, buffers, from, from + n, p);

            for (int a = 0; a < c.arrays(); a++) {
                MemorySegment result = arena.allocate(original[a].byteSize(), 64);
                kernels.queue().read(buffers[a], 0, result);
                compare(what + " array " + a, c.arrayType(dtype, a), original[a], reference[a], result, from, from + n, total, exempt);
            }
            if (c.isReduction()) {
                compareSums(what, expected, actual);
            }
        } finally {
            for (OpenClBuffer b : buffers) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    /** Specials first (rotated per array so arrays meet different ones), then ordinary values with a special now and then. */
    static void fill(MemorySegment s, DType dtype, char kind, long from, long total, long seed, int array) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] specials = specials(dtype);
        for (long i = 0; i < total; i++) {
            long k = i - from;
            double v;
            boolean withSpecials = kind == 's' || kind == 'p';
            if (withSpecials && k >= 0 && k < specials.length) {
                v = specials[(int) ((k + 3L * array) % specials.length)];
            } else if (withSpecials && random.nextInt(64) == 0) {
                v = specials[random.nextInt(specials.length)];
            } else {
                v = random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-4, 3));
                if (kind == 'p' || kind == 'q') {
                    v = Math.abs(v);
                }
            }
            dtype.set(s, i, v);
        }
    }

    /** Zeros, the smallest subnormal, a subnormal, huge values, the largest value, NaN, infinities, and ±1. */
    static double[] specials(DType dtype) {
        if (dtype == DType.FLOAT32) {
            return new double[] {0.0, -0.0, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL / 2, 1e30, -1e30,
                    Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0, -1.0};
        }
        return new double[] {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL / 2, 1e300, -1e300,
                Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0, -1.0};
    }

    /**
     * Bit-for-bit equality on every element (NaNs equal whatever their payload); elements outside
     * {@code [from, to)} must equal the original. Elements {@code from + k} with {@code exempt[k]}
     * may differ (null: none may).
     */
    static void compare(String what, DType dtype, MemorySegment original, MemorySegment expected, MemorySegment actual,
                        long from, long to, long total, boolean[] exempt) {
        for (long i = 0; i < total; i++) {
            boolean inRange = i >= from && i < to;
            MemorySegment want = inRange ? expected : original;
            if (!sameBits(dtype, want, actual, i) && !(inRange && exempt != null && exempt[(int) (i - from)])) {
                fail(what + ": element " + i + (inRange ? "" : " (outside the range: must be unchanged)") + ": expected "
                        + dtype.get(want, i) + ", got " + dtype.get(actual, i) + " (input " + dtype.get(original, i) + ")");
            }
        }
    }

    /** Most ulps between the device's x^-p and Math.pow's (both are within an ulp of the true value). */
    static final double POW_MAX_ULPS = 2;

    /**
     * For FTRL with pow (arrays var, accum, linear, grad): which elements of the range have an
     * accum or new accum whose x^-p, taken by kernels.cl's own negative_power on the device,
     * differs from the reference's Math.pow. Those may differ in every later result (a
     * difference of powers cancels), and they are the only ones that may. Also checks that the
     * two pows are within {@link #POW_MAX_ULPS}.
     */
    static boolean[] powDiffers(DType dtype, MemorySegment[] original, long from, long to, double lrPower) {
        int n = (int) (to - from);
        boolean[] differs = new boolean[n];
        if (n == 0) {
            return differs;
        }
        long bytes = 2L * n * dtype.byteSize();
        try (Arena arena = Arena.ofConfined();
             OpenClBuffer x = kernels.queue().context().createBuffer(bytes);
             OpenClBuffer out = kernels.queue().context().createBuffer(bytes)) {
            MemorySegment inputs = arena.allocate(bytes, 64);
            for (int k = 0; k < n; k++) {
                long i = from + k;
                if (dtype == DType.FLOAT32) {
                    float a = original[1].getAtIndex(JAVA_FLOAT, i);
                    float g = original[3].getAtIndex(JAVA_FLOAT, i);
                    inputs.setAtIndex(JAVA_FLOAT, k, a);
                    inputs.setAtIndex(JAVA_FLOAT, n + k, a + g * g);
                } else {
                    double a = original[1].getAtIndex(JAVA_DOUBLE, i);
                    double g = original[3].getAtIndex(JAVA_DOUBLE, i);
                    inputs.setAtIndex(JAVA_DOUBLE, k, a);
                    inputs.setAtIndex(JAVA_DOUBLE, n + k, a + g * g);
                }
            }
            kernels.queue().write(x, 0, inputs);
            OpenClKernel kernel = powProgram(dtype).createKernel("negative_power_test");
            try (kernel) {
                kernel.setArg(0, x).setArg(1, out).setArg(2, 0L).setArg(3, 2L * n);
                if (dtype == DType.FLOAT32) {
                    kernel.setArg(4, (float) lrPower);
                } else {
                    kernel.setArg(4, lrPower);
                }
                long local = Math.min(64, kernel.workGroupSize());
                kernel.enqueue(kernels.queue(), (2L * n + local - 1) / local * local, local);
            }
            MemorySegment device = arena.allocate(bytes, 64);
            kernels.queue().read(out, 0, device);
            MemorySegment java = arena.allocate(bytes, 64);
            for (int k = 0; k < 2 * n; k++) {
                if (dtype == DType.FLOAT32) {
                    float v = inputs.getAtIndex(JAVA_FLOAT, k);
                    float p = (float) lrPower;
                    java.setAtIndex(JAVA_FLOAT, k, p == -0.5f ? (float) Math.sqrt(v) : (float) Math.pow(v, -p));
                } else {
                    double v = inputs.getAtIndex(JAVA_DOUBLE, k);
                    java.setAtIndex(JAVA_DOUBLE, k, lrPower == -0.5 ? Math.sqrt(v) : Math.pow(v, -lrPower));
                }
                if (!sameBits(dtype, java, device, k)) {
                    differs[k % n] = true;
                    double want = dtype.get(java, k);
                    double got = dtype.get(device, k);
                    double ulp = dtype == DType.FLOAT32 ? Math.ulp((float) want) : Math.ulp(want);
                    assertTrue(Math.abs(got - want) <= POW_MAX_ULPS * ulp, () -> "pow(" + dtype.get(inputs, 0) + "...) on the"
                            + " device is " + got + ", Math.pow gives " + want + ": more than " + POW_MAX_ULPS + " ulps apart");
                }
            }
        }
        return differs;
    }

    private static OpenClProgram powProgram(DType dtype) {
        return powPrograms.computeIfAbsent(dtype, t -> kernels.queue().context().buildProgram(OpenClKernelSet.source() + """

                __kernel void negative_power_test(__global const REAL *x, __global REAL *out, ulong from, ulong n, REAL p) {
                    ELEMENT_INDEX_OR_RETURN
                    out[i] = negative_power(x[i], p);
                }
                """, OpenClKernelSet.options(t, kernels.device().fp64())));
    }

    static boolean sameBits(DType dtype, MemorySegment a, MemorySegment b, long i) {
        if (dtype.isHalf()) {
            // As the float32 each widens to (exactly): NaNs equal whatever their payload.
            float x = (float) dtype.get(a, i);
            float y = (float) dtype.get(b, i);
            return Float.floatToRawIntBits(x) == Float.floatToRawIntBits(y) || Float.isNaN(x) && Float.isNaN(y);
        }
        if (dtype == DType.FLOAT32) {
            float x = a.getAtIndex(JAVA_FLOAT, i);
            float y = b.getAtIndex(JAVA_FLOAT, i);
            return Float.floatToRawIntBits(x) == Float.floatToRawIntBits(y) || Float.isNaN(x) && Float.isNaN(y);
        }
        double x = a.getAtIndex(JAVA_DOUBLE, i);
        double y = b.getAtIndex(JAVA_DOUBLE, i);
        return Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(y) || Double.isNaN(x) && Double.isNaN(y);
    }

    /** The sums bit for bit (any NaN equals any NaN), with how many ulps apart they are. */
    static void compareSums(String what, double expected, double actual) {
        long e = Double.doubleToLongBits(expected);
        long a = Double.doubleToLongBits(actual);
        if (e != a) {
            fail(what + ": sum " + actual + " (" + Long.toHexString(a) + "), expected " + expected + " (" + Long.toHexString(e)
                    + "), " + Math.abs(e - a) + " ulp apart");
        }
    }
}
