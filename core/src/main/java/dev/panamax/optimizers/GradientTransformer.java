package dev.panamax.optimizers;

import java.util.List;

/**
 * Keras's {@code gradient_transformers} and {@code gradient_aggregator} hooks: a function from
 * the list of gradients and variables to a new list. A transformer may return new gradient
 * tensors or modify the given ones in place; it must not modify variables.
 */
@FunctionalInterface
public interface GradientTransformer {

    /** Returns the pairs with their gradients transformed; must keep each gradient's variable, dtype and shape. */
    List<GradientAndVariable> apply(List<GradientAndVariable> gradientsAndVariables);
}
