package dev.panamax.simd;

import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused kernels' sums (Lamb's moments, Adafactor's velocities) and their writes equal the
 * reference bit for bit at this run's preferred width (the build runs this module's tests at
 * the machine's width and again at 256 and 128 bits), on off-heap segments and on Java arrays,
 * with factored matrices whose rows start anywhere in a block (and rows shorter than a block).
 */
class FusedSumsTest {

    private static final OptimizerKernels REFERENCE = new ScalarKernels();

    enum Kernel { LAMB, VELOCITY, FACTORED }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kernel k : Kernel.values()) {
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                for (SumData.Values kind : List.of(SumData.Values.SPREAD, SumData.Values.NAN, SumData.Values.HUGE)) {
                    for (boolean heap : new boolean[] {false, true}) {
                        out.add(Arguments.of(k, dtype, kind, heap));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} heap={3}")
    @MethodSource("cases")
    void fusedSumsEqualTheReference(Kernel kernel, DType dtype, SumData.Values kind, boolean heap) {
        OptimizerKernels simd = heap ? new SimdKernels().forHeapArrays() : new SimdKernels();
        long[][] shapes = {{1, 3}, {3, 5}, {7, 33}, {17, 16}, {40, 100}, {300, 301}}; // rows, columns of the factored case
        int s = 0;
        for (long n : SumData.SIZES) {
            for (long offset : new long[] {0, 5}) {
                long[] shape = shapes[s++ % shapes.length];
                long seed = SumData.SEED + 1009 * n + offset;
                String what = kernel + " " + dtype + " " + kind + " n=" + n + " offset=" + offset + " heap=" + heap + " "
                        + FloatVector.SPECIES_PREFERRED + " rows x columns=" + shape[0] + "x" + shape[1] + " (seed " + seed
                        + ", base -Dpanamax.test.seed=" + SumData.SEED + ")";
                MemorySegment[] expected = arrays(dtype, offset + n, kind, seed, false);
                MemorySegment[] actual = arrays(dtype, offset + n, kind, seed, heap);
                double want = run(REFERENCE, kernel, dtype, expected, offset, offset + n, shape);
                double got = run(simd, kernel, dtype, actual, offset, offset + n, shape);
                String diff = SumData.compare(want, got);
                if (diff != null) {
                    fail(what + ": " + diff);
                }
                for (int a = 0; a < expected.length; a++) {
                    for (long i = 0; i < offset + n; i++) {
                        if (Double.doubleToLongBits(dtype.get(expected[a], i)) != Double.doubleToLongBits(dtype.get(actual[a], i))) {
                            fail(what + ": array " + a + " element " + i + ": reference " + dtype.get(expected[a], i) + ", got "
                                    + dtype.get(actual[a], i));
                        }
                    }
                }
            }
        }
    }

    /** Arrays 0 to 3: grad (spread or special), then three of positive values (moments, factors) for finite terms. */
    private static MemorySegment[] arrays(DType dtype, long n, SumData.Values kind, long seed, boolean heap) {
        MemorySegment[] out = new MemorySegment[4];
        for (int a = 0; a < 4; a++) {
            SumData.Values k = a == 0 ? kind : SumData.Values.SPREAD;
            out[a] = heap ? SumData.onArray(dtype, n, k, seed + a) : SumData.offHeap(Arena.ofAuto(), dtype, n, k, seed + a);
            if (a > 0) {
                for (long i = 0; i < n; i++) {
                    dtype.set(out[a], i, Math.abs(dtype.get(out[a], i)) + 1e-3);
                }
            }
        }
        return out;
    }

    private static double run(OptimizerKernels k, Kernel kernel, DType dtype, MemorySegment[] s, long from, long to, long[] shape) {
        return switch (kernel) {
            case LAMB -> k.lambMoments(dtype, s[1], s[2], s[0], from, to,
                    new LambCoefficients(dtype.round(0.1), dtype.round(0.001), dtype.round(0.3), dtype.round(0.02), dtype.round(1e-6)));
            case VELOCITY -> k.adafactorVelocity(dtype, s[1], s[0], from, to, dtype.round(0.9), dtype.round(0.1), dtype.round(1e-30));
            // v = s[3] (written), row factors s[1], c s[2]: the range [from, to) indexes matrices of rows x columns.
            case FACTORED -> k.adafactorFactoredVelocity(dtype, s[3], s[0], s[1], s[2], shape[0], shape[1], from, to);
        };
    }
}
