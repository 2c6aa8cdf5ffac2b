package dev.panamax.tribuo;

import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.Variable;
import java.util.List;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseSparseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.SparseVector;
import org.tribuo.math.la.Tensor;

/**
 * One Tribuo parameter tensor as Panamax variables, with the buffers its gradient is written into,
 * and what {@code step} returns for it.
 *
 * <p>{@link InPlaceRows} wraps Tribuo's own arrays: the kernels write the parameter, and step returns
 * an empty sparse tensor, which Tribuo's {@code Parameters.update} adds in time proportional to the
 * rows, not the elements. {@link CopiedParameter} keeps the values in an array of its own, copied in
 * before each step, and then either copies them back or returns the difference for Tribuo to add.
 */
abstract sealed class ParameterBinding permits InPlaceRows, CopiedParameter {

    final int index;
    final TribuoShape shape;

    ParameterBinding(int index, TribuoShape shape) {
        this.index = index;
        this.shape = shape;
    }

    /**
     * Binds parameter {@code index}.
     *
     * @param rowsInPlace   whether a matrix may be updated as separate rows ({@link MatrixLayout})
     * @param returnUpdates whether step must return the update instead of writing the parameter
     */
    static ParameterBinding of(int index, Tensor parameter, boolean rowsInPlace, boolean returnUpdates) {
        TribuoShape shape = TribuoShape.of(parameter, "Parameter " + index);
        if (!returnUpdates) {
            if (parameter instanceof DenseVector v && TribuoArrays.wraps(v)) {
                return new InPlaceRows(index, shape, new double[][] {TribuoArrays.elements(v)});
            }
            if (rowsInPlace && parameter instanceof DenseMatrix m && TribuoArrays.wraps(m)) {
                return new InPlaceRows(index, shape, TribuoArrays.rows(m));
            }
        }
        return new CopiedParameter(index, parameter, shape, !returnUpdates && CopiedParameter.writable(parameter));
    }

    /** The variables, in the order they are stepped. */
    abstract List<Variable> variables();

    /**
     * Checks that {@code gradient} fits this parameter (before any gradient is loaded).
     *
     * @throws IllegalArgumentException when it does not have the parameter's kind and shape
     */
    final void check(Tensor gradient) {
        GradientReader.check(gradient, shape, index);
    }

    /**
     * Makes {@code scale * gradient} this step's gradient of the variables.
     *
     * @param gradient      checked already; not modified, unless {@code mayOverwrite}
     * @param mayOverwrite  whether {@code gradient}'s own arrays may be scaled in place and stepped with
     */
    abstract void loadGradient(Tensor gradient, double scale, boolean mayOverwrite);

    /** Adds this step's gradients and variables, in the order of {@link #variables()}. */
    abstract void addPairs(List<GradientAndVariable> out);

    /** Before the optimizer steps: bring the values to step up to date. */
    void beforeStep() {
    }

    /**
     * After the optimizer stepped: what {@code step} returns for this parameter, for Tribuo to add.
     *
     * @param gradient what Tribuo passed for this parameter; may be overwritten and returned
     */
    abstract Tensor afterStep(Tensor gradient);

    /** After the optimizer's {@code finalizeVariableValues} (EMA): make the parameter hold the variables' values. */
    void afterFinalise() {
    }

    /** A tensor of the parameter's shape that adds nothing, and costs Tribuo no pass over the elements to add. */
    static Tensor nothingToAdd(TribuoShape shape) {
        return shape.matrix() ? new DenseSparseMatrix(shape.rows(), shape.cols())
                : SparseVector.createSparseVector(shape.cols(), new int[0], new double[0]);
    }

    /** The Panamax variable name of row {@code row} of this parameter (the whole parameter when it has one row). */
    String variableName(int row, int rowsAsVariables) {
        return rowsAsVariables == 1 ? "tribuo/parameter_" + index : "tribuo/parameter_" + index + "/row_" + row;
    }
}
