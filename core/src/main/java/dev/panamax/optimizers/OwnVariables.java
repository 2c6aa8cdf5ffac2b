package dev.panamax.optimizers;

import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An optimizer's own variables seen from outside: Keras 3's {@code variables},
 * {@code save_own_variables}, {@code load_own_variables} and {@code stateless_apply}, and Keras 2's
 * {@code get_weights} and {@code set_weights}. Every load checks everything before it writes.
 *
 * <p>A wrapper's lists are its own part followed by the parts of the optimizer it wraps, as Keras
 * 3's {@code LossScaleOptimizer.variables} is {@code self._variables + inner_optimizer.variables};
 * a load checks every part before it writes any.
 */
final class OwnVariables {

    private final Optimizer optimizer;

    OwnVariables(Optimizer optimizer) {
        this.optimizer = optimizer;
    }

    /** This optimizer's part, then those of the optimizer it wraps, if any (which must be open). */
    private List<OwnVariables> parts() {
        Optimizer inner = optimizer.inner();
        if (inner == null) {
            return List.of(this);
        }
        inner.checkOpen();
        List<OwnVariables> out = new ArrayList<>();
        out.add(this);
        out.addAll(inner.own.parts());
        return out;
    }

    /** Keras 3's {@code variables}: every part's {@link #ownVariables()}. */
    List<OptimizerVariable> variables() {
        List<OptimizerVariable> out = new ArrayList<>();
        for (OwnVariables part : parts()) {
            out.addAll(part.ownVariables());
        }
        return out;
    }

    /** {@code iteration}, {@code learning_rate} when it is a number, then the store's tensors. */
    private List<OptimizerVariable> ownVariables() {
        String scope = optimizer.store.scope();
        List<OptimizerVariable> out = new ArrayList<>();
        out.add(new OptimizerVariable(scope + "/iteration", Tensor.scalar(optimizer.store.iterations())));
        // This optimizer's own learning rate: a wrapper's getLearningRate() is the inner optimizer's.
        // Keras 2.11's learning-rate variable is not one of the optimizer's variables.
        if (!optimizer.keras211 && optimizer.getHyperparameter("learning_rate") instanceof Hyperparameter.Constant(double lr)) {
            // Keras 3 keeps a float learning rate in a float32 variable.
            out.add(new OptimizerVariable(scope + "/learning_rate", Tensor.scalar(DType.FLOAT32, lr)));
        }
        out.addAll(optimizer.store.created());
        return out;
    }

    /** Keras 2's weights of this part: {@code iteration}, then the store's tensors. */
    private List<OptimizerVariable> ownWeights() {
        List<OptimizerVariable> vars = new ArrayList<>();
        vars.add(new OptimizerVariable(optimizer.store.scope() + "/iteration", Tensor.scalar(optimizer.store.iterations())));
        vars.addAll(optimizer.store.created());
        return vars;
    }

    /** Keras 2's {@code get_weights}: every part's {@link #ownWeights()}. */
    private List<OptimizerVariable> weightVariables() {
        List<OptimizerVariable> out = new ArrayList<>();
        for (OwnVariables part : parts()) {
            out.addAll(part.ownWeights());
        }
        return out;
    }

    void save(Map<String, Tensor> target) {
        Objects.requireNonNull(target, "store");
        List<OptimizerVariable> vars = variables();
        for (OptimizerVariable v : vars) {
            requireHost(v);
        }
        for (int i = 0; i < vars.size(); i++) {
            target.put(String.valueOf(i), vars.get(i).value().copyToHeap());
        }
    }

    void load(Map<String, ? extends Tensor> source) {
        Objects.requireNonNull(source, "store");
        List<OptimizerVariable> vars = variables();
        if (source.size() != vars.size()) {
            throw new IllegalArgumentException("Skipping variable loading for optimizer '" + optimizer.getName() + "', because it has "
                    + vars.size() + " variables whereas the saved optimizer has " + source.size() + " variables. "
                    + (vars.isEmpty() ? "This is likely because the optimizer has not been called/built yet." : ""));
        }
        List<Tensor> values = new ArrayList<>(vars.size());
        for (int i = 0; i < vars.size(); i++) {
            String key = String.valueOf(i);
            if (!source.containsKey(key)) {
                throw new IllegalArgumentException("The optimizer store has no key '" + key + "' (for " + vars.get(i).path()
                        + "); its keys are " + source.keySet() + ", expected '0' to '" + (vars.size() - 1) + "'");
            }
            values.add(source.get(key));
        }
        write(values, "store['%d']", true);
    }

    List<Tensor> weights() {
        List<OptimizerVariable> vars = weightVariables();
        vars.forEach(OwnVariables::requireHost);
        List<Tensor> out = new ArrayList<>(vars.size());
        vars.forEach(v -> out.add(v.value().copyToHeap()));
        return out;
    }

    void setWeights(List<Tensor> weights) {
        Objects.requireNonNull(weights, "weights");
        List<OptimizerVariable> vars = weightVariables();
        if (weights.size() != vars.size()) {
            throw new IllegalArgumentException("You called `set_weights(weights)` on optimizer " + optimizer.getName()
                    + " with a  weight list of length " + weights.size() + ", but the optimizer was expecting " + vars.size()
                    + " weights" + (optimizer.store.isBuilt() ? "" : " (it is not built yet: call build(variables) first)") + ".");
        }
        write(weights, "weight %d", false);
    }

    /**
     * Checks every value of every part against its variable, then writes them all: in each part,
     * {@code iteration} sets the step counter, {@code learning_rate} the learning rate, the rest are
     * copied (converted to the variable's dtype).
     *
     * @param values     as many as the parts' variables (the caller has checked the count)
     * @param what       how messages name value {@code i}, a format with one {@code %d}
     * @param keras3List whether the values are Keras 3's {@code variables} (with each number learning
     *                   rate) rather than Keras 2's weights
     */
    private void write(List<? extends Tensor> values, String what, boolean keras3List) {
        List<Runnable> writes = new ArrayList<>();
        int offset = 0;
        for (OwnVariables part : parts()) {
            List<OptimizerVariable> vars = keras3List ? part.ownVariables() : part.ownWeights();
            writes.add(part.check(vars, values.subList(offset, offset + vars.size()), what, offset,
                    keras3List && part.hasLearningRate()));
            offset += vars.size();
        }
        writes.forEach(Runnable::run);
    }

    /**
     * Checks this part's values against its variables and returns their writes, which cannot fail.
     *
     * @param offset          the index of this part's first value in the whole list (for messages)
     * @param hasLearningRate whether value 1 is the learning rate
     */
    private Runnable check(List<OptimizerVariable> vars, List<? extends Tensor> values, String what, int offset,
                           boolean hasLearningRate) {
        for (int i = 0; i < vars.size(); i++) {
            OptimizerVariable v = vars.get(i);
            Tensor t = values.get(i);
            String label = String.format(what, offset + i) + " (" + v.path() + ")";
            if (t == null || !t.isAlive() || !t.isHost()) {
                throw new IllegalArgumentException(label + " is " + (t == null ? "null" : "closed or not on the host"));
            }
            requireHost(v);
            if (!t.hasSameShape(v.value())) {
                throw new IllegalArgumentException("Optimizer weight shape " + Arrays.toString(v.value().shape())
                        + " not compatible with provided weight shape " + Arrays.toString(t.shape()) + ": " + label + ".");
            }
        }
        long iterations = iterationsOf(values.get(0), String.format(what, offset));
        Hyperparameter learningRate;
        if (hasLearningRate) {
            learningRate = Hyperparameter.of(values.get(1).getDouble(0));
            optimizer.checkHyperparameter("learning_rate", learningRate);
        } else {
            learningRate = null;
        }
        return () -> {
            for (int i = learningRate != null ? 2 : 1; i < vars.size(); i++) {
                Tensor slot = vars.get(i).value();
                Tensor value = values.get(i);
                if (value.dtype() == slot.dtype()) {
                    slot.copyFrom(value);
                } else {
                    for (long j = 0; j < value.size(); j++) {
                        slot.setDouble(j, value.getDouble(j));
                    }
                }
            }
            if (learningRate != null) {
                optimizer.hyperparameters.set("learning_rate", learningRate, optimizer.hyperparameterRange("learning_rate"));
            }
            optimizer.store.setIterations(iterations);
        };
    }

    private static long iterationsOf(Tensor t, String label) {
        double step = t.getDouble(0);
        if (!(step >= 0) || step != Math.rint(step) || step >= 0x1p53) {
            throw new IllegalArgumentException(label + " (iterations) must be a non-negative integer below 2^53, got " + step);
        }
        return (long) step;
    }

    private boolean hasLearningRate() {
        return !optimizer.keras211 && optimizer.getHyperparameter("learning_rate") instanceof Hyperparameter.Constant;
    }

    private static void requireHost(OptimizerVariable v) {
        if (!v.value().isHost()) {
            throw new UnsupportedOperationException("Optimizer variable " + v.path() + " lives on device '"
                    + v.value().storage().device() + "'; saving and loading device variables is not supported yet");
        }
    }

    /** Keras 3's checks of an assignment: the same dtype, shape and place. */
    static void checkAssign(String op, Tensor target, Tensor value) {
        Objects.requireNonNull(target, "variable");
        Objects.requireNonNull(value, "value");
        if (target.dtype() != value.dtype() || !target.hasSameShape(value)
                || !target.storage().device().equals(value.storage().device())) {
            throw new IllegalArgumentException(op + ": cannot assign a " + value.describe() + " on '" + value.storage().device()
                    + "' to a " + target.describe() + " on '" + target.storage().device() + "'");
        }
    }

    StatelessResult statelessApply(List<Tensor> optimizerVariables, List<? extends Gradient> gradients, List<Tensor> trainableValues) {
        String type = optimizer.getClass().getSimpleName();
        if (!optimizer.store.isBuilt()) {
            throw new IllegalStateException("To call `stateless_apply`, " + type + " must be built (i.e. its variables must have "
                    + "been created). You can build it via `optimizer.build(trainable_variables)`.");
        }
        List<OptimizerVariable> vars = variables();
        if (optimizerVariables.size() != vars.size()) {
            throw new IllegalArgumentException("Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                    + type + "().variables. Received list with length " + optimizerVariables.size() + ", but expected "
                    + vars.size() + " variables.");
        }
        List<Variable> built = optimizer.store.trainableVariables();
        if (trainableValues.size() != built.size()) {
            throw new IllegalArgumentException("Argument `trainable_variables` must be a list of tensors corresponding 1:1 to the "
                    + "trainable variables list that the optimizer was built with. Received len(trainable_variables) == "
                    + trainableValues.size() + " whereas the optimizer was built with " + built.size() + " variables.");
        }
        for (int i = 0; i < built.size(); i++) {
            Tensor t = Objects.requireNonNull(trainableValues.get(i), "trainable value " + i);
            Variable v = built.get(i);
            if (t.dtype() != v.dtype() || !t.hasSameShape(v.value()) || !t.isHost() || !v.value().isHost()) {
                throw new IllegalArgumentException("trainable_variables[" + i + "] is a " + t.describe() + ", expected "
                        + v.value().describe() + " on the host (variable '" + v.name() + "')");
            }
        }
        // Save the state, run the step on the given values, read the results, restore: nothing given changes.
        List<Tensor> savedState = heapCopies(vars.stream().map(OptimizerVariable::value).toList());
        List<Tensor> savedValues = heapCopies(built.stream().map(Variable::value).toList());
        write(optimizerVariables, "optimizer_variables[%d]", true);
        try {
            for (int i = 0; i < built.size(); i++) {
                built.get(i).value().copyFrom(trainableValues.get(i));
            }
            optimizer.apply(gradients);
            return new StatelessResult(heapCopies(built.stream().map(Variable::value).toList()),
                    heapCopies(variables().stream().map(OptimizerVariable::value).toList()));
        } finally {
            for (int i = 0; i < built.size(); i++) {
                built.get(i).value().copyFrom(savedValues.get(i));
            }
            write(savedState, "saved state %d", true);
        }
    }

    private static List<Tensor> heapCopies(List<Tensor> tensors) {
        List<Tensor> out = new ArrayList<>(tensors.size());
        tensors.forEach(t -> out.add(t.copyToHeap()));
        return out;
    }
}
