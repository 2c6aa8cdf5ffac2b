package dev.panamax.optimizers;

import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.Variable;
import java.util.Map;
import java.util.Objects;

/**
 * What the loss function of {@link Optimizer#minimize} returns: the loss, and the gradient of each
 * variable it has one for (what TF2's gradient tape would record).
 *
 * @param loss      the loss value
 * @param gradients gradients by variable (variables compare by identity); a variable that is not a
 *                  key has no gradient this step
 */
public record LossAndGradients(double loss, Map<Variable, ? extends Gradient> gradients) {

    /** Checks that the gradients are not null. */
    public LossAndGradients {
        Objects.requireNonNull(gradients, "gradients");
    }
}
