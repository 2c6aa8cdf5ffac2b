package dev.panamax.tribuo;

import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tribuo.math.la.Tensor;

/**
 * A Tribuo {@code DenseVector}, or a {@code DenseMatrix} as its rows, updated in place: each row
 * array of Tribuo's is a Panamax variable ({@code Tensor.wrap(double[])}, no copy), so the kernels
 * write Tribuo's parameters directly, and their slots live in Java arrays beside them. Each row has
 * its own gradient buffer, written once per step by {@link GradientReader}.
 */
final class InPlaceRows extends ParameterBinding {

    private final double[][] gradientRows;
    private final List<GradientAndVariable> pairs;
    private final Tensor nothing;
    private final GradientReader.RowTarget target;

    /** @param parameterRows Tribuo's own arrays, {@code shape.rows()} of {@code shape.cols()} elements. Modified by every step. */
    InPlaceRows(int index, TribuoShape shape, double[][] parameterRows) {
        super(index, shape);
        this.gradientRows = new double[parameterRows.length][];
        List<GradientAndVariable> list = new ArrayList<>(parameterRows.length);
        for (int r = 0; r < parameterRows.length; r++) {
            gradientRows[r] = new double[shape.cols()];
            Variable variable = new Variable(variableName(r, parameterRows.length), dev.panamax.tensor.Tensor.wrap(parameterRows[r]));
            list.add(new GradientAndVariable(dev.panamax.tensor.Tensor.wrap(gradientRows[r]), variable));
        }
        this.pairs = Collections.unmodifiableList(list);
        this.nothing = nothingToAdd(shape);
        this.target = new GradientReader.RowTarget() {
            @Override
            public double[] array(int row) {
                return gradientRows[row];
            }

            @Override
            public int offset(int row) {
                return 0;
            }
        };
    }

    @Override
    List<GradientAndVariable> pairs() {
        return pairs;
    }

    @Override
    void loadGradient(Tensor gradient, double scale) {
        GradientReader.read(gradient, scale, shape, index, target);
    }

    @Override
    Tensor afterStep(Tensor gradient) {
        return nothing;
    }
}
