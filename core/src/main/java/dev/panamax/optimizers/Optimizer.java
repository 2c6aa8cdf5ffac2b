package dev.panamax.optimizers;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.state.Hyperparameters;
import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.optimizers.step.FilterEmptyGradients;
import dev.panamax.optimizers.step.WeightDecay;
import dev.panamax.schedules.LearningRateSchedule;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The Keras optimizer: one step ({@link #applyGradients}) runs every check, builds on first use,
 * then a pipeline of small stages ({@link Step}, in TF2's order of {@code OptimizerV2} or Keras 3's
 * of {@code BaseOptimizer}) over the optimizer's named state ({@link OptimizerVariables}) and
 * hyperparameters ({@link Hyperparameters}). Subclasses only declare their slots, compute their
 * per-step coefficients and call their kernel ({@link #prepare}), or, as Keras 3 user optimizers
 * do, override {@link #updateStep}; no optimizer loops over elements.
 *
 * <p>Every check of a step runs before anything is written. Built-in gradient stages never modify
 * the caller's gradient tensors. An optimizer is not thread-safe; call it from one thread.
 */
public abstract class Optimizer implements AutoCloseable {

    /** Keras's fallback {@code backend.epsilon()}: used when epsilon is 0 or absent. */
    public static final double DEFAULT_EPSILON = 1e-7;

    private final String name;
    final boolean keras3;
    final double initialDecay;
    Double clipnorm;
    final Double clipvalue;
    Double globalClipnorm;
    final List<GradientTransformer> gradientTransformers;
    final GradientTransformer gradientAggregator;
    private final OptimizerKernels kernels;
    private ChunkedExecutor executor;
    private final TensorKernelsLookup lookup;
    final OptimizerVariables store;
    final Hyperparameters hyperparameters;
    final Step step;
    private final OwnVariables own = new OwnVariables(this);
    /** {@link #workingView}s by variable, and the variable of each. */
    private final Map<Variable, Variable> workingViews = new IdentityHashMap<>();
    private final Map<Variable, Variable> viewOwners = new IdentityHashMap<>();
    private final Double lossScaleFactor;
    private final double emaMomentum;
    private final Integer emaOverwriteFrequency;
    private boolean closed;

    // The learning rate is declared here, through the overridable validation and default: subclasses
    // must not read their own fields in validateHyperparameter or defaultLearningRate.
    @SuppressWarnings("this-escape")
    protected Optimizer(Builder<?> b, String defaultName) {
        this.keras3 = b.keras3;
        this.name = b.name == null ? defaultName : b.name;
        KerasArguments.checkNonNegative("clipnorm", b.clipnorm);
        KerasArguments.checkNonNegative("clipvalue", b.clipvalue);
        KerasArguments.checkNonNegative("global_clipnorm", b.globalClipnorm);
        KerasArguments.checkNonNegative("decay", b.decay);
        if (b.usesKeras3Step()) {
            KerasArguments.checkKeras3Base(b);
        }
        if (b.clipnorm != null && b.globalClipnorm != null) {
            throw new IllegalArgumentException("Cannot accept both `clipnorm` and `global_clipnorm`. Received: `clipnorm`="
                    + b.clipnorm + ", `global_clipnorm`=" + b.globalClipnorm + ".");
        }
        // Keras sets the transformers first, then its clip setters refuse to combine with them.
        KerasArguments.rejectClipWithTransformers("clipnorm", b.clipnorm, b.gradientTransformers);
        KerasArguments.rejectClipWithTransformers("clipvalue", b.clipvalue, b.gradientTransformers);
        KerasArguments.rejectClipWithTransformers("global_clipnorm", b.globalClipnorm, b.gradientTransformers);
        this.initialDecay = b.decay;
        this.clipnorm = b.clipnorm;
        this.clipvalue = b.clipvalue;
        this.globalClipnorm = b.globalClipnorm;
        this.gradientTransformers = List.copyOf(b.gradientTransformers);
        this.gradientAggregator = b.gradientAggregator;
        this.kernels = b.kernels != null ? b.kernels : KernelProvider.kernels();
        this.executor = b.threads != null ? ChunkedExecutor.shared(b.threads) : ChunkedExecutor.allCores();
        this.lookup = new TensorKernelsLookup(new HostTensorKernels(kernels, executor));
        // Keras 3 paths start with the optimizer's name; unnamed, Keras 3's default (snake case of the class).
        this.store = new OptimizerVariables(b.name != null ? b.name : OptimizerConfig.snakeCase(defaultName));
        this.hyperparameters = new Hyperparameters(name);
        this.step = new Step(this, b, store, hyperparameters, lookup);
        this.lossScaleFactor = b.lossScaleFactor;
        this.emaMomentum = b.emaMomentum;
        this.emaOverwriteFrequency = b.emaOverwriteFrequency;
        setHyperparameter("learning_rate", b.learningRate != null ? b.learningRate : Hyperparameter.of(defaultLearningRate()));
    }

    // ---- what an algorithm supplies --------------------------------------------------------------

    /** The learning rate used when none is given. */
    protected abstract double defaultLearningRate();

    /**
     * Creates this algorithm's slots for {@code variables} with {@link #addSlot} (TF2) or
     * {@link #addVariableFromReference} (Keras 3), in Keras's order. None by default.
     */
    protected void createSlots(List<Variable> variables) {
    }

    /**
     * Computes the step's coefficients for variables of {@code dtype} (each rounded to
     * {@code dtype}, as TensorFlow computes them in the variable's dtype) and returns the update
     * that applies them to one variable. Called once per dtype per step. By default each variable
     * goes to {@link #updateStep}.
     *
     * @param learningRate the learning rate of this step, after the schedule and legacy decay
     */
    protected VariableUpdate prepare(DType dtype, double learningRate) {
        return (variable, value, gradient) -> updateStep(gradient, value == variable.value() ? variable : workingView(variable, value),
                learningRate);
    }

    /**
     * The variable {@link #updateStep} sees for a variable that wraps a Java array: the same name,
     * its off-heap working tensor as value; {@link #getSlot} knows it as the variable itself.
     */
    private Variable workingView(Variable variable, Tensor value) {
        Variable view = workingViews.get(variable);
        if (view == null || view.value() != value) {
            view = new Variable(variable.name(), value, variable.trainable(), null);
            workingViews.put(variable, view);
            viewOwners.put(view, variable);
        }
        return view;
    }

    /**
     * Keras 3's {@code update_step(gradient, variable, learning_rate)}: the extension point of user
     * optimizers that do not override {@link #prepare}. Write the variable and slots with
     * {@link #assign}, {@link #assignAdd}, {@link #assignSub} or {@link #tensorKernels}.
     *
     * @param gradient     dense, of the variable's shape and dtype, after every gradient stage. Not modified.
     * @param variable     the variable, whose value is the tensor to update (an off-heap working
     *                     copy when the variable wraps a Java array). Modified.
     * @param learningRate this step's learning rate, in the variable's dtype
     */
    protected void updateStep(Tensor gradient, Variable variable, double learningRate) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " must override updateStep(gradient, variable, learningRate) or prepare(dtype, learningRate)");
    }

    /**
     * Called once per step, after the hyperparameters are evaluated and before any variable is
     * updated (Keras's {@code _prepare}); for optimizer-wide state such as Nadam's momentum cache.
     */
    protected void beginStep() {
    }

    /**
     * Applies one step to one variable with a dense gradient of the same shape and dtype.
     * {@code value} holds the variable's elements and is the tensor to update: the variable's own
     * tensor, or an off-heap copy of it when it wraps a Java array. Both are off-heap or on a device.
     */
    @FunctionalInterface
    protected interface VariableUpdate {
        void apply(Variable variable, Tensor value, Tensor gradient);
    }

    /**
     * A {@link VariableUpdate} with its own sparse path (TF2's {@code _resource_apply_sparse}).
     * An update without one gets sparse gradients made dense ({@code tf.convert_to_tensor}),
     * which is what Keras 3's formulas do with an {@code IndexedSlices}.
     */
    protected interface SparseVariableUpdate extends VariableUpdate {

        /** Applies one step with gradient rows; called even when there are none (some algorithms decay every row). */
        void applySparse(Variable variable, Tensor value, SparseRows gradient);

        /** Whether repeated indices are summed first (Keras's {@code _deduplicate_indexed_slices}). */
        default boolean summingDuplicates() {
            return true;
        }
    }

    /** The sparse half of a {@link SparseVariableUpdate}. */
    @FunctionalInterface
    protected interface SparseUpdate {
        void apply(Variable variable, Tensor value, SparseRows gradient);
    }

    /** An update with a dense path and a sparse one; duplicates are summed first. */
    protected static SparseVariableUpdate withSparse(VariableUpdate dense, SparseUpdate sparse) {
        return withSparse(dense, sparse, true);
    }

    /** An update with a dense path and a sparse one; {@code summingDuplicates} as {@link SparseVariableUpdate}. */
    protected static SparseVariableUpdate withSparse(VariableUpdate dense, SparseUpdate sparse, boolean summingDuplicates) {
        return new SparseVariableUpdate() {
            @Override
            public void apply(Variable variable, Tensor value, Tensor gradient) {
                dense.apply(variable, value, gradient);
            }

            @Override
            public void applySparse(Variable variable, Tensor value, SparseRows gradient) {
                sparse.apply(variable, value, gradient);
            }

            @Override
            public boolean summingDuplicates() {
                return summingDuplicates;
            }
        };
    }

    // ---- the step ----------------------------------------------------------------------------------

    /**
     * Keras's {@code apply_gradients(grads_and_vars)}: one optimization step. Pairs with a null
     * gradient are skipped with a warning. If any check fails, nothing has been modified.
     */
    public final void applyGradients(List<GradientAndVariable> gradientsAndVariables) {
        checkOpen();
        Objects.requireNonNull(gradientsAndVariables, "gradientsAndVariables");
        List<GradientAndVariable> pairs = FilterEmptyGradients.apply(gradientsAndVariables);
        if (pairs.isEmpty()) {
            return;
        }
        step.checks.check(pairs, "");
        if (!store.isBuilt()) {
            // As Keras 3, build with every variable given, those without a gradient this step too.
            build(variablesOf(gradientsAndVariables));
        }
        if (usesKeras3Step()) {
            step.keras3(pairs);
        } else {
            step.tf2(pairs);
        }
    }

    /** Whether steps run in Keras 3's order: a Keras 3 optimizer, or any of Keras 3's base options set. */
    public final boolean usesKeras3Step() {
        return keras3 || step.hasKeras3Stages();
    }

    /** Keras 3's {@code apply(grads, trainable_variables)}: the same step, as two parallel lists. */
    public final void apply(List<? extends Gradient> gradients, List<Variable> variables) {
        Objects.requireNonNull(gradients, "gradients");
        Objects.requireNonNull(variables, "variables");
        if (gradients.size() != variables.size()) {
            throw new IllegalArgumentException("Got " + gradients.size() + " gradients for " + variables.size()
                    + " variables: expected one gradient (or null) per variable");
        }
        List<GradientAndVariable> pairs = new ArrayList<>(gradients.size());
        for (int i = 0; i < gradients.size(); i++) {
            pairs.add(new GradientAndVariable(gradients.get(i), variables.get(i)));
        }
        applyGradients(pairs);
    }

    /**
     * Keras 3's {@code apply(grads)}: one gradient (or null) per variable of the build, in its order.
     *
     * @throws IllegalStateException    Keras's message when the optimizer is not built
     * @throws IllegalArgumentException Keras's message when the counts differ
     */
    public final void apply(List<? extends Gradient> gradients) {
        checkOpen();
        if (!store.isBuilt()) {
            throw new IllegalStateException("When passing `grads` without `variables`, the optimizer must already be built on a "
                    + "list of variables. Call `optimizer.build(trainable_variables)` first. ");
        }
        List<Variable> built = store.trainableVariables();
        if (gradients.size() != built.size()) {
            throw new IllegalArgumentException("When passing `grads` as a list of gradient tensors, the gradients must match "
                    + "`optimizer.variables` one-to-on. Received a list of " + gradients.size() + " gradients, but the optimizer "
                    + "is tracking " + built.size() + " trainable variables.");
        }
        apply(gradients, built);
    }

    /**
     * Creates the optimizer's variables for {@code variables} (Keras 3's {@code build}): EMA
     * averages, gradient accumulators, then the algorithm's slots. Optional: the first step builds
     * with its variables. After that, a step on any other variable is an error. Building again with
     * variables it already has does nothing.
     */
    public final void build(List<Variable> variables) {
        checkOpen();
        if (store.isBuilt()) {
            for (Variable v : variables) {
                if (!store.contains(v)) {
                    throw new IllegalStateException("Optimizer '" + name + "' is already built with "
                            + store.trainableVariables().size() + " variables and cannot add variable '" + v.name()
                            + "'; build it once with every variable");
                }
            }
            return;
        }
        Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Variable> unique = new ArrayList<>();
        for (Variable v : variables) {
            step.checks.checkVariable(Objects.requireNonNull(v, "variable"));
            if (seen.add(v)) {
                unique.add(v);
            }
        }
        List<Variable> view = Collections.unmodifiableList(unique);
        step.checkBuild(view);
        store.startBuild(unique);
        step.build(view);
        createSlots(view);
        store.finishBuild();
    }

    static List<Variable> variablesOf(List<GradientAndVariable> pairs) {
        List<Variable> vars = new ArrayList<>(pairs.size());
        for (GradientAndVariable p : pairs) {
            vars.add(p.variable());
        }
        return vars;
    }

    /**
     * TF2's {@code minimize(loss, var_list)}: computes the loss and its gradients with
     * {@code lossAndGradients} (Java has no gradient tape), then applies the gradients of
     * {@code variables}, asked for after the loss so that variables the loss creates on its first
     * call are included. A variable without a gradient is skipped with Keras's warning.
     *
     * @return the loss
     */
    public final double minimize(Supplier<LossAndGradients> lossAndGradients, Supplier<List<Variable>> variables) {
        LossAndGradients result = Objects.requireNonNull(lossAndGradients.get(), "the loss function returned null");
        List<Variable> vars = Objects.requireNonNull(variables.get(), "the variable list is null");
        List<GradientAndVariable> pairs = new ArrayList<>(vars.size());
        for (Variable v : vars) {
            pairs.add(new GradientAndVariable(result.gradients().get(v), v));
        }
        applyGradients(pairs);
        return result.loss();
    }

    /** {@link #minimize(Supplier, Supplier)} with a fixed variable list. */
    public final double minimize(Supplier<LossAndGradients> lossAndGradients, List<Variable> variables) {
        Objects.requireNonNull(variables, "variables");
        return minimize(lossAndGradients, () -> variables);
    }

    // ---- helpers for subclasses ------------------------------------------------------------------

    /** The element kernels of host tensors (sparse rows use them directly; dense steps go through {@link #tensorKernels}). */
    protected final OptimizerKernels kernels() {
        return kernels;
    }

    /** The dense kernels of where {@code tensor} lives: the host's (this optimizer's kernels and threads) or a device's. */
    protected final TensorKernels tensorKernels(Tensor tensor) {
        return lookup.of(tensor);
    }

    /** The work on one gradient row {@code i} of a sparse gradient. */
    @FunctionalInterface
    protected interface RowTask {
        void run(int i);
    }

    /**
     * Runs {@code task} for every row of a de-duplicated sparse gradient, across this optimizer's
     * threads when there are enough elements. Rows are unique, so the order does not matter and
     * results do not depend on the thread count.
     */
    protected final void forEachRow(SparseRows gradient, RowTask task) {
        long length = gradient.rowLength();
        if (length == 0) {
            return;
        }
        executor.forEach(gradient.count() * length, (from, to) -> {
            for (long row = (from + length - 1) / length, end = (to + length - 1) / length; row < end; row++) {
                task.run((int) row);
            }
        });
    }

    /** Runs {@code task} over every element range that no row of {@code gradient} touches, in chunks across threads. */
    protected final void forEachUntouchedRange(SparseRows gradient, ChunkedExecutor.RangeTask task) {
        gradient.forEachUntouchedRange((start, end) -> executor.forEach(end - start, (from, to) -> task.run(start + from, start + to)));
    }

    /**
     * Keras's {@code add_slot}: a tensor of the variable's shape and dtype where it lives, filled
     * with {@code initialValue}, named {@code slotName}. Call from {@link #createSlots}.
     */
    protected final Tensor addSlot(Variable variable, String slotName, double initialValue) {
        return store.addFor(variable, slotName, true,
                () -> lookup.of(variable.value()).full(variable.dtype(), initialValue, variable.value().shape()));
    }

    /**
     * Keras 3's {@code add_variable_from_reference(reference, name, initializer)}: a slot of
     * {@code reference}'s shape and dtype where it lives, filled with {@code initialValue} (Keras's
     * {@code "zeros"} is 0), with path {@code <optimizer>/<reference path with '/' as '_'>_<name>}.
     * Call from {@link #createSlots}.
     */
    protected final Tensor addVariableFromReference(Variable reference, String name, double initialValue) {
        return addSlot(reference, name, initialValue);
    }

    /** {@link #addVariableFromReference(Variable, String, double)} filled with zeros, Keras's default. */
    protected final Tensor addVariableFromReference(Variable reference, String name) {
        return addSlot(reference, name, 0.0);
    }

    /**
     * Keras's {@code add_weight} / Keras 3's {@code add_variable(shape, initializer, dtype, name)}
     * for optimizer-wide state (not per variable): a host tensor of {@code dtype} and
     * {@code shape} filled with {@code initialValue}, path {@code <optimizer>/<name>}, listed in
     * {@link #getWeights()} and {@link #variables()} in creation order. Call from {@link #createSlots}.
     */
    protected final Tensor addVariable(long[] shape, double initialValue, DType dtype, String variableName) {
        return store.add(Objects.requireNonNull(variableName, "name"), Tensor.full(dtype, initialValue, shape));
    }

    /** Keras's {@code get_slot(var, slot_name)}. */
    public final Tensor getSlot(Variable variable, String slotName) {
        variable = viewOwners.getOrDefault(variable, variable);
        Tensor slot = store.find(variable, slotName);
        if (slot == null) {
            if (!store.contains(variable)) {
                throw new IllegalArgumentException("Optimizer '" + name + "' has no slots for variable '" + variable.name()
                        + "': it was not built with it");
            }
            throw new IllegalArgumentException("Slot '" + slotName + "' not found for variable '" + variable.name()
                    + "'; its slots are " + store.namesFor(variable));
        }
        return slot;
    }

    /** Keras's {@code get_slot_names()}: the slot names in creation order. */
    public final List<String> getSlotNames() {
        return store.slotNames();
    }

    /** Keras 3's {@code assign(variable, value)}: copies {@code value} into {@code target} (same dtype, shape and place). */
    public final void assign(Tensor target, Tensor value) {
        OwnVariables.checkAssign("assign", target, value);
        lookup.of(target).copy(value, target);
    }

    /** Keras 3's {@code assign_add(variable, value)}: {@code target += value}. */
    public final void assignAdd(Tensor target, Tensor value) {
        OwnVariables.checkAssign("assign_add", target, value);
        lookup.of(target).axpy(value, target, 1.0);
    }

    /** Keras 3's {@code assign_sub(variable, value)}: {@code target -= value}. */
    public final void assignSub(Tensor target, Tensor value) {
        OwnVariables.checkAssign("assign_sub", target, value);
        lookup.of(target).axpy(value, target, -1.0);
    }

    // ---- hyperparameters ---------------------------------------------------------------------------

    /** Declares or replaces a hyperparameter (Keras {@code _set_hyper}). */
    protected final void setHyperparameter(String key, Hyperparameter value) {
        Objects.requireNonNull(value, key);
        validateHyperparameter(key, value);
        hyperparameters.set(key, value);
    }

    /** Called for every hyperparameter set; subclasses reject what Keras rejects. */
    protected void validateHyperparameter(String key, Hyperparameter value) {
    }

    /** The hyperparameter {@code key} as set: a constant, a supplier or a schedule. */
    public final Hyperparameter getHyperparameter(String key) {
        return hyperparameters.get(key);
    }

    /** The value of {@code key} for the step in progress, as Keras 2 feeds it to a kernel of {@code dtype}. */
    protected final double hyperparameter(String key, DType dtype) {
        return hyperparameters.forDtype(key, dtype, store.iterations());
    }

    /** The value of {@code key} for the step in progress, without Keras 2's float32 storage (Keras 3 casts Python floats directly). */
    protected final double exactHyperparameter(String key) {
        return hyperparameters.exact(key, store.iterations());
    }

    /** Keras 3's {@code learning_rate} of this step in {@code dtype} (a schedule sees the calls so far). */
    final double learningRate(DType dtype) {
        return hyperparameter("learning_rate", dtype);
    }

    public final void setLearningRate(double learningRate) {
        setHyperparameter("learning_rate", Hyperparameter.of(learningRate));
    }

    public final void setLearningRate(DoubleSupplier learningRate) {
        setHyperparameter("learning_rate", Hyperparameter.of(learningRate));
    }

    public final void setLearningRate(LearningRateSchedule learningRate) {
        setHyperparameter("learning_rate", Hyperparameter.of(learningRate));
    }

    public final Hyperparameter getLearningRate() {
        return getHyperparameter("learning_rate");
    }

    /**
     * Keras's {@code _decayed_lr(var_dtype)}: the learning rate (a schedule evaluated at the calls
     * so far), divided by {@code 1 + decay * iterations} when legacy decay is set, in {@code dtype}.
     */
    public final double decayedLearningRate(DType dtype) {
        double lr = learningRate(dtype);
        if (initialDecay > 0) {
            double decay = dtype.round(initialDecay);
            double steps = dtype.round(store.iterations());
            lr = dtype.round(lr / dtype.round(1.0 + dtype.round(decay * steps)));
        }
        return lr;
    }

    // ---- state -------------------------------------------------------------------------------------

    /**
     * Whether this optimizer is a Keras 3 one ({@link Builder#keras3}): Keras 3's formulas where
     * they differ from Keras 2's (RMSprop, Adagrad, Nadam), step order, config form and messages.
     */
    public final boolean isKeras3() {
        return keras3;
    }

    /**
     * Keras's {@code optimizer.iterations}: the updates so far. With gradient accumulation, the
     * calls divided by the steps (Keras 3); bias corrections count these, schedules count calls.
     */
    public final long getIterations() {
        return step.accumulation == null ? store.iterations() : Math.floorDiv(store.iterations(), step.accumulation.steps());
    }

    /** Keras 3's {@code optimizer._iterations}: the calls of {@code apply} so far, the counter schedules see. */
    public final long getCalls() {
        return store.iterations();
    }

    public final String getName() {
        return name;
    }

    /** Threads that share the update of a large tensor. */
    public final int getThreads() {
        return executor.threads();
    }

    /**
     * Changes the threads that share the update of a large tensor (as {@link Builder#threads}).
     * Results do not depend on it; not part of the Keras config.
     */
    public final void setThreads(int threads) {
        executor = ChunkedExecutor.shared(threads);
        lookup.setHost(new HostTensorKernels(kernels, executor));
    }

    /** Legacy inverse-time decay of the learning rate ({@code decay}); 0 when off. */
    public final double getDecay() {
        return initialDecay;
    }

    public final Double getClipnorm() {
        return clipnorm;
    }

    public final Double getClipvalue() {
        return clipvalue;
    }

    public final Double getGlobalClipnorm() {
        return globalClipnorm;
    }

    /** Keras's {@code clipnorm} setter: may not be set while {@code global_clipnorm} is. */
    public final void setClipnorm(Double value) {
        KerasArguments.checkNonNegative("clipnorm", value);
        KerasArguments.rejectClipWithTransformers("clipnorm", value, gradientTransformers);
        if (value != null && globalClipnorm != null) {
            throw new IllegalArgumentException("`clipnorm` cannot be set when `global_clipnorm` is set. Instead, use the "
                    + "`global_clipnorm` argument. Received: clipnorm=" + value + ", global_clipnorm=" + globalClipnorm + ".");
        }
        clipnorm = value;
    }

    /** Keras's {@code global_clipnorm} setter: may not be set while {@code clipnorm} is. */
    public final void setGlobalClipnorm(Double value) {
        KerasArguments.checkNonNegative("global_clipnorm", value);
        KerasArguments.rejectClipWithTransformers("global_clipnorm", value, gradientTransformers);
        if (value != null && clipnorm != null) {
            throw new IllegalArgumentException("`global_clipnorm` cannot be set when `clipnorm` is set. Instead, use the "
                    + "`clipnorm` argument. Received: clipnorm=" + clipnorm + ", global_clipnorm=" + value + ".");
        }
        globalClipnorm = value;
    }

    // ---- Keras 3's base options ----------------------------------------------------------------------

    /** Keras 3's {@code weight_decay}, or null when off. */
    public final Double getWeightDecay() {
        return step.weightDecay == null ? null : step.weightDecay.weightDecay();
    }

    /**
     * Keras 3's {@code exclude_from_weight_decay(var_list, var_names)}: no weight decay for the
     * variables of {@code variables}, nor for those whose Keras name (the last part of the path)
     * contains a match of one of {@code names}, read as regular expressions. Each call replaces the
     * exclusions of the one before. Every exclusion must name a variable of the build (checked at the
     * build, or now if built).
     *
     * @param variables not modified; may be null
     * @param names     not modified; may be null
     * @throws IllegalStateException    when the optimizer has no weight decay
     * @throws IllegalArgumentException when a name is not a regular expression, or an exclusion
     *                                  names no variable of the build
     */
    public final void excludeFromWeightDecay(List<Variable> variables, List<String> names) {
        checkOpen();
        if (step.weightDecay == null) {
            throw new IllegalStateException("Optimizer '" + name + "' has no weight_decay: exclude_from_weight_decay() "
                    + "would have no effect");
        }
        if (store.isBuilt()) {
            WeightDecay check = new WeightDecay(0, null, null);
            check.exclude(variables, names);
            check.checkExclusions(store.trainableVariables());
        }
        step.weightDecay.exclude(variables, names);
    }

    /** Keras 3's {@code use_ema}. */
    public final boolean usesEma() {
        return step.ema != null;
    }

    /** Keras 3's {@code ema_momentum} (0.99 unless set; used only with EMA). */
    public final double getEmaMomentum() {
        return emaMomentum;
    }

    /** Keras 3's {@code ema_overwrite_frequency}, or null. */
    public final Integer getEmaOverwriteFrequency() {
        return emaOverwriteFrequency;
    }

    /**
     * Keras 3's {@code finalize_variable_values(var_list)}: with EMA, each variable takes its moving
     * average (as {@code model.fit} does at the end of training); without, nothing.
     *
     * @throws IllegalArgumentException Keras's message when {@code variables} is not as long as the
     *                                  build's list; nothing is written then
     */
    public final void finalizeVariableValues(List<Variable> variables) {
        checkOpen();
        if (step.ema != null) {
            step.ema.overwriteVariables(variables);
        }
    }

    /** Keras 3's {@code loss_scale_factor}, or null. */
    public final Double getLossScaleFactor() {
        return lossScaleFactor;
    }

    /** Keras 3's {@code scale_loss(loss)}: {@code loss * loss_scale_factor}, or the loss when there is none. */
    public final double scaleLoss(double loss) {
        return lossScaleFactor == null ? loss : loss * lossScaleFactor;
    }

    /** Keras 3's {@code gradient_accumulation_steps}, or null. */
    public final Integer getGradientAccumulationSteps() {
        return step.accumulation == null ? null : step.accumulation.steps();
    }

    // ---- the optimizer's variables -----------------------------------------------------------------

    /**
     * Keras 3's {@code optimizer.variables}: {@code iteration} (an int64 scalar), {@code learning_rate}
     * (a float32 scalar, when it is a number), then every variable the optimizer created, in creation
     * order (EMA averages, gradient accumulators, the algorithm's slots), each with its Keras 3 path.
     * Slots are the live tensors; {@code iteration} and {@code learning_rate} are copies.
     */
    public final List<OptimizerVariable> variables() {
        checkOpen();
        return own.variables();
    }

    /** Keras 3's {@code save_own_variables(store)}: {@code store["0"]}, {@code store["1"]}, ... = heap copies of {@link #variables()}. */
    public final void saveOwnVariables(Map<String, Tensor> target) {
        checkOpen();
        own.save(target);
    }

    /**
     * Keras 3's {@code load_own_variables(store)}, all or nothing: every entry is checked (count,
     * keys, shapes, values) before any is written. Where Keras warns "Skipping variable loading for
     * optimizer ..." and loads nothing, this throws with the same message.
     *
     * @param source not modified
     * @throws IllegalArgumentException when the store does not fit this optimizer's variables
     */
    public final void loadOwnVariables(Map<String, ? extends Tensor> source) {
        checkOpen();
        own.load(source);
    }

    /**
     * Keras 3's {@code stateless_apply(optimizer_variables, grads, trainable_variables)}: the step
     * {@link #apply(List)} would take from the given values, without changing this optimizer, its
     * variables or the arguments.
     *
     * @param optimizerVariables one tensor per {@link #variables()} entry. Not modified.
     * @param gradients          one gradient (or null) per variable of the build. Not modified.
     * @param trainableValues    one tensor per variable of the build. Not modified.
     * @return new heap tensors: the variables' values and the optimizer's variables after the step
     */
    public final StatelessResult statelessApply(List<Tensor> optimizerVariables, List<? extends Gradient> gradients,
                                                List<Tensor> trainableValues) {
        checkOpen();
        return own.statelessApply(optimizerVariables, gradients, trainableValues);
    }

    /**
     * Keras 2's {@code get_weights()}: {@code iterations} (an int64 scalar) first, then every
     * tensor the optimizer created, in creation order. Heap copies that need no closing.
     */
    public final List<Tensor> getWeights() {
        checkOpen();
        return own.weights();
    }

    /**
     * Keras 2's {@code set_weights(weights)}, in {@link #getWeights()}'s order. Every length and
     * shape is checked before anything is written. Build the optimizer first to have slots.
     */
    public final void setWeights(List<Tensor> weights) {
        checkOpen();
        own.setWeights(weights);
    }

    // ---- config --------------------------------------------------------------------------------------

    /**
     * Keras's {@code get_config()}: Keras 3's keys for a {@linkplain #isKeras3() Keras 3}
     * optimizer; otherwise TF2's ({@code name}, the clipping options that are set, the algorithm's
     * keys), with Keras 3's base options appended when set, as Keras 2.11+ wrote them.
     */
    public final Map<String, Object> getConfig() {
        return keras3 ? OptimizerConfig.keras3(this) : OptimizerConfig.tf2(this);
    }

    /** Adds the algorithm's keys to {@code config}, in Keras's order. By default, only the learning rate. */
    protected void addConfig(Map<String, Object> config) {
        config.put("learning_rate", serializeHyperparameter("learning_rate"));
    }

    /** Keras's {@code _serialize_hyperparameter}: the value, a callable's current value, or a schedule's config. */
    protected final Object serializeHyperparameter(String key) {
        return hyperparameters.serialize(key, store.iterations());
    }

    // ---- lifetime ----------------------------------------------------------------------------------

    /** Frees the optimizer's variables and scratch memory. The model's variables are not touched. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        store.close();
        step.close();
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Optimizer '" + name + "' is closed");
        }
    }

    @Override
    public String toString() {
        try {
            return getClass().getSimpleName() + getConfig();
        } catch (RuntimeException e) { // e.g. a lambda schedule, which has no config
            return getClass().getSimpleName() + "(" + name + ")";
        }
    }

    /**
     * The builder of an optimizer: {@link OptimizerOptions}' keyword arguments, and the algorithm's.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> extends OptimizerOptions<B> {

        public abstract Optimizer build();
    }
}
