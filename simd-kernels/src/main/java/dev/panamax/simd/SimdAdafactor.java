package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.ScalarAdafactor;
import dev.panamax.kernels.ScalarSums;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels of Keras 3's Adafactor. See {@link SimdKernels} for the conventions. The factored
 * moments keep the reference's fixed order of sums (a row's element j into partial j % 4, a
 * column's rows in order), so they are bit-identical: four double lanes are exactly those four
 * partial sums, whatever the machine's preferred width. The sums of squares of the update that
 * the velocity kernels return add in {@link ScalarSums}' order ({@link SimdSums#addSquares}), so
 * they are bit-identical too.
 */
final class SimdAdafactor {

    private SimdAdafactor() {
    }

    /** Four doubles: the four partial sums of a row, and four columns at a time. */
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    /** Four floats, widened to {@link #D4}. */
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

    static void adafactorFactors(DType dtype, MemorySegment grad, MemorySegment r, MemorySegment c, MemorySegment rowFactors,
                                 long matrices, long rows, long columns, double beta2t, double oneMinusBeta2t, double epsilon1) {
        long bytes = dtype.byteSize();
        for (long b = 0; b < matrices; b++) {
            matrix(dtype, grad.asSlice(b * rows * columns * bytes), r.asSlice(b * rows * bytes), c.asSlice(b * columns * bytes),
                    rowFactors.asSlice(b * rows * bytes), rows, columns, beta2t, oneMinusBeta2t, epsilon1);
        }
    }

    private static void matrix(DType dtype, MemorySegment grad, MemorySegment r, MemorySegment c, MemorySegment rowFactors,
                               long rows, long columns, double beta2t, double oneMinusBeta2t, double epsilon1) {
        double[] columnSums = new double[Math.toIntExact(columns)];
        double[] partials = new double[4];
        long bound = columns & ~3L;
        for (long i = 0; i < rows; i++) {
            long rowStart = i * columns;
            DoubleVector acc = DoubleVector.zero(D4);
            if (dtype == DType.FLOAT32) {
                float e = (float) epsilon1;
                // Whole vectors of the preferred species, each widened four lanes at a time, in order of j.
                int parts = FS.length() / 4;
                long wide = columns - columns % FS.length();
                int j = 0;
                for (; j < wide; j += FS.length()) {
                    FloatVector g = loadF(grad, (rowStart + j) * F_BYTES);
                    FloatVector squares = g.mul(g).add(e);
                    for (int part = 0; part < parts; part++) {
                        acc = addSquares(acc, (DoubleVector) squares.convertShape(VectorOperators.F2D, D4, part), columnSums,
                                j + 4 * part);
                    }
                }
                for (; j < bound; j += 4) {
                    FloatVector g = loadF(F4, grad, (rowStart + j) * F_BYTES);
                    acc = addSquares(acc, (DoubleVector) g.mul(g).add(e).convertShape(VectorOperators.F2D, D4, 0), columnSums, j);
                }
            } else {
                for (int j = 0; j < bound; j += 4) {
                    DoubleVector g = loadD(D4, grad, (rowStart + j) * D_BYTES);
                    acc = addSquares(acc, g.mul(g).add(epsilon1), columnSums, j);
                }
            }
            acc.intoArray(partials, 0);
            ScalarAdafactor.adafactorSquares(dtype, grad, rowStart, bound, columns, epsilon1, partials, columnSums);
            double rowMean = ScalarAdafactor.rowMean(dtype, partials, columns);
            double ri = dtype == DType.FLOAT32 ? r.getAtIndex(F_LAYOUT, i) : r.getAtIndex(D_LAYOUT, i);
            double updated = dtype.round(dtype.round(beta2t * ri) + dtype.round(oneMinusBeta2t * rowMean));
            if (dtype == DType.FLOAT32) {
                r.setAtIndex(F_LAYOUT, i, (float) updated);
            } else {
                r.setAtIndex(D_LAYOUT, i, updated);
            }
        }
        for (long j = 0; j < columns; j++) {
            double columnMean = dtype.round(dtype.round(columnSums[(int) j]) / dtype.round(rows));
            double cj = dtype == DType.FLOAT32 ? c.getAtIndex(F_LAYOUT, j) : c.getAtIndex(D_LAYOUT, j);
            double updated = dtype.round(dtype.round(beta2t * cj) + dtype.round(oneMinusBeta2t * columnMean));
            if (dtype == DType.FLOAT32) {
                c.setAtIndex(F_LAYOUT, j, (float) updated);
            } else {
                c.setAtIndex(D_LAYOUT, j, updated);
            }
        }
        ScalarAdafactor.adafactorRowFactors(dtype, r, rowFactors, rows);
    }

    /** Adds four squares to the row's partial sums and to their columns' sums. */
    private static DoubleVector addSquares(DoubleVector rowPartials, DoubleVector squares, double[] columnSums, int j) {
        DoubleVector.fromArray(D4, columnSums, j).add(squares).intoArray(columnSums, j);
        return rowPartials.add(squares);
    }

    static double adafactorFactoredVelocity(DType dtype, MemorySegment v, MemorySegment grad, MemorySegment rowFactors,
                                            MemorySegment c, long rows, long columns, long from, long to) {
        if (!SimdSums.LANES_DIVIDE_BLOCK) {
            return ScalarAdafactor.adafactorFactoredVelocity(dtype, v, grad, rowFactors, c, rows, columns, from, to);
        }
        return dtype == DType.FLOAT32
                ? ScalarSums.inChunks(from, to, (a, b) -> factoredFloatChunk(v, grad, rowFactors, c, rows, columns, a, b))
                : ScalarSums.inChunks(from, to, (a, b) -> factoredDoubleChunk(v, grad, rowFactors, c, rows, columns, a, b));
    }

    /**
     * One chunk, a run of contiguous elements per row of a matrix (a row factor, a run of c); the
     * terms go to the chunk's accumulators by their place in the chunk, whatever the row.
     */
    private static double factoredFloatChunk(MemorySegment v, MemorySegment grad, MemorySegment rowFactors, MemorySegment c,
                                             long rows, long columns, long from, long to) {
        double[] acc = new double[ScalarSums.BLOCK];
        long end = ScalarSums.blocksEnd(from, to);
        long matrix = rows * columns;
        long i = from;
        while (i < end) {
            long b = i / matrix;
            long inMatrix = i - b * matrix;
            long column = b * columns + inMatrix % columns;
            long runEnd = Math.min(end, i + (columns - inMatrix % columns));
            float rowFactor = rowFactors.getAtIndex(F_LAYOUT, b * rows + inMatrix / columns);
            factoredRunFloat(v, grad, rowFactor, c, column - i, i, runEnd, from, acc);
            i = runEnd;
        }
        return ScalarSums.combine(acc) + ScalarAdafactor.adafactorFactoredVelocityFloat(v, grad, rowFactors, c, rows, columns,
                end, to);
    }

    /**
     * {@code v[k] = rowFactor * c[k + shift]}, {@code u = grad[k] / sqrt(v[k])} for k in
     * {@code [from, to)}, inside whole blocks of the chunk that starts at {@code chunkStart}:
     * elements one by one up to a vector's place in the blocks, then whole vectors, then one by
     * one again. Modified: v, acc.
     */
    private static void factoredRunFloat(MemorySegment v, MemorySegment grad, float rowFactor, MemorySegment c, long shift,
                                         long from, long to, long chunkStart, double[] acc) {
        FloatVector rowFactorV = FloatVector.broadcast(FS, rowFactor);
        int lanes = FS.length();
        long k = from;
        for (long firstVector = Math.min(to, from + Math.floorMod(chunkStart - from, lanes)); k < firstVector; k++) {
            factoredElementFloat(v, grad, rowFactor, c, shift, k, chunkStart, acc);
        }
        for (; k + lanes <= to; k += lanes) {
            long off = k * F_BYTES;
            FloatVector vk = rowFactorV.mul(loadF(c, (k + shift) * F_BYTES));
            store(vk, v, off);
            SimdSums.addSquares(acc, SimdSums.lane(k, chunkStart), loadF(grad, off).div(vk.lanewise(VectorOperators.SQRT)));
        }
        for (; k < to; k++) {
            factoredElementFloat(v, grad, rowFactor, c, shift, k, chunkStart, acc);
        }
    }

    private static void factoredElementFloat(MemorySegment v, MemorySegment grad, float rowFactor, MemorySegment c, long shift,
                                             long k, long chunkStart, double[] acc) {
        float vk = rowFactor * c.getAtIndex(F_LAYOUT, k + shift);
        v.setAtIndex(F_LAYOUT, k, vk);
        double u = grad.getAtIndex(F_LAYOUT, k) / (float) Math.sqrt(vk);
        acc[SimdSums.lane(k, chunkStart)] += u * u;
    }

    private static double factoredDoubleChunk(MemorySegment v, MemorySegment grad, MemorySegment rowFactors, MemorySegment c,
                                              long rows, long columns, long from, long to) {
        double[] acc = new double[ScalarSums.BLOCK];
        long end = ScalarSums.blocksEnd(from, to);
        long matrix = rows * columns;
        long i = from;
        while (i < end) {
            long b = i / matrix;
            long inMatrix = i - b * matrix;
            long column = b * columns + inMatrix % columns;
            long runEnd = Math.min(end, i + (columns - inMatrix % columns));
            double rowFactor = rowFactors.getAtIndex(D_LAYOUT, b * rows + inMatrix / columns);
            factoredRunDouble(v, grad, rowFactor, c, column - i, i, runEnd, from, acc);
            i = runEnd;
        }
        return ScalarSums.combine(acc) + ScalarAdafactor.adafactorFactoredVelocityDouble(v, grad, rowFactors, c, rows, columns,
                end, to);
    }

    private static void factoredRunDouble(MemorySegment v, MemorySegment grad, double rowFactor, MemorySegment c, long shift,
                                          long from, long to, long chunkStart, double[] acc) {
        DoubleVector rowFactorV = DoubleVector.broadcast(DS, rowFactor);
        int lanes = DS.length();
        long k = from;
        for (long firstVector = Math.min(to, from + Math.floorMod(chunkStart - from, lanes)); k < firstVector; k++) {
            factoredElementDouble(v, grad, rowFactor, c, shift, k, chunkStart, acc);
        }
        for (; k + lanes <= to; k += lanes) {
            long off = k * D_BYTES;
            DoubleVector vk = rowFactorV.mul(loadD(c, (k + shift) * D_BYTES));
            store(vk, v, off);
            SimdSums.addSquares(acc, SimdSums.lane(k, chunkStart), loadD(grad, off).div(vk.lanewise(VectorOperators.SQRT)));
        }
        for (; k < to; k++) {
            factoredElementDouble(v, grad, rowFactor, c, shift, k, chunkStart, acc);
        }
    }

    private static void factoredElementDouble(MemorySegment v, MemorySegment grad, double rowFactor, MemorySegment c, long shift,
                                              long k, long chunkStart, double[] acc) {
        double vk = rowFactor * c.getAtIndex(D_LAYOUT, k + shift);
        v.setAtIndex(D_LAYOUT, k, vk);
        double u = grad.getAtIndex(D_LAYOUT, k) / Math.sqrt(vk);
        acc[SimdSums.lane(k, chunkStart)] += u * u;
    }

    static double adafactorVelocity(DType dtype, MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                    double oneMinusBeta2t, double epsilon1) {
        if (!SimdSums.LANES_DIVIDE_BLOCK) {
            return ScalarAdafactor.adafactorVelocity(dtype, v, grad, from, to, beta2t, oneMinusBeta2t, epsilon1);
        }
        if (dtype == DType.FLOAT32) {
            float b = (float) beta2t;
            float c = (float) oneMinusBeta2t;
            float e = (float) epsilon1;
            return ScalarSums.inChunks(from, to, (start, end) -> velocityFloat(v, grad, start, end, b, c, e));
        }
        return ScalarSums.inChunks(from, to, (start, end) -> velocityDouble(v, grad, start, end, beta2t, oneMinusBeta2t, epsilon1));
    }

    private static double velocityFloat(MemorySegment v, MemorySegment grad, long from, long to, float beta2t,
                                        float oneMinusBeta2t, float epsilon1) {
        FloatVector beta2tV = FloatVector.broadcast(FS, beta2t);
        FloatVector oneMinusBeta2tV = FloatVector.broadcast(FS, oneMinusBeta2t);
        double[] acc = new double[ScalarSums.BLOCK];
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector vi = beta2tV.mul(loadF(v, off)).add(oneMinusBeta2tV.mul(g.mul(g).add(epsilon1)));
            store(vi, v, off);
            SimdSums.addSquares(acc, SimdSums.lane(i, from), g.div(vi.lanewise(VectorOperators.SQRT)));
        }
        return ScalarSums.combine(acc) + ScalarAdafactor.adafactorVelocityFloat(v, grad, end, to, beta2t, oneMinusBeta2t, epsilon1);
    }

    private static double velocityDouble(MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                         double oneMinusBeta2t, double epsilon1) {
        DoubleVector beta2tV = DoubleVector.broadcast(DS, beta2t);
        DoubleVector oneMinusBeta2tV = DoubleVector.broadcast(DS, oneMinusBeta2t);
        double[] acc = new double[ScalarSums.BLOCK];
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector vi = beta2tV.mul(loadD(v, off)).add(oneMinusBeta2tV.mul(g.mul(g).add(epsilon1)));
            store(vi, v, off);
            SimdSums.addSquares(acc, SimdSums.lane(i, from), g.div(vi.lanewise(VectorOperators.SQRT)));
        }
        return ScalarSums.combine(acc) + ScalarAdafactor.adafactorVelocityDouble(v, grad, end, to, beta2t, oneMinusBeta2t, epsilon1);
    }

    static void adafactorApply(DType dtype, MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to,
                               double alpha, double divisor) {
        if (dtype == DType.FLOAT32) {
            applyFloat(var, v, grad, from, to, (float) alpha, (float) divisor);
        } else {
            applyDouble(var, v, grad, from, to, alpha, divisor);
        }
    }

    private static void applyFloat(MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to, float alpha,
                                   float divisor) {
        FloatVector alphaV = FloatVector.broadcast(FS, alpha);
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector u = loadF(grad, off).div(loadF(v, off).lanewise(VectorOperators.SQRT));
            store(loadF(var, off).sub(alphaV.mul(u.div(divisor))), var, off);
        }
        ScalarAdafactor.adafactorApplyFloat(var, v, grad, i, to, alpha, divisor);
    }

    private static void applyDouble(MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to, double alpha,
                                    double divisor) {
        DoubleVector alphaV = DoubleVector.broadcast(DS, alpha);
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector u = loadD(grad, off).div(loadD(v, off).lanewise(VectorOperators.SQRT));
            store(loadD(var, off).sub(alphaV.mul(u.div(divisor))), var, off);
        }
        ScalarAdafactor.adafactorApplyDouble(var, v, grad, i, to, alpha, divisor);
    }
}
