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
        // Computed in the gradients' dtype (float32 squares can overflow to inf there); the widest when mixed.
        DType r = DType.FLOAT32;
        for (GradientAndVariable p : pairs) {
            r = p.gradient().dtype() == DType.FLOAT64 ? DType.FLOAT64 : r;
        }
        double sum = 0;
        for (GradientAndVariable p : pairs) {
            var g = GradientBuffers.denseValues(p.gradient());
            double squares = r.round(kernels.of(g).sumOfSquares(g));
            sum = r.round(sum + (halvedSquares ? r.round(squares / 2) : squares));
        }
        double norm = r.round(Math.sqrt(halvedSquares ? r.round(sum * 2) : sum));
        double c = r.round(clipnorm);
        double scale = Double.isFinite(norm) ? r.round(c * Math.min(r.round(1.0 / norm), r.round(1.0 / c))) : Double.NaN;
        return buffers.mapInPlace(pairs, g -> kernels.of(g).scale(g, g.dtype().round(scale)));
    }
}
