package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.ScalarSums;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of squares in {@link ScalarSums}' order, bit for bit: 16 double accumulators over whole
 * blocks of 16 elements, held as vectors (at 512 bits two of 8 lanes, at 256 four of 4, at 128
 * eight of 2), lane k of accumulator vector p being accumulator {@code p * lanes + k}; then
 * stored to an array and combined by {@link ScalarSums#combine}, never by {@code reduceLanes}
 * (whose order changes with the width and with C2's compilation). Float lanes are widened to
 * double in order ({@code convertShape(F2D, ..., part)}: part 0 the low half). One method per
 * width and dtype, each with its own constant species: a species that C2 cannot see as a constant
 * makes every vector a boxed object. Other widths (a 64-bit machine, an SVE length that does not
 * divide 16 floats) add the blocks with the scalar reference, the same bits, slower.
 *
 * <p>Also the helpers of the fused kernels that return a sum of squares beside their writes
 * (Lamb's, Adafactor's): see {@link #REGISTER_BLOCKS}.
 */
final class SimdSums {

    private static final VectorSpecies<Float> F128 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Double> D128 = DoubleVector.SPECIES_128;
    private static final VectorSpecies<Double> D256 = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Double> D512 = DoubleVector.SPECIES_512;

    /** Vectors of the preferred float species per block: 1 at 512 bits, 2 at 256, 4 at 128. */
    static final int VECTORS_PER_BLOCK = Math.max(1, ScalarSums.BLOCK / FS.length());

    /**
     * Whether the fused kernels (Lamb's, Adafactor's) can add their terms block by block in
     * registers: with 4, 8 or 16 float lanes. They hold eight accumulator vectors {@code a0..a7}
     * of the preferred double species and use the first {@code 2 * VECTORS_PER_BLOCK} (the whole
     * block's 16 doubles), stepping one block per iteration: the k-th vector of doubles of a
     * block (the low or high half of a float vector, widened) goes to {@code ak}. Code guarded by
     * {@code VECTORS_PER_BLOCK > 1} or {@code > 2} is folded away by C2 at the wider widths. At
     * other widths they leave the whole sum to the scalar reference.
     */
    static final boolean REGISTER_BLOCKS = ScalarSums.BLOCK % FS.length() == 0 && VECTORS_PER_BLOCK <= 4;

    private SimdSums() {
    }

    /** The sum of squares at the machine's preferred width. */
    static double sumOfSquares(DType dtype, MemorySegment x, long from, long to) {
        return sumOfSquares(FS, dtype, x, from, to);
    }

    /** The same with vectors of {@code species}' width, whatever the machine prefers (tests run 128, 256 and 512 bits). */
    static double sumOfSquares(VectorSpecies<Float> species, DType dtype, MemorySegment x, long from, long to) {
        double total = 0;
        for (long a = from; a < to; a += ChunkedExecutor.CHUNK) {
            total += chunk(species, dtype, x, a, Math.min(to, a + ChunkedExecutor.CHUNK));
        }
        return total;
    }

    private static double chunk(VectorSpecies<Float> species, DType dtype, MemorySegment x, long from, long to) {
        long end = ScalarSums.blocksEnd(from, to);
        double[] acc = new double[ScalarSums.BLOCK];
        boolean floats = dtype == DType.FLOAT32;
        switch (species.vectorBitSize()) {
            case 512 -> {
                if (floats) blocksFloat512(x, from, end, acc); else blocksDouble512(x, from, end, acc);
            }
            case 256 -> {
                if (floats) blocksFloat256(x, from, end, acc); else blocksDouble256(x, from, end, acc);
            }
            case 128 -> {
                if (floats) blocksFloat128(x, from, end, acc); else blocksDouble128(x, from, end, acc);
            }
            default -> {
                if (floats) ScalarSums.addBlocksFloat(x, from, end, acc); else ScalarSums.addBlocksDouble(x, from, end, acc);
            }
        }
        return ScalarSums.combine(acc) + ScalarSums.tail(dtype, x, end, to);
    }

    /** The low half of u's lanes, widened to double and squared. */
    static DoubleVector squareLow(FloatVector u) {
        DoubleVector d = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 0);
        return d.mul(d);
    }

    /** The high half of u's lanes, widened to double and squared. */
    static DoubleVector squareHigh(FloatVector u) {
        DoubleVector d = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 1);
        return d.mul(d);
    }

    /**
     * The sum of a fused kernel's chunk: its accumulator vectors {@code a0..a7} (only the block's
     * first {@code 2 * VECTORS_PER_BLOCK} are used) stored in order and combined by
     * {@link ScalarSums#combine}, plus the tail's sum.
     */
    static double combine(DoubleVector a0, DoubleVector a1, DoubleVector a2, DoubleVector a3, DoubleVector a4,
                          DoubleVector a5, DoubleVector a6, DoubleVector a7, double tail) {
        double[] acc = new double[ScalarSums.BLOCK];
        int w = DS.length();
        a0.intoArray(acc, 0);
        a1.intoArray(acc, w);
        if (VECTORS_PER_BLOCK > 1) {
            a2.intoArray(acc, 2 * w);
            a3.intoArray(acc, 3 * w);
        }
        if (VECTORS_PER_BLOCK > 2) {
            a4.intoArray(acc, 4 * w);
            a5.intoArray(acc, 5 * w);
            a6.intoArray(acc, 6 * w);
            a7.intoArray(acc, 7 * w);
        }
        return ScalarSums.combine(acc) + tail;
    }

    /** Lanes {@code part} (0: the low half) of float vector v, widened to double and squared. */
    private static DoubleVector square(FloatVector v, VectorSpecies<Double> doubles, int part) {
        DoubleVector d = (DoubleVector) v.convertShape(VectorOperators.F2D, doubles, part);
        return d.mul(d);
    }

    private static void blocksFloat512(MemorySegment x, long from, long end, double[] acc) {
        // One float vector per block: accumulators 0-7 and 8-15.
        DoubleVector a0 = DoubleVector.zero(D512);
        DoubleVector a1 = DoubleVector.zero(D512);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            FloatVector v = loadF(F512, x, i);
            a0 = a0.add(square(v, D512, 0));
            a1 = a1.add(square(v, D512, 1));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, 8);
    }

    private static void blocksDouble512(MemorySegment x, long from, long end, double[] acc) {
        DoubleVector a0 = DoubleVector.zero(D512);
        DoubleVector a1 = DoubleVector.zero(D512);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            DoubleVector v0 = loadD(D512, x, i);
            DoubleVector v1 = loadD(D512, x, i + 8);
            a0 = a0.add(v0.mul(v0));
            a1 = a1.add(v1.mul(v1));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, 8);
    }

    private static void blocksFloat256(MemorySegment x, long from, long end, double[] acc) {
        // Two float vectors per block, four accumulator vectors of 4 lanes.
        DoubleVector a0 = DoubleVector.zero(D256);
        DoubleVector a1 = DoubleVector.zero(D256);
        DoubleVector a2 = DoubleVector.zero(D256);
        DoubleVector a3 = DoubleVector.zero(D256);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            FloatVector v0 = loadF(F256, x, i);
            FloatVector v1 = loadF(F256, x, i + 8);
            a0 = a0.add(square(v0, D256, 0));
            a1 = a1.add(square(v0, D256, 1));
            a2 = a2.add(square(v1, D256, 0));
            a3 = a3.add(square(v1, D256, 1));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, 4);
        a2.intoArray(acc, 8);
        a3.intoArray(acc, 12);
    }

    private static void blocksDouble256(MemorySegment x, long from, long end, double[] acc) {
        DoubleVector a0 = DoubleVector.zero(D256);
        DoubleVector a1 = DoubleVector.zero(D256);
        DoubleVector a2 = DoubleVector.zero(D256);
        DoubleVector a3 = DoubleVector.zero(D256);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            DoubleVector v0 = loadD(D256, x, i);
            DoubleVector v1 = loadD(D256, x, i + 4);
            DoubleVector v2 = loadD(D256, x, i + 8);
            DoubleVector v3 = loadD(D256, x, i + 12);
            a0 = a0.add(v0.mul(v0));
            a1 = a1.add(v1.mul(v1));
            a2 = a2.add(v2.mul(v2));
            a3 = a3.add(v3.mul(v3));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, 4);
        a2.intoArray(acc, 8);
        a3.intoArray(acc, 12);
    }

    private static void blocksFloat128(MemorySegment x, long from, long end, double[] acc) {
        // Four float vectors per block, eight accumulator vectors of 2 lanes.
        DoubleVector a0 = DoubleVector.zero(D128);
        DoubleVector a1 = DoubleVector.zero(D128);
        DoubleVector a2 = DoubleVector.zero(D128);
        DoubleVector a3 = DoubleVector.zero(D128);
        DoubleVector a4 = DoubleVector.zero(D128);
        DoubleVector a5 = DoubleVector.zero(D128);
        DoubleVector a6 = DoubleVector.zero(D128);
        DoubleVector a7 = DoubleVector.zero(D128);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            FloatVector v0 = loadF(F128, x, i);
            FloatVector v1 = loadF(F128, x, i + 4);
            FloatVector v2 = loadF(F128, x, i + 8);
            FloatVector v3 = loadF(F128, x, i + 12);
            a0 = a0.add(square(v0, D128, 0));
            a1 = a1.add(square(v0, D128, 1));
            a2 = a2.add(square(v1, D128, 0));
            a3 = a3.add(square(v1, D128, 1));
            a4 = a4.add(square(v2, D128, 0));
            a5 = a5.add(square(v2, D128, 1));
            a6 = a6.add(square(v3, D128, 0));
            a7 = a7.add(square(v3, D128, 1));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, 2);
        a2.intoArray(acc, 4);
        a3.intoArray(acc, 6);
        a4.intoArray(acc, 8);
        a5.intoArray(acc, 10);
        a6.intoArray(acc, 12);
        a7.intoArray(acc, 14);
    }

    private static void blocksDouble128(MemorySegment x, long from, long end, double[] acc) {
        DoubleVector a0 = DoubleVector.zero(D128);
        DoubleVector a1 = DoubleVector.zero(D128);
        DoubleVector a2 = DoubleVector.zero(D128);
        DoubleVector a3 = DoubleVector.zero(D128);
        DoubleVector a4 = DoubleVector.zero(D128);
        DoubleVector a5 = DoubleVector.zero(D128);
        DoubleVector a6 = DoubleVector.zero(D128);
        DoubleVector a7 = DoubleVector.zero(D128);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            DoubleVector v0 = loadD(D128, x, i);
            DoubleVector v1 = loadD(D128, x, i + 2);
            DoubleVector v2 = loadD(D128, x, i + 4);
            DoubleVector v3 = loadD(D128, x, i + 6);
            DoubleVector v4 = loadD(D128, x, i + 8);
            DoubleVector v5 = loadD(D128, x, i + 10);
            DoubleVector v6 = loadD(D128, x, i + 12);
            DoubleVector v7 = loadD(D128, x, i + 14);
            a0 = a0.add(v0.mul(v0));
            a1 = a1.add(v1.mul(v1));
            a2 = a2.add(v2.mul(v2));
            a3 = a3.add(v3.mul(v3));
            a4 = a4.add(v4.mul(v4));
            a5 = a5.add(v5.mul(v5));
            a6 = a6.add(v6.mul(v6));
            a7 = a7.add(v7.mul(v7));
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, 2);
        a2.intoArray(acc, 4);
        a3.intoArray(acc, 6);
        a4.intoArray(acc, 8);
        a5.intoArray(acc, 10);
        a6.intoArray(acc, 12);
        a7.intoArray(acc, 14);
    }
}
