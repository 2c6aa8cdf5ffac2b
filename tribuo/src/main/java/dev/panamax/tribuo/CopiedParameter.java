package dev.panamax.tribuo;

import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.Variable;
import java.util.List;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.Tensor;

/**
 * A Tribuo parameter stepped through a copy: one Panamax variable of the parameter's whole shape
 * ({@code [rows, cols]} or {@code [n]}) over an array of this class's, filled from the parameter
 * before every step (so changes Tribuo made in between are seen).
 *
 * <p>Used where the parameter's own arrays cannot be stepped: a matrix whose optimizer needs the
 * whole matrix ({@link MatrixLayout}), {@code returnUpdates} (the parameter must not be written), a
 * tensor that is not exactly a {@code DenseVector} or {@code DenseMatrix} (such as Tribuo's
 * {@code ShrinkingMatrix}, which scales its values lazily), or Tribuo's arrays not readable
 * ({@link TribuoArrays}). After the step the values are copied back into a {@code DenseVector} or
 * {@code DenseMatrix}; any other parameter, and every parameter with {@code returnUpdates}, gets the
 * difference {@code new - old} returned, which Tribuo adds (for steps small against the values the
 * difference is exact and the sum is the new value; else it is within a rounding of it).
 */
final class CopiedParameter extends ParameterBinding {

    private final Tensor parameter;
    private final boolean writesBack;
    private final double[] values;
    private final double[] gradient;
    private final List<Variable> variables;
    private final List<GradientAndVariable> pairs;
    private final Tensor nothing;
    private final GradientReader.RowTarget target;

    /** @param writesBack whether the new values are copied into {@code parameter} (else returned as differences) */
    CopiedParameter(int index, Tensor parameter, TribuoShape shape, boolean writesBack) {
        super(index, shape);
        if (shape.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Parameter " + index + " is a " + shape.describe() + " of " + shape.size()
                    + " elements: a copy of it does not fit a Java array; use a DenseMatrix with the default layout");
        }
        this.parameter = parameter;
        this.writesBack = writesBack;
        this.values = new double[(int) shape.size()];
        this.gradient = new double[values.length];
        long[] dims = shape.panamaxShape();
        Variable variable = new Variable(variableName(0, 1), dev.panamax.tensor.Tensor.wrap(values, dims));
        this.variables = List.of(variable);
        this.pairs = List.of(new GradientAndVariable(dev.panamax.tensor.Tensor.wrap(gradient, dims), variable));
        this.nothing = nothingToAdd(shape);
        int cols = shape.cols();
        this.target = new GradientReader.RowTarget() {
            @Override
            public double[] array(int row) {
                return gradient;
            }

            @Override
            public int offset(int row) {
                return row * cols;
            }
        };
        copyIn();
    }

    /** Whether the values can be copied back into {@code parameter}: it is exactly a {@code DenseVector} or {@code DenseMatrix}. */
    static boolean writable(Tensor parameter) {
        return parameter.getClass() == DenseVector.class || parameter.getClass() == DenseMatrix.class;
    }

    @Override
    List<Variable> variables() {
        return variables;
    }

    /** Always into this class's buffer: a matrix's rows are separate arrays, the variable is one. */
    @Override
    void loadGradient(Tensor g, double scale, boolean mayOverwrite) {
        GradientReader.read(g, scale, shape, index, target);
    }

    @Override
    void addPairs(List<GradientAndVariable> out) {
        out.addAll(pairs);
    }

    @Override
    void beforeStep() {
        copyIn();
    }

    @Override
    Tensor afterStep(Tensor g) {
        if (writesBack) {
            copyOut();
            return nothing;
        }
        return differences(g);
    }

    @Override
    void afterFinalise() {
        if (writesBack) {
            copyOut();
        } else {
            parameter.intersectAndAddInPlace(differences(null));
        }
    }

    /** {@code values = parameter}. */
    private void copyIn() {
        int cols = shape.cols();
        if (parameter instanceof DenseMatrix m && TribuoArrays.wraps(m)) {
            double[][] rows = TribuoArrays.rows(m);
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(rows[r], 0, values, r * cols, cols);
            }
        } else if (parameter instanceof DenseVector v && TribuoArrays.wraps(v)) {
            System.arraycopy(TribuoArrays.elements(v), 0, values, 0, cols);
        } else if (parameter instanceof Matrix m) {
            for (int r = 0; r < shape.rows(); r++) {
                for (int c = 0; c < cols; c++) {
                    values[r * cols + c] = m.get(r, c);
                }
            }
        } else {
            SGDVector v = (SGDVector) parameter;
            for (int c = 0; c < cols; c++) {
                values[c] = v.get(c);
            }
        }
    }

    /** {@code parameter = values}, for a parameter that is exactly a {@code DenseVector} or {@code DenseMatrix}. */
    private void copyOut() {
        int cols = shape.cols();
        if (parameter instanceof DenseMatrix m) {
            if (TribuoArrays.wraps(m)) {
                double[][] rows = TribuoArrays.rows(m);
                for (int r = 0; r < rows.length; r++) {
                    System.arraycopy(values, r * cols, rows[r], 0, cols);
                }
            } else {
                for (int r = 0; r < shape.rows(); r++) {
                    for (int c = 0; c < cols; c++) {
                        m.set(r, c, values[r * cols + c]);
                    }
                }
            }
        } else {
            DenseVector v = (DenseVector) parameter;
            if (TribuoArrays.wraps(v)) {
                System.arraycopy(values, 0, TribuoArrays.elements(v), 0, cols);
            } else {
                for (int c = 0; c < cols; c++) {
                    v.set(c, values[c]);
                }
            }
        }
    }

    /**
     * {@code values - parameter}, element by element, in {@code reuse} when it is a dense tensor of
     * Tribuo's own of the parameter's shape (the gradient Tribuo passed, as Tribuo's optimisers
     * return theirs), else in a new one.
     */
    private Tensor differences(Tensor reuse) {
        int cols = shape.cols();
        if (shape.matrix()) {
            Matrix old = (Matrix) parameter;
            DenseMatrix out = reuse != null && reuse.getClass() == DenseMatrix.class && shape.equals(TribuoShape.of(reuse, "gradient"))
                    ? (DenseMatrix) reuse : new DenseMatrix(shape.rows(), cols);
            for (int r = 0; r < shape.rows(); r++) {
                for (int c = 0; c < cols; c++) {
                    out.set(r, c, values[r * cols + c] - old.get(r, c));
                }
            }
            return out;
        }
        SGDVector old = (SGDVector) parameter;
        DenseVector out = reuse != null && reuse.getClass() == DenseVector.class && shape.equals(TribuoShape.of(reuse, "gradient"))
                ? (DenseVector) reuse : new DenseVector(cols);
        for (int c = 0; c < cols; c++) {
            out.set(c, values[c] - old.get(c));
        }
        return out;
    }
}
