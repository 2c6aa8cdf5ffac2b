package dev.panamax.tribuo;

import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.LossScaleOptimizer;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tribuo.math.Parameters;
import org.tribuo.math.la.Tensor;

/**
 * One training run of a {@link PanamaxOptimiser}, from {@code initialise} to {@code reset}: the
 * Panamax optimizer, built with one variable per parameter (or per row of a matrix parameter), and
 * the bindings between Tribuo's tensors and those variables.
 */
final class TrainingState implements AutoCloseable {

    private final Optimizer optimizer;
    private final ParameterBinding[] bindings;
    private final List<Variable> variables;

    private TrainingState(Optimizer optimizer, ParameterBinding[] bindings) {
        this.optimizer = optimizer;
        this.bindings = bindings;
        List<Variable> vars = new ArrayList<>();
        for (ParameterBinding b : bindings) {
            vars.addAll(b.variables());
        }
        this.variables = Collections.unmodifiableList(vars);
    }

    /**
     * Binds {@code parameters}' tensors and builds {@code optimizer} with their variables (its slots
     * are made now, not at the first step).
     *
     * @param optimizer     a new optimizer; closed here if anything fails
     * @param wholeMatrices whether every matrix is one variable even where its rows could be stepped in place
     */
    static TrainingState start(Optimizer optimizer, Parameters parameters, boolean wholeMatrices, boolean returnUpdates) {
        try {
            Objects.requireNonNull(parameters, "parameters");
            Tensor[] tensors = Objects.requireNonNull(parameters.get(), "parameters.get() returned null");
            boolean rowsInPlace = !wholeMatrices && MatrixLayout.rowsInPlace(optimizer);
            ParameterBinding[] bindings = new ParameterBinding[tensors.length];
            for (int i = 0; i < tensors.length; i++) {
                bindings[i] = ParameterBinding.of(i, tensors[i], rowsInPlace, returnUpdates);
            }
            TrainingState state = new TrainingState(optimizer, bindings);
            if (optimizer.getIterations() != 0) {
                throw new IllegalStateException("The optimizer has already taken " + optimizer.getIterations()
                        + " steps: the factory of a PanamaxOptimiser must make a new optimizer on each call");
            }
            optimizer.build(state.variables);
            return state;
        } catch (RuntimeException | Error e) {
            optimizer.close();
            throw e;
        }
    }

    /**
     * One Tribuo step: every gradient is checked before anything is written (Tribuo's gradients
     * included), then a dense gradient is scaled by {@code -weight} in its own arrays, a sparse one
     * written into a buffer, and the optimizer steps.
     *
     * @param updates Tribuo's gradients, the direction that lowers the loss; dense ones are overwritten,
     *                and may be returned
     * @param weight  the example's (or the minibatch's mean) weight
     * @return what Tribuo adds to each parameter
     */
    Tensor[] step(Tensor[] updates, double weight) {
        Objects.requireNonNull(updates, "updates");
        if (updates.length != bindings.length) {
            throw new IllegalArgumentException("step got " + updates.length + " gradients for " + bindings.length
                    + " parameters (the tensors of the Parameters given to initialise)");
        }
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("step got the example weight " + weight + ": expected a finite number");
        }
        Map<Tensor, Integer> uses = new IdentityHashMap<>();
        for (int i = 0; i < bindings.length; i++) {
            bindings[i].check(updates[i]);
            uses.merge(updates[i], 1, Integer::sum);
        }
        double scale = -weight;
        List<GradientAndVariable> pairs = new ArrayList<>(variables.size());
        for (int i = 0; i < bindings.length; i++) {
            // A tensor passed for two parameters is read twice, so it is not scaled in place.
            bindings[i].loadGradient(updates[i], scale, uses.get(updates[i]) == 1);
            bindings[i].addPairs(pairs);
        }
        for (ParameterBinding b : bindings) {
            b.beforeStep();
        }
        optimizer.applyGradients(pairs);
        Tensor[] result = new Tensor[bindings.length];
        for (int i = 0; i < bindings.length; i++) {
            result[i] = bindings[i].afterStep(updates[i]);
        }
        return result;
    }

    /** Keras's {@code finalize_variable_values}: with EMA, every parameter takes its moving average; without, nothing. */
    void finalise() {
        Optimizer stepping = optimizer instanceof LossScaleOptimizer wrapper ? wrapper.getInnerOptimizer() : optimizer;
        if (!stepping.usesEma()) {
            return;
        }
        optimizer.finalizeVariableValues(variables);
        for (ParameterBinding b : bindings) {
            b.afterFinalise();
        }
    }

    Optimizer optimizer() {
        return optimizer;
    }

    List<Variable> variables() {
        return variables;
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
