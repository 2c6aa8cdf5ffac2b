package dev.panamax.distributed;

import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.GradientTransformer;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * Data-parallel training's gradient aggregation, for TF2 optimizers' {@code gradientAggregator}
 * hook (what {@code tf.distribute.MirroredStrategy} plugs into {@code apply_gradients}): every
 * gradient becomes the sum of all ranks' gradients of its variable, added in rank order, so every
 * rank then takes the same step. As with TF2's strategies, each rank scales its loss by one over
 * the global batch size, so that the sum is the global batch's mean gradient.
 *
 * <pre>{@code
 * Adam adam = Adam.builder().gradientAggregator(new AllReduceGradients(collective)).build();
 * }</pre>
 *
 * <p>The sum is the same bits as one process adding the ranks' gradients in rank order (see
 * {@link Collective}), and clipping runs after it on the summed gradient, so a run on N ranks equals
 * one process that computes the same N partial gradients and adds them in that order. The ranks
 * must start from the same weights ({@link Collective#broadcast} them from rank 0) and give every
 * variable a dense gradient in the same order; the gradients are summed in place.
 */
public final class AllReduceGradients implements GradientTransformer {

    private final Collective collective;

    /** Sums gradients across {@code collective}'s ranks. */
    public AllReduceGradients(Collective collective) {
        this.collective = Objects.requireNonNull(collective, "collective");
    }

    @Override
    public List<GradientAndVariable> apply(List<GradientAndVariable> gradientsAndVariables) {
        for (GradientAndVariable pair : gradientsAndVariables) {
            Gradient g = pair.gradient();
            if (g == null) {
                throw new IllegalArgumentException("Variable '" + pair.variable().name() + "' has no gradient on rank "
                        + collective.rank() + "; in data-parallel training every rank gives every variable a gradient");
            }
            if (g instanceof IndexedSlices) {
                throw new IllegalArgumentException("Variable '" + pair.variable().name() + "' has a sparse gradient (IndexedSlices) on rank "
                        + collective.rank() + "; AllReduceGradients sums dense gradients only");
            }
        }
        for (GradientAndVariable pair : gradientsAndVariables) {
            collective.allReduceSum((Tensor) pair.gradient());
        }
        return gradientsAndVariables;
    }
}
