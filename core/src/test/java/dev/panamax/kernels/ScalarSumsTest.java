package dev.panamax.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reference sum of squares follows the order its javadoc documents
 * ({@link OptimizerKernels#sumOfSquares}), checked against a second, deliberately plain
 * transcription of that text; and the chunks of {@link ChunkedExecutor#sum} add up to one call.
 */
class ScalarSumsTest {

    private static final long SEED = Long.getLong("panamax.test.seed", System.nanoTime());
    private static final long CHUNK = ChunkedExecutor.CHUNK;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void theSumAddsInTheDocumentedOrder(DType dtype) {
        SplittableRandom r = new SplittableRandom(SEED);
        long[] sizes = {0, 1, 2, 15, 16, 17, 31, 32, 33, 1021, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 37};
        try (Arena arena = Arena.ofConfined()) {
            for (long n : sizes) {
                long offset = r.nextInt(0, 20);
                MemorySegment x = spread(arena, dtype, offset + n, r);
                double expected = documented(dtype, x, offset, offset + n);
                double actual = ScalarSums.sumOfSquares(dtype, x, offset, offset + n);
                assertBits(expected, actual, dtype + " n=" + n + " offset=" + offset + " seed=" + SEED);
                assertBits(expected, new ScalarKernels().sumOfSquares(dtype, x, offset, offset + n), "ScalarKernels delegates");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void oneCallEqualsTheChunkedCallsOnAnyThreadCount(DType dtype) {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        long n = 5 * CHUNK + 123;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = spread(arena, dtype, n, r);
            double once = ScalarSums.sumOfSquares(dtype, x, 0, n);
            for (int threads : new int[] {1, 2, 3}) {
                double chunked = ChunkedExecutor.shared(threads).sum(n, (a, b) -> ScalarSums.sumOfSquares(dtype, x, a, b));
                assertBits(once, chunked, threads + " threads, seed=" + SEED);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void termByTermEqualsTheSumOfSquares(DType dtype) {
        // Blocked is what the fused kernels (Lamb, Adafactor) use; fed x it must give sumOfSquares.
        SplittableRandom r = new SplittableRandom(SEED + 2);
        try (Arena arena = Arena.ofConfined()) {
            for (long n : new long[] {0, 7, 16, 45, 1000, CHUNK + 9}) {
                MemorySegment x = spread(arena, dtype, n + 3, r);
                double blocked = ScalarSums.inChunks(3, n + 3, (a, b) -> {
                    ScalarSums.Blocked sum = new ScalarSums.Blocked(a, b);
                    for (long i = a; i < b; i++) {
                        sum.add(i, dtype.get(x, i));
                    }
                    return sum.sum();
                });
                assertBits(ScalarSums.sumOfSquares(dtype, x, 3, n + 3), blocked, "n=" + n + " seed=" + SEED);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void specialValuesGiveTheirIeeeSums(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(40 * dtype.byteSize(), 8);
            for (int i = 0; i < 40; i++) {
                dtype.set(x, i, 1.0);
            }
            assertEquals(40.0, ScalarSums.sumOfSquares(dtype, x, 0, 40));
            dtype.set(x, 20, Double.POSITIVE_INFINITY);
            assertEquals(Double.POSITIVE_INFINITY, ScalarSums.sumOfSquares(dtype, x, 0, 40));
            dtype.set(x, 3, Double.NaN);
            assertEquals(Double.NaN, ScalarSums.sumOfSquares(dtype, x, 0, 40));
        }
    }

    /** The javadoc's order written out as plainly as possible: chunk, blocks, the halving tree, the tail. */
    private static double documented(DType dtype, MemorySegment x, long from, long to) {
        double total = 0;
        for (long a = from; a < to; a += CHUNK) {
            long b = Math.min(to, a + CHUNK);
            long whole = (b - a) / 16 * 16;
            double[] acc = new double[16];
            for (long k = 0; k < whole; k += 16) {
                for (int j = 0; j < 16; j++) {
                    double v = dtype.get(x, a + k + j);
                    acc[j] = acc[j] + v * v;
                }
            }
            for (int width = 8; width >= 1; width /= 2) {
                for (int j = 0; j < width; j++) {
                    acc[j] = acc[j] + acc[j + width];
                }
            }
            double tail = 0;
            for (long i = a + whole; i < b; i++) {
                double v = dtype.get(x, i);
                tail = tail + v * v;
            }
            total = total + (acc[0] + tail);
        }
        return total;
    }

    /** Values of widely spread magnitudes, so that any other order of additions rounds differently. */
    private static MemorySegment spread(Arena arena, DType dtype, long n, SplittableRandom r) {
        MemorySegment s = arena.allocate(Math.max(1, n) * dtype.byteSize(), 8);
        for (long i = 0; i < n; i++) {
            dtype.set(s, i, dtype.round(r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-6, 7))));
        }
        return s;
    }

    private static void assertBits(double expected, double actual, String what) {
        if (Double.doubleToLongBits(expected) != Double.doubleToLongBits(actual)) {
            fail(what + ": expected " + expected + " (" + Long.toHexString(Double.doubleToLongBits(expected)) + "), got "
                    + actual + " (" + Long.toHexString(Double.doubleToLongBits(actual)) + ")");
        }
    }
}
