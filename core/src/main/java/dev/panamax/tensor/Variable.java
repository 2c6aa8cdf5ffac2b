package dev.panamax.tensor;

import java.util.Objects;

/**
 * A named, mutable tensor that an optimizer updates: a Keras variable such as
 * {@code dense/kernel}. The variable does not own its tensor's lifetime; close the tensor when
 * the model is discarded.
 */
public final class Variable {

    private final String name;
    private final Tensor value;
    private final boolean trainable;
    private final Constraint constraint;

    /** A variable named {@code name} holding {@code value}; {@code constraint} (or null) runs after each update. */
    public Variable(String name, Tensor value, boolean trainable, Constraint constraint) {
        this.name = Objects.requireNonNull(name, "name");
        this.value = Objects.requireNonNull(value, "value");
        this.trainable = trainable;
        this.constraint = constraint;
        if (!value.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Variable '" + name + "' must have a floating-point dtype, got " + value.dtype().kerasName());
        }
    }

    /** A trainable variable without constraint. */
    public Variable(String name, Tensor value) {
        this(name, value, true, null);
    }

    /** Keras path of the variable, e.g. {@code dense/kernel}. */
    public String name() {
        return name;
    }

    /** Keras 3's {@code variable.name}: the last part of the path, e.g. {@code kernel}. */
    public String kerasName() {
        return name.substring(name.lastIndexOf('/') + 1);
    }

    /** The tensor the optimizer updates in place. */
    public Tensor value() {
        return value;
    }

    /** The element type of the variable's value. */
    public DType dtype() {
        return value.dtype();
    }

    /** The shape of the variable's value (a copy). */
    public long[] shape() {
        return value.shape();
    }

    /** Whether optimizers update it (Keras's {@code trainable}). */
    public boolean trainable() {
        return trainable;
    }

    /** The constraint applied after each update, or null. */
    public Constraint constraint() {
        return constraint;
    }

    @Override
    public String toString() {
        return "Variable(" + name + ", " + value.describe() + (trainable ? "" : ", non-trainable") + ")";
    }
}
