package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.DType;
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
        return buffers.mapInPlace(pairs, g -> {
            DType t = g.dtype();
            double norm = t.round(Math.sqrt(t.round(kernels.of(g).sumOfSquares(g))));
            double clip = t.round(clipnorm);
            kernels.of(g).scaleDivide(g, clip, Math.max(norm, clip));
        });
    }
}
