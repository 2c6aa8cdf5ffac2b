package dev.panamax.tribuo;

import java.util.Arrays;
import org.tribuo.math.Parameters;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.protos.ParametersProto;

/**
 * A model's parameters as Tribuo's {@code LinearParameters} and {@code FMParameters} hold them
 * (any mix of tensors), with their {@code update}: add each returned tensor.
 */
final class TestParameters implements Parameters {

    private static final long serialVersionUID = 1L;

    private final Tensor[] tensors;

    TestParameters(Tensor... tensors) {
        this.tensors = tensors;
    }

    /** A bias vector of {@code rows} and a {@code rows x cols} matrix, filled with distinct values in [1, 2). */
    static TestParameters biasAndMatrix(int rows, int cols) {
        DenseVector bias = new DenseVector(rows);
        DenseMatrix weights = new DenseMatrix(rows, cols);
        for (int r = 0; r < rows; r++) {
            bias.set(r, 1.0 + r / 16.0);
            for (int c = 0; c < cols; c++) {
                weights.set(r, c, 1.0 + (r * cols + c) / 64.0);
            }
        }
        return new TestParameters(bias, weights);
    }

    @Override
    public Tensor[] getEmptyCopy() {
        Tensor[] zeros = new Tensor[tensors.length];
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = tensors[i] instanceof Matrix m ? new DenseMatrix(m.getDimension1Size(), m.getDimension2Size())
                    : new DenseVector(((DenseVector) tensors[i]).size());
        }
        return zeros;
    }

    @Override
    public Tensor[] get() {
        return tensors;
    }

    @Override
    public void set(Tensor[] newWeights) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void update(Tensor[] gradients) {
        for (int i = 0; i < gradients.length; i++) {
            tensors[i].intersectAndAddInPlace(gradients[i]);
        }
    }

    @Override
    public Tensor[] merge(Tensor[][] gradients, int size) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ParametersProto serialize() {
        throw new UnsupportedOperationException();
    }

    /** Every value, tensor after tensor, row after row. */
    double[] values() {
        return flatten(tensors);
    }

    static double[] flatten(Tensor... tensors) {
        double[] out = new double[0];
        for (Tensor t : tensors) {
            double[] part;
            if (t instanceof Matrix m) {
                part = new double[m.getDimension1Size() * m.getDimension2Size()];
                for (int r = 0; r < m.getDimension1Size(); r++) {
                    for (int c = 0; c < m.getDimension2Size(); c++) {
                        part[r * m.getDimension2Size() + c] = m.get(r, c);
                    }
                }
            } else {
                part = ((DenseVector) t).toArray();
            }
            double[] joined = Arrays.copyOf(out, out.length + part.length);
            System.arraycopy(part, 0, joined, out.length, part.length);
            out = joined;
        }
        return out;
    }
}
