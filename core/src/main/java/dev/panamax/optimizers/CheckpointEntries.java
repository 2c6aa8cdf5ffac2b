package dev.panamax.optimizers;

import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimizer's whole state as named entries, in the order of Keras 3's
 * {@code optimizer.variables} (so entry {@code i} is Keras 3's {@code save_own_variables} key
 * {@code str(i)}):
 * <ul>
 *   <li>{@code iteration}: the step counter, int64 scalar (Keras 3's {@code iteration}, the calls of
 *       {@code apply}; with gradient accumulation, {@link Optimizer#getIterations()} is this divided
 *       by the steps);</li>
 *   <li>{@code learning_rate}: float64 scalar, the exact number, when the learning rate is one (Keras
 *       3 lists it then, as a float32; a schedule or supplier has no entry: it is config);</li>
 *   <li>{@code <variable name>/<name>} for each tensor made for one variable: its slots
 *       ({@code dense/kernel/m}), EMA average ({@code dense/kernel/average}), gradient accumulator
 *       ({@code dense/kernel/gradient_accumulator}) and other per-variable state (Adafactor's
 *       {@code r}, {@code c}), under the names {@link Optimizer#getSlot} takes;</li>
 *   <li>{@code <name>} for optimizer-wide state ({@code momentum_cache}, {@code u_product},
 *       {@code step_counter}, {@code dynamic_scale});</li>
 *   <li>for an optimizer that wraps another ({@link LossScaleOptimizer}), the wrapped one's entries
 *       follow, each key prefixed with {@code inner_optimizer/}.</li>
 * </ul>
 * Keys never depend on the optimizer's name, so a renamed optimizer loads the same file. They
 * must be unique: an optimizer built with two variables of the same name cannot be checkpointed.
 */
final class CheckpointEntries {

    /** The key prefix of a wrapped optimizer's entries (Keras 3's attribute name). */
    static final String INNER_PREFIX = "inner_optimizer/";

    private CheckpointEntries() {
    }

    /** What an entry restores. */
    enum Role {
        /** The step counter of {@link Entry#owner}. */
        ITERATION,
        /** The constant learning rate of {@link Entry#owner}. */
        LEARNING_RATE,
        /** A tensor the optimizer owns, copied as it is. */
        TENSOR
    }

    /**
     * One entry.
     *
     * @param value the live tensor for {@link Role#TENSOR}; a heap copy of the number otherwise
     * @param owner the optimizer (the wrapper, or the one it wraps) the entry belongs to
     */
    record Entry(String key, Role role, Tensor value, Optimizer owner) {

        /** For messages: {@code float32[2, 3]}. */
        String describe() {
            return value.describe();
        }

        DType dtype() {
            return value.dtype();
        }

        long[] shape() {
            return value.shape();
        }
    }

    /**
     * The entries of {@code optimizer} and of the optimizer it wraps, if any.
     *
     * @throws IllegalStateException when two entries get the same key (two variables of one name)
     */
    static List<Entry> of(Optimizer optimizer) {
        List<Entry> out = new ArrayList<>();
        add(optimizer, "", out);
        Map<String, Entry> byKey = new HashMap<>();
        for (Entry e : out) {
            if (byKey.putIfAbsent(e.key(), e) != null) {
                throw new IllegalStateException("Optimizer '" + optimizer.getName() + "' has two entries named '" + e.key()
                        + "': checkpoints name each variable's state by the variable's name, so the variables it was built "
                        + "with need distinct names");
            }
        }
        return out;
    }

    private static void add(Optimizer optimizer, String prefix, List<Entry> out) {
        optimizer.checkOpen();
        OptimizerVariables store = optimizer.store;
        out.add(new Entry(prefix + "iteration", Role.ITERATION, Tensor.scalar(store.iterations()), optimizer));
        // As OwnVariables: this optimizer's own learning rate, which Keras 2.11 does not list.
        if (!optimizer.keras211 && optimizer.getHyperparameter("learning_rate") instanceof Hyperparameter.Constant(double lr)) {
            out.add(new Entry(prefix + "learning_rate", Role.LEARNING_RATE, Tensor.scalar(DType.FLOAT64, lr), optimizer));
        }
        Map<Tensor, String> perVariable = new IdentityHashMap<>();
        for (Variable v : store.trainableVariables()) {
            for (String name : store.namesFor(v)) {
                perVariable.put(store.find(v, name), v.name() + "/" + name);
            }
        }
        for (OptimizerVariable created : store.created()) {
            String key = perVariable.get(created.value());
            if (key == null) {
                // Optimizer-wide: its path without the optimizer's name.
                key = created.path().substring(store.scope().length() + 1);
            }
            out.add(new Entry(prefix + key, Role.TENSOR, created.value(), optimizer));
        }
        Optimizer inner = optimizer.inner();
        if (inner != null) {
            add(inner, prefix + INNER_PREFIX, out);
        }
    }

    /** The keys of {@code entries}, for messages. */
    static List<String> keys(List<Entry> entries) {
        return entries.stream().map(Entry::key).toList();
    }
}
