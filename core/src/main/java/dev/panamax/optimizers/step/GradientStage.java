package dev.panamax.optimizers.step;

import dev.panamax.optimizers.GradientAndVariable;
import java.util.List;

/**
 * One stage of a step that maps the gradients to new gradients (Optax's {@code update} of a
 * gradient transformation): clipping, loss scaling. A stage never writes the caller's tensors; it
 * returns pairs whose gradients are the optimizer's private copies where it changed them.
 */
@FunctionalInterface
public interface GradientStage {

    /** Returns the pairs with their gradients transformed; must keep each gradient's variable, dtype and shape. */
    List<GradientAndVariable> apply(List<GradientAndVariable> pairs);
}
