package dev.panamax.tribuo;

import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.Tensor;

/**
 * The shape of a Tribuo parameter or gradient, as rows of doubles: a vector of {@code n} elements is
 * one row of {@code n}; a matrix is {@code rows x cols}.
 *
 * @param rows   the rows (1 for a vector)
 * @param cols   the elements of a row
 * @param matrix whether it is a {@link Matrix} (else an {@link SGDVector})
 */
record TribuoShape(int rows, int cols, boolean matrix) {

    /**
     * The shape of {@code tensor}.
     *
     * @throws IllegalArgumentException for a tensor that is neither a {@link Matrix} nor an
     *                                  {@link SGDVector} (Tribuo has no other kind today)
     */
    static TribuoShape of(Tensor tensor, String what) {
        if (tensor instanceof Matrix m) {
            return new TribuoShape(m.getDimension1Size(), m.getDimension2Size(), true);
        }
        if (tensor instanceof SGDVector v) {
            return new TribuoShape(1, v.size(), false);
        }
        throw new IllegalArgumentException(what + " is a " + (tensor == null ? "null" : tensor.getClass().getName())
                + ": expected a Tribuo Matrix or SGDVector");
    }

    long size() {
        return (long) rows * cols;
    }

    /** Panamax's shape of the whole tensor: {@code [rows, cols]} or {@code [n]}. */
    long[] panamaxShape() {
        return matrix ? new long[] {rows, cols} : new long[] {cols};
    }

    /** For messages: {@code matrix [10, 785]} or {@code vector [10]}. */
    String describe() {
        return matrix ? "matrix [" + rows + ", " + cols + "]" : "vector [" + cols + "]";
    }
}
