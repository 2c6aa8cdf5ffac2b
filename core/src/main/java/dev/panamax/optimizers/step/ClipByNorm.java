package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernels;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.util.List;

/**
 * {@code clipnorm}: each gradient scaled to at most this L2 norm, as {@code tf.clip_by_norm} and
 * Keras 3's {@code clip_by_norm}: {@code g * clipnorm / max(norm(g), clipnorm)} in the gradient's
 * dtype. An IndexedSlices is clipped by the norm of its values, duplicates included.
 */
public final class ClipByNorm implements GradientStage {

    private final double clipnorm;
    private final GradientBuffers buffers;
    private final TensorKernelsLookup kernels;

    /** Clips each gradient to the norm {@code clipnorm}, in the optimizer's buffers. */
    public ClipByNorm(double clipnorm, GradientBuffers buffers, TensorKernelsLookup kernels) {
        this.clipnorm = clipnorm;
        this.buffers = buffers;
        this.kernels = kernels;
    }

    @Override
    public List<GradientAndVariable> apply(List<GradientAndVariable> pairs) {
        return buffers.mapInPlace(pairs, g -> clip(kernels.of(g), g, kernels.of(g).sumOfSquares(g), clipnorm));
    }

    /**
     * Scales {@code g} to at most the norm {@code clipnorm}, given the sum of the squares of the
     * gradient it belongs to ({@code g} itself, or a shard of it whose whole sum was added up
     * elsewhere).
     */
    public static void clip(TensorKernels kernels, Tensor g, double sumOfSquares, double clipnorm) {
        DType t = g.dtype();
        double norm = t.round(Math.sqrt(t.round(sumOfSquares)));
        double clip = t.round(clipnorm);
        kernels.scaleDivide(g, clip, Math.max(norm, clip));
    }
}
