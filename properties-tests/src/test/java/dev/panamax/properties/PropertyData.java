package dev.panamax.properties;

import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The seeded generator of the property suite (DESIGN.md: JUnit 5, no jqwik). Sizes and values
 * put the edge cases first; the seed of a run comes from {@code -Dpanamax.test.seed} or the
 * clock, and every failure message prints it so the run can be replayed.
 */
final class PropertyData {

    /** The run's base seed. */
    static final long SEED = Long.getLong("panamax.test.seed", System.nanoTime());

    private PropertyData() {
    }

    /**
     * Sizes: empty, one, one around every vector length a machine may have (4, 8 and 16 lanes:
     * 128- to 512-bit float and double species), a prime, and one over a million (many chunks,
     * so several threads really share it).
     */
    static List<Long> sizes() {
        List<Long> sizes = new ArrayList<>(List.of(0L, 1L));
        for (long lanes : new long[] {4, 8, 16}) {
            sizes.addAll(List.of(lanes - 1, lanes, lanes + 1));
        }
        sizes.addAll(List.of(1021L, (1L << 20) + 7));
        return sizes.stream().distinct().toList();
    }

    /** Special values that every element-wise kernel must treat as the reference does. */
    static double[] specials(DType dtype) {
        if (dtype.isHalf()) {
            // float32's, then values at the 16-bit types' edges: float16's largest, its overflow
            // point, a float16 subnormal, its smallest one, bfloat16's largest.
            return new double[] {0.0, -0.0, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL / 2, 1e30, -1e30,
                    Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0, -1.0, 65504, -65520,
                    3e-6, 0x1p-24, 3.3895314e38};
        }
        if (dtype == DType.FLOAT32) {
            return new double[] {0.0, -0.0, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL / 2, 1e30, -1e30,
                    Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0, -1.0};
        }
        return new double[] {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL / 2, 1e300, -1e300,
                Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0, -1.0};
    }

    /**
     * A segment of {@code n} elements: the specials at the start (so short arrays get them too),
     * then mostly ordinary values of a few magnitudes, with a special now and then.
     */
    static MemorySegment values(Arena arena, DType dtype, long n, long seed) {
        MemorySegment s = arena.allocate(Math.max(1, n) * dtype.byteSize(), 64).asSlice(0, n * dtype.byteSize());
        SplittableRandom random = new SplittableRandom(seed);
        double[] specials = specials(dtype);
        for (long i = 0; i < n; i++) {
            double v;
            if (i < specials.length && (seed & 1) == 0) {
                v = specials[(int) i];
            } else if (random.nextInt(64) == 0) {
                v = specials[random.nextInt(specials.length)];
            } else {
                v = random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-4, 3));
            }
            dtype.set(s, i, v);
        }
        return s;
    }

    /** An ordinary positive scalar in [lo, hi), rounded to {@code dtype}. */
    static double scalar(SplittableRandom random, DType dtype, double lo, double hi) {
        return dtype.round(random.nextDouble(lo, hi));
    }
}
