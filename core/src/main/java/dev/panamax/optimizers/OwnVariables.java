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
 */
final class OwnVariables {

    private final Optimizer optimizer;

    OwnVariables(Optimizer optimizer) {
        this.optimizer = optimizer;
    }

    /** {@code iteration}, {@code learning_rate} when it is a number, then the store's tensors. */
    List<OptimizerVariable> variables() {
        String scope = optimizer.store.scope();
        List<OptimizerVariable> out = new ArrayList<>();
        out.add(new OptimizerVariable(scope + "/iteration", Tensor.scalar(optimizer.store.iterations())));
        if (optimizer.getLearningRate() instanceof Hyperparameter.Constant(double lr)) {
            // Keras 3 keeps a float learning rate in a float32 variable.
            out.add(new OptimizerVariable(scope + "/learning_rate", Tensor.scalar(DType.FLOAT32, lr)));
        }
        out.addAll(optimizer.store.created());
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
        write(vars, values, "store['%d']", hasLearningRate());
    }

    List<Tensor> weights() {
        List<OptimizerVariable> created = optimizer.store.created();
        List<Tensor> out = new ArrayList<>(1 + created.size());
        out.add(Tensor.scalar(optimizer.store.iterations()));
        for (OptimizerVariable v : created) {
            requireHost(v);
            out.add(v.value().copyToHeap());
        }
        return out;
    }

    void setWeights(List<Tensor> weights) {
        Objects.requireNonNull(weights, "weights");
        List<OptimizerVariable> vars = new ArrayList<>();
        vars.add(new OptimizerVariable(optimizer.store.scope() + "/iteration", Tensor.scalar(optimizer.store.iterations())));
        vars.addAll(optimizer.store.created());
        if (weights.size() != vars.size()) {
            throw new IllegalArgumentException("You called `set_weights(weights)` on optimizer " + optimizer.getName()
                    + " with a  weight list of length " + weights.size() + ", but the optimizer was expecting " + vars.size()
                    + " weights" + (optimizer.store.isBuilt() ? "" : " (it is not built yet: call build(variables) first)") + ".");
        }
        write(vars, weights, "weight %d", false);
    }

    /**
     * Checks every value against its variable, then writes them all: {@code iteration} sets the
     * step counter, {@code learning_rate} the learning rate, the rest are copied (converted to the
     * variable's dtype).
     *
     * @param what            how messages name value {@code i}, a format with one {@code %d}
     * @param hasLearningRate whether value 1 is the learning rate
     */
    private void write(List<OptimizerVariable> vars, List<? extends Tensor> values, String what, boolean hasLearningRate) {
        for (int i = 0; i < vars.size(); i++) {
            OptimizerVariable v = vars.get(i);
            Tensor t = values.get(i);
            String label = String.format(what, i) + " (" + v.path() + ")";
            if (t == null || !t.isAlive() || !t.isHost()) {
                throw new IllegalArgumentException(label + " is " + (t == null ? "null" : "closed or not on the host"));
            }
            requireHost(v);
            if (!t.hasSameShape(v.value())) {
                throw new IllegalArgumentException("Optimizer weight shape " + Arrays.toString(v.value().shape())
                        + " not compatible with provided weight shape " + Arrays.toString(t.shape()) + ": " + label + ".");
            }
        }
        long iterations = iterationsOf(values.get(0), String.format(what, 0));
        int next = 1;
        Hyperparameter learningRate = null;
        if (hasLearningRate) {
            double lr = values.get(1).getDouble(0);
            learningRate = Hyperparameter.of(lr);
            optimizer.validateHyperparameter("learning_rate", learningRate);
            next = 2;
        }
        for (int i = next; i < vars.size(); i++) {
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
            optimizer.hyperparameters.set("learning_rate", learningRate);
        }
        optimizer.store.setIterations(iterations);
    }

    private static long iterationsOf(Tensor t, String label) {
        double step = t.getDouble(0);
        if (!(step >= 0) || step != Math.rint(step) || step >= 0x1p53) {
            throw new IllegalArgumentException(label + " (iterations) must be a non-negative integer below 2^53, got " + step);
        }
        return (long) step;
    }

    private boolean hasLearningRate() {
        return optimizer.getLearningRate() instanceof Hyperparameter.Constant;
    }

    private void requireHost(OptimizerVariable v) {
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
        write(vars, optimizerVariables, "optimizer_variables[%d]", hasLearningRate());
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
            write(variables(), savedState, "saved state %d", hasLearningRate());
        }
    }

    private static List<Tensor> heapCopies(List<Tensor> tensors) {
        List<Tensor> out = new ArrayList<>(tensors.size());
        tensors.forEach(t -> out.add(t.copyToHeap()));
        return out;
    }
}
