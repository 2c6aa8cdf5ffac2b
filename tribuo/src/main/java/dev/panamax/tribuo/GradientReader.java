package dev.panamax.tribuo;

import java.util.Arrays;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseSparseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.MatrixTuple;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.SparseVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.la.VectorTuple;

/**
 * Writes {@code scale} times a Tribuo gradient, dense, into Panamax's gradient buffers: the one pass
 * over the gradient that the adapter cannot avoid, since Tribuo hands {@code step} the negative
 * gradient of the unweighted loss and Keras's optimizers want the gradient of the weighted loss
 * ({@code scale = -weight}; with weight 1 the product is an exact negation).
 *
 * <p>Sparse gradients ({@link SparseVector}, the rows of a {@link DenseSparseMatrix}, which Tribuo's
 * linear models and factorization machines produce for examples with absent features) are written
 * dense: zeros, then each stored element. The optimizer then takes Keras's step for a dense gradient
 * that holds zeros. For plain SGD and Adagrad a zero leaves the element (and its accumulator)
 * unchanged, as Keras's sparse path (and Tribuo's own optimisers) would; Adam's TF2 sparse path moves
 * every element too (its moments decay everywhere); with momentum, RMSprop, Adamax and the like the
 * untouched elements move as they would in Keras with a dense gradient, not as with an
 * {@code IndexedSlices}. The pass costs the dense size whatever the sparsity.
 * <p>Any other Tribuo tensor (a {@code ShrinkingMatrix}, a user's subclass) is read through its public
 * iterator, which gives the values its own way.
 */
final class GradientReader {

    /** Where row {@code r} of a gradient goes: {@code array(r)} from {@code offset(r)}. */
    interface RowTarget {
        double[] array(int row);

        int offset(int row);
    }

    private GradientReader() {
    }

    /**
     * Writes {@code scale * gradient} into {@code target}, every element of every row.
     *
     * @param gradient not modified
     * @param expected the parameter's shape, which the gradient must have
     * @param index    the parameter's position in Tribuo's array, for messages
     * @throws IllegalArgumentException when the gradient is not of the parameter's kind and shape;
     *                                  {@code target} is then unchanged
     */
    static void read(Tensor gradient, double scale, TribuoShape expected, int index, RowTarget target) {
        check(gradient, expected, index);
        if (gradient instanceof Matrix m) {
            readMatrix(m, scale, expected, target);
        } else {
            readVector((SGDVector) gradient, scale, expected.cols(), target.array(0), target.offset(0));
        }
    }

    /**
     * Checks that {@code gradient} has the kind and shape of parameter {@code index}.
     *
     * @throws IllegalArgumentException when it does not
     */
    static void check(Tensor gradient, TribuoShape expected, int index) {
        TribuoShape actual = TribuoShape.of(gradient, "Gradient " + index);
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException("Gradient " + index + " is a " + actual.describe() + " ("
                    + gradient.getClass().getSimpleName() + "), expected a " + expected.describe() + " like parameter " + index);
        }
    }

    /**
     * Multiplies {@code gradient} by {@code scale} in its own arrays and returns them, one per row,
     * when it is exactly a {@code DenseMatrix} or {@code DenseVector} whose arrays are readable;
     * else returns null and changes nothing. Tribuo's own optimisers overwrite the gradients they
     * are given too; this saves the optimizer a buffer of the parameter's size.
     *
     * @param gradient checked already ({@link #check}). Modified when the arrays are returned.
     */
    static double[][] scaleInPlace(Tensor gradient, double scale) {
        double[][] rows;
        if (gradient instanceof DenseMatrix m && TribuoArrays.wraps(m)) {
            rows = TribuoArrays.rows(m);
        } else if (gradient instanceof DenseVector v && TribuoArrays.wraps(v)) {
            rows = new double[][] {TribuoArrays.elements(v)};
        } else {
            return null;
        }
        for (double[] row : rows) {
            scaled(row, scale, row, 0);
        }
        return rows;
    }

    private static void readMatrix(Matrix gradient, double scale, TribuoShape shape, RowTarget target) {
        if (gradient instanceof DenseMatrix dense && TribuoArrays.wraps(dense)) {
            double[][] rows = TribuoArrays.rows(dense);
            for (int r = 0; r < rows.length; r++) {
                scaled(rows[r], scale, target.array(r), target.offset(r));
            }
        } else if (gradient.getClass() == DenseSparseMatrix.class) {
            // getRow gives the matrix's own row, no copy.
            for (int r = 0; r < shape.rows(); r++) {
                readVector(gradient.getRow(r), scale, shape.cols(), target.array(r), target.offset(r));
            }
        } else {
            for (int r = 0; r < shape.rows(); r++) {
                Arrays.fill(target.array(r), target.offset(r), target.offset(r) + shape.cols(), 0.0);
            }
            for (MatrixTuple t : gradient) {
                target.array(t.i)[target.offset(t.i) + t.j] += scale * t.value;
            }
        }
    }

    private static void readVector(SGDVector gradient, double scale, int n, double[] dst, int offset) {
        if (gradient instanceof DenseVector dense && TribuoArrays.wraps(dense)) {
            scaled(TribuoArrays.elements(dense), scale, dst, offset);
            return;
        }
        Arrays.fill(dst, offset, offset + n, 0.0);
        // A SparseVector's indices are unique; adding keeps any other vector's repeats, as Tribuo's own updates do.
        for (VectorTuple t : gradient) {
            dst[offset + t.index] += scale * t.value;
        }
    }

    /** {@code dst[offset + j] = scale * src[j]}: a loop C2 vectorises. */
    private static void scaled(double[] src, double scale, double[] dst, int offset) {
        for (int j = 0; j < src.length; j++) {
            dst[offset + j] = scale * src[j];
        }
    }
}
