package dev.panamax.tribuo;

import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Tribuo {@code DenseVector}, or a {@code DenseMatrix} as its rows, updated in place: each row
 * array of Tribuo's is a Panamax variable ({@code Tensor.wrap(double[])}, no copy), so the kernels
 * write Tribuo's parameters directly, and their slots live in Java arrays beside them.
 *
 * <p>The gradient: a dense one ({@code DenseMatrix}, {@code DenseVector}) is scaled by
 * {@code -weight} in its own arrays, which are then wrapped as the step's gradients (Tribuo's own
 * optimisers overwrite their gradients too); that keeps the step's memory to the parameter, its
 * slots and Tribuo's gradient. Any other gradient (sparse) is written dense into buffers of this
 * class's by {@link GradientReader}.
 */
final class InPlaceRows extends ParameterBinding {

    private final List<Variable> variables;
    /** The buffers for gradients that cannot be stepped in their own arrays, and their pairs. */
    private final double[][] buffers;
    private final List<GradientAndVariable> bufferPairs;
    private final org.tribuo.math.la.Tensor nothing;
    private final GradientReader.RowTarget target;
    private List<GradientAndVariable> stepPairs;

    /** @param parameterRows Tribuo's own arrays, {@code shape.rows()} of {@code shape.cols()} elements. Modified by every step. */
    InPlaceRows(int index, TribuoShape shape, double[][] parameterRows) {
        super(index, shape);
        List<Variable> vars = new ArrayList<>(parameterRows.length);
        for (int r = 0; r < parameterRows.length; r++) {
            vars.add(new Variable(variableName(r, parameterRows.length), Tensor.wrap(parameterRows[r])));
        }
        this.variables = Collections.unmodifiableList(vars);
        this.buffers = new double[parameterRows.length][shape.cols()];
        this.bufferPairs = pairsOver(buffers);
        this.nothing = nothingToAdd(shape);
        this.target = new GradientReader.RowTarget() {
            @Override
            public double[] array(int row) {
                return buffers[row];
            }

            @Override
            public int offset(int row) {
                return 0;
            }
        };
    }

    private List<GradientAndVariable> pairsOver(double[][] gradientRows) {
        List<GradientAndVariable> list = new ArrayList<>(gradientRows.length);
        for (int r = 0; r < gradientRows.length; r++) {
            list.add(new GradientAndVariable(Tensor.wrap(gradientRows[r]), variables.get(r)));
        }
        return list;
    }

    @Override
    List<Variable> variables() {
        return variables;
    }

    @Override
    void loadGradient(org.tribuo.math.la.Tensor gradient, double scale, boolean mayOverwrite) {
        double[][] own = mayOverwrite ? GradientReader.scaleInPlace(gradient, scale) : null;
        if (own != null) {
            stepPairs = pairsOver(own);
        } else {
            GradientReader.read(gradient, scale, shape, index, target);
            stepPairs = bufferPairs;
        }
    }

    @Override
    void addPairs(List<GradientAndVariable> out) {
        out.addAll(stepPairs);
    }

    @Override
    org.tribuo.math.la.Tensor afterStep(org.tribuo.math.la.Tensor gradient) {
        stepPairs = null; // Tribuo's gradient arrays are not kept past the step
        return nothing;
    }
}
