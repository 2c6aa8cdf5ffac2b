package dev.panamax.optimizers.step;

import dev.panamax.tensor.Variable;
import java.util.List;

/**
 * The variables' constraints, each applied to its variable after the update. A constraint is user
 * code that runs after the step has started writing, so it cannot be checked beforehand: when one
 * throws, the step goes on (every variable is updated once and the step is counted, so slots and
 * {@code iterations} stay in step with each other) and {@link #throwIfAnyFailed} reports it after,
 * naming the variable left without its constraint.
 */
public final class ApplyConstraints {

    private IllegalStateException failure;

    /** Applies {@code variable}'s constraint, if it has one; a failure is kept for {@link #throwIfAnyFailed}. */
    public void apply(Variable variable) {
        if (variable.constraint() == null) {
            return;
        }
        try {
            variable.constraint().apply(variable.value());
        } catch (RuntimeException e) {
            IllegalStateException named = new IllegalStateException("The constraint of variable '" + variable.name()
                    + "' threw " + e + "; the step went on: every variable was updated and the step counted, and '"
                    + variable.name() + "' keeps its updated value without its constraint", e);
            if (failure == null) {
                failure = named;
            } else {
                failure.addSuppressed(named);
            }
        }
    }

    /** Applies the constraints of {@code variables}, in order. */
    public void apply(List<Variable> variables) {
        for (Variable v : variables) {
            apply(v);
        }
    }

    /** Throws the first constraint's failure (the others suppressed in it), if any constraint failed. */
    public void throwIfAnyFailed() {
        if (failure != null) {
            throw failure;
        }
    }
}
