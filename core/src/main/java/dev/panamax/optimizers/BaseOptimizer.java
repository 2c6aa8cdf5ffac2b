package dev.panamax.optimizers;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.optimizers.state.HyperparameterRange;
import dev.panamax.optimizers.state.Hyperparameters;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.optimizers.step.FilterEmptyGradients;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The machinery under {@link Optimizer} (as Keras 3's {@code BaseOptimizer} is under its
 * {@code Optimizer}): the state, the algorithm's contract, the step and the build, and the helpers
 * algorithms use. One step ({@link #applyGradients}) runs every check, builds on first use, then
 * the stages of {@link Step} in TF2's or Keras 3's order. Public and protected members are part of
 * {@link Optimizer}'s API; the class itself is not.
 */
abstract class BaseOptimizer implements AutoCloseable {

    final String name;
    final boolean keras3;
    final boolean keras211;
    final double initialDecay;
    Double clipnorm;
    final Double clipvalue;
    Double globalClipnorm;
    final List<GradientTransformer> gradientTransformers;
    final GradientTransformer gradientAggregator;
    final OptimizerKernels kernels;
    ChunkedExecutor executor;
    final TensorKernelsLookup lookup;
    final OptimizerVariables store;
    final Hyperparameters hyperparameters;
    final Step step;
    final boolean skipNonFiniteSteps;
    /** The slots stored in 16-bit types ({@link OptimizerOptions#slotDtype}). */
    final SlotDtypes slotDtypes;
    /** How 16-bit variables round ({@link OptimizerOptions#stochasticRounding}). */
    final HalfVariableRounding halfRounding;
    /** Steps skipped for non-finite gradients ({@link OptimizerOptions#skipNonFiniteSteps}). */
    private long skippedSteps;
    boolean closed;

    // The learning rate is declared here, through the overridable validation and default: subclasses
    // must not read their own fields in validateHyperparameter or defaultLearningRate.
    @SuppressWarnings("this-escape")
    BaseOptimizer(OptimizerOptions<?> b, String defaultName) {
        this.keras3 = b.keras3;
        this.keras211 = b.keras211;
        // Unnamed: the class name (TF2), or Keras 3's auto_name, its snake case ("adam", "adam_w", "sgd").
        // Keras 3 names an unnamed optimizer after its class in snake case; Keras 2 (2.11 too) by the class.
        this.name = b.name != null ? b.name : b.keras3 && !b.keras211 ? OptimizerConfig.snakeCase(defaultName) : defaultName;
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
        this.slotDtypes = SlotDtypes.resolve(defaultName, halfPrecisionSlots(b.keras3), b.allSlotsDtype, b.slotDtypes);
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
        this.halfRounding = new HalfVariableRounding(b.stochasticRoundingSeed, store);
        this.hyperparameters = new Hyperparameters(name);
        this.step = new Step(this, b, store, hyperparameters, lookup);
        this.skipNonFiniteSteps = b.skipNonFiniteSteps;
        setHyperparameter("learning_rate", b.learningRate != null ? b.learningRate : Hyperparameter.of(defaultLearningRate()));
    }

    // ---- what an algorithm supplies --------------------------------------------------------------

    /** The learning rate used when none is given. */
    protected abstract double defaultLearningRate();

    /**
     * The slots this algorithm's fused kernels can keep in bfloat16 or float16
     * ({@link OptimizerOptions#slotDtype}), by their names in the dialect; none by default. Called
     * from the constructor: it must not read the subclass's fields.
     */
    List<String> halfPrecisionSlots(boolean keras3) {
        return List.of();
    }

    /**
     * Whether this algorithm's fused kernels update bfloat16 and float16 variables (computing in
     * float32, with float32 gradients): by default those that can keep slots in 16 bits.
     */
    boolean updatesHalfVariables() {
        return !halfPrecisionSlots(keras3).isEmpty();
    }

    /** How the update rounds {@code variable}'s new value ({@link HalfVariableRounding}). */
    final VariableRounding rounding(Variable variable) {
        return halfRounding.of(variable);
    }

    /** Whether a slot is stored in a 16-bit type: then sparse gradients take the dense path. */
    final boolean hasHalfPrecisionSlots() {
        return slotDtypes.any();
    }

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
        return (variable, value, gradient) -> updateStep(gradient, variable, learningRate);
    }

    /**
     * Keras 3's {@code update_step(gradient, variable, learning_rate)}: the extension point of user
     * optimizers that do not override {@link #prepare}. Write the variable and slots with
     * {@link Optimizer#assign}, {@link Optimizer#assignAdd}, {@link Optimizer#assignSub} or {@link #tensorKernels}.
     *
     * @param gradient     dense, of the variable's shape and dtype, after every gradient stage. Not modified.
     * @param variable     the variable, whose value is the tensor to update (off-heap, on a Java
     *                     array or on a device; its slots live in the same kind of memory). Modified.
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

    /** An update with a dense path and a sparse one; duplicates are summed first. */
    protected static VariableUpdate.WithSparse withSparse(VariableUpdate dense, VariableUpdate.SparsePath sparse) {
        return VariableUpdate.withSparse(dense, sparse, true);
    }

    /** An update with a dense path and a sparse one; {@code summingDuplicates} as {@link VariableUpdate.WithSparse}. */
    protected static VariableUpdate.WithSparse withSparse(VariableUpdate dense, VariableUpdate.SparsePath sparse,
                                                          boolean summingDuplicates) {
        return VariableUpdate.withSparse(dense, sparse, summingDuplicates);
    }

    // ---- the step ----------------------------------------------------------------------------------

    /**
     * Keras's {@code apply_gradients(grads_and_vars)}: one optimization step. Pairs with a null
     * gradient are skipped with a warning. If any check fails, nothing has been modified.
     */
    public final synchronized void applyGradients(List<GradientAndVariable> gradientsAndVariables) {
        checkOpen();
        Objects.requireNonNull(gradientsAndVariables, "gradientsAndVariables");
        try {
            List<GradientAndVariable> pairs = FilterEmptyGradients.apply(gradientsAndVariables);
            if (pairs.isEmpty()) {
                return;
            }
            step.checks.check(pairs, "");
            if (!store.isBuilt()) {
                // As Keras 3, build with every variable given, those without a gradient this step too.
                build(variablesOf(gradientsAndVariables));
            }
            if (skipNonFiniteSteps && !step.finiteGradients.all(pairs)) {
                skippedSteps++;
                return;
            }
            runStep(pairs);
        } finally {
            // The kernels hold only the tensors' memory: keep the caller's tensors from being
            // collected (and freed by their cleaners) while a kernel still runs over them.
            Reference.reachabilityFence(gradientsAndVariables);
        }
    }

    /**
     * The step after the checks and the build: the stages, in the dialect's order. Package-private,
     * so not an extension point: only {@link LossScaleOptimizer} replaces it (it hands the
     * unscaled gradients to the optimizer it wraps, or skips the step).
     */
    void runStep(List<GradientAndVariable> pairs) {
        if (usesKeras3Step()) {
            step.keras3(pairs);
        } else {
            step.tf2(pairs);
        }
    }

    /**
     * The optimizer this one wraps ({@link LossScaleOptimizer}'s {@code inner_optimizer}), or null.
     * As in Keras, a wrapper builds it with its own build and hands it {@code iterations}, the
     * learning rate and {@code finalize_variable_values}; its variables follow the wrapper's own.
     */
    Optimizer inner() {
        return null;
    }

    /** Whether steps run in Keras 3's order: a Keras 3 optimizer, or any of Keras 3's base options set. */
    public final boolean usesKeras3Step() {
        return keras3 || step.hasKeras3Stages();
    }

    /** Keras 3's {@code apply(grads, trainable_variables)}: the same step, as two parallel lists. */
    public final synchronized void apply(List<? extends Gradient> gradients, List<Variable> variables) {
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
    public final synchronized void apply(List<? extends Gradient> gradients) {
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
    public final synchronized void build(List<Variable> variables) {
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
        checkBuildVariables(view);
        Optimizer inner = inner();
        if (inner != null) {
            // Keras 3's LossScaleOptimizer.build builds its inner optimizer. First here, so that a
            // failure there (closed, or built with other variables) leaves this one unbuilt.
            inner.build(view);
        }
        store.startBuild(unique);
        step.build(view);
        createSlots(view);
        store.finishBuild();
    }

    /**
     * The algorithm's checks of a build's variables, before anything is created (Muon: that the
     * variables it orthogonalises on the host can be copied there). Package-private; none by default.
     */
    void checkBuildVariables(List<Variable> variables) {
    }

    static List<Variable> variablesOf(List<GradientAndVariable> pairs) {
        List<Variable> vars = new ArrayList<>(pairs.size());
        for (GradientAndVariable p : pairs) {
            vars.add(p.variable());
        }
        return vars;
    }

    // ---- helpers for subclasses ------------------------------------------------------------------

    /** The element kernels of host tensors (sparse rows use them directly; dense steps go through {@link #tensorKernels}). */
    protected final OptimizerKernels kernels() {
        return kernels;
    }

    /**
     * The element kernels for {@code tensor}'s kind of host memory: {@link #kernels()}, or their
     * copy for Java arrays ({@link OptimizerKernels#forHeapArrays}) when {@code tensor} wraps one.
     * Sparse row updates call these directly on the variable's rows.
     */
    protected final OptimizerKernels kernels(Tensor tensor) {
        return tensor.isHost() && !tensor.isNative() ? kernels.forHeapArrays() : kernels;
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
        DType dtype = slotDtypes.of(slotName, variable);
        return store.addFor(variable, storedSlotName(slotName), true,
                () -> lookup.of(variable.value()).full(dtype, initialValue, variable.value().shape()));
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
     * {@link Optimizer#getWeights()} and {@link Optimizer#variables()} in creation order. Call from {@link #createSlots}.
     */
    protected final Tensor addVariable(long[] shape, double initialValue, DType dtype, String variableName) {
        return store.add(Objects.requireNonNull(variableName, "name"), Tensor.full(dtype, initialValue, shape));
    }

    /**
     * Keras 3's {@code add_variable(shape, dtype, name)} for state of one variable that does not
     * share its shape or dtype (Adafactor's factors): a tensor where the variable lives, filled
     * with {@code initialValue}, path
     * {@code <optimizer>/<name>}, listed in {@link Optimizer#variables()} and found by
     * {@link #getSlot getSlot(owner, slotName)}. Call from {@link #createSlots}.
     */
    protected final Tensor addVariableFor(Variable owner, String slotName, long[] shape, DType dtype, double initialValue,
                                          String name) {
        return store.addFor(owner, slotName, true, store.scope() + "/" + name,
                () -> lookup.of(owner.value()).full(dtype, initialValue, shape));
    }

    /** Keras's {@code get_slot(var, slot_name)}. */
    public final synchronized Tensor getSlot(Variable variable, String slotName) {
        checkOpen();
        Tensor slot = store.find(variable, storedSlotName(slotName));
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

    /**
     * Keras 2.11's names of the slots whose Keras 3 names differ ({@code momentum} to {@code m}, ...),
     * for {@link OptimizerOptions#keras211 keras211}; none by default.
     */
    protected Map<String, String> keras211SlotNames() {
        return Map.of();
    }

    /** The name a slot is stored under: Keras 2.11's for a Keras 2.11 optimizer, else the name itself. */
    private String storedSlotName(String slotName) {
        return keras211 ? keras211SlotNames().getOrDefault(slotName, slotName) : slotName;
    }

    /** Keras's {@code get_slot_names()}: the slot names in creation order. */
    public final synchronized List<String> getSlotNames() {
        return store.slotNames();
    }

    // ---- hyperparameters ---------------------------------------------------------------------------

    /** Declares or replaces a hyperparameter (Keras {@code _set_hyper}). */
    protected final void setHyperparameter(String key, Hyperparameter value) {
        checkHyperparameter(key, value);
        hyperparameters.set(key, value, hyperparameterRange(key));
    }

    /** Every check {@link #setHyperparameter} makes, without setting: Keras's, then the range. */
    final void checkHyperparameter(String key, Hyperparameter value) {
        Objects.requireNonNull(value, key);
        validateHyperparameter(key, value);
        hyperparameters.check(key, value, hyperparameterRange(key));
    }

    /**
     * The values of {@code key} that can give a finite step forward. Package-private: an algorithm
     * whose formulas allow other values ({@link Lion}'s betas) widens them.
     */
    HyperparameterRange hyperparameterRange(String key) {
        return switch (key) {
            case "learning_rate", "l1_regularization_strength", "l2_regularization_strength", "beta" ->
                    HyperparameterRange.NON_NEGATIVE;
            // Bias corrections divide by 1 - beta^t; beta_2 = 1 also makes Nadam's v_hat 0 / 0.
            case "beta_1", "beta_2" -> HyperparameterRange.DECAY_RATE;
            case "rho", "momentum" -> HyperparameterRange.UNIT;
            default -> HyperparameterRange.FINITE;
        };
    }

    /**
     * The weight decay of {@code variable} in Keras 3's {@code _apply_weight_decay}, or null for
     * none: {@code weight_decay} itself. Package-private: only an optimizer that overrides Keras's
     * {@code _apply_weight_decay} to choose the rate per variable ({@link Muon}) replaces it.
     */
    Double weightDecayOf(Variable variable) {
        return step.weightDecay == null ? null : step.weightDecay.weightDecay();
    }

    /**
     * Whether this optimizer's update of {@code variable} does Keras 3's weight decay itself, in
     * its own kernel (one pass over the variable instead of two); the weight decay stage then
     * skips the variable, and the update asks {@link #fusedWeightDecay} for the rate.
     */
    boolean decaysInUpdate(Variable variable) {
        return false;
    }

    /** The rate an update that {@link #decaysInUpdate decays in its kernel} decays {@code variable} by, or null for none. */
    final Double fusedWeightDecay(Variable variable) {
        return step.weightDecay == null ? null : step.weightDecay.rateOf(variable, this::weightDecayOf);
    }

    /** Called for every hyperparameter set; subclasses reject what Keras rejects. */
    protected void validateHyperparameter(String key, Hyperparameter value) {
    }

    /** The hyperparameter {@code key} as set: a constant, a supplier or a schedule. */
    public final synchronized Hyperparameter getHyperparameter(String key) {
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

    /**
     * Keras's {@code _decayed_lr(var_dtype)}: the learning rate (a schedule evaluated at the calls
     * so far), divided by {@code 1 + decay * iterations} when legacy decay is set, in {@code dtype}.
     */
    public final synchronized double decayedLearningRate(DType dtype) {
        double lr = learningRate(dtype);
        if (initialDecay > 0) {
            double decay = dtype.round(initialDecay);
            double steps = dtype.round(store.iterations());
            lr = dtype.round(lr / dtype.round(1.0 + dtype.round(decay * steps)));
        }
        return lr;
    }

    /**
     * Keras's {@code optimizer.iterations}: the updates so far. With gradient accumulation, the
     * calls divided by the steps (Keras 3); bias corrections count these, schedules count calls.
     * A wrapper's are those of the optimizer it wraps (Keras 3's {@code LossScaleOptimizer}).
     */
    public final synchronized long getIterations() {
        Optimizer inner = inner();
        if (inner != null) {
            return inner.getIterations();
        }
        return step.accumulation == null ? store.iterations() : Math.floorDiv(store.iterations(), step.accumulation.steps());
    }

    /**
     * Steps skipped because a gradient held a NaN or an Infinity, with
     * {@link OptimizerOptions#skipNonFiniteSteps} on; they did not count in {@link #getIterations}.
     */
    public final synchronized long getSkippedSteps() {
        return skippedSteps;
    }

    /** Keras 3's {@code optimizer._iterations}: the calls of {@code apply} so far, the counter schedules see. */
    public final synchronized long getCalls() {
        return store.iterations();
    }

    /** Frees the optimizer's variables and scratch memory; see {@link Optimizer#close()}. */
    @Override
    public abstract void close();

    /** The optimizer's {@code name}. */
    public final String getName() {
        return name;
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Optimizer '" + name + "' is closed");
        }
    }
}
