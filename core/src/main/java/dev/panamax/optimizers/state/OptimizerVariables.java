package dev.panamax.optimizers.state;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The named store of an optimizer's own state: the step counter, the trainable variables it was
 * built with, and every tensor it created for them (slots, EMA averages, gradient accumulators)
 * or for itself (such as Nadam's momentum cache), in creation order. Paths follow Keras 3's
 * {@code add_variable_from_reference}: {@code scope/<variable path with '/' as '_'>_<name>}.
 *
 * <p>Tensors are created by the caller (where the variable lives) and owned by the store from
 * then on: {@link #close} frees them.
 */
public final class OptimizerVariables implements AutoCloseable {

    private final String scope;
    private long iterations;
    private boolean built;
    private final List<Variable> trainable = new ArrayList<>();
    private final Map<Variable, PerVariable> perVariable = new IdentityHashMap<>();
    private final List<OptimizerVariable> created = new ArrayList<>();
    private final List<String> slotNames = new ArrayList<>();

    /** A variable's tensors by name, and the last validation pass that saw it. */
    private static final class PerVariable {
        final Map<String, Tensor> byName = new LinkedHashMap<>();
        long checkedIn;
        /** The variable's position among the trainable ones. */
        int position;
    }

    /** @param scope the optimizer's name, the first part of every path */
    public OptimizerVariables(String scope) {
        this.scope = Objects.requireNonNull(scope, "scope");
    }

    /** The first part of every path: the optimizer's name. */
    public String scope() {
        return scope;
    }

    /** The raw step counter: calls of {@code apply} that updated or accumulated. */
    public long iterations() {
        return iterations;
    }

    /** Sets the raw step counter (loading state). */
    public void setIterations(long iterations) {
        this.iterations = iterations;
    }

    /** Counts one more step. */
    public void incrementIterations() {
        iterations++;
    }

    /** Whether the optimizer has been built. */
    public boolean isBuilt() {
        return built;
    }

    /**
     * Registers the trainable variables (distinct, in order) before their tensors are created,
     * so that {@link #addFor} accepts them; {@link #finishBuild} closes the build.
     */
    public void startBuild(List<Variable> variables) {
        if (built) {
            throw new IllegalStateException("The optimizer variables are already built");
        }
        for (Variable v : variables) {
            PerVariable entry = new PerVariable();
            if (perVariable.putIfAbsent(v, entry) == null) {
                entry.position = trainable.size();
                trainable.add(v);
            }
        }
    }

    /** Marks the build as done: from now on only the built variables are accepted. */
    public void finishBuild() {
        built = true;
    }

    /** The trainable variables of the build, in order. */
    public List<Variable> trainableVariables() {
        return Collections.unmodifiableList(trainable);
    }

    /** The position of a built variable among {@link #trainableVariables}, or -1 for another one. */
    public int position(Variable variable) {
        PerVariable entry = perVariable.get(variable);
        return entry == null ? -1 : entry.position;
    }

    /** Whether {@code variable} is one of the build's. */
    public boolean contains(Variable variable) {
        return perVariable.containsKey(variable);
    }

    /**
     * The tensor named {@code name} of {@code variable}, made by {@code make} the first time
     * (Keras 3's {@code add_variable_from_reference(variable, name)}). {@code slot} says whether it
     * is a slot, listed by {@link #slotNames}, rather than an EMA copy or an accumulator.
     */
    public Tensor addFor(Variable variable, String name, boolean slot, Supplier<Tensor> make) {
        return addFor(variable, name, slot, scope + "/" + variable.name().replace('/', '_') + "_" + name, make);
    }

    /** {@link #addFor(Variable, String, boolean, Supplier)} with its own path (Keras 3's {@code add_variable} for one variable). */
    public Tensor addFor(Variable variable, String name, boolean slot, String path, Supplier<Tensor> make) {
        PerVariable state = perVariable.get(variable);
        if (state == null) {
            throw new IllegalStateException("Variables can be added for '" + variable.name()
                    + "' only while the optimizer is being built with it");
        }
        Tensor existing = state.byName.get(name);
        if (existing != null) {
            return existing;
        }
        Tensor tensor = Objects.requireNonNull(make.get(), "tensor");
        state.byName.put(name, tensor);
        created.add(new OptimizerVariable(path, tensor));
        if (slot && !slotNames.contains(name)) {
            slotNames.add(name);
        }
        return tensor;
    }

    /** An optimizer-wide tensor named {@code name} (Keras 3's {@code add_variable}), owned by the store. */
    public Tensor add(String name, Tensor tensor) {
        created.add(new OptimizerVariable(scope + "/" + name, Objects.requireNonNull(tensor, "tensor")));
        return tensor;
    }

    /** The tensor {@code name} of {@code variable}, or null when it has none of that name. */
    public Tensor find(Variable variable, String name) {
        PerVariable state = perVariable.get(variable);
        return state == null ? null : state.byName.get(name);
    }

    /** The names of {@code variable}'s tensors in creation order; empty when the store does not know it. */
    public List<String> namesFor(Variable variable) {
        PerVariable state = perVariable.get(variable);
        return state == null ? List.of() : List.copyOf(state.byName.keySet());
    }

    /** The slot names in creation order (Keras 2's {@code get_slot_names}). */
    public List<String> slotNames() {
        return List.copyOf(slotNames);
    }

    /** Every tensor the store owns, in creation order, with its path. */
    public List<OptimizerVariable> created() {
        return Collections.unmodifiableList(created);
    }

    /**
     * Marks {@code variable} as seen by validation pass {@code pass}.
     *
     * @return whether it was already marked in that pass (a second gradient for it)
     */
    public boolean markChecked(Variable variable, long pass) {
        PerVariable state = perVariable.get(variable);
        boolean repeated = state.checkedIn == pass;
        state.checkedIn = pass;
        return repeated;
    }

    /** Frees every tensor the store owns. Idempotent. */
    @Override
    public void close() {
        created.forEach(v -> v.value().close());
        created.clear();
        perVariable.clear();
        trainable.clear();
    }
}
