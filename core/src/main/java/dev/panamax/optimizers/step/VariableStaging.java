package dev.panamax.optimizers.step;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Off-heap working copies of variables that wrap Java arrays, so that kernels only ever see
 * native segments (see {@link GradientBuffers}). A step works on {@link #in}'s tensor and
 * {@link #out} writes it back; a variable that is already off-heap or on a device is its own
 * working tensor.
 */
public final class VariableStaging implements AutoCloseable {

    private final Map<Variable, Tensor> staged = new IdentityHashMap<>();

    /** The tensor a step updates for {@code variable}: its own, or an off-heap copy of its array. */
    public Tensor in(Variable variable) {
        Tensor value = variable.value();
        if (!value.isHost() || value.isNative()) {
            return value;
        }
        Tensor copy = staged.computeIfAbsent(variable, v -> Tensor.zeros(v.dtype(), v.shape()));
        copy.copyFrom(value);
        return copy;
    }

    /** The tensor the step in progress updates for {@code variable}, as {@link #in} last gave it, without copying. */
    public Tensor working(Variable variable) {
        Tensor value = variable.value();
        return !value.isHost() || value.isNative() ? value : staged.get(variable);
    }

    /** Writes {@code variable}'s working copy back into its array; nothing for a variable without one. */
    public void out(Variable variable) {
        Tensor value = variable.value();
        if (value.isHost() && !value.isNative()) {
            value.copyFrom(staged.get(variable));
        }
    }

    @Override
    public void close() {
        staged.values().forEach(Tensor::close);
        staged.clear();
    }
}
