package dev.panamax.optimizers;

import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.Variable;
import java.util.Objects;

/**
 * One entry of Keras's {@code grads_and_vars}: the gradient of a variable, a dense
 * {@link dev.panamax.tensor.Tensor} or sparse {@link dev.panamax.tensor.IndexedSlices}. A null
 * gradient means "no gradient" and is skipped with a warning, as Keras does.
 */
public record GradientAndVariable(Gradient gradient, Variable variable) {
    /** Checks that the variable is not null (the gradient may be, as Keras allows). */
    public GradientAndVariable {
        Objects.requireNonNull(variable, "variable");
    }
}
