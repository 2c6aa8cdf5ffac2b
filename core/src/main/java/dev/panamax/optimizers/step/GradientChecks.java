package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.SparseGradients;
import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every check of a step's gradients and variables, run before anything is written, so that a
 * failed step changes nothing. Each message names the variable, what was expected and what came.
 */
public final class GradientChecks {

    private final OptimizerVariables store;
    private final TensorKernelsLookup kernels;
    private final boolean constraintsOnSparse;
    /** The name of the 16-bit type some slots are stored in, or null when none is. */
    private final String halfSlots;
    /** The optimizer's checks of a bfloat16 or float16 variable (throwing when it cannot update it). */
    private final Consumer<Variable> halfVariableChecks;
    /** Counts check passes, so each can mark the variables it has seen without a map of its own. */
    private long pass;
    /** The variables seen in a pass before the optimizer is built (reused, so a step allocates nothing). */
    private final Map<Variable, Boolean> seenBeforeBuild = new IdentityHashMap<>();

    /**
     * @param constraintsOnSparse whether a variable with a constraint may have an IndexedSlices
     *                            gradient (Keras 3 applies the constraint after the update; Keras 2
     *                            refuses)
     * @param halfSlots           the name of a 16-bit type the optimizer stores slots in, or null:
     *                            its kernels then need float32 or 16-bit variables
     * @param halfVariableChecks  the optimizer's checks of a bfloat16 or float16 variable
     */
    public GradientChecks(OptimizerVariables store, TensorKernelsLookup kernels, boolean constraintsOnSparse, String halfSlots,
                          Consumer<Variable> halfVariableChecks) {
        this.store = store;
        this.kernels = kernels;
        this.constraintsOnSparse = constraintsOnSparse;
        this.halfSlots = halfSlots;
        this.halfVariableChecks = halfVariableChecks;
    }

    /**
     * Checks every pair: the variable is open, known once built, and has one gradient; the gradient
     * is open, on the variable's device, of its dtype and shape (or valid rows of it).
     *
     * @param where appended to messages, such as {@code " after the gradient transformers"}
     */
    public void check(List<GradientAndVariable> pairs, String where) {
        long current = ++pass;
        boolean built = store.isBuilt();
        if (!built) {
            seenBeforeBuild.clear();
        }
        for (int position = 0; position < pairs.size(); position++) {
            GradientAndVariable p = pairs.get(position);
            Variable v = p.variable();
            checkVariable(v);
            boolean known = store.contains(v);
            if (built && !known) {
                throw new IllegalArgumentException("The optimizer cannot recognize variable " + v.name() + where
                        + ". This usually means you are trying to call the optimizer to update different parts of the model"
                        + " separately. Please call `optimizer.build(variables)` with the full list of trainable variables"
                        + " before the training loop.");
            }
            boolean repeated = known ? store.markChecked(v, current) : seenBeforeBuild.put(v, Boolean.TRUE) != null;
            if (repeated) {
                // Each variable has one gradient buffer for clipping and memory kind; add the gradients first.
                int earlier = 0;
                while (pairs.get(earlier).variable() != v) {
                    earlier++;
                }
                throw new IllegalArgumentException("Variable '" + v.name() + "' has two gradients in one step (pairs "
                        + earlier + " and " + position + ")" + where + "; add them into one gradient");
            }
            checkGradient(v, p.gradient(), where);
        }
        if (built) {
            checkOwnVariablesOpen(where);
        }
    }

    /** Every tensor the optimizer made (slots, averages, accumulators) is open: a step never meets a closed one half-way. */
    private void checkOwnVariablesOpen(String where) {
        for (OptimizerVariable own : store.created()) {
            if (!own.value().isAlive()) {
                throw new IllegalStateException("Optimizer variable '" + own.path() + "' is closed" + where
                        + "; the optimizer owns its slots and frees them when it is closed");
            }
        }
    }

    private void checkGradient(Variable v, Gradient g, String where) {
        if (g == null) {
            throw new IllegalArgumentException("Gradient for variable '" + v.name() + "' is null" + where);
        }
        if (g instanceof IndexedSlices sparse) {
            if (v.dtype().isHalf()) {
                throw new UnsupportedOperationException("Gradient for variable '" + v.name() + "' is an IndexedSlices and the"
                        + " variable is " + v.dtype().kerasName() + ": 16-bit variables take dense float32 gradients" + where);
            }
            if (!v.value().isHost()) {
                throw new UnsupportedOperationException("Gradient for variable '" + v.name() + "' is an IndexedSlices and"
                        + " the variable lives on device '" + v.value().storage().device() + "': sparse updates run on"
                        + " the host only, so far");
            }
            SparseGradients.check(v.name(), v.value(), v.constraint() != null && !constraintsOnSparse, sparse, where);
            return;
        }
        Tensor t = (Tensor) g;
        if (!t.isAlive()) {
            throw new IllegalStateException("Gradient for variable '" + v.name() + "' is closed" + where);
        }
        if (!t.storage().device().equals(v.value().storage().device())) {
            throw new IllegalArgumentException("Gradient for variable '" + v.name() + "' lives on device '"
                    + t.storage().device() + "', the variable on '" + v.value().storage().device() + "'" + where);
        }
        if (v.dtype().isHalf() && t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("Gradient for variable '" + v.name() + "' has dtype " + t.dtype().kerasName()
                    + ", expected float32 (the gradient of a " + v.dtype().kerasName() + " variable)" + where);
        }
        if (!v.dtype().isHalf() && t.dtype() != v.dtype()) {
            throw new IllegalArgumentException("Gradient for variable '" + v.name() + "' has dtype " + t.dtype().kerasName()
                    + ", expected " + v.dtype().kerasName() + " (the variable's dtype)" + where);
        }
        if (!t.hasSameShape(v.value())) {
            throw new IllegalArgumentException("Gradient for variable '" + v.name() + "' has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(v.value().shape())
                    + " (the variable's shape)" + where);
        }
    }

    /** The checks of a variable alone: open, of a dtype the kernels update, and on a device some backend can run on. */
    public void checkVariable(Variable v) {
        if (!v.value().isAlive()) {
            throw new IllegalStateException("Variable '" + v.name() + "' is closed");
        }
        if (v.dtype().isHalf()) {
            halfVariableChecks.accept(v);
        }
        if (halfSlots != null && v.dtype() == DType.FLOAT64) {
            throw new IllegalArgumentException("Variable '" + v.name() + "' has dtype " + v.dtype().kerasName() + ": slots stored in "
                    + halfSlots + " (slotDtype) are computed in float32 with float32 or 16-bit variables");
        }
        if (!kernels.hasBackend(v.value())) {
            throw new IllegalArgumentException("Variable '" + v.name() + "' lives on device '" + v.value().storage().device()
                    + "', and no backend for it is on the class path (for OpenCL buffers: panamax-gpu-opencl)");
        }
        if (!v.value().isHost() && v.constraint() != null) {
            // Constraints are host code (Constraint.nonNeg reads elements one by one).
            throw new UnsupportedOperationException("Variable '" + v.name() + "' lives on device '"
                    + v.value().storage().device() + "' and has a constraint: constraints run on the host only, so far");
        }
    }
}
