package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;

/**
 * Keras 3's {@code use_ema}: an exponential moving average of every trainable variable, updated
 * after each call ({@code avg = m * avg + (1 - m) * var}, with {@code m = 0} on the first step so
 * the average starts as the variable), and written over the variables every
 * {@code ema_overwrite_frequency} steps or by {@code finalize_variable_values}. Keras 2.11's
 * non-legacy optimizers instead start each average as a copy of its variable at the build and
 * use {@code m} from the first step on, with {@code 1 - m} a Python float.
 */
public final class MovingAverage {

    /** The name of the average of each variable (Keras 3's {@code add_variable_from_reference}). */
    public static final String NAME = "average";

    private final double momentum;
    private final Integer overwriteFrequency;
    private final boolean keras211;
    private final OptimizerVariables store;
    private final TensorKernelsLookup kernels;

    /** The EMA stage: averages with {@code momentum}, overwriting every {@code overwriteFrequency} steps (or never, when null). */
    public MovingAverage(double momentum, Integer overwriteFrequency, boolean keras211, OptimizerVariables store,
                         TensorKernelsLookup kernels) {
        this.momentum = momentum;
        this.overwriteFrequency = overwriteFrequency;
        this.keras211 = keras211;
        this.store = store;
        this.kernels = kernels;
    }

    /** The EMA momentum ({@code ema_momentum}). */
    public double momentum() {
        return momentum;
    }

    /** How often the averages overwrite the variables ({@code ema_overwrite_frequency}), or null. */
    public Integer overwriteFrequency() {
        return overwriteFrequency;
    }

    /** Creates the averages of {@code variables} where each variable lives: zeros (Keras 2.11: copies). */
    public void build(List<Variable> variables) {
        for (Variable v : variables) {
            Tensor average = store.addFor(v, NAME, false, () -> kernels.of(v.value()).full(v.dtype(), 0.0, v.shape()));
            if (keras211) {
                kernels.of(average).copy(v.value(), average);
            }
        }
    }

    /**
     * Updates the average of every trainable variable, then overwrites the variables with the
     * averages when {@code (iterations + 1) % frequency == 0}.
     *
     * @param iterations Keras 3's {@code optimizer.iterations} before this call's increment
     */
    public void update(long iterations) {
        for (Variable v : store.trainableVariables()) {
            Tensor w = v.value();
            Tensor average = store.find(v, NAME);
            DType t = w.dtype();
            double m = keras211 || iterations != 0 ? t.round(momentum) : 0.0;
            // Keras 3: 1 - m of the tensor m; Keras 2.11: 1 - ema_momentum as a Python float.
            double oneMinusM = keras211 ? t.round(1 - momentum) : t.round(1 - m);
            kernels.of(w).movingAverage(average, w, m, oneMinusM);
        }
        if (overwriteFrequency != null && (iterations + 1) % overwriteFrequency == 0) {
            for (Variable v : store.trainableVariables()) {
                Tensor w = v.value();
                kernels.of(w).copy(store.find(v, NAME), w);
            }
        }
    }

    /**
     * Keras 3's {@code finalize_variable_values(var_list)}: each variable takes its average.
     *
     * @throws IllegalArgumentException Keras's message when {@code variables} is not as long as the
     *                                  list the optimizer was built with, or names a variable it does
     *                                  not know; nothing is written then
     */
    public void overwriteVariables(List<Variable> variables) {
        List<Variable> built = store.trainableVariables();
        if (variables.size() != built.size()) {
            throw new IllegalArgumentException("The length of model variables (" + variables.size() + ") to override does not "
                    + "match the length of model variables stored in the optimizer (" + built.size() + "). Please check if "
                    + "the optimizer was called on your model.");
        }
        for (Variable v : variables) {
            if (store.find(v, NAME) == null) {
                throw new IllegalArgumentException("finalize_variable_values: variable '" + v.name()
                        + "' is not one of the variables the optimizer was built with");
            }
        }
        for (Variable v : variables) {
            Tensor average = store.find(v, NAME);
            if (v.value().isHost()) {
                v.value().copyFrom(average);
            } else {
                kernels.of(average).copy(average, v.value());
            }
        }
    }
}
