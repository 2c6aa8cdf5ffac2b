package dev.panamax.optimizers;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Keras 3's {@code Muon.zeropower_via_newtonschulz5(x, steps)} on the host, in plain Java over
 * row-major {@code double[]} matrices: for each matrix {@code G} (the last two dimensions of the
 * tensor),
 *
 * <pre>
 *   X = G, transposed when it has more rows than columns (so X is r x c with r &lt;= c)
 *   X = X / (||X||_F + 1e-7)
 *   steps times:  A = X Xᵀ;  B = b A + (c A) A;  X = a X + B X
 *   G = X, transposed back
 * </pre>
 *
 * <p><b>Rounding.</b> Every operation Keras writes as one op is rounded to the tensor's dtype
 * (float32 or float64), as a float32 tensor op rounds its result: each matrix product, each
 * scalar multiple ({@code b * A}, {@code c * A}, {@code a * X}), each sum, the norm, the
 * denominator and the division. The scalars {@code a, b, c} and {@code 1e-7} are cast to the dtype
 * first, as Python floats meeting a tensor are.
 *
 * <p><b>Summation order</b> (the project's rule for reductions: sums in double, rounded to the
 * dtype). Each element of a product {@code C = L R} is {@code sum over k of L[i][k] R[k][j]} added
 * in double for {@code k = 0, 1, ...} in order, starting from +0, then rounded to the dtype once
 * (float32 products of two floats are exact in double, so for float32 only the additions round).
 * The squared Frobenius norm is the sum of {@code x * x} over the elements in row-major order, in
 * double, rounded to the dtype; its square root is rounded again. Keras hands these reductions to
 * NumPy (BLAS), XLA, Eigen or cuBLAS, which add float32 products in float32, in their own blocked,
 * possibly fused order, so a product can differ from Keras's in its last bits; the iteration does
 * not amplify such differences much (it maps singular values towards 1).
 *
 * <p><b>Speed.</b> Products run i-k-j: the inner loop adds {@code L[i][k] * R[k][j0..j1]} into
 * a row of accumulators, which C2 vectorises; four rows of {@code L} share each loaded block of
 * {@code R}, the columns go in blocks of {@value #COLUMNS} so that those blocks stay in cache, and
 * blocks of rows are shared among the optimizer's threads when a product is large. Each element is
 * computed by one thread in the one order above, so results do not depend on the thread count.
 * {@code X Xᵀ} computes its upper triangle and mirrors it (its two triangles are the same sums of
 * the same products). The work arrays grow to the largest matrix seen and are reused. Not
 * thread-safe: one per optimizer.
 *
 * <p>Timing note (JDK 25, one core of a 2-core AMD EPYC virtual machine, a plain
 * {@code System.nanoTime} loop after warm-up): the five iterations on a 1024 x 1024 float32 matrix
 * (about 13.4 billion multiply-adds) take 2.9 to 3.5 s, about 4 billion multiply-adds per second,
 * and float64 takes about as long; a whole Muon step of a 1024 x 1024 variable 3.2 to 3.4 s; 256 x
 * 256, 47 to 63 ms. The copy of each row block of the right factor before the inner loop made it
 * 1.6 times faster (with an offset index, C2 does not vectorise the loop). That machine's second
 * core gave no speed-up (its two threads did not run in parallel even on plain arithmetic).
 */
final class NewtonSchulz {

    /** Rows of the left factor computed together, sharing each loaded block of the right factor. */
    private static final int ROWS = 4;
    /** Columns of the product computed together: the accumulators and one row block of the right factor stay in cache. */
    private static final int COLUMNS = 256;
    /** Products of fewer multiply-adds run on the calling thread. */
    private static final long PARALLEL_WORK = 1L << 20;
    /** Keras's hard-coded {@code + 1e-7} on the norm (not the optimizer's epsilon). */
    static final double NORM_EPSILON = 1e-7;

    private double[] x = new double[0];
    private double[] xt = new double[0];
    private double[] gram = new double[0];
    private double[] scaledGram = new double[0];
    private double[] b = new double[0];
    private double[] bx = new double[0];

    /** A range of row blocks {@code [from, to)}. */
    @FunctionalInterface
    private interface BlockTask {
        void run(int from, int to);
    }

    /**
     * Orthogonalises every matrix of {@code matrices} (a host tensor of rank 2 or more, float32
     * or float64) in place.
     *
     * @param steps    Newton-Schulz iterations (none when 0 or less, as Python's {@code range})
     * @param executor the threads that share a large product
     */
    void orthogonalize(Tensor matrices, int steps, double coefficientA, double coefficientB, double coefficientC,
                       ChunkedExecutor executor) {
        long[] shape = matrices.shape();
        if (shape.length < 2) {
            throw new IllegalArgumentException("Expected a matrix, got " + matrices.describe());
        }
        long rows = shape[shape.length - 2];
        long cols = shape[shape.length - 1];
        if (rows == 0 || cols == 0) {
            return;
        }
        DType dtype = matrices.dtype();
        boolean transposed = rows > cols;
        checkSize(matrices);
        int r = (int) Math.min(rows, cols);
        int c = (int) Math.max(rows, cols);
        ensureCapacity(r, c);
        boolean f32 = dtype == DType.FLOAT32;
        double a = dtype.round(coefficientA);
        double bCoefficient = dtype.round(coefficientB);
        double cCoefficient = dtype.round(coefficientC);
        double epsilon = dtype.round(NORM_EPSILON);
        MemorySegment segment = matrices.segment();
        long count = matrices.size() / (rows * cols);
        for (long matrix = 0; matrix < count; matrix++) {
            long base = matrix * rows * cols;
            load(segment, dtype, base, (int) rows, (int) cols, transposed);
            normalize(r * c, epsilon, f32);
            for (int s = 0; s < steps; s++) {
                iterate(r, c, a, bCoefficient, cCoefficient, f32, executor);
            }
            store(segment, dtype, base, (int) rows, (int) cols, transposed);
        }
    }

    /** Checks that each matrix of {@code t} fits the Java arrays of the products. */
    static void checkSize(Tensor t) {
        long[] shape = t.shape();
        long rows = shape[shape.length - 2];
        long cols = shape[shape.length - 1];
        if (rows * cols > Integer.MAX_VALUE - 8 || Math.min(rows, cols) * Math.min(rows, cols) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Muon's Newton-Schulz products hold each matrix in Java arrays, of at most 2^31 - 9 "
                    + "elements; got " + t.describe());
        }
    }

    private void ensureCapacity(int r, int c) {
        int rc = r * c;
        int rr = r * r;
        if (x.length < rc) {
            x = new double[rc];
            xt = new double[rc];
            bx = new double[rc];
        }
        if (gram.length < rr) {
            gram = new double[rr];
            scaledGram = new double[rr];
            b = new double[rr];
        }
    }

    /** X = G, or Gᵀ when {@code transposed}; G is {@code rows x cols} at {@code base}. */
    private void load(MemorySegment segment, DType dtype, long base, int rows, int cols, boolean transposed) {
        if (!transposed) {
            for (int i = 0, n = rows * cols; i < n; i++) {
                x[i] = dtype.get(segment, base + i);
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                x[j * rows + i] = dtype.get(segment, base + (long) i * cols + j);
            }
        }
    }

    /** G = X, or Xᵀ when {@code transposed}, rounded to the dtype (a no-op: X is already). */
    private void store(MemorySegment segment, DType dtype, long base, int rows, int cols, boolean transposed) {
        if (!transposed) {
            for (int i = 0, n = rows * cols; i < n; i++) {
                dtype.set(segment, base + i, x[i]);
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                dtype.set(segment, base + (long) i * cols + j, x[j * rows + i]);
            }
        }
    }

    /** {@code X = X / (||X||_F + 1e-7)}: the norm, the sum and the quotient each rounded. */
    private void normalize(int n, double epsilon, boolean f32) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[i] * x[i];
        }
        double norm = round(Math.sqrt(round(sum, f32)), f32);
        double denominator = round(norm + epsilon, f32);
        for (int i = 0; i < n; i++) {
            x[i] = round(x[i] / denominator, f32);
        }
    }

    /** One step: {@code A = X Xᵀ; B = b A + (c A) A; X = a X + B X}. */
    private void iterate(int r, int c, double a, double bCoefficient, double cCoefficient, boolean f32, ChunkedExecutor executor) {
        int rr = r * r;
        int rc = r * c;
        transpose(x, r, c, xt);
        multiply(x, xt, gram, r, c, r, true, f32, executor);              // A = X Xᵀ
        for (int i = 0; i < rr; i++) {
            scaledGram[i] = round(cCoefficient * gram[i], f32);             // c * A
        }
        multiply(scaledGram, gram, b, r, r, r, false, f32, executor);     // (c * A) @ A
        for (int i = 0; i < rr; i++) {
            b[i] = round(round(bCoefficient * gram[i], f32) + b[i], f32);   // B = b * A + (c * A) @ A
        }
        multiply(b, x, bx, r, r, c, false, f32, executor);                // B @ X
        for (int i = 0; i < rc; i++) {
            x[i] = round(round(a * x[i], f32) + bx[i], f32);                // X = a * X + B @ X
        }
    }

    private static double round(double value, boolean f32) {
        return f32 ? (float) value : value;
    }

    /** {@code target = sourceᵀ}, {@code source} being {@code rows x cols}; in tiles, for the cache. */
    private static void transpose(double[] source, int rows, int cols, double[] target) {
        final int tile = 32;
        for (int i0 = 0; i0 < rows; i0 += tile) {
            int i1 = Math.min(rows, i0 + tile);
            for (int j0 = 0; j0 < cols; j0 += tile) {
                int j1 = Math.min(cols, j0 + tile);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        target[j * rows + i] = source[i * cols + j];
                    }
                }
            }
        }
    }

    /**
     * {@code out = left right}, {@code left} being {@code n x inner} and {@code right}
     * {@code inner x m}, each element summed over k in order in double and rounded to the dtype.
     * When {@code symmetric} (the product is known to be symmetric, as {@code X Xᵀ}), only the
     * columns from each row block's first row on are computed, and the lower triangle is copied
     * from the upper one.
     */
    private static void multiply(double[] left, double[] right, double[] out, int n, int inner, int m, boolean symmetric,
                                 boolean f32, ChunkedExecutor executor) {
        int blocks = (n + ROWS - 1) / ROWS;
        BlockTask task = (from, to) -> {
            double[] acc0 = new double[COLUMNS];
            double[] acc1 = new double[COLUMNS];
            double[] acc2 = new double[COLUMNS];
            double[] acc3 = new double[COLUMNS];
            double[][] accs = {acc0, acc1, acc2, acc3};
            double[] segment = new double[COLUMNS];
            for (int block = from; block < to; block++) {
                int i0 = block * ROWS;
                int rows = Math.min(ROWS, n - i0);
                for (int j0 = symmetric ? i0 : 0; j0 < m; j0 += COLUMNS) {
                    int len = Math.min(COLUMNS, m - j0);
                    for (double[] acc : accs) {
                        java.util.Arrays.fill(acc, 0, len, 0.0);
                    }
                    if (rows == ROWS) {
                        int l0 = i0 * inner;
                        int l1 = l0 + inner;
                        int l2 = l1 + inner;
                        int l3 = l2 + inner;
                        for (int k = 0; k < inner; k++) {
                            double v0 = left[l0 + k];
                            double v1 = left[l1 + k];
                            double v2 = left[l2 + k];
                            double v3 = left[l3 + k];
                            // A copy at offset 0: C2 vectorises the loop below only when every array is indexed by j alone.
                            System.arraycopy(right, k * m + j0, segment, 0, len);
                            for (int j = 0; j < len; j++) {
                                double rv = segment[j];
                                acc0[j] += v0 * rv;
                                acc1[j] += v1 * rv;
                                acc2[j] += v2 * rv;
                                acc3[j] += v3 * rv;
                            }
                        }
                    } else {
                        for (int row = 0; row < rows; row++) {
                            double[] acc = accs[row];
                            int li = (i0 + row) * inner;
                            for (int k = 0; k < inner; k++) {
                                double v = left[li + k];
                                System.arraycopy(right, k * m + j0, segment, 0, len);
                                for (int j = 0; j < len; j++) {
                                    acc[j] += v * segment[j];
                                }
                            }
                        }
                    }
                    for (int row = 0; row < rows; row++) {
                        double[] acc = accs[row];
                        int o = (i0 + row) * m + j0;
                        if (f32) {
                            for (int j = 0; j < len; j++) {
                                out[o + j] = (float) acc[j];
                            }
                        } else {
                            System.arraycopy(acc, 0, out, o, len);
                        }
                    }
                }
            }
        };
        long work = (long) n * inner * m;
        if (executor.threads() > 1 && blocks > 1 && work >= PARALLEL_WORK) {
            // One executor chunk per block of rows: each element is still computed by one thread, in one order.
            executor.forEach((long) blocks * ChunkedExecutor.CHUNK,
                    (from, to) -> task.run((int) (from / ChunkedExecutor.CHUNK), (int) ((to + ChunkedExecutor.CHUNK - 1)
                            / ChunkedExecutor.CHUNK)));
        } else {
            task.run(0, blocks);
        }
        if (symmetric) {
            for (int i = 1; i < n; i++) {
                for (int j = 0; j < i; j++) {
                    out[i * m + j] = out[j * m + i];
                }
            }
        }
    }
}
