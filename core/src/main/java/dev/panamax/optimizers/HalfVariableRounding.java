package dev.panamax.optimizers;

import dev.panamax.kernels.VariableRounding;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Variable;

/**
 * How an optimizer's bfloat16 and float16 variables are computed and rounded: in float32, their new
 * values rounded to nearest, or stochastically when a seed is set
 * ({@link OptimizerOptions#stochasticRounding}), keyed by the step and the variable's position
 * among the optimizer's variables.
 *
 * @param seed  the seed of the stochastic rounding, or null: round to nearest
 * @param store the optimizer's variables (its step count and the variables' positions)
 */
record HalfVariableRounding(Long seed, OptimizerVariables store) {

    /** The dtype a variable of {@code dtype} is computed in: float32 for the 16-bit ones, else its own. */
    static DType computeDtype(DType dtype) {
        return dtype.isHalf() ? DType.FLOAT32 : dtype;
    }

    /** How the update rounds {@code variable}'s new value: stochastically when it is 16-bit and a seed is set. */
    VariableRounding of(Variable variable) {
        if (seed == null || !variable.dtype().isHalf()) {
            return VariableRounding.NEAREST;
        }
        return VariableRounding.stochastic(seed, store.iterations(), store.position(variable));
    }
}
