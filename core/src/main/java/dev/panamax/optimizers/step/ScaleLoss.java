package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import java.util.List;

/**
 * Keras 3's unscaling of gradients by {@code loss_scale_factor}: {@code g / factor} in the
 * gradient's dtype, before accumulation and clipping. The loss was multiplied by the same factor
 * ({@code scale_loss}) so that small float16 gradients do not underflow.
 */
public final class ScaleLoss implements GradientStage {

    private final double factor;
    private final GradientBuffers buffers;
    private final TensorKernelsLookup kernels;

    /** Divides the gradients by the loss scale {@code factor}, in the optimizer's buffers. */
    public ScaleLoss(double factor, GradientBuffers buffers, TensorKernelsLookup kernels) {
        this.factor = factor;
        this.buffers = buffers;
        this.kernels = kernels;
    }

    @Override
    public List<GradientAndVariable> apply(List<GradientAndVariable> pairs) {
        // g * 1 / factor equals g / factor: the multiplication by one is exact.
        return buffers.mapInPlace(pairs, g -> kernels.of(g).scaleDivide(g, 1.0, g.dtype().round(factor)));
    }
}
