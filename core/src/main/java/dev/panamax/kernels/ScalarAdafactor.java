package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference kernels of Keras 3's Adafactor ({@link OptimizerKernels#adafactorFactors} and the
 * three that follow it); their range methods are also the SIMD kernels' scalar tails, and their
 * fixed order of sums is the one every backend keeps (the velocities' sums of squares of the
 * update: {@link ScalarSums}' order). {@link ScalarKernels} delegates to them.
 */
public final class ScalarAdafactor {

    private ScalarAdafactor() {
    }

    /** {@link OptimizerKernels#adafactorFactors} of the reference, for either dtype. */
    public static void adafactorFactors(DType dtype, MemorySegment grad, MemorySegment r, MemorySegment c, MemorySegment rowFactors,
                                 long matrices, long rows, long columns, double beta2t, double oneMinusBeta2t, double epsilon1) {
        long bytes = dtype.byteSize();
        for (long b = 0; b < matrices; b++) {
            adafactorMatrix(dtype, grad.asSlice(b * rows * columns * bytes), r.asSlice(b * rows * bytes),
                    c.asSlice(b * columns * bytes), rowFactors.asSlice(b * rows * bytes), rows, columns, beta2t, oneMinusBeta2t,
                    epsilon1);
        }
    }

    private static void adafactorMatrix(DType dtype, MemorySegment grad, MemorySegment r, MemorySegment c,
                                        MemorySegment rowFactors, long rows, long columns, double beta2t, double oneMinusBeta2t,
                                        double epsilon1) {
        double[] columnSums = new double[Math.toIntExact(columns)];
        double[] partials = new double[4];
        for (long i = 0; i < rows; i++) {
            java.util.Arrays.fill(partials, 0);
            adafactorSquares(dtype, grad, i * columns, 0, columns, epsilon1, partials, columnSums);
            double rowMean = rowMean(dtype, partials, columns);
            setReal(dtype, r, i, dtype.round(dtype.round(beta2t * getReal(dtype, r, i)) + dtype.round(oneMinusBeta2t * rowMean)));
        }
        for (long j = 0; j < columns; j++) {
            double columnMean = dtype.round(dtype.round(columnSums[(int) j]) / dtype.round(rows));
            setReal(dtype, c, j, dtype.round(dtype.round(beta2t * getReal(dtype, c, j)) + dtype.round(oneMinusBeta2t * columnMean)));
        }
        adafactorRowFactors(dtype, r, rowFactors, rows);
    }

    /**
     * Adds {@code G2 = grad * grad + epsilon1} (in the dtype) of elements {@code [from, to)} of the row
     * starting at {@code rowStart} into {@code partials[j % 4]} and {@code columnSums[j]}, in order of j.
     */
    public static void adafactorSquares(DType dtype, MemorySegment grad, long rowStart, long from, long to, double epsilon1,
                                        double[] partials, double[] columnSums) {
        if (dtype == DType.FLOAT32) {
            float e = (float) epsilon1;
            for (long j = from; j < to; j++) {
                float g = grad.getAtIndex(F, rowStart + j);
                double x = g * g + e;
                partials[(int) (j & 3)] += x;
                columnSums[(int) j] += x;
            }
        } else {
            for (long j = from; j < to; j++) {
                double g = grad.getAtIndex(D, rowStart + j);
                double x = g * g + epsilon1;
                partials[(int) (j & 3)] += x;
                columnSums[(int) j] += x;
            }
        }
    }

    /** The row's mean from its four partial sums: {@code (p0 + p1) + (p2 + p3)} rounded to the dtype, divided in it. */
    public static double rowMean(DType dtype, double[] partials, long columns) {
        return dtype.round(dtype.round((partials[0] + partials[1]) + (partials[2] + partials[3])) / dtype.round(columns));
    }

    /** {@code rowFactors[i] = r[i] / mean(r)}, the mean a sum in order in double, rounded, divided in the dtype. */
    public static void adafactorRowFactors(DType dtype, MemorySegment r, MemorySegment rowFactors, long rows) {
        double sum = 0;
        for (long i = 0; i < rows; i++) {
            sum += getReal(dtype, r, i);
        }
        double mean = dtype.round(dtype.round(sum) / dtype.round(rows));
        for (long i = 0; i < rows; i++) {
            setReal(dtype, rowFactors, i, dtype.round(getReal(dtype, r, i) / mean));
        }
    }

    private static double getReal(DType dtype, MemorySegment s, long i) {
        return dtype == DType.FLOAT32 ? s.getAtIndex(F, i) : s.getAtIndex(D, i);
    }

    private static void setReal(DType dtype, MemorySegment s, long i, double value) {
        if (dtype == DType.FLOAT32) {
            s.setAtIndex(F, i, (float) value);
        } else {
            s.setAtIndex(D, i, value);
        }
    }

    /** {@link OptimizerKernels#adafactorFactoredVelocity} of the reference, for either dtype. */
    public static double adafactorFactoredVelocity(DType dtype, MemorySegment v, MemorySegment grad, MemorySegment rowFactors,
                                            MemorySegment c, long rows, long columns, long from, long to) {
        return dtype == DType.FLOAT32
                ? adafactorFactoredVelocityFloat(v, grad, rowFactors, c, rows, columns, from, to)
                : adafactorFactoredVelocityDouble(v, grad, rowFactors, c, rows, columns, from, to);
    }

    /** {@link OptimizerKernels#adafactorFactoredVelocity} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static double adafactorFactoredVelocityFloat(MemorySegment v, MemorySegment grad, MemorySegment rowFactors,
                                                        MemorySegment c, long rows, long columns, long from, long to) {
        long matrix = rows * columns;
        return ScalarSums.inChunks(from, to, (start, end) -> {
            ScalarSums.Blocked sum = new ScalarSums.Blocked(start, end);
            for (long i = start; i < end; i++) {
                long b = i / matrix;
                long inMatrix = i - b * matrix;
                float vi = rowFactors.getAtIndex(F, b * rows + inMatrix / columns) * c.getAtIndex(F, b * columns + inMatrix % columns);
                v.setAtIndex(F, i, vi);
                sum.add(i, grad.getAtIndex(F, i) / (float) Math.sqrt(vi));
            }
            return sum.sum();
        });
    }

    /** {@link OptimizerKernels#adafactorFactoredVelocity} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static double adafactorFactoredVelocityDouble(MemorySegment v, MemorySegment grad, MemorySegment rowFactors,
                                                         MemorySegment c, long rows, long columns, long from, long to) {
        long matrix = rows * columns;
        return ScalarSums.inChunks(from, to, (start, end) -> {
            ScalarSums.Blocked sum = new ScalarSums.Blocked(start, end);
            for (long i = start; i < end; i++) {
                long b = i / matrix;
                long inMatrix = i - b * matrix;
                double vi = rowFactors.getAtIndex(D, b * rows + inMatrix / columns) * c.getAtIndex(D, b * columns + inMatrix % columns);
                v.setAtIndex(D, i, vi);
                sum.add(i, grad.getAtIndex(D, i) / Math.sqrt(vi));
            }
            return sum.sum();
        });
    }

    /** {@link OptimizerKernels#adafactorVelocity} of the reference, for either dtype. */
    public static double adafactorVelocity(DType dtype, MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                    double oneMinusBeta2t, double epsilon1) {
        return dtype == DType.FLOAT32
                ? adafactorVelocityFloat(v, grad, from, to, (float) beta2t, (float) oneMinusBeta2t, (float) epsilon1)
                : adafactorVelocityDouble(v, grad, from, to, beta2t, oneMinusBeta2t, epsilon1);
    }

    /** {@link OptimizerKernels#adafactorVelocity} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static double adafactorVelocityFloat(MemorySegment v, MemorySegment grad, long from, long to, float beta2t,
                                                float oneMinusBeta2t, float epsilon1) {
        return ScalarSums.inChunks(from, to, (a, b) -> {
            ScalarSums.Blocked sum = new ScalarSums.Blocked(a, b);
            for (long i = a; i < b; i++) {
                float g = grad.getAtIndex(F, i);
                float vi = beta2t * v.getAtIndex(F, i) + oneMinusBeta2t * (g * g + epsilon1);
                v.setAtIndex(F, i, vi);
                sum.add(i, g / (float) Math.sqrt(vi));
            }
            return sum.sum();
        });
    }

    /** {@link OptimizerKernels#adafactorVelocity} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static double adafactorVelocityDouble(MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                                 double oneMinusBeta2t, double epsilon1) {
        return ScalarSums.inChunks(from, to, (a, b) -> {
            ScalarSums.Blocked sum = new ScalarSums.Blocked(a, b);
            for (long i = a; i < b; i++) {
                double g = grad.getAtIndex(D, i);
                double vi = beta2t * v.getAtIndex(D, i) + oneMinusBeta2t * (g * g + epsilon1);
                v.setAtIndex(D, i, vi);
                sum.add(i, g / Math.sqrt(vi));
            }
            return sum.sum();
        });
    }

    /** {@link OptimizerKernels#adafactorApply} of the reference, for either dtype. */
    public static void adafactorApply(DType dtype, MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to,
                               double alpha, double divisor) {
        if (dtype == DType.FLOAT32) {
            adafactorApplyFloat(var, v, grad, from, to, (float) alpha, (float) divisor);
        } else {
            adafactorApplyDouble(var, v, grad, from, to, alpha, divisor);
        }
    }

    /** {@link OptimizerKernels#adafactorApply} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adafactorApplyFloat(MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to, float alpha,
                                           float divisor) {
        for (long i = from; i < to; i++) {
            float u = grad.getAtIndex(F, i) / (float) Math.sqrt(v.getAtIndex(F, i));
            var.setAtIndex(F, i, var.getAtIndex(F, i) - alpha * (u / divisor));
        }
    }

    /** {@link OptimizerKernels#adafactorApply} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adafactorApplyDouble(MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to,
                                            double alpha, double divisor) {
        for (long i = from; i < to; i++) {
            double u = grad.getAtIndex(D, i) / Math.sqrt(v.getAtIndex(D, i));
            var.setAtIndex(D, i, var.getAtIndex(D, i) - alpha * (u / divisor));
        }
    }
}
