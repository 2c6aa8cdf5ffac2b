package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernels;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.util.List;

/**
 * Whether every element of every gradient (an IndexedSlices' values) is finite: Keras 3's
 * {@code LossScaleOptimizer.check_finite}, and the test of {@code skipNonFiniteSteps} (Optax's
 * {@code apply_if_finite}). One reduction where each gradient lives: a sum of squares is finite
 * exactly when every element is, unless squares of huge finite elements overflow. The host adds
 * float32 squares in double, which cannot overflow; otherwise (float64, or a device that may add
 * float32 squares in float32) a non-finite sum is confirmed on a scaled-down copy, which can
 * overflow only if an element is not finite. That copy is made only for a step about to be
 * skipped, or for such huge gradients.
 */
public final class FiniteGradients {

    /**
     * Scales a gradient down before the confirming sum of squares: then no square of a finite
     * element, nor their sum, can overflow; finite elements stay finite and non-finite ones
     * non-finite, as the factor is a power of two.
     */
    private static final double FLOAT32_CONFIRM_FACTOR = 0x1p-100;
    private static final double FLOAT64_CONFIRM_FACTOR = 0x1p-600;

    private final TensorKernelsLookup kernels;

    /** Runs its reductions with {@code kernels}, where each gradient lives. */
    public FiniteGradients(TensorKernelsLookup kernels) {
        this.kernels = kernels;
    }

    /** Whether every gradient of {@code pairs} holds only finite numbers. */
    public boolean all(List<GradientAndVariable> pairs) {
        for (GradientAndVariable p : pairs) {
            if (!isFinite(GradientBuffers.denseValues(p.gradient()))) {
                return false;
            }
        }
        return true;
    }

    private boolean isFinite(Tensor g) {
        TensorKernels k = kernels.of(g);
        if (Double.isFinite(k.sumOfSquares(g))) {
            return true;
        }
        if (g.isHost() && g.dtype() == DType.FLOAT32) {
            return false;
        }
        try (Tensor scratch = k.full(g.dtype(), 0.0, g.shape())) {
            k.copy(g, scratch);
            k.scale(scratch, g.dtype() == DType.FLOAT32 ? FLOAT32_CONFIRM_FACTOR : FLOAT64_CONFIRM_FACTOR);
            return Double.isFinite(k.sumOfSquares(scratch));
        }
    }
}
