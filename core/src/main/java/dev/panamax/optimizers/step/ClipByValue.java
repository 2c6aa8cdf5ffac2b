package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
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
        return buffers.mapInPlace(pairs, g -> kernels.of(g).clipByValue(g, g.dtype().round(-clipvalue), g.dtype().round(clipvalue)));
    }
}
