package dev.panamax.optimizers.state;

import dev.panamax.tensor.Tensor;
import java.util.Objects;

/**
 * One of an optimizer's own variables, as Keras 3's {@code optimizer.variables} lists them: its
 * path (the optimizer's name scope, then the variable's name, such as
 * {@code adam/dense_kernel_momentum}) and its value.
 *
 * @param path  Keras 3's {@code variable.path}
 * @param value the live tensor for slots and other state; a copy for {@code iteration} and
 *              {@code learning_rate}, which the optimizer keeps as numbers
 */
public record OptimizerVariable(String path, Tensor value) {

    /** Checks that the path and the value are not null. */
    public OptimizerVariable {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(value, "value");
    }

    /** Keras 3's {@code variable.name}: the last part of the path. */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
