package dev.panamax.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sum a kernel returns ({@code sumOfSquares} and the fused Lamb and Adafactor sums) equals
 * the scalar reference bit for bit at random lengths (under a block of 16, odd ones, several
 * 64K chunks) and offsets, on both kinds of memory and on one or two threads. Unlike the general
 * property data, most draws hold only finite values of spread magnitudes (with moments and
 * factors kept non-negative), so that the sums are finite and any other order of additions
 * would show in their last bits; other draws add NaN and infinities, huge values or subnormals.
 */
class SumBitsTest {

    private static final OptimizerKernels REFERENCE = new ScalarKernels();
    private static final OptimizerKernels CANDIDATE = KernelProvider.kernels();
    private static final int DRAWS = 24;

    enum Values { SPREAD, SPECIALS, HUGE, SUBNORMAL }

    static Stream<Arguments> draws() {
        SplittableRandom r = new SplittableRandom(PropertyData.SEED);
        List<Arguments> out = new ArrayList<>();
        for (KernelCase c : KernelCase.values()) {
            if (!c.isReduction()) {
                continue;
            }
            for (int d = 0; d < DRAWS; d++) {
                DType t = r.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64;
                long n = switch (r.nextInt(3)) {
                    case 0 -> r.nextInt(0, 16);
                    case 1 -> r.nextInt(16, 5000);
                    default -> r.nextInt(60_000, 300_000);
                };
                Values kind = d % 2 == 0 ? Values.SPREAD : Values.values()[r.nextInt(Values.values().length)];
                out.add(Arguments.of(c, t, n, (long) r.nextInt(0, 40), r.nextBoolean() ? "heap" : "offheap", kind,
                        r.nextInt(1, 3), r.nextLong()));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} n={2} offset={3} {4} {5} threads={6}")
    @MethodSource("draws")
    void sumsEqualTheReferenceBitForBit(KernelCase c, DType t, long n, long offset, String memory, Values kind, int threads,
                                        long seed) {
        boolean heap = memory.equals("heap");
        OptimizerKernels candidate = heap ? CANDIDATE.forHeapArrays() : CANDIDATE;
        String replay = c.method() + " " + t.kerasName() + " n=" + n + " offset=" + offset + " " + memory + " " + kind + " threads="
                + threads + " backend=" + CANDIDATE.name() + " (replay with -Dpanamax.test.seed=" + PropertyData.SEED + ")";
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] expected = new MemorySegment[c.arrays()];
            MemorySegment[] actual = new MemorySegment[c.arrays()];
            for (int a = 0; a < c.arrays(); a++) {
                expected[a] = values(arena, t, offset + n, kind, nonNegative(c).contains(a), seed + a);
                actual[a] = heap ? onArray(t, expected[a]) : copy(arena, expected[a]);
            }
            double[] scalars = c.scalars(new SplittableRandom(seed), t);
            double want = c.call(REFERENCE, t, expected, offset, offset + n, scalars);
            double got = ChunkedExecutor.shared(threads).sum(n, (f, e) -> c.call(candidate, t, actual, offset + f, offset + e, scalars));
            if (Double.doubleToLongBits(want) != Double.doubleToLongBits(got)) {
                fail("reference " + want + " (" + Long.toHexString(Double.doubleToLongBits(want)) + "), " + CANDIDATE.name() + " "
                        + got + " (" + Long.toHexString(Double.doubleToLongBits(got)) + ") — " + replay);
            }
            if (kind == Values.SPREAD && n > 0) {
                assertTrue(Double.isFinite(want) && want > 0, "the data must make a finite, nonzero sum to test its order: " + want
                        + " — " + replay);
            }
            for (int a = 0; a < c.arrays(); a++) {
                for (long i = 0; i < offset + n; i++) {
                    if (Double.doubleToLongBits(t.get(expected[a], i)) != Double.doubleToLongBits(t.get(actual[a], i))) {
                        fail("array " + a + " element " + i + ": reference " + t.get(expected[a], i) + ", got "
                                + t.get(actual[a], i) + " — " + replay);
                    }
                }
            }
        }
    }

    /** The arrays that must hold no negative values for the sum to be finite: Lamb's v, Adafactor's v, row factors and c. */
    private static Set<Integer> nonNegative(KernelCase c) {
        return switch (c.method()) {
            case "lambMoments" -> Set.of(1);
            case "adafactorVelocity" -> Set.of(0);
            case "adafactorFactoredVelocity" -> Set.of(2, 3);
            default -> Set.of();
        };
    }

    private static MemorySegment values(Arena arena, DType t, long n, Values kind, boolean nonNegative, long seed) {
        MemorySegment s = arena.allocate(Math.max(1, n) * t.byteSize(), 64).asSlice(0, n * t.byteSize());
        SplittableRandom r = new SplittableRandom(seed);
        double[] specials = PropertyData.specials(t);
        boolean floats = t == DType.FLOAT32;
        for (long i = 0; i < n; i++) {
            double v = r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-4, 5));
            switch (kind) {
                case SPECIALS -> v = r.nextInt(200) == 0 ? specials[r.nextInt(specials.length)] : v;
                case HUGE -> v = r.nextInt(50) == 0 ? (floats ? Float.MAX_VALUE : 1e300) * r.nextDouble(-1, 1) : v;
                case SUBNORMAL -> v = r.nextInt(4) == 0 ? (floats ? Float.MIN_VALUE : Double.MIN_VALUE) * r.nextInt(-1000, 1000) : v;
                case SPREAD -> { }
            }
            t.set(s, i, nonNegative ? Math.abs(v) + (floats ? 1e-3 : 1e-6) : v);
        }
        return s;
    }

    private static MemorySegment onArray(DType t, MemorySegment s) {
        MemorySegment c = t == DType.FLOAT32 ? MemorySegment.ofArray(new float[(int) (s.byteSize() / Float.BYTES)])
                : MemorySegment.ofArray(new double[(int) (s.byteSize() / Double.BYTES)]);
        c.copyFrom(s);
        return c;
    }

    private static MemorySegment copy(Arena arena, MemorySegment s) {
        MemorySegment c = arena.allocate(Math.max(1, s.byteSize()), 64).asSlice(0, s.byteSize());
        c.copyFrom(s);
        return c;
    }
}
