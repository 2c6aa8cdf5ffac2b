package dev.panamax.optimizers;

import dev.panamax.tensor.Tensor;
import java.util.List;

/**
 * What Keras 3's {@code stateless_apply} returns: the new values of the trainable variables (in
 * the order of the build) and of the optimizer's variables (in {@link Optimizer#variables()}'s
 * order). Heap tensors that need no closing.
 */
public record StatelessResult(List<Tensor> trainableVariables, List<Tensor> optimizerVariables) {

    /** Copies the lists, so the result cannot change. */
    public StatelessResult {
        trainableVariables = List.copyOf(trainableVariables);
        optimizerVariables = List.copyOf(optimizerVariables);
    }
}
