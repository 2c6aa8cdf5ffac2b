package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernels;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.tensor.Tensor;
import java.util.List;

/** {@code clipvalue}: each gradient element clipped to {@code [-clipvalue, clipvalue]} in its dtype. */
public final class ClipByValue implements GradientStage {

    private final double clipvalue;
    private final GradientBuffers buffers;
    private final TensorKernelsLookup kernels;

    /** Clips each gradient element to {@code [-clipvalue, clipvalue]}, in the optimizer's buffers. */
    public ClipByValue(double clipvalue, GradientBuffers buffers, TensorKernelsLookup kernels) {
        this.clipvalue = clipvalue;
        this.buffers = buffers;
        this.kernels = kernels;
    }

    @Override
    public List<GradientAndVariable> apply(List<GradientAndVariable> pairs) {
        return buffers.mapInPlace(pairs, g -> clip(kernels.of(g), g, clipvalue));
    }

    /** Clips every element of {@code g} to {@code [-clipvalue, clipvalue]}, the bounds rounded to its dtype. */
    public static void clip(TensorKernels kernels, Tensor g, double clipvalue) {
        kernels.clipByValue(g, g.dtype().round(-clipvalue), g.dtype().round(clipvalue));
    }
}
