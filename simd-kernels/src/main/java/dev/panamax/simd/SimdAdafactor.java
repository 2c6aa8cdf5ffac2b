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
 * the velocity kernels return add in {@link ScalarSums}' order, block by block in registers
 * ({@link SimdSums#REGISTER_BLOCKS}), so they are bit-identical too.
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
                    FloatVector g = loadF(grad, (rowStart + j));
                    FloatVector squares = g.mul(g).add(e);
                    for (int part = 0; part < parts; part++) {
                        acc = addSquares(acc, (DoubleVector) squares.convertShape(VectorOperators.F2D, D4, part), columnSums,
                                j + 4 * part);
                    }
                }
                for (; j < bound; j += 4) {
                    FloatVector g = loadF(F4, grad, (rowStart + j));
                    acc = addSquares(acc, (DoubleVector) g.mul(g).add(e).convertShape(VectorOperators.F2D, D4, 0), columnSums, j);
                }
            } else {
                for (int j = 0; j < bound; j += 4) {
                    DoubleVector g = loadD(D4, grad, (rowStart + j));
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
        if (!SimdSums.REGISTER_BLOCKS) {
            return ScalarAdafactor.adafactorFactoredVelocity(dtype, v, grad, rowFactors, c, rows, columns, from, to);
        }
        return dtype == DType.FLOAT32
                ? ScalarSums.inChunks(from, to, (a, b) -> factoredFloatChunk(v, grad, rowFactors, c, rows, columns, a, b))
                : ScalarSums.inChunks(from, to, (a, b) -> factoredDoubleChunk(v, grad, rowFactors, c, rows, columns, a, b));
    }

    /**
     * Where a block of the factored velocity finds its factors: its elements' {@code v} are
     * {@code rowFactor * c[k + shift]} while the block stays in the row that ends at
     * {@code rowEnd}; a block that crosses rows takes them element by element into
     * {@code crossing}. Advanced block by block, so the row's index is divided out once per row.
     */
    private static final class Rows {
        final long rows;
        final long columns;
        final long matrix;
        long rowEnd;
        long shift;
        double rowFactor;

        Rows(long rows, long columns) {
            this.rows = rows;
            this.columns = columns;
            this.matrix = rows * columns;
        }

        /** Whether the block {@code [i, i + 16)} lies in one row; if so, {@link #rowFactor} and {@link #shift} are its row's. */
        boolean oneRow(DType dtype, MemorySegment rowFactors, long i) {
            if (i >= rowEnd) {
                long b = i / matrix;
                long inMatrix = i - b * matrix;
                long column = inMatrix % columns;
                rowEnd = i + (columns - column);
                shift = b * columns + column - i;
                long row = b * rows + inMatrix / columns;
                rowFactor = dtype == DType.FLOAT32 ? rowFactors.getAtIndex(F_LAYOUT, row) : rowFactors.getAtIndex(D_LAYOUT, row);
            }
            return i + ScalarSums.BLOCK <= rowEnd;
        }

        /** The factor products of the block at i, element by element as the reference takes them. */
        void crossingFloat(MemorySegment rowFactors, MemorySegment c, long i, float[] crossing) {
            for (int j = 0; j < ScalarSums.BLOCK; j++) {
                long e = i + j;
                long b = e / matrix;
                long inMatrix = e - b * matrix;
                crossing[j] = rowFactors.getAtIndex(F_LAYOUT, b * rows + inMatrix / columns)
                        * c.getAtIndex(F_LAYOUT, b * columns + inMatrix % columns);
            }
        }

        void crossingDouble(MemorySegment rowFactors, MemorySegment c, long i, double[] crossing) {
            for (int j = 0; j < ScalarSums.BLOCK; j++) {
                long e = i + j;
                long b = e / matrix;
                long inMatrix = e - b * matrix;
                crossing[j] = rowFactors.getAtIndex(D_LAYOUT, b * rows + inMatrix / columns)
                        * c.getAtIndex(D_LAYOUT, b * columns + inMatrix % columns);
            }
        }
    }

    /** One chunk of the factored velocity: whole blocks in registers, then the tail by the reference. */
    private static double factoredFloatChunk(MemorySegment v, MemorySegment grad, MemorySegment rowFactors, MemorySegment c,
                                             long rows, long columns, long from, long to) {
        DoubleVector a0 = DoubleVector.zero(DS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Rows r = new Rows(rows, columns);
        float[] crossing = new float[ScalarSums.BLOCK];
        int lanes = FS.length();
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            boolean oneRow = r.oneRow(DType.FLOAT32, rowFactors, i);
            if (!oneRow) {
                r.crossingFloat(rowFactors, c, i, crossing);
            }
            float rowFactor = (float) r.rowFactor;
            FloatVector u = factoredFloat(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 0);
            a0 = a0.add(SimdSums.squareLow(u));
            a1 = a1.add(SimdSums.squareHigh(u));
            if (SimdSums.VECTORS_PER_BLOCK > 1) {
                u = factoredFloat(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, lanes);
                a2 = a2.add(SimdSums.squareLow(u));
                a3 = a3.add(SimdSums.squareHigh(u));
            }
            if (SimdSums.VECTORS_PER_BLOCK > 2) {
                u = factoredFloat(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 2 * lanes);
                a4 = a4.add(SimdSums.squareLow(u));
                a5 = a5.add(SimdSums.squareHigh(u));
                u = factoredFloat(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 3 * lanes);
                a6 = a6.add(SimdSums.squareLow(u));
                a7 = a7.add(SimdSums.squareHigh(u));
            }
        }
        return SimdSums.combine(a0, a1, a2, a3, a4, a5, a6, a7,
                ScalarAdafactor.adafactorFactoredVelocityFloat(v, grad, rowFactors, c, rows, columns, end, to));
    }

    /**
     * {@code v = rowFactor * c[k + shift]} (or the crossing block's products), stored, for the
     * vector at element {@code i + j}; returns {@code u = grad / sqrt(v)}.
     */
    private static FloatVector factoredFloat(MemorySegment v, MemorySegment grad, MemorySegment c, float rowFactor, long shift,
                                             boolean oneRow, float[] crossing, long i, int j) {
        long k = i + j;
        FloatVector vk = oneRow ? FloatVector.broadcast(FS, rowFactor).mul(loadF(c, (k + shift)))
                : FloatVector.fromArray(FS, crossing, j);
        store(vk, v, k);
        return loadF(grad, k).div(vk.lanewise(VectorOperators.SQRT));
    }

    private static double factoredDoubleChunk(MemorySegment v, MemorySegment grad, MemorySegment rowFactors, MemorySegment c,
                                              long rows, long columns, long from, long to) {
        DoubleVector a0 = DoubleVector.zero(DS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Rows r = new Rows(rows, columns);
        double[] crossing = new double[ScalarSums.BLOCK];
        int w = DS.length();
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            boolean oneRow = r.oneRow(DType.FLOAT64, rowFactors, i);
            if (!oneRow) {
                r.crossingDouble(rowFactors, c, i, crossing);
            }
            double rowFactor = r.rowFactor;
            DoubleVector u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 0);
            a0 = a0.add(u.mul(u));
            u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, w);
            a1 = a1.add(u.mul(u));
            if (SimdSums.VECTORS_PER_BLOCK > 1) {
                u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 2 * w);
                a2 = a2.add(u.mul(u));
                u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 3 * w);
                a3 = a3.add(u.mul(u));
            }
            if (SimdSums.VECTORS_PER_BLOCK > 2) {
                u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 4 * w);
                a4 = a4.add(u.mul(u));
                u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 5 * w);
                a5 = a5.add(u.mul(u));
                u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 6 * w);
                a6 = a6.add(u.mul(u));
                u = factoredDouble(v, grad, c, rowFactor, r.shift, oneRow, crossing, i, 7 * w);
                a7 = a7.add(u.mul(u));
            }
        }
        return SimdSums.combine(a0, a1, a2, a3, a4, a5, a6, a7,
                ScalarAdafactor.adafactorFactoredVelocityDouble(v, grad, rowFactors, c, rows, columns, end, to));
    }

    private static DoubleVector factoredDouble(MemorySegment v, MemorySegment grad, MemorySegment c, double rowFactor, long shift,
                                               boolean oneRow, double[] crossing, long i, int j) {
        long k = i + j;
        DoubleVector vk = oneRow ? DoubleVector.broadcast(DS, rowFactor).mul(loadD(c, (k + shift)))
                : DoubleVector.fromArray(DS, crossing, j);
        store(vk, v, k);
        return loadD(grad, k).div(vk.lanewise(VectorOperators.SQRT));
    }

    static double adafactorVelocity(DType dtype, MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                    double oneMinusBeta2t, double epsilon1) {
        if (!SimdSums.REGISTER_BLOCKS) {
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

    /** One chunk of the velocity: whole blocks in registers, then the tail by the reference. */
    private static double velocityFloat(MemorySegment v, MemorySegment grad, long from, long to, float beta2t,
                                        float oneMinusBeta2t, float epsilon1) {
        DoubleVector a0 = DoubleVector.zero(DS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int lanes = FS.length();
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            FloatVector u = velocityFloat(v, grad, i, beta2t, oneMinusBeta2t, epsilon1);
            a0 = a0.add(SimdSums.squareLow(u));
            a1 = a1.add(SimdSums.squareHigh(u));
            if (SimdSums.VECTORS_PER_BLOCK > 1) {
                u = velocityFloat(v, grad, i + lanes, beta2t, oneMinusBeta2t, epsilon1);
                a2 = a2.add(SimdSums.squareLow(u));
                a3 = a3.add(SimdSums.squareHigh(u));
            }
            if (SimdSums.VECTORS_PER_BLOCK > 2) {
                u = velocityFloat(v, grad, i + 2 * lanes, beta2t, oneMinusBeta2t, epsilon1);
                a4 = a4.add(SimdSums.squareLow(u));
                a5 = a5.add(SimdSums.squareHigh(u));
                u = velocityFloat(v, grad, i + 3 * lanes, beta2t, oneMinusBeta2t, epsilon1);
                a6 = a6.add(SimdSums.squareLow(u));
                a7 = a7.add(SimdSums.squareHigh(u));
            }
        }
        return SimdSums.combine(a0, a1, a2, a3, a4, a5, a6, a7,
                ScalarAdafactor.adafactorVelocityFloat(v, grad, end, to, beta2t, oneMinusBeta2t, epsilon1));
    }

    /** {@code v = beta2t * v + oneMinusBeta2t * (g * g + epsilon1)} of the vector at element i, stored; returns {@code g / sqrt(v)}. */
    private static FloatVector velocityFloat(MemorySegment v, MemorySegment grad, long i, float beta2t, float oneMinusBeta2t,
                                             float epsilon1) {
        FloatVector g = loadF(grad, i);
        FloatVector vi = FloatVector.broadcast(FS, beta2t).mul(loadF(v, i))
                .add(FloatVector.broadcast(FS, oneMinusBeta2t).mul(g.mul(g).add(epsilon1)));
        store(vi, v, i);
        return g.div(vi.lanewise(VectorOperators.SQRT));
    }

    private static double velocityDouble(MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                         double oneMinusBeta2t, double epsilon1) {
        DoubleVector a0 = DoubleVector.zero(DS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int w = DS.length();
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            DoubleVector u = velocityDouble(v, grad, i, beta2t, oneMinusBeta2t, epsilon1);
            a0 = a0.add(u.mul(u));
            u = velocityDouble(v, grad, i + w, beta2t, oneMinusBeta2t, epsilon1);
            a1 = a1.add(u.mul(u));
            if (SimdSums.VECTORS_PER_BLOCK > 1) {
                u = velocityDouble(v, grad, i + 2 * w, beta2t, oneMinusBeta2t, epsilon1);
                a2 = a2.add(u.mul(u));
                u = velocityDouble(v, grad, i + 3 * w, beta2t, oneMinusBeta2t, epsilon1);
                a3 = a3.add(u.mul(u));
            }
            if (SimdSums.VECTORS_PER_BLOCK > 2) {
                u = velocityDouble(v, grad, i + 4 * w, beta2t, oneMinusBeta2t, epsilon1);
                a4 = a4.add(u.mul(u));
                u = velocityDouble(v, grad, i + 5 * w, beta2t, oneMinusBeta2t, epsilon1);
                a5 = a5.add(u.mul(u));
                u = velocityDouble(v, grad, i + 6 * w, beta2t, oneMinusBeta2t, epsilon1);
                a6 = a6.add(u.mul(u));
                u = velocityDouble(v, grad, i + 7 * w, beta2t, oneMinusBeta2t, epsilon1);
                a7 = a7.add(u.mul(u));
            }
        }
        return SimdSums.combine(a0, a1, a2, a3, a4, a5, a6, a7,
                ScalarAdafactor.adafactorVelocityDouble(v, grad, end, to, beta2t, oneMinusBeta2t, epsilon1));
    }

    private static DoubleVector velocityDouble(MemorySegment v, MemorySegment grad, long i, double beta2t,
                                               double oneMinusBeta2t, double epsilon1) {
        DoubleVector g = loadD(grad, i);
        DoubleVector vi = DoubleVector.broadcast(DS, beta2t).mul(loadD(v, i))
                .add(DoubleVector.broadcast(DS, oneMinusBeta2t).mul(g.mul(g).add(epsilon1)));
        store(vi, v, i);
        return g.div(vi.lanewise(VectorOperators.SQRT));
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
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector u = loadF(grad, i).div(loadF(v, i).lanewise(VectorOperators.SQRT));
            store(loadF(var, i).sub(alphaV.mul(u.div(divisor))), var, i);
        }
        ScalarAdafactor.adafactorApplyFloat(var, v, grad, from + j, to, alpha, divisor);
    }

    private static void applyDouble(MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to, double alpha,
                                    double divisor) {
        DoubleVector alphaV = DoubleVector.broadcast(DS, alpha);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector u = loadD(grad, i).div(loadD(v, i).lanewise(VectorOperators.SQRT));
            store(loadD(var, i).sub(alphaV.mul(u.div(divisor))), var, i);
        }
        ScalarAdafactor.adafactorApplyDouble(var, v, grad, from + j, to, alpha, divisor);
    }
}
