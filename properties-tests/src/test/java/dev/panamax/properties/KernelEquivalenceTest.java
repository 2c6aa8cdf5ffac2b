package dev.panamax.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel of the picked backend ({@link KernelProvider#kernels()}: SIMD in the main test
 * run, scalar in the fallback run) equals {@link ScalarKernels} bit for bit, sums included, at every size, at
 * unaligned offsets inside a larger array (whose other elements must stay untouched), on one
 * thread and split in chunks across two, on off-heap segments and on Java arrays (the backend's
 * {@link OptimizerKernels#forHeapArrays} copy, which the reference runs off-heap).
 */
class KernelEquivalenceTest {

    private static final OptimizerKernels REFERENCE = new ScalarKernels();
    private static final OptimizerKernels CANDIDATE = KernelProvider.kernels();
    /** Elements before and after the range, to catch writes outside it. */
    private static final long GUARD = 5;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (KernelCase c : KernelCase.values()) {
            for (DType t : c.dtypes()) {
                for (long size : PropertyData.sizes()) {
                    for (long offset : new long[] {0, 3}) {
                        for (int threads : new int[] {1, 2}) {
                            for (String memory : List.of("offheap", "heap")) {
                                out.add(Arguments.of(c, t, size, offset, threads, memory));
                            }
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} size={2} offset={3} threads={4} {5}")
    @MethodSource("cases")
    void candidateEqualsReference(KernelCase c, DType t, long size, long offset, int threads, String memory) {
        long seed = PropertyData.SEED ^ (31L * c.ordinal() + 1009L * t.ordinal() + 7919L * size + 104729L * offset);
        boolean heap = memory.equals("heap");
        OptimizerKernels candidate = heap ? CANDIDATE.forHeapArrays() : CANDIDATE;
        String replay = c.method() + " " + t.kerasName() + " size=" + size + " offset=" + offset + " threads=" + threads
                + " " + memory + " backend=" + CANDIDATE.name() + " seed=" + seed + " (replay with -Dpanamax.test.seed="
                + PropertyData.SEED + ")";
        long total = offset + size + GUARD;
        try (Arena arena = Arena.ofShared()) { // shared: worker threads run the kernel too
            DType[] types = c.arrayTypes(t);
            MemorySegment[] original = new MemorySegment[c.arrays()];
            MemorySegment[] expected = new MemorySegment[c.arrays()];
            MemorySegment[] actual = new MemorySegment[c.arrays()];
            for (int a = 0; a < c.arrays(); a++) {
                original[a] = PropertyData.values(arena, types[a], total, seed + a);
                expected[a] = copy(arena, original[a]);
                // 16-bit slots stay off-heap with Java-array variables, as HostTensorKernels makes
                // them; a 16-bit variable (array 0) wraps a short[].
                actual[a] = heap && (a == 0 || !types[a].isHalf()) ? copyToArray(types[a], original[a]) : copy(arena, original[a]);
            }
            double[] scalars = c.scalars(new SplittableRandom(seed), t);

            double expectedSum = c.call(REFERENCE, t, expected, offset, offset + size, scalars);
            double actualSum;
            if (c.isReduction()) {
                actualSum = ChunkedExecutor.shared(threads).sum(size, (f, e) -> c.call(candidate, t, actual, offset + f, offset + e, scalars));
            } else if (c.wholeRange()) {
                c.call(candidate, t, actual, offset, offset + size, scalars);
                actualSum = expectedSum;
            } else {
                ChunkedExecutor.shared(threads).forEach(size, (f, e) -> c.call(candidate, t, actual, offset + f, offset + e, scalars));
                actualSum = expectedSum;
            }

            assertSumEquals(expectedSum, actualSum, replay);
            for (int a = 0; a < c.arrays(); a++) {
                DType at = types[a];
                for (long i = 0; i < total; i++) {
                    long want = bits(at, expected[a], i);
                    long got = bits(at, actual[a], i);
                    boolean inRange = i >= offset && i < offset + size;
                    if (want != got) {
                        fail("array " + a + " element " + i + ": reference " + at.get(expected[a], i) + ", " + candidate.name()
                                + " " + at.get(actual[a], i) + " — " + replay);
                    }
                    if (!inRange && got != bits(at, original[a], i)) {
                        fail("array " + a + " element " + i + " outside [" + offset + ", " + (offset + size) + ") was written — " + replay);
                    }
                }
            }
        }
    }

    /** The reflection check: a kernel method without a {@link KernelCase} fails the build. */
    @Test
    void everyKernelMethodHasAPropertyCase() {
        Set<String> methods = Arrays.stream(OptimizerKernels.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()) && !m.isDefault())
                .map(Method::getName)
                .filter(n -> !n.equals("name"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> covered = Arrays.stream(KernelCase.values()).map(KernelCase::method)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(methods, covered, "every OptimizerKernels method needs a KernelCase constant");
    }

    @Test
    void edgeValuesReachEveryArray() {
        // The generator must really produce the specials, or the property proves little.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = PropertyData.values(arena, DType.FLOAT32, 64, 2);
            boolean nan = false, negZero = false, subnormal = false, inf = false;
            for (long i = 0; i < 64; i++) {
                float v = (float) DType.FLOAT32.get(s, i);
                nan |= Float.isNaN(v);
                negZero |= Float.floatToRawIntBits(v) == Float.floatToRawIntBits(-0.0f);
                subnormal |= v != 0 && Math.abs(v) < Float.MIN_NORMAL;
                inf |= Float.isInfinite(v);
            }
            assertTrue(nan && negZero && subnormal && inf, "specials missing from generated data");
        }
    }

    /** The sums, bit for bit: every backend adds in {@link OptimizerKernels#sumOfSquares}' order (any NaN equals any NaN). */
    private static void assertSumEquals(double expected, double actual, String replay) {
        if (Double.doubleToLongBits(expected) != Double.doubleToLongBits(actual)) {
            fail("sum of squares: reference " + expected + " (" + Long.toHexString(Double.doubleToLongBits(expected)) + "), "
                    + CANDIDATE.name() + " " + actual + " (" + Long.toHexString(Double.doubleToLongBits(actual)) + "), "
                    + Math.abs(Double.doubleToLongBits(expected) - Double.doubleToLongBits(actual)) + " ulp apart — " + replay);
        }
    }

    /**
     * Bits of element i; all NaNs compare equal (payloads are not specified), -0 differs from 0.
     * A 16-bit element compares as the float32 it widens to (exact), so as its bits.
     */
    private static long bits(DType t, MemorySegment s, long i) {
        return t == DType.FLOAT64 ? Double.doubleToLongBits(t.get(s, i)) : Float.floatToIntBits((float) t.get(s, i));
    }

    /** A copy of {@code s} on a Java array of {@code t}'s elements, as {@code Tensor.wrap} makes them. */
    private static MemorySegment copyToArray(DType t, MemorySegment s) {
        int n = (int) (s.byteSize() / t.byteSize());
        MemorySegment c = switch (t) {
            case FLOAT32 -> MemorySegment.ofArray(new float[n]);
            case FLOAT64 -> MemorySegment.ofArray(new double[n]);
            default -> MemorySegment.ofArray(new short[n]);
        };
        c.copyFrom(s);
        return c;
    }

    private static MemorySegment copy(Arena arena, MemorySegment s) {
        MemorySegment c = arena.allocate(Math.max(1, s.byteSize()), 64).asSlice(0, s.byteSize());
        c.copyFrom(s);
        return c;
    }
}
