package dev.panamax.optimizers.step;

import dev.panamax.tensor.Variable;
import java.util.List;

/** The variables' constraints, each applied to its variable after the update. */
public final class ApplyConstraints {

    private ApplyConstraints() {
    }

    public static void apply(Variable variable) {
        if (variable.constraint() != null) {
            variable.constraint().apply(variable.value());
        }
    }

    public static void apply(List<Variable> variables) {
        for (Variable v : variables) {
            apply(v);
        }
    }
}
