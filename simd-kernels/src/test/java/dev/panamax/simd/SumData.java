package dev.panamax.simd;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Data and checks shared by the sum tests of both copies of the kernels (off-heap and Java arrays). */
public final class SumData {

    /** The run's base seed; failures print it (replay with -Dpanamax.test.seed=N). */
    public static final long SEED = Long.getLong("panamax.test.seed", System.nanoTime());

    private SumData() {
    }

    /** Lengths: under a block, around one and two blocks, a prime, around a chunk, several chunks. */
    public static final List<Long> SIZES = List.of(0L, 1L, 3L, 15L, 16L, 17L, 31L, 32L, 33L, 100L, 1021L,
            ChunkedExecutor.CHUNK - 1, ChunkedExecutor.CHUNK, ChunkedExecutor.CHUNK + 17, 3 * ChunkedExecutor.CHUNK + 5);

    /** The float species of {@code bits} bits. */
    public static VectorSpecies<Float> species(int bits) {
        return FloatVector.SPECIES_128.withShape(VectorShape.forBitSize(bits));
    }

    /** The kinds of values: spread magnitudes (any other order rounds differently), and the IEEE specials. */
    public enum Values { SPREAD, NAN, INFINITY, HUGE, SUBNORMAL }

    /** {@code n} values of {@code kind} in a new off-heap segment. */
    public static MemorySegment offHeap(Arena arena, DType dtype, long n, Values kind, long seed) {
        MemorySegment s = arena.allocate(Math.max(1, n) * dtype.byteSize(), 64).asSlice(0, n * dtype.byteSize());
        fill(s, dtype, n, kind, seed);
        return s;
    }

    /** The same values on a Java array, as {@code Tensor.wrap} makes them. */
    public static MemorySegment onArray(DType dtype, long n, Values kind, long seed) {
        MemorySegment s = dtype == DType.FLOAT32 ? MemorySegment.ofArray(new float[(int) n])
                : MemorySegment.ofArray(new double[(int) n]);
        fill(s, dtype, n, kind, seed);
        return s;
    }

    private static void fill(MemorySegment s, DType dtype, long n, Values kind, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean floats = dtype == DType.FLOAT32;
        for (long i = 0; i < n; i++) {
            double v = r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-6, 7));
            switch (kind) {
                case NAN -> v = r.nextInt(500) == 0 ? Double.NaN : v;
                case INFINITY -> v = r.nextInt(500) == 0 ? Double.NEGATIVE_INFINITY : v;
                // Float32: squares near 1e76, finite in double. Float64: squares overflow to infinity.
                case HUGE -> v = r.nextInt(50) == 0 ? (floats ? Float.MAX_VALUE : 1e300) * r.nextDouble(-1, 1) : v;
                // Squares of float subnormals are tiny doubles; of double subnormals, zero.
                case SUBNORMAL -> v = (floats ? Float.MIN_VALUE : Double.MIN_VALUE) * r.nextInt(-100000, 100000);
                case SPREAD -> { }
            }
            dtype.set(s, i, v);
        }
    }

    /** Two sums as their bits (any NaN equals any NaN), with both values and how many ulps apart in the message. */
    public static String compare(double expected, double actual) {
        long e = Double.doubleToLongBits(expected);
        long a = Double.doubleToLongBits(actual);
        return e == a ? null : "expected " + expected + " (" + Long.toHexString(e) + "), got " + actual + " ("
                + Long.toHexString(a) + "), " + Math.abs(e - a) + " ulp apart";
    }
}
