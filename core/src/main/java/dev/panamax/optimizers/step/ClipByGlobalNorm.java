package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.DType;
import java.util.List;

/**
 * {@code global_clipnorm}: every gradient scaled by {@code clipnorm * min(1 / norm, 1 / clipnorm)},
 * where {@code norm} is the L2 norm of all gradients together; NaN when that norm is not finite (as
 * in TF and Keras 3, one Inf anywhere makes every variable NaN).
 */
public final class ClipByGlobalNorm implements GradientStage {

    private final double clipnorm;
    private final boolean halvedSquares;
    private final GradientBuffers buffers;
    private final TensorKernelsLookup kernels;

    /**
     * @param halvedSquares TF2's {@code tf.global_norm}, {@code sqrt(2 * sum(l2_loss(g)))} with
     *                      {@code l2_loss = sum(g^2) / 2}; otherwise Keras 3's
     *                      {@code sqrt(sum(sum(g^2)))}. They differ only where halving rounds
     *                      (subnormal sums).
     */
    public ClipByGlobalNorm(double clipnorm, boolean halvedSquares, GradientBuffers buffers, TensorKernelsLookup kernels) {
        this.clipnorm = clipnorm;
        this.halvedSquares = halvedSquares;
        this.buffers = buffers;
        this.kernels = kernels;
    }

    @Override
    public List<GradientAndVariable> apply(List<GradientAndVariable> pairs) {
        DType[] dtypes = new DType[pairs.size()];
        double[] sums = new double[pairs.size()];
        for (int i = 0; i < sums.length; i++) {
            var g = GradientBuffers.denseValues(pairs.get(i).gradient());
            dtypes[i] = g.dtype();
            sums[i] = kernels.of(g).sumOfSquares(g);
        }
        double scale = scale(dtypes, sums, clipnorm, halvedSquares);
        return buffers.mapInPlace(pairs, g -> kernels.of(g).scale(g, g.dtype().round(scale)));
    }

    /**
     * The factor every gradient is scaled by (before rounding to its dtype), from each gradient's
     * dtype and sum of squares, in the gradients' order; see the constructor for {@code halvedSquares}.
     */
    public static double scale(DType[] dtypes, double[] sumsOfSquares, double clipnorm, boolean halvedSquares) {
        // Computed in the gradients' dtype (float32 squares can overflow to inf there); the widest when mixed.
        DType r = DType.FLOAT32;
        for (DType t : dtypes) {
            r = t == DType.FLOAT64 ? DType.FLOAT64 : r;
        }
        double sum = 0;
        for (double s : sumsOfSquares) {
            double squares = r.round(s);
            sum = r.round(sum + (halvedSquares ? r.round(squares / 2) : squares));
        }
        double norm = r.round(Math.sqrt(halvedSquares ? r.round(sum * 2) : sum));
        double c = r.round(clipnorm);
        return Double.isFinite(norm) ? r.round(c * Math.min(r.round(1.0 / norm), r.round(1.0 / c))) : Double.NaN;
    }
}
